"""The command line's file engine keeps what it does not own, byte for byte, on a real plan
edited the way Excel writes it; one writer at a time; paths that cannot be written get one
line, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from cqcxl.cli import main
from cqcxl.engines.package_engine import PackageBook
from cqcxl.errors import BookError
from cqcxl.jobs import run_jobs

from .conftest import EXAMPLE

AS_OF = "2018-11-15"
LABEL = ('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<clbl:labelList '
         'xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label '
         'id="{2f2a1b39-0000-4000-8000-00000000cafe}" enabled="1" method="Privileged" '
         'siteId="{00000000-1111-2222-3333-444444444444}" removed="0"/></clbl:labelList>')
RT_LABEL = "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
RICH = (r'<is><r><rPr><b/><color rgb="FFFF0000"/><sz val="11"/><rFont val="Calibri"/></rPr>'
        r'<t xml:space="preserve">URGENT: </t></r><r><rPr><sz val="11"/><rFont val="Calibri"/>'
        r'</rPr><t>\1</t></r></is>')


def _edit(path: Path, name: str, fn) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        names = zin.namelist()
        for n in names:
            data = zin.read(n)
            if n == name:
                data = fn(data.decode("utf-8")).encode("utf-8")
            z.writestr(n, data)
        if name not in names:
            z.writestr(name, fn("").encode("utf-8"))
    os.replace(tmp, path)


def _sheet_part(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(\w+)"', wb)[1]
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                       rels)
    return "xl/" + (target[1] or target[2]).lstrip("/").removeprefix("xl/")


@pytest.fixture
def user_plan(tmp_path) -> Path:
    """The example plan as a lead's Excel would leave it: a sensitivity label, 'read-only
    recommended', an 'Allow users to edit ranges' range and a rich-text narrative (a bold
    red "URGENT:") on WS4."""
    p = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, p)
    _edit(p, "docMetadata/LabelInfo.xml", lambda _: LABEL)
    _edit(p, "_rels/.rels", lambda t: t.replace(
        "</Relationships>", f'<Relationship Id="rIdL1" Type="{RT_LABEL}" '
        'Target="docMetadata/LabelInfo.xml"/></Relationships>'))
    _edit(p, "[Content_Types].xml", lambda t: t.replace(
        "</Types>", '<Override PartName="/docMetadata/LabelInfo.xml" ContentType='
        '"application/vnd.ms-office.classificationlabels+xml"/></Types>'))
    _edit(p, "xl/workbook.xml", lambda t: re.sub(
        r"(<workbook\b[^>]*>)", r'\1<fileSharing readOnlyRecommended="1" userName="Coordinator"/>',
        t, count=1))
    ws4 = _sheet_part(p, "WS4 Commissioning")
    _edit(p, ws4, lambda t: re.sub(r"<is><t>(There is a paper[^<]*)</t></is>", RICH, t,
                                   count=1))
    _edit(p, ws4, lambda t: t.replace(
        "<autoFilter", '<protectedRanges><protectedRange sqref="H12:I30" name="Leads"/>'
        "</protectedRanges><autoFilter", 1) if "<autoFilter" in t else re.sub(
        r"(</sheetData>)", r'\1<protectedRanges><protectedRange sqref="H12:I30" '
        r'name="Leads"/></protectedRanges>', t, count=1))
    openpyxl.load_workbook(p)  # still a workbook
    return p


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_in_place_chain_keeps_every_part_it_does_not_own(user_plan):
    before = _parts(user_plan)
    ws4 = _sheet_part(user_plan, "WS4 Commissioning")
    for job in ("validate", "summary", "close-period"):
        assert main([job, str(user_plan), "--as-of", AS_OF, "--in-place"]) in (0, 1)
    after = _parts(user_plan)
    # parts nobody but the user owns: byte for byte
    assert b"URGENT: </t>" in before[ws4]
    for name in ("docMetadata/LabelInfo.xml", "xl/theme/theme1.xml", "docProps/core.xml",
                 "xl/tables/table1.xml"):
        assert after[name] == before[name], name
    assert b"clbl:labelList" in after["docMetadata/LabelInfo.xml"]
    # rich text untouched in the sheet cqcxl patched (its RAG cells)
    assert re.search(rb'<b/><color rgb="FFFF0000"/>.{0,80}URGENT: </t></r><r>.{0,80}'
                     rb"<t>There is a paper", after[ws4])
    # parts cqcxl patched keep the user's content in them
    assert b'<fileSharing readOnlyRecommended="1" userName="Coordinator"/>' in after[
        "xl/workbook.xml"]
    assert b'<protectedRange sqref="H12:I30" name="Leads"/>' in after[ws4]
    assert b"LabelInfo.xml" in after["_rels/.rels"]
    # and the jobs did their work
    wb = openpyxl.load_workbook(user_plan)
    assert {"Summary", "Validation", "Period history"} <= set(wb.sheetnames)
    assert len(wb["Summary"]._charts) == 10
    assert user_plan.with_name("plan.bak.xlsx").exists()


def test_a_workbook_changed_between_read_and_save_is_not_overwritten(user_plan):
    first = PackageBook(user_plan)
    second = PackageBook(user_plan)
    for book in (first, second):
        for r in run_jobs(["validate"], book.read()):
            book.apply(r.edits)
    first.save(user_plan)
    saved = user_plan.read_bytes()
    with pytest.raises(BookError, match="changed while cqcxl was working"):
        second.save(user_plan)
    assert user_plan.read_bytes() == saved
    assert sorted(p.name for p in user_plan.parent.iterdir()) == ["plan.xlsx"]


def test_another_job_saving_holds_the_lock(user_plan, capsys):
    lock = user_plan.with_name(".~cqcxl-plan.xlsx.lock")
    lock.write_text("4242\n")
    before = user_plan.read_bytes()
    assert main(["summary", str(user_plan), "--as-of", AS_OF, "--in-place"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another cqcxl job is saving" in err[0]
    assert user_plan.read_bytes() == before


def test_in_place_through_a_link_writes_the_file_and_keeps_the_link(user_plan):
    link = user_plan.with_name("link.xlsx")
    link.symlink_to(user_plan)
    before = user_plan.read_bytes()
    assert main(["summary", str(link), "--as-of", AS_OF, "--in-place"]) == 0
    assert link.is_symlink() and user_plan.read_bytes() != before
    assert "Summary" in openpyxl.load_workbook(link).sheetnames


@pytest.mark.parametrize("args, words", [
    (["validate", "{book}", "--csv", "{tmp}/missing/f.csv"], ("does not exist",)),
    (["export", "{book}", "--json", "-o", "{tmp}/missing/plan.json"], ("does not exist",)),
    (["summary", "{book}", "-o", "{tmp}/missing/out.xlsx"], ("does not exist",)),
    (["summary", "{book}", "-o", "{tmp}"], ("folder",)),
], ids=["csv-missing-folder", "export-missing-folder", "output-missing-folder",
        "output-is-a-folder"])
def test_paths_that_cannot_be_written_get_one_line(user_plan, tmp_path, capsys, args, words):
    argv = [a.format(book=user_plan, tmp=tmp_path) for a in args]
    assert main([*argv, *(["--as-of", AS_OF] if argv[0] != "export" else [])]) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(err) == 1 and all(w in err[0] for w in words), err
    assert "Traceback" not in err[0]


def test_a_folder_that_refuses_writing_gets_one_line(user_plan, monkeypatch, capsys):
    """(Root ignores file permissions, so the refusal is simulated where the file is
    created.)"""
    import tempfile

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    before = user_plan.read_bytes()
    assert main(["validate", str(user_plan), "--as-of", AS_OF, "--in-place"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0], err
    assert user_plan.read_bytes() == before


# --- a workbook far bigger than an action plan -------------------------------------------------

def _with_strings(src: Path, dst: Path, n: int, odd: dict[int, str] | None = None) -> Path:
    """The plan with a 'Data' sheet of ``n`` cells in six columns, cell k showing shared
    string k ('s000k'), or ``odd[k]`` where given (with spaces around it and no
    xml:space="preserve": calamine trims them, so the fast reader re-reads those by index)."""
    odd = odd or {}
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument'
                                    b'.spreadsheetml.sharedStrings+xml"/><Override PartName='
                                    b'"/xl/worksheets/data.xml" ContentType="application/vnd.'
                                    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"'
                                    b"/></Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdS" Type="{rel}/sharedStrings" Target="sharedStrings'
                    f'.xml"/><Relationship Id="rIdD" Type="{rel}/worksheet" Target="worksheets/'
                    'data.xml"/></Relationships>').encode())
            elif info.filename == "xl/workbook.xml":
                data = data.replace(b"</sheets>", b'<sheet name="Data" sheetId="99" '
                                    b'r:id="rIdD"/></sheets>')
            z.writestr(info, data)
        si = "".join(f"<si><t>{odd[k]}</t></si>" if k in odd
                     else f"<si><t>s{k:06d}</t></si>" for k in range(n))
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main_ns}" count="{n}" '
                                           f'uniqueCount="{n}">{si}</sst>')
        rows = "".join(f'<row r="{r + 1}">' + "".join(
            f'<c r="{"ABCDEF"[c]}{r + 1}" t="s"><v>{r * 6 + c}</v></c>'
            for c in range(6) if r * 6 + c < n) + "</row>" for r in range(-(-n // 6)))
        z.writestr("xl/worksheets/data.xml",
                   f'<worksheet xmlns="{main_ns}"><sheetData>{rows}</sheetData></worksheet>')
    return dst


def test_a_workbook_of_pasted_data_is_refused_up_front(tmp_path, monkeypatch, capsys):
    """Above MAX_CELL_DATA (50 MB of cells and text; here 1 MB, the file scaled down from
    the 58 MB one of 6,000,000 shared strings in benchmarks/run.py) the file is refused
    before anything parses it: one line naming the file, how big, the biggest sheet, how
    many texts, and what to do; nothing written."""
    from cqcxl.engines import safety

    monkeypatch.setattr(safety, "MAX_CELL_DATA", 1_000_000)
    big = _with_strings(EXAMPLE, tmp_path / "big.xlsx", 60_000)
    before = big.read_bytes()
    out = tmp_path / "out.xlsx"
    assert main(["validate", str(big), "--as-of", AS_OF, "-o", str(out)]) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(err) == 1, err
    line = err[0]
    for words in (str(big), "MB of cells and text", "far more than an action plan",
                  "reads up to 1 MB", "the largest is sheet 'Data'", "60,000 shared texts",
                  "Move the sheets of other data to another workbook"):
        assert words in line, (words, line)
    assert big.read_bytes() == before and not out.exists()
    with pytest.raises(BookError, match="MB of cells and text"):
        PackageBook(big)


def test_a_big_workbook_under_the_limit_is_read_exactly(tmp_path):
    """Under the limit the same kind of file is processed, and its shared strings are read
    by index exactly (the reader counts the <si> tags instead of listing their places):
    spot checks, including texts with spaces around them that the fast path re-reads."""
    from cqcxl.engines import fast_reader

    n = 30_000
    odd = {0: " lead", 7_777: "trail ", n - 1: "  both  "}
    big = _with_strings(EXAMPLE, tmp_path / "big.xlsx", n, odd)
    grid = fast_reader.read_book(big)
    data = grid.sheet("Data")
    assert data.rows[0][0] == " lead" and data.rows[0][1] == "s000001"
    assert data.rows[7_777 // 6][7_777 % 6] == "trail "
    assert data.rows[12_345 // 6][12_345 % 6] == "s012345"
    assert data.rows[-1][(n - 1) % 6] == "  both  "
    assert sum(len(r) for r in data.rows) == n
    out = tmp_path / "out.xlsx"
    assert main(["validate", str(big), "--as-of", AS_OF, "-o", str(out)]) in (0, 1)
    assert "Data" in openpyxl.load_workbook(out, read_only=True).sheetnames


# --- cqcxl's own sheets, written straight into the package ------------------------------------

def _look(path: Path, names: list[str]) -> dict:
    """What a reader sees of cqcxl's sheets through openpyxl: every cell's value and format,
    merges, widths, heights, panes, filter, print and page set-up, tab colour, charts."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": wb.sheetnames, "active": wb.active.title}
    for n in names:
        ws = wb[n]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                f, fl, b, a = c.font, c.fill, c.border, c.alignment
                cells[c.coordinate] = (
                    c.value, c.data_type if c.value is not None else None, c.number_format,
                    (f.name, f.b, f.i, f.color.rgb if f.color is not None else None, f.sz),
                    (fl.fill_type, fl.fgColor.rgb if fl.fill_type else None),
                    tuple((s.style, s.color.rgb if s.color is not None else None)
                          for s in (b.left, b.right, b.top, b.bottom)),
                    (a.horizontal, a.vertical, a.wrap_text))
        pr = ws.sheet_properties.pageSetUpPr
        out[n] = dict(
            cells=cells, merges=sorted(str(m) for m in ws.merged_cells.ranges),
            widths={k: d.width for k, d in ws.column_dimensions.items() if d.width},
            heights={k: d.height for k, d in ws.row_dimensions.items() if d.height},
            freeze=ws.freeze_panes, autofilter=ws.auto_filter.ref, area=ws.print_area,
            titles=ws.print_title_rows,
            page=(ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToHeight,
                  ws.page_setup.fitToWidth, pr.fitToPage if pr else None),
            margins=(ws.page_margins.left, ws.page_margins.right, ws.page_margins.top,
                     ws.page_margins.bottom, ws.page_margins.footer),
            footer=tuple((p.text, p.size) for p in (ws.oddFooter.left, ws.oddFooter.center,
                                                     ws.oddFooter.right)),
            tab=ws.sheet_properties.tabColor.rgb if ws.sheet_properties.tabColor else None,
            grid=ws.sheet_view.showGridLines, selected=ws.sheet_view.tabSelected,
            breaks=[b.id for b in ws.row_breaks.brk], dims=ws.dimensions,
            charts=[(ch.anchor.pos.x, ch.anchor.pos.y, ch.anchor.ext.width, ch.anchor.ext.height)
                    for ch in ws._charts])
    return out


@pytest.mark.parametrize("plan, as_of, charts", [
    (EXAMPLE, date(2018, 11, 15), 10),
    (EXAMPLE.with_name("cumbria-2018-12.xlsx"), None, 11),  # a closed period: a trend line
], ids=["november", "december"])
def test_own_sheets_written_straight_into_the_package_look_as_through_openpyxl(
        tmp_path, monkeypatch, plan, as_of, charts):
    """Validation, Summary (10 pies; in December also the trend line) and Chase list written
    as XML by the package engine read back, through openpyxl, exactly as the same specs
    written by openpyxl and transplanted: values, formulas, fonts, fills, borders, alignment,
    number formats, merges, widths, heights, panes, filters, print areas and titles, page
    set-up, page breaks, tab colours, chart positions; and the chart and drawing parts are
    the same XML."""
    from xml.etree.ElementTree import canonicalize

    from cqcxl.engines import package_engine as pe

    def save(path: Path) -> Path:
        book = PackageBook(plan)
        for r in run_jobs(["validate", "summary"], book.read(), as_of):
            book.apply(r.edits)
        return book.save(path)
    direct = save(tmp_path / "direct.xlsx")
    monkeypatch.setattr(pe, "direct_writable", lambda spec: False)
    scratch = save(tmp_path / "scratch.xlsx")
    names = ["Summary", "Validation", "Chase list"]
    assert _look(direct, names) == _look(scratch, names)
    assert len(_look(direct, ["Summary"])["Summary"]["charts"]) == charts
    # each printed page: the sheet's name, 8 pt, on the left; "Page 3 of 12" on the right
    for n in names:
        left, centre, right = _look(direct, [n])[n]["footer"]
        assert left == ("&A", 8) and centre[0] is None and right == ("Page &P of &N", 8)
    a, b = _parts(direct), _parts(scratch)
    drawn = sorted(n for n in a if re.match(r"xl/(charts/chart|drawings/drawing)\d+\.xml$", n))
    assert drawn == sorted(n for n in b if re.match(r"xl/(charts/chart|drawings/drawing)\d+\.xml$",
                                                   n)) and len(drawn) == charts + 1
    assert sum(b"lineChart" in a[n] for n in drawn) == charts - 10
    for n in drawn:
        assert canonicalize(a[n].decode(), strip_text=True) == \
            canonicalize(b[n].decode(), strip_text=True), n


def test_a_spec_the_writer_does_not_know_goes_through_openpyxl():
    """Drop-downs and Tables (the template's), or any field edits.py gains later, are never
    dropped silently: such a spec is written through the scratch workbook."""
    from cqcxl.edits import ListValidation, SheetSpec, TableSpec, block
    from cqcxl.engines.package_engine import direct_writable

    spec = SheetSpec("Mine", blocks=[block(1, 1, [["a"]])])
    assert direct_writable(spec)
    assert not direct_writable(SheetSpec("Mine", validations=[ListValidation("A1", ("x",))]))
    assert not direct_writable(SheetSpec("Mine", tables=[TableSpec("T", "A1:A2")]))


def test_dates_on_an_own_sheet_follow_the_workbooks_date_system(tmp_path):
    """A date written on cqcxl's sheet reads back as that date in a 1904 workbook too (the
    scratch workbook counted from 1900, four years off)."""
    from cqcxl.edits import ReplaceSheet, SheetSpec, Style, block

    p = tmp_path / "mac.xlsx"
    shutil.copy(EXAMPLE, p)
    _edit(p, "xl/workbook.xml", lambda t: re.sub(r"<workbookPr\b[^>]*/>|<workbookPr>",
                                                 '<workbookPr date1904="1"/>', t, count=1))
    assert b'date1904="1"' in _parts(p)["xl/workbook.xml"]
    book = PackageBook(p)
    when = date(2018, 11, 15)
    spec = SheetSpec("Dates", blocks=[block(1, 1, [[when], [datetime(2019, 2, 1, 12, 30)]])],
                     styles=[("A2:A2", Style(number_format="d mmm yyyy"))])
    book.apply([ReplaceSheet(spec)])
    book.save(p)
    ws = openpyxl.load_workbook(p)["Dates"]
    assert ws["A1"].value == datetime(2018, 11, 15) and ws["A1"].number_format == "yyyy-mm-dd"
    assert ws["A2"].value == datetime(2019, 2, 1, 12, 30)
    assert ws["A2"].number_format == "d mmm yyyy"


# --- Close period: History appended in the package --------------------------------------------

@pytest.mark.parametrize("plan, as_of", [(EXAMPLE, date(2018, 11, 15)),
                                         (EXAMPLE.with_name("cumbria-2018-12.xlsx"), None)],
                         ids=["first-period", "second-period"])
def test_close_period_writes_history_without_openpyxl(tmp_path, monkeypatch, plan, as_of):
    """The first period writes the History sheet whole, a later one appends its rows below
    the last: both straight into the package (openpyxl is never loaded), reading back as
    openpyxl's path wrote them; the rows already there are kept byte for byte."""
    from cqcxl.engines import package_engine as pe
    from cqcxl.sheets import layout as L

    def close(out: Path) -> Path:
        book = PackageBook(plan)
        for r in run_jobs(["close-period"], book.read(), as_of):
            book.apply(r.edits)
        return book.save(out)
    via_openpyxl = pe.PackageBook._append_openpyxl
    monkeypatch.setattr(pe.PackageBook, "_append_openpyxl",
                        lambda self, e: pytest.fail("openpyxl path taken"))
    direct = close(tmp_path / "direct.xlsx")
    monkeypatch.setattr(pe.PackageBook, "_append_openpyxl", via_openpyxl)
    monkeypatch.setattr(pe.PackageBook, "_append_direct", lambda self, e: False)
    scratch = close(tmp_path / "scratch.xlsx")
    a, b = _look(direct, [L.HISTORY]), _look(scratch, [L.HISTORY])
    assert a["sheets"] == b["sheets"] and a["sheets"][-1] == L.HISTORY
    # openpyxl leaves a new sheet's gridlines at the default (shown); the writer says so
    a[L.HISTORY]["grid"] = b[L.HISTORY]["grid"] = None
    assert a[L.HISTORY] == b[L.HISTORY]
    if as_of is None:  # appended: what was there is still there, byte for byte
        part = _sheet_part(plan, L.HISTORY)
        old, new = _parts(plan)[part], _parts(direct)[part]
        rows = old[old.index(b"<sheetData>") + 11:old.index(b"</sheetData>")]
        assert rows in new and len(new) > len(old)


def test_a_history_laid_out_otherwise_is_appended_through_openpyxl(tmp_path, monkeypatch):
    """A History whose column widths are not what Close period sets (someone widened a
    column) is appended the old way, through openpyxl, and the widths are set again."""
    from cqcxl.engines import package_engine as pe
    from cqcxl.sheets import layout as L

    plan = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE.with_name("cumbria-2018-12.xlsx"), plan)
    part = _sheet_part(plan, L.HISTORY)
    _edit(plan, part, lambda t: re.sub(r'(<col\b[^>]*?)width="[^"]*"', r'\1width="55"', t,
                                       count=1))
    taken = []
    via_openpyxl = pe.PackageBook._append_openpyxl
    monkeypatch.setattr(pe.PackageBook, "_append_openpyxl",
                        lambda self, e: (taken.append(e.sheet), via_openpyxl(self, e)))
    assert main(["close-period", str(plan), "--in-place"]) == 0
    assert taken == [L.HISTORY]
    widths = openpyxl.load_workbook(plan)[L.HISTORY].column_dimensions
    assert 55 not in {d.width for d in widths.values()}
