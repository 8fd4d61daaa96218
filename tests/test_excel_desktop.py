"""The buttons on desktop Excel for Windows: xlwings' real Windows engine
(``xlwings._xlwindows``) driving a stand-in Excel COM object model (``tests/fakecom.py``).

Each entry point runs end to end on the example, twice, through ``RunPython``'s own route
(``xw.Book.caller()`` found through the window handle), and the tests look at what a lead
would see: RAG fills, notes (a lead's own note untouched), the Validation sheet, the Summary
with its ten pies in RAG colours, the Period history sheet; every COM round trip counted,
and the counts held to a budget that says where each call goes.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import openpyxl
import pytest

from cqcxl.engines.xlwings_engine import LiveBook
from cqcxl.jobs import run_job
from cqcxl.sheets import layout as L
from cqcxl.sheets import theme as T

from .conftest import EXAMPLE
from .fakecom import FakeExcel, calls_under, load_workbook, view, windows_engine
from .fakecom import fake_windows as fake_windows  # noqa: F401  (a fixture)

AS_OF = date(2018, 11, 15)
USER = "Jane Lead"


@pytest.fixture
def desktop():
    """(win, excel, fake workbook) with the example open in a fake Excel, a lead's own
    note on WS1 C14."""
    with windows_engine() as win:
        excel = FakeExcel(user_name=USER)
        src = openpyxl.load_workbook(EXAMPLE)
        src["WS1 ICT"]["C14"].comment = openpyxl.comments.Comment("my own note", USER)
        wb = load_workbook(excel, src, EXAMPLE.name)
        yield win, excel, wb


def press(win, wb, entry, **kw):
    """A button press: RunPython calls the entry point, which finds its workbook."""
    from cqcxl import excel as entries

    with win.run_python(wb):
        return getattr(entries, entry)(**kw)


def _expected():
    from cqcxl.engines.openpyxl_engine import FileBook

    grid = FileBook(EXAMPLE).read()
    return grid, run_job("validate", grid, AS_OF)


def test_validate_twice_on_desktop_excel(desktop):
    win, excel, wb = desktop
    grid, want = _expected()
    calls = []
    for attempt in (1, 2):
        excel.reset_calls()
        out = press(win, wb, "validate", as_of=AS_OF)
        assert out.ok, out.message
        calls.append(excel.total_calls)
        print(f"\n[benchmark] Validate on desktop Excel (fake COM), press {attempt}: "
              f"{calls[-1]} COM calls; top: {excel.calls.most_common(6)}")
        # a note costs two calls (Range, AddComment); fills one write per colour and sheet
        assert excel.calls["Range.AddComment"] <= excel.calls["Worksheet.Range"]
        # (at most four RAG colours a sheet, plus the Validation sheet's own fills)
        assert excel.calls["Interior.Color="] <= 4 * len(want.plan.workstreams) + 6
    # the second press finds every note already there with the same text: each is read
    # once, none is written again
    n_notes = len({(f.sheet, f.cell) for f in out.result.findings
                   if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS})
    assert excel.calls["Range.AddComment"] == 0 and excel.calls["Comment.Delete"] == 0
    assert excel.calls["Comment.Text"] == n_notes + 1  # + the lead's own note, read
    v = view(wb)
    # RAG cells: filled from their values (checked against the plan read independently)
    plan = want.plan
    for ws in plan.workstreams:
        sheet = v["sheets"][ws.sheet]
        for t in ws.tasks:
            ref = t.cells["rag"]
            if t.rag is not None:
                assert sheet["fills"].get(ref) == T.RAG_FILL[t.rag.value], (ws.sheet, ref)
                assert sheet["font_colors"].get(ref, T.BLACK) == T.RAG_FONT[t.rag.value]
    # notes: one per problem cell (desktop signs them with the user's name; the text says
    # cqcxl), the lead's own note untouched
    noted = {(f.sheet, f.cell) for f in out.result.findings
             if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS}
    ours = {(s, ref) for s, sh in v["sheets"].items() for ref, (_, text) in sh["notes"].items()
            if text.startswith("cqcxl:")}
    assert ours == noted
    assert v["sheets"]["WS1 ICT"]["notes"]["C14"] == (USER, "my own note")
    # the Validation sheet: every finding listed, frozen under its header, shown
    val = v["sheets"][L.VALIDATION]
    codes = [val["values"].get(f"G{r}") for r in range(8, 8 + len(want.findings))]
    assert Counter(codes) == Counter(f.code for f in want.findings)
    assert val["freeze"] == "A8"
    assert v["active"] == L.VALIDATION
    assert v["order"][:2] == ["Summary", L.VALIDATION]
    assert val["tab_color"] == T.TAB_ERRORS
    assert val["page_setup"]["orientation"] == "landscape"
    assert excel.alerts == []  # no error box


def test_build_summary_and_close_period_on_desktop_excel(desktop):
    win, excel, wb = desktop
    for _ in (1, 2):
        excel.reset_calls()
        out = press(win, wb, "build_summary", as_of=AS_OF)
        assert out.ok, out.message
        print(f"\n[benchmark] Build summary sheet on desktop Excel (fake COM): "
              f"{excel.total_calls} COM calls")
    v = view(wb)
    summary = v["sheets"][L.SUMMARY]
    assert v["order"][0] == L.SUMMARY and v["active"] == L.SUMMARY
    assert "121 Actions" in summary["values"].values()
    pies = summary["charts"]
    assert len(pies) == 10 and all(c["type"] == "pie" for c in pies)
    rag = [T.RAG_FILL[r] for r in ("Blue", "Green", "Amber", "Red")]
    for c in pies:
        (series,) = c["series"]
        assert [series["point_colors"][i] for i in (1, 2, 3, 4)] == rag, c["title"]
    assert summary["page_setup"]["orientation"] == "landscape"
    assert summary["page_setup"]["fit_wide"] == 1
    assert "Chase list" in v["order"]
    # nothing about the pies needed reporting on desktop Excel for Windows
    assert not any("pie" in s for s in out.skipped), out.skipped

    out = press(win, wb, "close_period", as_of=AS_OF)
    assert out.ok, out.message
    hist = view(wb)["sheets"][L.HISTORY]
    assert hist["values"]["A1"] == "Period closed"
    assert excel.alerts and "closed the period" in str(excel.alerts[-1]).lower()
    again = press(win, wb, "close_period", as_of=AS_OF)
    assert not again.ok and "already closed" in again.message
    assert "Traceback" not in again.message
    # the Summary again, with a closed period behind it: still its ten pies, nothing raises
    out = press(win, wb, "build_summary", as_of=AS_OF)
    assert out.ok, out.message
    charts = view(wb)["sheets"][L.SUMMARY]["charts"]
    assert sum(c["type"] == "pie" for c in charts) == 10


def test_text_that_excel_would_parse_stays_text(fake_windows):
    """Excel parses what is written through Range.Value as if it were typed: a Task ID
    '1.10' would become the number 1.1, '=1+1' a formula, 'Dec 18' a date. On the sheets
    cqcxl writes they stay exactly as the lead typed them."""
    from .conftest import build_workbook, plan_data, task

    ids = ["1.10", "=1+1", "Dec 18", "TRUE", "007"]
    # each task is Red with no mitigation: a finding per task, listed with its Task ID
    src = build_workbook(plan_data([task(i, rag="Red", narrative="") for i in ids]))
    excel = FakeExcel(user_name=USER)
    wb = load_workbook(excel, src, "plan.xlsx")
    out = press(fake_windows, wb, "validate", as_of=AS_OF)
    assert out.ok, out.message
    val = view(wb)["sheets"][L.VALIDATION]["values"]
    listed = {val.get(f"C{r}") for r in range(8, 8 + len(out.result.findings))}
    assert set(ids) <= listed, listed


# --- round trips --------------------------------------------------------------------------

def _colour_groups(result) -> int:
    """Distinct fill colours plus distinct font colours per sheet: one write each."""
    from cqcxl.edits import SetCellColours

    n = 0
    for e in result.edits:
        if isinstance(e, SetCellColours):
            rated = [c for c in e.cells.values() if c is not None]
            n += len({c.fill for c in rated}) + len({c.font for c in rated})
    return n


def test_com_round_trips_of_validate_on_the_example(desktop):
    """Where Validate's COM calls go, held to a budget: reading is 6 calls a sheet, its notes
    2 a sheet and 5 a note; a new note 2 (the cell, AddComment); a colour 3 a sheet (a
    multi-area range, its Interior or Font, the colour); the rest (the Validation sheet, the
    button's own calls) a constant. On the example the 62 new notes (124 calls) and 47 colour
    writes (~135) alone come to about 260, so the first press is about 450 calls, not 300;
    a second press writes no note and reads each one instead (5 calls)."""
    win, excel, wb = desktop
    sheets = len(wb._sheets)
    with win.run_python(wb):
        import xlwings as xw

        book = xw.Book.caller()
    excel.reset_calls()
    grid = LiveBook(book).read()
    # Name, Worksheets, Count; per sheet Item, Name, Visible, UsedRange, Range, Value
    assert excel.total_calls == 3 + 6 * sheets
    assert excel.calls["Range.Value"] == sheets  # all of a sheet's values in one read
    excel.reset_calls()
    assert grid.sheet("WS1 ICT").notes["C14"].text == "my own note"  # read when looked at
    # per sheet Comments, Count; per note Item, Parent, Address, Author, Text
    assert excel.total_calls == 2 + 5 * 1

    excel.reset_calls()
    with excel.trace() as where:
        out = press(win, wb, "validate", as_of=AS_OF)
    assert calls_under(where, "WindowsBook.read") == 3 + 6 * sheets
    assert calls_under(where, "WindowsBook._read_notes") == 2 * sheets + 5 * 1
    assert calls_under(where, "WindowsBook.notes") == 2 * 62 == 2 * excel.calls["Range.AddComment"]
    assert calls_under(where, "WindowsBook.colours") <= 3 * _colour_groups(out.result) - 5
    rest = excel.total_calls - sum(calls_under(where, f"WindowsBook.{f}")
                                   for f in ("read", "_read_notes", "notes", "colours"))
    assert rest <= 95, where.most_common(20)  # the Validation sheet, the button
    assert excel.total_calls <= 460, excel.calls.most_common()
    first = excel.total_calls

    excel.reset_calls()
    with excel.trace() as where:
        press(win, wb, "validate", as_of=AS_OF)
    assert calls_under(where, "WindowsBook.notes") == 0  # every note already says it
    assert calls_under(where, "WindowsBook._read_notes") == 2 * (sheets + 1) + 5 * 63
    # the notes read instead of written, the Validation sheet read and deleted too
    assert excel.total_calls <= first - 124 + 5 * 62 + 8 + 20


def test_com_round_trips_of_build_summary_on_the_example(desktop):
    """The Summary sheet in about 600 calls (2,300 through xlwings' Range objects): no note
    read (the job never looks at them), the formatting as multi-area ranges, a write per
    row height, 25 calls a pie."""
    win, excel, wb = desktop
    assert press(win, wb, "validate", as_of=AS_OF).ok  # 63 notes on the sheets now
    excel.reset_calls()
    with excel.trace() as where:
        out = press(win, wb, "build_summary", as_of=AS_OF)
    assert out.ok, out.message
    assert calls_under(where, "WindowsBook._read_notes") == 0
    assert excel.calls["ChartObjects.Add"] == 10
    assert calls_under(where, "WindowsBook._pies") <= 1 + 25 * 10
    assert excel.calls["Series.ApplyDataLabels"] == 10  # labels in one call a pie
    assert excel.total_calls <= 650, excel.calls.most_common()


def test_a_colour_comes_off_only_where_it_is_cqcxls(fake_windows):
    """A RAG cleared by the lead: cqcxl's fill comes off (and the font goes back to plain);
    a fill the lead put there herself stays. The fills are read over all such cells at once
    and split only where they differ."""
    from .conftest import build_workbook, plan_data, task

    src = build_workbook(plan_data([task("A1", rag="Blue"), task("A2", rag="Red"),
                                    task("A3", rag="Green"), task("A4", rag="Green")]))
    excel = FakeExcel(user_name=USER)
    wb = load_workbook(excel, src, "plan.xlsx")
    first = press(fake_windows, wb, "validate", as_of=AS_OF)
    assert first.ok, first.message
    tasks = {t.task_id: t for t in first.result.plan.tasks}
    ref = {i: tasks[i].cells["rag"] for i in tasks}
    sheet_name = first.result.plan.workstreams[0].sheet
    sheet = next(s for s in wb._sheets if s._name == sheet_name)
    # the lead clears three RAGs and paints A2's cell yellow herself
    for i in ("A1", "A2", "A3"):
        sheet.Range(ref[i]).Value = ""
    sheet.Range(ref["A2"]).Interior.Color = 0x00FFFF  # yellow (BGR)
    excel.reset_calls()
    out = press(fake_windows, wb, "validate", as_of=AS_OF)
    assert out.ok, out.message
    got = view(wb)["sheets"][sheet_name]
    assert ref["A1"] not in got["fills"] and ref["A3"] not in got["fills"]
    assert got["font_colors"].get(ref["A1"], T.BLACK) == T.BLACK  # Blue's white text goes
    assert got["fills"][ref["A2"]] == "FFFF00"  # the lead's own fill stays
    assert got["fills"][ref["A4"]] == T.RAG_FILL["Green"]
    # one read over the three, then halves: (A1) | (A2, A3) -> (A2) | (A3)
    assert excel.calls["Interior.Color"] == 5
    assert excel.calls["Interior.ColorIndex="] == 2
