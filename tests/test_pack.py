"""The Board pack PDF (issue 16 item 4): the cover, then each workstream on its own pages,
as LibreOffice prints it.

The example's pages were looked at one by one (``docs/pack-*.png`` are three of them):
the nine workstreams take 3, 6, 5, 3, 5, 5, 2, 3 and 3 pages (35 in all) after the cover;
no text is cut off; no heading sits alone at the foot of a page; a continued key-task
table repeats "Key tasks — Workstream N: …" and its column headers; WS4, WS6 and WS9 say
"No headline given.". The tests below hold the pack to that, reading the PDF's text. The
page counts follow the row heights of ``sheets/text.py``: when its estimate changes, look
at the pages again and update WORKSTREAM_PAGES.

Without LibreOffice only the tests that need it are skipped (CI installs it); the errors a
user can meet, and the page layout's own arithmetic, are tested everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from cqcxl.core.dates import interpret
from cqcxl.core.model import KeyTask, Plan, Risk, Workstream
from cqcxl.core.summary import compute
from cqcxl.engines.package_engine import PackageBook
from cqcxl.errors import BookError
from cqcxl.jobs import Run
from cqcxl.pack import SOFFICE_HINT, build_pack, count_page_objects, count_pages
from cqcxl.sheets import pages
from cqcxl.sheets import theme as T

from .conftest import EXAMPLE, ROOT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="LibreOffice and poppler-utils are not installed (.ci/run installs "
           "libreoffice-calc-nogui and poppler-utils)")
posix_only = pytest.mark.skipif(os.name == "nt", reason="the stand-in LibreOffice is a shell "
                                "script")

AS_OF = date(2018, 11, 15)
#: Pages per workstream after the cover, counted by eye on the rendered example.
WORKSTREAM_PAGES = [3, 6, 5, 3, 5, 5, 2, 3, 3]
HEADINGS = ("Recent activity / headlines", "Key risks", "Additional narrative", "Key tasks —",
            "Key risk RAG Mitigation", "Task ID")


def norm(text: str) -> str:
    return " ".join(text.split())


def words(text: str, n: int = 8) -> str:
    """The first ``n`` words of a cell, with no spaces: as they must appear in the PDF's
    text, wherever LibreOffice wrapped the lines (it may break after a '/')."""
    return "".join(text.split()[:n])


def squeeze(text: str) -> str:
    return "".join(text.split())


# --- the example, printed once for the tests that read it --------------------------------

#: the line LibreOffice prints at the foot of each page: the sheet's name, its page number
FOOTER = re.compile(r"^(?P<sheet>\S.*?) Page (?P<k>\d+) of (?P<n>\d+)$")


@dataclass
class Printed:
    book: Path
    before: bytes
    folder: Path
    pdf: Path
    said: list[str]
    result: object
    texts: list[str]     # each page's text (pdftotext -raw), its footer taken out
    footers: list[str]   # each page's footer line ("WS1 ICT Page 8 of 42")
    first_page: dict[int, int]  # workstream number -> its first page (1-based)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Printed:
    if SOFFICE is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and poppler-utils are not installed")
    folder = tmp_path_factory.mktemp("pack")
    book = folder / "plan.xlsx"
    shutil.copy(EXAMPLE, book)
    before = book.read_bytes()
    said: list[str] = []
    pdf = folder / "board-pack.pdf"
    result = build_pack(book, pdf, as_of=AS_OF, progress=said.append)
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    texts, footers = [], []
    for page in raw.split("\f")[:-1]:
        lines = page.splitlines()
        foot = [ln for ln in lines if FOOTER.match(ln)]
        footers.append(foot[0] if foot else "")
        texts.append("\n".join(ln for ln in lines if not FOOTER.match(ln)))
    plan = Run(PackageBook(book).read(), AS_OF).plan
    first = {}
    for ws in plan.workstreams:
        title = f"Workstream {ws.number}: {ws.name}"
        first[ws.number] = next(i for i, t in enumerate(texts, start=1)
                                if (t.splitlines() or [""])[0] == title)
    return Printed(book, before, folder, pdf, said, result, texts, footers, first)


@needs_lo
def test_the_pack_of_the_example(printed):
    r = printed.result
    assert r.path == printed.pdf and printed.pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(printed.pdf)], capture_output=True, text=True,
                          check=True).stdout
    pdfinfo_pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    cover = printed.first_page[1] - 1
    # the cover (whatever it takes: its layout is the cover's own), then the workstreams
    assert cover >= 1
    assert r.pages == pdfinfo_pages == len(printed.texts) == cover + sum(WORKSTREAM_PAGES)
    assert count_page_objects(printed.pdf.read_bytes()) == r.pages  # without pdfinfo
    assert (r.as_of, r.workstreams) == (AS_OF, 9)
    assert printed.said[:3] == ["Reading plan.xlsx…", "Laying out 9 workstream pages…",
                                "Rendering with LibreOffice (this can take a minute)…"]
    assert printed.said[3:] == ["Saving board-pack.pdf…"]
    # page 1 is the cover: the plan's title, and the All workstreams total of 121 tasks
    page1 = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(printed.pdf),
                            "-"], capture_output=True, text=True, check=True).stdout
    assert page1.lstrip().startswith("CQC Local System Review Action Plan")
    total = next(ln for ln in page1.splitlines() if "All workstreams" in ln)
    assert "121" in total.split("All workstreams", 1)[1].split()
    # the user's workbook is only read, and nothing else is left in the folder
    assert printed.book.read_bytes() == printed.before
    assert sorted(p.name for p in printed.folder.iterdir()) == ["board-pack.pdf", "plan.xlsx"]


@needs_lo
def test_every_page_says_which_page_it_is(printed):
    """A Board member can say "page 12": each page's foot names its sheet and numbers it in
    the whole pack (LibreOffice counts on across the sheets, as Excel's print of the
    whole workbook does)."""
    n = len(printed.texts)
    feet = [FOOTER.match(f) for f in printed.footers]
    assert all(feet), [k for k, f in enumerate(printed.footers, start=1) if not FOOTER.match(f)]
    assert [(int(f["k"]), int(f["n"])) for f in feet] == [(k, n) for k in range(1, n + 1)]
    cover = printed.first_page[1] - 1
    assert {f["sheet"] for f in feet[:cover]} == {"Summary"}
    assert feet[cover]["sheet"] == "WS1 ICT"


@needs_lo
def test_each_workstream_prints_on_its_own_pages(printed):
    plan = Run(PackageBook(printed.book).read(), AS_OF).plan
    starts = [printed.first_page[ws.number] for ws in plan.workstreams]
    ends = starts[1:] + [len(printed.texts) + 1]
    counts = [e - s for s, e in zip(starts, ends, strict=True)]
    assert counts == WORKSTREAM_PAGES
    # the page breaks cqcxl placed are the ones LibreOffice printed: it broke no page itself
    laid = pages.workstream_sheets(Run(PackageBook(printed.book).read(), AS_OF).summary)
    assert [p.pages for p in laid] == WORKSTREAM_PAGES
    for ws, s, e in zip(plan.workstreams, starts, ends, strict=True):
        own = printed.texts[s - 1:e - 1]
        text = squeeze(" ".join(own))
        for other in plan.workstreams:
            if other is not ws:
                assert squeeze(f"Workstream {other.number}: {other.name}") not in text
        for t in ws.tasks:  # every key task, its narrative and mitigation are there
            assert words(t.key_task) in text, (ws.number, t.task_id)
            assert words(t.narrative) in text, (ws.number, t.task_id)
            assert words(t.mitigation) in text, (ws.number, t.task_id)
        # the headline, or the line saying there is none
        if ws.headline:
            assert words(ws.headline, 12) in squeeze(own[0])
        else:
            assert pages.NO_HEADLINE in norm(own[0])
        for k in ws.risks:
            assert words(k.risk) in text and words(k.mitigation) in text
        # a continued key-task table shows whose tasks these are, and its column headers
        for page in own[1:]:
            assert page.splitlines()[0].startswith(f"Key tasks — Workstream {ws.number}: "
                                                   f"{ws.name}")
            assert "Task ID Key task Task owner" in norm(page)
    assert [n for n, ws in enumerate(plan.workstreams, start=1) if not ws.headline] == [4, 6, 9]


def _page_lines(pdf: Path) -> list[list[str]]:
    """Each page's lines of text, top to bottom (words at the same height, left to right)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">'
                      r"(.*?)</word>")
    out = []
    for page in xml.split("<page ")[1:]:
        rows: dict[int, list[tuple[float, str]]] = {}
        for m in word.finditer(page):
            x, y = float(m[1]), float(m[2])
            key = next((k for k in rows if abs(k - y) < 2), round(y))
            rows.setdefault(key, []).append((x, m[3].replace("&amp;", "&")))
        lines = [" ".join(w for _, w in sorted(rows[k])) for k in sorted(rows)]
        out.append([ln for ln in lines if not FOOTER.match(ln)])
    return out


@needs_lo
def test_no_heading_is_left_alone_at_the_foot_of_a_page(printed):
    per_page = _page_lines(printed.pdf)
    ws_pages = per_page[printed.first_page[1] - 1:]
    assert len(ws_pages) == sum(WORKSTREAM_PAGES)
    for n, lines in enumerate(ws_pages, start=printed.first_page[1]):
        last = lines[-1]
        assert not last.startswith(HEADINGS), f"page {n} ends with a heading: {last!r}"
        for i, line in enumerate(lines):
            if line.startswith("Key tasks —"):  # its header row and a task follow it
                assert lines[i + 1].startswith(("Task ID", "Date to")), (n, lines[i + 1])
                assert len(lines) > i + 3, f"page {n}: a key-task heading with no task"


@needs_lo
def test_no_text_on_the_workstream_pages_is_cut_off(tmp_path):
    """LibreOffice wraps each cell's text (same width, font and size) and every row must
    hold the lines it wraps it into: the row heights come from sheets/text.py."""
    from .layout_check import clipped, rendered_lines, wrapped_cells

    summary = Run(PackageBook(EXAMPLE).read(), AS_OF).summary
    cases = [c for p in pages.workstream_sheets(summary) for c in wrapped_cells(p.spec)]
    assert len(cases) > 900  # 121 tasks of 7 text cells, the risks, the narrative…
    bad = clipped(cases, rendered_lines(cases, tmp_path, tmp_path / "profile"))
    assert not bad, [(c.sheet, c.cell, c.text[:40], n) for c, n in bad[:10]]


@needs_lo
def test_pictures_of_the_pack_for_the_docs(printed, tmp_path):
    """docs/pack-page-1.png, -2 and one workstream's first page (WS1: heading, headline,
    narrative, key tasks), at 70 dpi, as the README shows them."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    wanted = {"pack-page-1": 1, "pack-page-2": 2, "pack-workstream": printed.first_page[1]}
    for name, page in wanted.items():
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", "-f", str(page), "-l",
                        str(page), str(printed.pdf), str(tmp_path / name)], check=True)
        png = tmp_path / f"{name}.png"
        assert png.stat().st_size > 20_000
        shutil.copy(png, ROOT / "docs" / png.name)


# --- what a user can get wrong: one line each, nothing written --------------------------

def _quiet_folder(folder: Path, book: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != book)


def test_no_libreoffice_says_how_to_install_it(tmp_path, monkeypatch):
    book = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, book)
    with pytest.raises(BookError) as e:
        build_pack(book, tmp_path / "pack.pdf", soffice="/nonexistent", as_of=AS_OF)
    msg = str(e.value)
    assert msg.startswith("--soffice /nonexistent: no LibreOffice program there.")
    assert ("LibreOffice is needed to make the PDF: install it (Debian/Ubuntu: apt-get "
            "install libreoffice-calc-nogui; Windows/macOS: libreoffice.org) or pass "
            "--soffice PATH") in msg and "\n" not in msg
    if sys.platform.startswith("linux"):  # elsewhere the installer's folder is looked in
        monkeypatch.setenv("PATH", "")
        with pytest.raises(BookError) as e:
            build_pack(book, tmp_path / "pack.pdf", as_of=AS_OF)
        assert str(e.value) == SOFFICE_HINT + "."
    assert _quiet_folder(tmp_path, book) == []


@pytest.mark.parametrize("name, says", [
    ("missing/pack.pdf", "the folder {folder}/missing does not exist. Create it first, or "
                         "give another folder."),
    ("pack.xlsx", "the Board pack is a PDF; give a file name ending in .pdf."),
    (".", "this is a folder; give a file name, such as"),
])
def test_a_wrong_output_is_refused_before_anything_is_done(tmp_path, name, says):
    book = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, book)
    said: list[str] = []
    with pytest.raises(BookError) as e:
        build_pack(book, tmp_path / name, soffice="/nonexistent", progress=said.append)
    assert says.format(folder=tmp_path.resolve()) in str(e.value)
    assert said == [] and _quiet_folder(tmp_path, book) == []


def test_an_unreadable_workbook_is_a_one_line_error(tmp_path):
    book = tmp_path / "plan.xlsx"
    book.write_text("not a workbook")
    with pytest.raises(BookError) as e:
        build_pack(book, tmp_path / "pack.pdf", soffice="/nonexistent")
    assert str(e.value).startswith(str(book)) and "\n" not in str(e.value)
    assert _quiet_folder(tmp_path, book) == []


def _stand_in(tmp_path: Path, body: str) -> Path:
    """A stand-in for LibreOffice: a shell script doing ``body``."""
    exe = tmp_path / "bin" / "soffice"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return exe


@posix_only
@pytest.mark.parametrize("body, says", [
    ("echo 'Error: source file could not be loaded' >&2; exit 1",
     "LibreOffice could not make the PDF (exit code 1: Error: source file could not be "
     "loaded). Try again;"),
    ("exit 0", "LibreOffice could not make the PDF (exit code 0). Try again;"),
])
def test_libreoffice_failing_is_a_one_line_error(tmp_path, body, says):
    book = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, book)
    exe = _stand_in(tmp_path, body)
    with pytest.raises(BookError) as e:  # given as the folder it is in: found there
        build_pack(book, tmp_path / "pack.pdf", soffice=str(exe.parent), as_of=AS_OF)
    assert str(e.value).startswith(says)
    assert _quiet_folder(tmp_path, book) == ["bin"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_libreoffice_taking_too_long_is_stopped_with_what_it_started(tmp_path):
    book = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, book)
    pids = tmp_path / "pids"
    exe = _stand_in(tmp_path, f"sleep 60 & echo $! > {pids}; wait")
    began = time.monotonic()
    with pytest.raises(BookError) as e:
        build_pack(book, tmp_path / "pack.pdf", soffice=str(exe), as_of=AS_OF, timeout=2)
    assert time.monotonic() - began < 30
    assert str(e.value).startswith("LibreOffice took more than 2 seconds to make the PDF "
                                   "and was stopped.")
    child = int(pids.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)  # the process LibreOffice started is gone too
    assert _quiet_folder(tmp_path, book) == ["bin", "pids"]


def test_page_count_without_pdfinfo(tmp_path, monkeypatch):
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(b"%PDF-1.6\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>\n"
                    b"2 0 obj << /Type /Page /Parent 1 0 R >>\n"
                    b"3 0 obj <</Type/Page/Parent 1 0 R>>\n%%EOF\n")
    monkeypatch.setenv("PATH", "")
    assert count_pages(pdf) == 2


# --- the layout's arithmetic, without LibreOffice ----------------------------------------

def _task(n: int, **kw) -> KeyTask:
    t = KeyTask("WS1 Test", 10 + n, task_id=f"A{n}", key_task=f"Key task {n}",
                owner="Jane Doe", rag_text="Green", narrative=f"Going well {n}")
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def _one_workstream(tasks: list[KeyTask], **kw) -> pages.WorkstreamPages:
    ws = Workstream(1, "Test", "WS1 Test", sponsor="Sam Sponsor", tasks=tasks, **kw)
    plan = Plan("Test plan", AS_OF, workstreams=[ws])
    return pages.workstream_sheets(compute(plan, AS_OF))[0]


def _cells(spec) -> dict[tuple[int, int], object]:
    return {(b.row + i, b.col + j): v for b in spec.blocks for i, r in enumerate(b.values)
            for j, v in enumerate(r) if v is not None}


def test_a_workstream_with_nothing_to_say_says_so():
    laid = _one_workstream([])
    values = set(_cells(laid.spec).values())
    assert {"No headline given.", "No key risks recorded.", "No additional narrative given.",
            "No key tasks recorded.", "Workstream 1: Test"} <= values
    assert laid.pages == 1 and laid.spec.print_title_rows is None


def test_dates_overdue_and_narrative_gaps_as_the_board_reads_them():
    due = _task(1, rag_text="Amber", date_to_complete=interpret(date(2018, 9, 1)))
    revised = _task(2, rag_text="Red", date_to_complete=interpret("Sep-18"),
                    revised_date=interpret("30 Oct 2018"), mitigation="Paper to JCB")
    later = _task(3, date_to_complete=interpret(date(2019, 4, 1)))
    done = _task(4, rag_text="Blue", date_to_complete=interpret(date(2018, 4, 30)))
    laid = _one_workstream([due, revised, later, done],
                           narrative={"governance": "Monthly board"})
    cells = _cells(laid.spec)
    row = {v: r for (r, c), v in cells.items() if c == 1}
    assert cells[(row["A1"], 4)] == "Sep 2018\noverdue"  # an Excel date on the 1st: a month
    assert cells[(row["A2"], 4)] == "Sep-18"  # typed text: as the lead wrote it
    assert cells[(row["A2"], 5)] == "30 Oct 2018\noverdue"  # the revised date has passed
    assert cells[(row["A3"], 4)] == "Apr 2019"
    assert cells[(row["A4"], 4)] == "30 Apr 2018"  # Blue: done, never overdue
    assert cells[(row["A2"], 8)] == "Paper to JCB"
    # the narrative fields the workstream left empty say so
    labels = {v: r for (r, c), v in cells.items() if c == 1 and isinstance(v, str)}
    assert cells[(labels["Workstream governance arrangements"], 3)] == "Monthly board"
    assert cells[(labels["Support requirements"], 3)] == "Not given"


def test_a_text_too_long_for_one_row_goes_on_over_the_next_rows():
    essay = " ".join(f"word{i}" for i in range(1500))  # ~11,000 characters
    laid = _one_workstream([_task(1, narrative=essay), _task(2)])
    spec = laid.spec
    narrative = [v for (r, c), v in sorted(_cells(spec).items()) if c == 7
                 and isinstance(v, str) and v.startswith("word")]
    assert len(narrative) > 1 and norm(" ".join(narrative)) == essay  # every word, in order
    assert max(spec.row_heights.values()) <= 409  # Excel's and LibreOffice's tallest row


def test_pages_hold_what_fits_and_headings_stay_with_what_follows():
    """On a small page (200 pt) many breaks are needed: every page holds no more than fits
    (with the repeated title rows on continuation pages), and no page ends with a heading
    or a table's header row."""
    tasks = [_task(n, narrative="Update " * (n % 7 * 12)) for n in range(1, 30)]
    risks = [Risk("WS1 Test", 5 + k, f"Risk {k}", "Amber", "Mitigation " * 10)
             for k in range(6)]
    ws = Workstream(1, "Test", "WS1 Test", tasks=tasks, risks=risks, headline="News " * 40,
                    narrative={f: "Said " * 30 for f, _ in pages.L.NARRATIVE_FIELDS})
    s = compute(Plan("Test plan", AS_OF, workstreams=[ws]), AS_OF)
    page_pt = 200.0
    spec = pages.workstream_sheet(s.rows[0], s, page_pt).spec
    heads = {int(re.match(r"[A-Z]+(\d+)", ref)[1]) for ref, st in spec.styles
             if st in (T.SECTION, T.PACK_HEAD)}
    first_title, last_title = map(int, spec.print_title_rows.split(":"))
    last_row = max(spec.row_heights)
    starts = [1] + [b + 1 for b in spec.row_breaks]
    ends = spec.row_breaks + [last_row]
    assert len(starts) > 10
    for a, b in zip(starts, ends, strict=True):
        used = sum(spec.row_heights[r] for r in range(a, b + 1))
        if a > last_title:
            used += sum(spec.row_heights[r] for r in range(first_title, last_title + 1))
        assert used <= page_pt, (a, b)
        assert b not in heads or b == last_row, f"rows {a}-{b} end with a heading"


def test_the_pack_prints_at_full_size():
    """The columns fit landscape A4 at 100%, so the page breaks can count in the sheet's own
    points (the scale LibreOffice would choose is a whole percent, rounded down)."""
    assert pages.page_height_pt() == pytest.approx(595.28 - 72 - T.PACK_PAGE_SLACK_PT)
    wide = tuple(w * 1.5 for w in pages.WIDTHS)
    assert pages.page_height_pt(widths=wide) > pages.page_height_pt()
