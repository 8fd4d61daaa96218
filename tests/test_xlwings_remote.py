"""The Excel buttons' code, run for real on xlwings' remote engine (no Excel, no mocks).

The example plan is turned into the book JSON that Excel sends to xlwings (Lite/Server);
``cqcxl.excel.validate`` / ``build_summary`` / ``close_period`` run on ``xw.Book(json=…)``;
the actions they record are replayed onto the openpyxl workbook (``tests/replay.py``) and
compared with what the headless path (``cqcxl.jobs`` + ``openpyxl_engine.apply``)
writes: same findings, same RAG fills, same notes, same Summary values.

xlwings' remote engine is under the PolyForm Noncommercial licence; the key
``noncommercial`` is set here, in the tests only (see docs/buttons.md).
"""

from __future__ import annotations

import copy
import os
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"  # before xlwings is imported

import xlwings as xw  # noqa: E402

from cqcxl.engines import openpyxl_engine as openpyxl_book
from cqcxl.engines import xlwings_engine as xlwings_book  # noqa: E402
from cqcxl.grid import CellError  # noqa: E402
from cqcxl.jobs import run_job  # noqa: E402
from cqcxl.sheets import layout as L  # noqa: E402

from .conftest import EXAMPLE, ROOT, build_workbook  # noqa: E402
from .replay import book_json, replay  # noqa: E402

AS_OF = date(2018, 11, 15)


@pytest.fixture(scope="module", autouse=True)
def remote_engine():
    """xlwings registers its remote engine at import time, only when the licence key is
    set: if another test imported xlwings first, register it now."""
    if "remote" not in [e.name for e in xw.engines]:
        from xlwings.main import Engine
        from xlwings.pro import _xlremote

        xw.engines.add(Engine(impl=_xlremote.engine))
    yield


@pytest.fixture(scope="module")
def example_json() -> dict:
    return book_json(openpyxl.load_workbook(EXAMPLE), EXAMPLE.name)


def remote_book(payload: dict) -> xw.Book:
    return xw.Book(json=copy.deepcopy(payload))


def actions(book: xw.Book) -> list[dict]:
    return book.json()["actions"]


def headless(job, path: Path = EXAMPLE):
    """The CLI's path: read the file, run the core, apply the edits with openpyxl."""
    loaded = openpyxl_book.load(path)
    result = job(openpyxl_book.read(loaded))
    openpyxl_book.apply(loaded, result.edits)
    return loaded.wb, result


def rgb(color) -> str | None:
    if color is None or color.rgb is None or not isinstance(color.rgb, str):
        return None
    return color.rgb[-6:].upper()


def fill(cell) -> str | None:
    return rgb(cell.fill.fgColor) if cell.fill is not None and cell.fill.fill_type else None


def notes(ws) -> dict[str, str]:
    return {c.coordinate: c.comment.text for c in ws._cells.values() if c.comment}


def values(ws) -> dict[str, object]:
    """Every cell that shows something (an empty string shows nothing, in Excel as here)."""
    out = {}
    for row in ws.iter_rows():
        for c in row:
            v = c.value
            if v is None or v == "" or c.__class__.__name__ == "MergedCell":
                continue
            if isinstance(v, date) and not isinstance(v, datetime):
                v = datetime(v.year, v.month, v.day)
            out[c.coordinate] = v
    return out


def formats(ws) -> dict[str, tuple]:
    """What a reader sees of each cell's formatting (fill, font, alignment, number
    format), for cells that have any. A merged cell shows its top-left cell's format."""
    hidden = {(r, c) for m in ws.merged_cells.ranges for r, c in m.cells} - {
        (m.min_row, m.min_col) for m in ws.merged_cells.ranges}
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if (c.row, c.column) in hidden:
                continue
            f = (fill(c), bool(c.font.b), bool(c.font.i), rgb(c.font.color),
                 float(c.font.sz or 11), bool(c.alignment.wrap_text),
                 c.alignment.horizontal, c.alignment.vertical or None, c.number_format,
                 c.border.left.style if c.border else None)
            if f != (None, False, False, None, 11.0, False, None, None, "General", None):
                out[c.coordinate] = f
    return out


# --- the replayer itself ----------------------------------------------------------------------

def test_replayer_applies_the_recorded_actions():
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    book = remote_book(book_json(wb, "t.xlsx"))
    sh = book.sheets["Data"]
    sh["B2"].value = [[1, "x", datetime(2018, 11, 15)], [None, "=HYPERLINK(\"#A1\",\"go\")", 2]]
    sh["B2:C3"].color = "#FF0000"
    sh["B2:C2"].set_colors([["#00B050", ...]])
    sh["B2:B3"].font.color = "#FFFFFF"
    sh["B2"].font.bold = True
    sh["C3"].add_note("cqcxl: 1 problem")
    sh["B3:D3"].borders.line_style = "continuous"
    sh["B3:D3"].borders.color = "#BFBFBF"
    sh["E5:G6"].merge(across=True)
    sh["A:B"].column_width = xlwings_book.column_width(10, True)
    sh["4:5"].row_height = 30
    new = book.sheets.add("New", after=sh)
    new["A1"].value = "hello"
    new.activate()
    book.app.alert("done", title="cqcxl")
    r = replay(wb, actions(book))
    ws = wb["Data"]
    assert [ws["B2"].value, ws["C2"].value, ws["D2"].value] == [1, "x", datetime(2018, 11, 15)]
    assert ws["B3"].value is None and ws["C3"].value.startswith("=HYPERLINK")
    assert (fill(ws["B2"]), fill(ws["C2"]), fill(ws["C3"])) == ("00B050", "FF0000", "FF0000")
    assert rgb(ws["B3"].font.color) == "FFFFFF" and ws["B2"].font.b
    assert ws["C3"].comment.text == "cqcxl: 1 problem"
    assert ws["B3"].border.top.style == "thin" and ws["D3"].border.right.color.rgb[-6:] == \
        "BFBFBF"
    assert {str(m) for m in ws.merged_cells.ranges} == {"E5:G5", "E6:G6"}
    assert ws.column_dimensions["A"].width == ws.column_dimensions["B"].width == 10
    assert ws.row_dimensions[5].height == 30
    assert wb.sheetnames == ["Data", "New"] and wb.active.title == "New"
    assert r.alerts == [["done", "cqcxl", "ok", "", ""]]
    with pytest.raises(NotImplementedError):
        replay(wb, [{"func": "somethingNew", "args": []}])


def test_book_json_round_trip(example_json):
    """The payload the tests build reads back as the same grids openpyxl reads."""
    got = xlwings_book.read(remote_book(example_json))
    want = openpyxl_book.read(openpyxl_book.load(EXAMPLE))
    assert got.names == want.names
    def trimmed(rows):  # the same cells; trailing empty cells and rows do not count
        out = [list(r) for r in rows]
        for r in out:
            while r and r[-1] is None:
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out

    for g, w in zip(got.sheets, want.sheets, strict=True):
        assert trimmed(g.rows) == trimmed(w.rows), g.name


def test_read_converts_errors_and_numbers():
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    payload = book_json(wb)
    payload["sheets"][0]["values"] = [["#REF!", 3.0, "2018-09-01T00:00:00.000Z", ""],
                                      ["", "", "", ""]]
    grid = xlwings_book.read(remote_book(payload))
    assert grid.sheets[0].rows == [[CellError("#REF!"), 3, datetime(2018, 9, 1), None]]


# --- Validate ---------------------------------------------------------------------------------

def test_validate_matches_the_headless_path(example_json):
    from cqcxl import excel

    book = remote_book(example_json)
    out = excel.validate(book, today=AS_OF)
    want_wb, want = headless(lambda g: run_job("validate", g, today=AS_OF))
    assert out.ok
    assert [f.to_json() for f in out.result.findings] == [f.to_json() for f in want.findings]

    acts = actions(book)
    got_wb = openpyxl.load_workbook(EXAMPLE)
    r = replay(got_wb, acts)
    assert got_wb.sheetnames == want_wb.sheetnames
    assert r.alerts == []  # no message box on success: the Validation sheet shows
    # Same RAG fills and font colours on every task and risk RAG cell.
    rag_cells = [(e.sheet, ref) for e in want.edits if e.__class__.__name__ == "SetCellColours"
                 for ref in e.cells]
    assert len(rag_cells) > 100
    for sheet, ref in rag_cells:
        g, w = got_wb[sheet][ref], want_wb[sheet][ref]
        assert (fill(g), rgb(g.font.color)) == (fill(w), rgb(w.font.color)), (sheet, ref)
    # Same notes, same text, on the same cells.
    for name in want_wb.sheetnames:
        assert notes(got_wb[name]) == notes(want_wb[name]), name
    # one note per problem cell outside cqcxl's own sheets (worked out from the findings)
    noted = {(f.sheet, f.cell) for f in want.findings
             if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS}
    assert sum(len(notes(ws)) for ws in want_wb.worksheets) == len(noted) > 20
    # The Validation sheet: same values (links included) and the same formatting.
    assert values(got_wb[L.VALIDATION]) == values(want_wb[L.VALIDATION])
    assert formats(got_wb[L.VALIDATION]) == formats(want_wb[L.VALIDATION])
    assert got_wb.active.title == L.VALIDATION
    assert got_wb[L.VALIDATION].freeze_panes == want_wb[L.VALIDATION].freeze_panes

    # The benchmark: Excel operations for one Validate on the example plan.
    n_ws = len(want.plan.workstreams)
    per_sheet = Counter(a["sheet_position"] for a in acts if a["func"] != "addNote")
    ws_positions = [got_wb.sheetnames.index(ws.sheet) for ws in want.plan.workstreams]
    # shown with pytest -s (the benchmark numbers of issue 7)
    print(f"\n[benchmark] Validate on the example plan: {len(acts)} Excel operations "
          f"({len(acts) / n_ws:.1f} per workstream sheet); "
          f"{dict(sorted(Counter(a['func'] for a in acts).items()))}")
    # Per workstream sheet: fills and font colours in a handful of calls, whatever the
    # number of rows; notes are one call per noted cell.
    assert max(per_sheet[p] for p in ws_positions) <= 10
    assert r.counts["addNote"] == len(noted)
    assert len(acts) - len(noted) <= 12 * n_ws


def test_validate_again_recognises_its_own_notes(example_json):
    """Second press: the engine cannot read note text, but the Validation sheet lists the
    cells cqcxl noted, so those notes are updated, not treated as the user's."""
    from cqcxl import excel

    first = remote_book(example_json)
    excel.validate(first, today=AS_OF)
    wb = openpyxl.load_workbook(EXAMPLE)
    replay(wb, actions(first))
    before = {ws.title: notes(ws) for ws in wb.worksheets}
    # A user's own note elsewhere on a workstream sheet.
    wb["WS1 ICT"]["C14"].comment = openpyxl.comments.Comment("mine", "Jane")

    second = remote_book(book_json(wb))
    out = excel.validate(second, today=AS_OF)
    acts = actions(second)
    funcs = Counter(a["func"] for a in acts)
    assert "note-not-added" not in {f.code for f in out.result.findings}
    assert funcs["addNote"] == 0 and funcs["deleteNote"] == 0
    # every note of the first press is updated in place (this engine cannot read a note's
    # text, so it cannot tell which are unchanged)
    assert funcs["setNoteText"] == sum(len(v) for v in before.values()) > 20
    replay(wb, acts)
    assert {ws.title: notes(ws) for ws in wb.worksheets if ws.title != "WS1 ICT"} == \
        {k: v for k, v in before.items() if k != "WS1 ICT"}
    assert wb["WS1 ICT"]["C14"].comment.text == "mine"


def test_a_note_the_engine_cannot_read_is_the_users(example_json):
    """Without a Validation sheet listing it, a note is the user's: never removed or
    overwritten, and the problem is listed instead."""
    from cqcxl import excel

    payload = copy.deepcopy(example_json)
    ws4 = next(s for s in payload["sheets"] if s["name"] == "WS4 Commissioning")
    ws4["notes"] = [{"address": "$I$13"}, {"address": "$A$1"}]
    book = remote_book(payload)
    out = excel.validate(book, today=AS_OF)
    clash = [f for f in out.result.findings if f.code == "note-not-added"]
    assert [(f.sheet, f.cell) for f in clash] == [("WS4 Commissioning", "I13")]
    touched = {a["args"][0] for a in actions(book)
               if a["func"] in ("addNote", "deleteNote", "setNoteText")
               and a["sheet_position"] == [s["name"] for s in payload["sheets"]].index(
                   "WS4 Commissioning")}
    assert "$I$13" not in touched and "$A$1" not in touched


# --- Build summary sheet ------------------------------------------------------------------------

def test_build_summary_matches_the_headless_path(example_json):
    from cqcxl import excel

    book = remote_book(example_json)
    out = excel.build_summary(book, today=AS_OF)
    want_wb, want = headless(lambda g: run_job("summary", g, today=AS_OF))
    assert out.ok
    assert out.result.summary.total.by_rag == want.summary.total.by_rag
    acts = actions(book)
    got_wb = openpyxl.load_workbook(EXAMPLE)
    r = replay(got_wb, acts)
    assert got_wb.sheetnames == want_wb.sheetnames
    got, exp = got_wb[L.SUMMARY], want_wb[L.SUMMARY]
    assert values(got) == values(exp)
    assert len(values(exp)) > 300
    assert formats(got) == formats(exp)
    assert {str(m) for m in got.merged_cells.ranges} == {str(m) for m in exp.merged_cells.ranges}
    for col, dim in exp.column_dimensions.items():
        assert got.column_dimensions[col].width == pytest.approx(dim.width, abs=0.01), col
    assert {r: d.height for r, d in got.row_dimensions.items() if d.height} == \
        {r: d.height for r, d in exp.row_dimensions.items() if d.height}
    assert got.print_area == exp.print_area
    assert got_wb.active.title == L.SUMMARY
    # Pies: all ten, on the remote engine too. It cannot colour slices one by one, so they
    # take the theme's accents 1-4, which the example (made by cqcxl) has as Blue, Green,
    # Amber, Red; and the message says so.
    assert len(exp._charts) == 10
    assert len(r.charts) == 10 and {c["sheet"] for c in r.charts} == {L.SUMMARY}
    assert all(any(f == "setChartType" and "Pie" in a for f, a in c["actions"])
               for c in r.charts), r.charts[0]
    assert any("theme" in s for s in out.skipped)
    with zipfile.ZipFile(EXAMPLE) as z:
        theme = z.read("xl/theme/theme1.xml").decode()
    accents = re.findall(r"<a:accent(\d)>\s*<a:srgbClr val=\"(\w+)\"", theme)[:4]
    assert accents == [("1", "0070C0"), ("2", "00B050"), ("3", "FFC000"), ("4", "FF0000")]
    # shown with pytest -s (the benchmark numbers of issue 7)
    print(f"\n[benchmark] Build summary sheet on the example plan: {len(acts)} Excel "
          f"operations; {dict(sorted(Counter(a['func'] for a in acts).items()))}")
    # Grouped: a few times fewer operations than one write per formatted property per cell.
    default = (None, False, False, None, 11.0, False, None, None, "General", None)
    per_cell = sum(a != b for f in formats(exp).values() for a, b in zip(f, default,
                                                                        strict=True))
    assert len(acts) < per_cell / 4


def test_close_period_matches_the_headless_path(example_json):
    from cqcxl import excel

    book = remote_book(example_json)
    out = excel.close_period(book)
    want_wb, want = headless(lambda g: run_job("close-period", g))
    assert out.ok
    got_wb = openpyxl.load_workbook(EXAMPLE)
    r = replay(got_wb, actions(book))
    assert values(got_wb[L.HISTORY]) == values(want_wb[L.HISTORY])
    assert formats(got_wb[L.HISTORY]) == formats(want_wb[L.HISTORY])
    assert r.alerts and r.alerts[0][0].startswith("Closed the period ending 2018-11-15")

    # Pressing it again for the same period: a message box, and nothing changed.
    again = remote_book(book_json(got_wb))
    out = excel.close_period(again)
    assert not out.ok
    acts = actions(again)
    assert [a["func"] for a in acts] == ["alert"]
    assert "already closed" in acts[0]["args"][0]
    assert acts[0]["args"][1] == "cqcxl"


def test_a_workbook_problem_is_a_message_box_not_a_traceback(example_json):
    """No Plan sheet, no workstream sheets: Validate lists that on the Validation sheet;
    Close period cannot work without a reporting date and says so in a message box."""
    from cqcxl import excel

    payload = copy.deepcopy(example_json)
    payload["sheets"] = [s for s in payload["sheets"] if not s["name"].startswith("WS")
                         and s["name"] != "Plan"]
    book = remote_book(payload)
    out = excel.validate(book, today=AS_OF)
    assert out.ok and out.result.findings
    assert "alert" not in {a["func"] for a in actions(book)}

    book = remote_book(payload)
    out = excel.close_period(book)
    assert not out.ok
    acts = actions(book)
    assert [a["func"] for a in acts] == ["alert"]
    text, title, buttons, mode = acts[0]["args"][:4]
    assert (title, buttons, mode) == ("cqcxl", "ok", "critical")
    assert "nothing was changed" in text and "reporting date" in text


def test_entry_points_work_on_the_calling_book(example_json):
    """RunPython: no argument, the book that called."""
    from cqcxl import excel

    book = remote_book(example_json)
    book.set_mock_caller()
    out = excel.build_summary(today=AS_OF)
    assert out.ok and any(a["func"] == "addSheet" for a in actions(book))


# --- the macros and xlwings Lite -------------------------------------------------------------

RUNPYTHON = re.compile(r'RunPython\s*\(?\s*"([^"]*)"')


def test_every_runpython_command_names_an_importable_function():
    import importlib

    found = []
    for bas in sorted((ROOT / "macros").glob("*.bas")):
        text = bas.read_text(encoding="utf-8")
        for cmd in RUNPYTHON.findall(text):
            m = re.fullmatch(r"\s*import ([\w.]+)\s*;\s*([\w.]+)\.(\w+)\(\)\s*", cmd)
            assert m, f"{bas.name}: RunPython command not in the form 'import M; M.f()': {cmd}"
            module, prefix, func = m.groups()
            assert prefix == module, cmd
            assert callable(getattr(importlib.import_module(module), func)), cmd
            found.append(func)
    assert sorted(found) == ["build_summary", "close_period", "validate"]
    text = (ROOT / "macros" / "cqcxl.bas").read_text(encoding="utf-8")
    assert 'Attribute VB_Name = "cqcxl"' in text
    for sub in ("ValidateWorkbook", "BuildSummarySheet", "ClosePeriod"):
        assert re.search(rf"^Sub {sub}\(\)", text, re.M), sub


def test_lite_scripts_run_through_xlwings_lite_runner(example_json, monkeypatch):
    """lite/main.py as xlwings Lite calls it (its own runner, on the remote engine)."""
    import asyncio
    import importlib.util

    from xlwings.pro.udfs_officejs import custom_scripts_call, script

    # xlwings Lite runs with the server-side decorator (xlwings picks it at import when
    # XLWINGS_ON_SERVER=true); give lite/main.py that one.
    monkeypatch.setattr(xw, "script", script)

    spec = importlib.util.spec_from_file_location("cqcxl_lite_main", ROOT / "lite" / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    book = remote_book(example_json)
    asyncio.run(custom_scripts_call(module, "validate", typehint_to_value={xw.Book: book}))
    funcs = Counter(a["func"] for a in actions(book))
    _, want = headless(lambda g: run_job("validate", g, today=AS_OF))
    noted = {(f.sheet, f.cell) for f in want.findings
             if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS}
    assert funcs["addNote"] == len(noted) and funcs["addSheet"] == 1


# --- grouping, and the 100x plan -----------------------------------------------------------------

def test_rectangles_cover_exactly_the_cells():
    import random

    rnd = random.Random(5)
    for _ in range(200):
        cells = {(rnd.randint(1, 12), rnd.randint(1, 8)) for _ in range(rnd.randint(0, 60))}
        rects = xlwings_book.rectangles(cells)
        covered = [(r, c) for r1, c1, r2, c2 in rects
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        assert sorted(covered) == sorted(cells)  # every cell once, nothing else
    full = {(r, c) for r in range(1, 101) for c in range(1, 8)}
    assert xlwings_book.rectangles(full) == [(1, 1, 100, 7)]


def test_column_widths_in_points_on_the_remote_engine():
    assert xlwings_book.column_width(10, remote=True) == 56.25
    assert xlwings_book.column_width(10, remote=False) == 10


def test_the_100x_plan(example_data):
    """The example with every workstream's tasks 100 times (12,100 key tasks): fills stay
    one call per sheet; font colours follow the runs of Blue in the data; notes are one
    per problem cell."""
    from cqcxl import excel

    data = copy.deepcopy(example_data)
    for ws in data["workstreams"]:
        ws["tasks"] = [dict(t, task_id=f"{t['task_id']}.{k}" if t.get("task_id") else "")
                       for k in range(100) for t in ws["tasks"]]
    payload = book_json(build_workbook(data))
    book = remote_book(payload)
    out = excel.validate(book, today=AS_OF)
    v = Counter(a["func"] for a in actions(book))
    book = remote_book(payload)
    excel.build_summary(book, today=AS_OF)
    s = Counter(a["func"] for a in actions(book))
    print(f"\n[benchmark] 100x plan ({len(out.result.plan.tasks)} key tasks): Validate "
          f"{sum(v.values())} operations {dict(sorted(v.items()))}; Build summary sheet "
          f"{sum(s.values())} operations {dict(sorted(s.items()))}")
    assert len(out.result.plan.tasks) == 12100
    assert v["setRangeColors"] <= 2 * len(out.result.plan.workstreams)
    noted = {(f.sheet, f.cell) for f in out.result.findings
             if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS}
    assert v["addNote"] == len(noted)
    # one block write per sheet written: Validation; Summary and Chase list
    assert v["setValues"] == 1 and s["setValues"] == 2


def test_assemble_the_xlsm_without_excel(tmp_path):
    """workbook_template.xlsx + macros/ -> .xlsm on Linux (pyOpenVBA writes the project)."""
    pytest.importorskip("pyopenvba")
    import zipfile

    from pyopenvba import ExcelFile

    from cqcxl import xlsm

    out = xlsm.assemble(ROOT / "workbook_template.xlsx", tmp_path / "workbook_template.xlsm")
    book = ExcelFile(out)
    try:
        mods = {m.name: m.source for m in book.vba_project().modules}
    finally:
        book.close()
    assert {"ThisWorkbook", "xlwings", "Dictionary", "cqcxl"} <= set(mods)
    assert len(RUNPYTHON.findall(mods["cqcxl"])) == 3
    assert "Function RunPython" in mods["xlwings"]
    with zipfile.ZipFile(out) as z:
        assert b"sheet.macroEnabled.main+xml" in z.read("[Content_Types].xml")
        assert "xl/vbaProject.bin" in z.namelist()
    got = openpyxl.load_workbook(out, keep_vba=True)
    want = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")
    assert got.sheetnames == want.sheetnames + [xlsm.CONFIG_SHEET]
    for name in want.sheetnames:
        assert values(got[name]) == values(want[name])


def test_the_trend_line_chart_on_the_remote_engine():
    """With a closed period behind it, the cover adds a line chart of the shares over time:
    drawn on the remote engine too, from its data block, lines in the theme's accents."""
    from cqcxl import excel

    december = EXAMPLE.parent / "cumbria-2018-12.xlsx"
    book = remote_book(book_json(openpyxl.load_workbook(december), december.name))
    out = excel.build_summary(book)
    assert out.ok, out.message
    got_wb = openpyxl.load_workbook(december)
    r = replay(got_wb, actions(book))
    assert len(r.charts) == 11
    (trend,) = [c for c in r.charts if not any(f == "setChartType" and "Pie" in str(a)
                                               for f, a in c["actions"])]
    kinds = [a for f, a in trend["actions"] if f == "setChartType"]
    assert kinds and "Line" in str(kinds[0]), trend["actions"]
    assert any("line colours" in s for s in out.skipped), out.skipped
