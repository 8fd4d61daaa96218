"""Issue 6: every corpus file gets its stated behaviour, nothing a user made is lost across
validate -> summary -> close-period, saves are safe, hostile files are refused quickly, and a
short fuzz run never ends in a traceback. The files are built by tests/corpus/make_corpus.py.

Most runs call ``cqcxl.cli.main`` in-process (an exception escaping it is a traceback); the
hostile files also run in a real process. See tests/corpus/README.md for the table.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import time
import traceback
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from cqcxl.cli import main
from cqcxl.sheets.validation import OUR_HEIGHTS

from .conftest import EXAMPLE, run_cli
from .corpus import make_corpus as mc
from .userview import user_view

AS_OF = mc.AS_OF
# cqcxl's own DeprecationWarnings (openpyxl style .copy) by the thousand: not this file's topic
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HAVE_PIL = importlib.util.find_spec("PIL") is not None

#: (test, corpus file) -> (condition, reason): cqcxl behaves wrongly there today.
XFAIL: dict[tuple[str, str], tuple[bool, str]] = {
}


def _params(test: str, names) -> list:
    out = []
    for n in names:
        cond, reason = XFAIL.get((test, n), (False, ""))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if cond else []
        out.append(pytest.param(n, marks=marks, id=n))
    return out


FAST = [n for n, c in mc.CORPUS.items() if not c.slow]
LOADS = [n for n in FAST if mc.CORPUS[n].loads]
FAILS = [n for n in FAST if not mc.CORPUS[n].loads]
HOSTILE = [n for n, c in mc.CORPUS.items() if c.hostile]
LOST = [n for n, c in mc.CORPUS.items() if c.lost]
SLOW = [n for n, c in mc.CORPUS.items() if c.slow]


# --- helpers -------------------------------------------------------------------------------

@dataclass
class Run:
    code: int | None
    out: str
    err: str
    #: the traceback when an exception escaped main() (code is then None)
    tb: str = ""

    def ok(self, *codes: int) -> Run:
        """No traceback, and one of ``codes`` (default 0 or 1)."""
        if self.tb:
            pytest.fail(f"Traceback:\n{self.tb}")
        assert self.code in (codes or (0, 1)), (self.code, self.err[-2000:])
        return self

    def one_line(self, *words: str) -> str:
        """Exit 2 and exactly one stderr line, no traceback, holding every word."""
        self.ok(2)
        assert "Traceback" not in self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        for w in words:
            assert w.lower() in lines[0].lower(), (w, lines[0])
        return lines[0]


def _run(*args) -> Run:
    """``cqcxl ARGS`` in this process; an exception escaping main() is kept as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            return Run(main([str(a) for a in args]), out.getvalue(), err.getvalue())
        except SystemExit as exc:
            return Run(exc.code, out.getvalue(), err.getvalue())
        except Exception:  # that is what we are looking for
            tb = f"cqcxl {' '.join(map(str, args))}\n{traceback.format_exc()}"
            return Run(None, out.getvalue(), err.getvalue(), tb)


def cli(*args) -> Run:
    """``cqcxl ARGS`` in-process; a traceback fails the test at once."""
    r = _run(*args)
    if r.tb:
        pytest.fail(f"Traceback:\n{r.tb}")
    return r


def _copy(src: Path, folder: Path) -> Path:
    dst = folder / src.name
    shutil.copy(src, dst)
    return dst


@pytest.fixture(scope="session")
def example_findings() -> Counter:
    from cqcxl.engines import openpyxl_engine as openpyxl_book
    from cqcxl.jobs import run_job

    book = openpyxl_book.load(EXAMPLE)
    res = run_job("validate", openpyxl_book.read(book), date.fromisoformat(AS_OF))
    return Counter((f.code, f.task_id) for f in res.findings)


def rag_cells(path: Path) -> set[tuple[str, str]]:
    from cqcxl.engines import openpyxl_engine as openpyxl_book
    from cqcxl.sheets.read import read_plan

    plan = read_plan(openpyxl_book.read(openpyxl_book.load(path))).plan
    return {(t.sheet, t.cells["rag"]) for t in plan.tasks} | {
        (k.sheet, k.cells["rag"]) for w in plan.workstreams for k in w.risks}


def structure(path: Path) -> dict:
    """What user_view leaves out, read from the package XML (fast): the date system, each
    user sheet's state, protection, hidden rows and hidden columns."""
    m = mc._read_zip(path)
    wb = m["xl/workbook.xml"]
    out: dict = {"date1904": re.search(rb'<workbookPr[^>]*date1904="(1|true)"', wb) is not None}
    states = {e.get("name"): e.get("state") or "visible"
              for e in ET.fromstring(wb).iter(f"{{{mc._NS_MAIN}}}sheet")}
    for title, part in mc._sheet_parts(m).items():
        if title in mc.L.OWNED_SHEETS:
            continue
        x = m[part]
        prot = re.search(rb"<sheetProtection\b[^>]*>", x)
        hidden_rows = sorted(int(r) for tag in re.findall(rb"<row\b[^>]*>", x)
                             if re.search(rb'\bhidden="(1|true)"', tag)
                             for r in re.findall(rb'\br="(\d+)"', tag))
        hidden_cols = sorted(c for tag in re.findall(rb"<col\b[^>]*>", x)
                             if re.search(rb'\bhidden="(1|true)"', tag)
                             for c in range(int(re.search(rb'min="(\d+)"', tag)[1]),
                                            int(re.search(rb'max="(\d+)"', tag)[1]) + 1))
        out[title] = (states[title],
                      bool(prot and re.search(rb'\bsheet="(1|true)"', prot[0])),
                      re.search(rb'\bpassword="([^"]*)"', prot[0])[1] if prot and
                      b"password=" in prot[0] else None, hidden_rows, hidden_cols)
    return out


def without_owned_sheets(path: Path, dst: Path) -> Path:
    """A copy of ``path`` whose Summary, Validation and History sheets are empty: user_view
    skips them anyway, and openpyxl takes ~0.5 s to load the Summary's merged cells."""
    m = mc._read_zip(path)
    for title, part in mc._sheet_parts(m).items():
        if title in mc.L.OWNED_SHEETS:
            m[part] = f'<worksheet xmlns="{mc._NS_MAIN}"><sheetData/></worksheet>'.encode()
            if (rels := mc._rels_name(part)) in m:
                m[rels] = f'<Relationships xmlns="{mc._NS_PKG_REL}"/>'.encode()
    return mc._write_zip(dst, m)


def _findings(run: Run) -> list[dict]:
    return json.loads(run.ok().out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Chain:
    original: Path      # the corpus file, never written
    out: Path           # validate's -o OUT, then summary and close-period on it
    final: Path         # the file after the whole chain
    runs: dict[str, Run]
    #: sha256 of the corpus file before the chain
    digest: str = ""
    #: user_view and structure of the final file and of the original (files that load)
    views: tuple | None = None

    def ran(self) -> Chain:
        """Every job of the chain ran without a traceback and exited 0 or 1."""
        for r in self.runs.values():
            r.ok()
        return self


def _chain_job(name: str, base: str) -> Chain:
    """Build corpus file ``name`` under ``base``, then ``validate FILE -o OUT --json``,
    ``validate OUT --json`` (findings must not change) and summary and close-period on OUT
    --in-place -- or through -o copies where a save may not carry everything over; then
    the views for the nothing-lost test. Runs in a worker process when it can."""
    folder = Path(base) / name
    src = mc.build(name, folder / "corpus")
    digest = _digest(src)
    out = folder / f"plan{src.suffix}"
    runs = {"validate": _run("validate", src, "--as-of", AS_OF, "-o", out, "--json")}
    final = out
    if runs["validate"].code in (0, 1):
        runs["again"] = _run("validate", out, "--as-of", AS_OF, "--json")
        for i, job in enumerate(("summary", "close-period")):
            if mc.CORPUS[name].lost:
                nxt = folder / f"step{i}{src.suffix}"
                runs[job] = _run(job, final, "--as-of", AS_OF, "-o", nxt)
                final = nxt
            else:
                runs[job] = _run(job, final, "--as-of", AS_OF, "--in-place")
            if runs[job].code not in (0, 1):
                break
    chain = Chain(src, out, final, runs, digest)
    if mc.CORPUS[name].loads and all(r.code in (0, 1) for r in runs.values()):
        skip = rag_cells(src)
        after = without_owned_sheets(final, folder / f"view{src.suffix}")
        chain.views = (user_view(after, skip_fill=skip), user_view(src, skip_fill=skip),
                       structure(final), structure(src))
    return chain


class _Now:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


@pytest.fixture(scope="session")
def chained(request, tmp_path_factory):
    """name -> Chain. The first call starts the chains of every corpus file the selected
    tests use in a pool of two processes (where fork exists), so most tests wait on
    finished work."""
    base = str(tmp_path_factory.mktemp("chains"))
    futures: dict = {}
    pool = None
    parallel = "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1
    selected = {item.callspec.params["name"] for item in request.session.items
                if "name" in getattr(getattr(item, "callspec", None), "params", {})}

    def get(name: str) -> Chain:
        nonlocal pool
        if name not in futures:
            todo = [n for n in FAST if n in selected and n != name]
            if parallel and pool is None and name in FAST and todo:
                pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
                for n in [name, *todo]:
                    futures[n] = pool.submit(_chain_job, n, base)
            else:
                futures[name] = _Now(_chain_job(name, base))
        return futures[name].result()
    yield get
    if pool is not None:
        pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def corpus(chained, tmp_path_factory):
    """name -> the corpus file (copy it before writing to it)."""
    base = tmp_path_factory.mktemp("corpus")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name in FAST:
            return chained(name).original
        if name not in built:
            built[name] = mc.build(name, base / name)
        return built[name]
    return get


# --- 1. every corpus file gets its behaviour ------------------------------------------------

@pytest.mark.parametrize("name", _params("test_corpus_file_gets_its_behaviour", FAST))
def test_corpus_file_gets_its_behaviour(name, chained, example_findings):
    """``validate FILE --as-of 2018-11-15 -o OUT``: exit 2 with one line naming the file, or
    the findings stated for the file. The corpus file itself is never written."""
    case = mc.CORPUS[name]
    c = chained(name)
    r = c.runs["validate"]
    assert _digest(c.original) == c.digest
    if not case.loads:
        r.one_line(str(c.original), *case.message)
        assert sorted(p.name for p in c.out.parent.iterdir()) == ["corpus"], \
            "a book that failed to load must never be written"
        return
    found = _findings(r)
    assert c.out.exists()
    for code, sheet, cell in case.codes:
        assert any((not code or f["code"] == code) and (not sheet or f["sheet"] == sheet)
                   and (not cell or f["cell"] == cell) for f in found), (
            code, sheet, cell, [(f["code"], f["sheet"], f["cell"]) for f in found])
    if case.same_as_example:
        assert Counter((f["code"], f["task_id"]) for f in found) == example_findings
    if name == "long-text":  # exactly at Excel's limit is fine
        at_limit = mc.table(mc.WS1).cell("narrative", 0)
        assert not any(f["cell"] == at_limit for f in found)


@pytest.mark.parametrize("name", _params(
    "test_unreadable_file_fails_alike_in_every_job", FAILS))
def test_unreadable_file_fails_alike_in_every_job(name, corpus, tmp_path):
    src = _copy(corpus(name), tmp_path)
    before = src.read_bytes()
    for args in (("summary", src, "--in-place"), ("close-period", src, "--in-place"),
                 ("validate", src, "--in-place"), ("export", src, "--json")):
        r = cli(*args, *(("--as-of", AS_OF) if args[0] != "export" else ()))
        r.one_line(str(src), *mc.CORPUS[name].message)
        assert r.out == ""
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]


HANG_BOUND = 6.0  # seconds; the example validates in ~0.6 s in a fresh process


def _bounded(*args: str, timeout: float = HANG_BOUND) -> subprocess.CompletedProcess:
    """``cqcxl ARGS`` in a process killed after ``timeout`` s and capped at 2 GB of memory
    (a hang or a bomb fails the test instead of the machine)."""
    def limit():  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    return subprocess.run([sys.executable, "-m", "cqcxl.cli", *args], capture_output=True,
                          text=True, timeout=timeout,
                          preexec_fn=limit if os.name == "posix" else None)


@pytest.mark.parametrize("name", _params(
    "test_hostile_file_is_rejected_quickly_in_a_real_process", HOSTILE))
def test_hostile_file_is_rejected_quickly_in_a_real_process(name, corpus, tmp_path):
    src = corpus(name)
    t0 = time.monotonic()
    r = _bounded("validate", str(src), "--as-of", AS_OF, "-o", str(tmp_path / "out.xlsx"),
                 timeout=10)
    took = time.monotonic() - t0
    assert took < 10, f"{name}: {took:.1f} s"  # a bound for hangs, not a benchmark
    Run(r.returncode, r.stdout, r.stderr).one_line(str(src), *mc.CORPUS[name].message)
    assert "root:" not in r.stdout + r.stderr  # nothing of /etc/passwd
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("name", _params("test_slow_file_is_handled_within_seconds", SLOW))
def test_slow_file_is_handled_within_seconds(name, corpus, tmp_path, example_findings):
    """Files that make a naive reader walk a million rows: the behaviour stated for them,
    in a separate process bounded in time and memory."""
    case = mc.CORPUS[name]
    src = corpus(name)
    out = tmp_path / "out.xlsx"
    r = _bounded("validate", str(src), "--as-of", AS_OF, "-o", str(out), "--json")
    run = Run(r.returncode, r.stdout, r.stderr)
    if not case.loads:
        run.one_line(str(src), *case.message)
        assert not out.exists()
    else:
        found = _findings(run)
        if case.same_as_example:
            assert Counter((f["code"], f["task_id"]) for f in found) == example_findings


# --- 2. nothing lost ----------------------------------------------------------------------

@pytest.mark.parametrize("name", _params("test_nothing_lost", LOADS))
def test_nothing_lost(name, chained):
    """After validate -> summary -> close-period every cell a user typed (value, type, number
    format, fill except RAG fills), their comments, sheets, merges, drop-downs, conditional
    formats, Tables, widths, names, hidden rows/sheets and protection are as they were.
    (user_view of the final file and of the original, worked out in _chain_job.)"""
    c = chained(name).ran()
    view_after, view_before, structure_after, structure_before = c.views
    view_after, grown = _rows_grown(view_after, view_before)
    assert _typed(view_after) == _typed(view_before)
    # Validate grows a key-task row whose text no longer fits (FitRows): only ever taller,
    # and never a row whose height the user chose (a height cqcxl does not write)
    for sheet, rows in grown.items():
        for r, (before, after) in rows.items():
            assert before is None or before in OUR_HEIGHTS, (sheet, r, before)
            assert after > (before or 15.0), (sheet, r, before, after)
    assert structure_after == structure_before
    case = mc.CORPUS[name]
    if case.present is not None and not case.present(c.out):
        # not carried into the copy: validate must have said so
        err = c.runs["validate"].err
        assert re.search(rf"warning: .*({case.lost})", err, re.I), err


def _rows_grown(after: dict, before: dict) -> tuple[dict, dict]:
    """``after`` with the row heights Validate grew put back as they were, and those rows:
    sheet -> row -> (height before, height after)."""
    out, grown = dict(after), {}
    for sheet, v in after.items():
        if not (isinstance(v, dict) and "heights" in v and sheet in before):
            continue
        was = before[sheet]["heights"]
        changed = {r: (was.get(r), h) for r, h in v["heights"].items() if was.get(r) != h}
        if changed:
            grown[sheet] = changed
            out[sheet] = dict(v, heights=dict(was) | {
                r: h for r, h in v["heights"].items() if r not in changed})
    return out, grown


def _typed(view: dict) -> dict:
    """user_view with no type on empty cells: an empty cell's type (openpyxl reads an empty
    t="d" cell as type 'd') is nothing anyone typed."""
    out = dict(view)
    for sheet, v in view.items():
        if isinstance(v, dict) and "cells" in v:
            out[sheet] = dict(v, cells={k: (c[0], None, *c[2:]) if len(c) > 2 and c[0] is None
                                        else c for k, c in v["cells"].items()})
    return out


@pytest.mark.parametrize("name", _params("test_findings_stable_after_the_chain", LOADS))
def test_findings_stable_after_the_chain(name, chained):
    """Validating cqcxl's own output finds exactly what validating the original found."""
    c = chained(name).ran()
    key = [(f["code"], f["sheet"], f["cell"], f["task_id"]) for f in _findings(c.runs["validate"])]
    again = _findings(c.runs["again"])
    assert sorted(key) == sorted((f["code"], f["sheet"], f["cell"], f["task_id"]) for f in again)


@pytest.mark.parametrize("name", _params("test_what_a_save_cannot_carry_is_kept_or_refused",
                                         LOST))
def test_what_a_save_cannot_carry_is_kept_or_refused(name, corpus, tmp_path):
    """In place: either the thing is still in the file afterwards, or the save is refused
    with one line naming it and the file untouched. With -o: kept, or a warning naming it."""
    case = mc.CORPUS[name]
    src = _copy(corpus(name), tmp_path)
    assert case.present(src), "the corpus file must hold the thing"
    for job in ("validate", "summary", "close-period"):
        before = src.read_bytes()
        r = cli(job, src, "--as-of", AS_OF, "--in-place")
        if r.code == 2:
            line = r.one_line(str(src))
            assert re.search(case.lost, line, re.I), line
            assert src.read_bytes() == before
        else:
            assert r.code in (0, 1), r.err
            assert case.present(src), f"{job} --in-place dropped it silently"
    out = tmp_path / f"copy{src.suffix}"
    r = cli("validate", src, "--as-of", AS_OF, "-o", out)
    assert r.code in (0, 1), r.err
    if not case.present(out):
        assert re.search(rf"warning: .*({case.lost})", r.err, re.I), r.err


def test_xlsm_is_not_written_as_xlsx(corpus, tmp_path):
    """A .xlsm copied to -o OUT.xlsx would hold macros under a name Excel refuses to open
    ('file format or extension is not valid'): refused, naming the extension."""
    src = corpus("xlsm-vba")
    out = tmp_path / "plan.xlsx"
    r = cli("validate", src, "--as-of", AS_OF, "-o", out)
    line = r.one_line(str(src))
    assert re.search(r"macro|\.xlsm", line, re.I), line
    assert not out.exists()


def test_xlsm_keeps_its_macros_as_xlsm(corpus, tmp_path):
    src = corpus("xlsm-vba")
    out = tmp_path / "copy.xlsm"
    r = cli("summary", src, "--as-of", AS_OF, "-o", out)
    assert r.code == 0, r.err
    assert mc.CORPUS["xlsm-vba"].present(out)
    with zipfile.ZipFile(out) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")


# --- 3. safe saves --------------------------------------------------------------------------

def _half_save_then(exc: BaseException):
    """os.fsync that leaves the file being written half-written, then fails: a disk that
    fills up (or a Ctrl+C) in the middle of a save."""

    def fsync(fd):
        os.ftruncate(fd, os.fstat(fd).st_size // 2)
        raise exc
    return fsync


@pytest.mark.parametrize("exc, words", [
    (OSError(28, "No space left on device"), ("plan.xlsx", "no space", "unchanged")),
    (KeyboardInterrupt(), ("stopped", "nothing was written")),
], ids=["disk-full", "interrupted"])
def test_a_failed_save_leaves_the_original_intact(example, monkeypatch, exc, words):
    before = example.read_bytes()
    monkeypatch.setattr(os, "fsync", _half_save_then(exc))
    for job in ("validate", "summary", "close-period"):
        cli(job, example, "--as-of", AS_OF, "--in-place").one_line(*words)
        assert example.read_bytes() == before
        assert sorted(p.name for p in example.parent.iterdir()) == ["plan.xlsx"]


def test_a_file_locked_on_windows_gets_close_it_in_excel(example, monkeypatch):
    import os

    before = example.read_bytes()
    real = os.replace

    def replace(src, dst):
        if Path(dst) == example:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    cli("validate", example, "--as-of", AS_OF, "--in-place").one_line(
        "plan.xlsx", "close the workbook in Excel")
    assert example.read_bytes() == before
    leftovers = {p.name for p in example.parent.iterdir()} - {"plan.xlsx", "plan.bak.xlsx"}
    assert leftovers == set()


@pytest.mark.parametrize("lock", ["~$plan.xlsx", "~$an.xlsx"])
def test_excel_lock_file_blocks_in_place_saves(example, lock):
    (example.parent / lock).write_bytes(b"\x0bJane Lead" + bytes(40))
    before = example.read_bytes()
    for job in ("validate", "summary", "close-period"):
        cli(job, example, "--as-of", AS_OF, "--in-place").one_line(
            "plan.xlsx", "close the workbook in Excel")
    assert example.read_bytes() == before
    assert sorted(p.name for p in example.parent.iterdir()) == sorted([lock, "plan.xlsx"])
    r = run_cli("validate", example, "--as-of", AS_OF, "--in-place")
    Run(r.returncode, r.stdout, r.stderr).one_line("close the workbook in Excel")


def test_the_lock_file_itself_is_not_a_workbook(example):
    lock = example.parent / "~$plan.xlsx"
    lock.write_bytes(b"\x0bJane Lead" + bytes(40))
    cli("validate", lock).one_line("lock file", "~$")


# --- 5. fuzzing -----------------------------------------------------------------------------

_JUNK_VALUES = (b"", b"abc", b"1e400", b"-1", b"NaN", b"99999999999999", b"#REF!", b"0",
                b"2018-13-45T00:00:00", b"60", b"2958466", b"1", b"TRUE",
                "é🚀".encode())
_JUNK_TEXT = (b"Task ID", b"RAG", b"Key risks", b"Key tasks", b"Date to complete",
              b"Green ", b"red", b"BLUE", b"Sep-18", b"TBC", b"=1+1", b"", b"x" * 5000,
              b"Workstream number", b"Reporting date", b"WS1 ICT", b"Sheet")
_TYPES = (b"n", b"s", b"b", b"e", b"str", b"inlineStr", b"d", b"z")
_SNIPPETS = (b'<c r="ZZ99999" t="e"><v>#REF!</v></c>', b'<row r="0"/>',
             b'<c r="F14" t="n"><v>1e308</v></c>', b'<c r="E15" t="d"><v>9999-99-99</v></c>',
             b'<mergeCell ref="A1:XFD1048576"/>', b"&amp;", b"\xff\xfe", b"]]>")


def _sub_one(pattern: bytes, data: bytes, rng: random.Random, make) -> bytes:
    """Replace one random match of ``pattern`` (group 1) with ``make(old)``."""
    found = list(re.finditer(pattern, data))
    if not found:
        return data
    m = rng.choice(found)
    return data[:m.start(1)] + make(m[1]) + data[m.end(1):]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """1-6 mutations; most keep the XML well-formed (values, types, styles, references,
    texts), some break it (bytes, slices, truncation)."""
    b = bytes(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.choice(("value", "value", "type", "type", "style", "ref", "text", "text",
                           "snippet", "flip", "slice", "truncate"))
        if kind == "value":
            b = _sub_one(rb"<v>([^<]*)</v>", b, rng, lambda _: rng.choice(_JUNK_VALUES))
        elif kind == "type":
            b = _sub_one(rb'<c [^>]*\bt="([^"]*)"', b, rng, lambda _: rng.choice(_TYPES))
        elif kind == "style":
            b = _sub_one(rb'\bs="(\d+)"', b, rng, lambda _: str(rng.choice(
                (0, 1, 5, 999, -1))).encode())
        elif kind == "ref":
            b = _sub_one(rb'<(?:c|row) r="([A-Z]*\d+)"', b, rng, lambda old: re.sub(
                rb"\d+", lambda d: str(max(0, int(d[0]) + rng.choice(
                    (-1, 1, 1000)))).encode(), old))
        elif kind == "text":
            b = _sub_one(rb"<t[^>]*>([^<]*)</t>", b, rng, lambda _: rng.choice(_JUNK_TEXT))
        elif kind == "snippet":
            i = rng.randrange(len(b))
            b = b[:i] + rng.choice(_SNIPPETS) + b[i:]
        elif kind == "flip":
            a = bytearray(b)
            for _ in range(rng.randint(1, 4)):
                a[rng.randrange(len(a))] = rng.randrange(256)
            b = bytes(a)
        elif kind == "slice":
            i = rng.randrange(len(b))
            j = i + rng.randint(1, 400)
            b = b[:i] + (b[i:j] * 2 if rng.random() < 0.5 else b"") + b[j:]
        else:
            b = b[: rng.randrange(len(b) // 2, len(b))]
    return b


def test_fuzz_mutated_workbooks_never_crash(tmp_path):
    """100 seeded mutations of the example's parts (mostly WS1's sheet XML): the CLI exits
    0, 1 or 2 with one clear line, never a traceback; bounded to ~30 s."""
    members = mc._read_zip(EXAMPLE)
    sheet = mc._sheet_parts(members)[mc.WS1]
    others = ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
              mc._sheet_parts(members)[mc.L.PLAN]]
    t0, done, codes = time.monotonic(), 0, Counter()
    for seed in range(100):
        if time.monotonic() - t0 > 30:
            break
        rng = random.Random(seed)
        part = sheet if rng.random() < 0.75 else rng.choice(others)
        m = dict(members)
        m[part] = _mutate(m[part], rng)
        p = mc._write_zip(tmp_path / f"fuzz{seed}.xlsx", m)
        out = tmp_path / f"out{seed}.xlsx"
        r = cli("validate", p, "--as-of", AS_OF, *(("-o", out) if seed % 3 == 0 else ()))
        assert r.code in (0, 1, 2), (seed, part, r.code)
        if r.code == 2:
            r.one_line(str(p))
            assert not out.exists()
        codes[r.code] += 1
        done += 1
    assert done >= 10, "fuzz too slow to say anything"
    assert time.monotonic() - t0 < 60


# --- the table in tests/corpus/README.md ---------------------------------------------------

def test_readme_table_is_current():
    readme = (Path(__file__).parent / "corpus" / "README.md").read_text(encoding="utf-8")
    assert mc.markdown_table() in readme, "run: python tests/corpus/make_corpus.py --table"
