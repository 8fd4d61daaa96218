"""The buttons on desktop Excel for Windows: xlwings' real Windows engine
(``xlwings._xlwindows``) driving a stand-in Excel COM object model (``tests/fakecom.py``).

Each entry point runs end to end on the example, twice, through ``RunPython``'s own route
(``xw.Book.caller()`` found through the window handle), and the tests look at what a lead
would see: RAG fills, notes (a lead's own note untouched), the Validation sheet, the Summary
with its ten pies in RAG colours, the Period history sheet; every COM round trip counted,
and the counts held to a budget that says where each call goes.

In the macro-enabled workbook (the example built as ``.xlsm``, its VBA read back) Validate's
colour and note writes go through the workbook's ``cqcxl_batch.CqcxlApply`` in one
``Application.Run`` (the fake runs its Python model); the end of this file checks that path
against the one-call-a-write path it falls back to.
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
from .fakecom import (
    FakeExcel,
    calls_under,
    cqcxl_apply,
    load_workbook,
    view,
    windows_engine,
    xl_error,
)
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
        assert excel.calls["Application.Run"] == 0  # a .xlsx holds no VBA: no batch tried
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
    # the sheet's name at the foot of each page on the left, its page number on the right
    assert summary["page_setup"]["footer"] == ("&8&A", "", "&8Page &P of &N")
    assert summary["page_setup"]["footer_margin"] == pytest.approx(0.3 * 72)
    assert summary["page_setup"]["margins"][3] == pytest.approx(0.6 * 72)
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
    # a month on, the cover also draws the shares over time: one line per RAG, coloured
    out = press(win, wb, "build_summary", as_of=date(2018, 12, 13))
    assert out.ok, out.message
    charts = view(wb)["sheets"][L.SUMMARY]["charts"]
    (trend,) = [c for c in charts if c["type"] == "line_markers"]
    assert [s["name"] for s in trend["series"]] == ["Blue", "Green", "Amber", "Red"]
    assert [s["line"] for s in trend["series"]] == [T.RAG_FILL[r] for r in
                                                    ("Blue", "Green", "Amber", "Red")]
    assert all(s["markers"] == (s["line"], s["line"]) for s in trend["series"])
    assert trend["title"] == "Share of key tasks by RAG (%)"
    assert not any("line" in s for s in out.skipped), out.skipped


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
    a second press writes no note and reads each one instead (5 calls). (The macro-enabled
    workbook makes those writes in one call: test_validate_through_the_batch_macro below.)"""
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


def test_a_colour_comes_off_through_the_batch_macro_too(fake_windows):
    """The same take-off in a macro-enabled workbook: the fills are read as above (one
    call each), the writes go in the one Application.Run with the rest."""
    from .conftest import build_workbook, plan_data, task

    src = build_workbook(plan_data([task("A1", rag="Blue"), task("A2", rag="Red"),
                                    task("A3", rag="Green"), task("A4", rag="Green")]))
    excel = FakeExcel(user_name=USER)
    wb = load_workbook(excel, src, "plan.xlsm", vba={"cqcxl_batch": BATCH_BAS.read_text()})
    first = press(fake_windows, wb, "validate", as_of=AS_OF)
    assert first.ok, first.message
    tasks = {t.task_id: t for t in first.result.plan.tasks}
    ref = {i: tasks[i].cells["rag"] for i in tasks}
    sheet_name = first.result.plan.workstreams[0].sheet
    sheet = next(s for s in wb._sheets if s._name == sheet_name)
    for i in ("A1", "A2", "A3"):
        sheet.Range(ref[i]).Value = ""
    sheet.Range(ref["A2"]).Interior.Color = 0x00FFFF
    excel.reset_calls()
    out = press(fake_windows, wb, "validate", as_of=AS_OF)
    assert out.ok, out.message
    got = view(wb)["sheets"][sheet_name]
    assert ref["A1"] not in got["fills"] and ref["A3"] not in got["fills"]
    assert got["font_colors"].get(ref["A1"], T.BLACK) == T.BLACK
    assert got["fills"][ref["A2"]] == "FFFF00"
    assert got["fills"][ref["A4"]] == T.RAG_FILL["Green"]
    assert excel.calls["Interior.Color"] == 5  # the same reads
    assert excel.calls["Interior.ColorIndex="] == 0  # the writes: inside the one run
    assert excel.calls["Application.Run"] == 1


# --- the macro-enabled workbook: colour and note writes in one Application.Run --------------

BATCH_BAS = EXAMPLE.parents[1] / "macros" / "cqcxl_batch.bas"
XLSM = EXAMPLE.with_suffix(".xlsm").name  # cumbria-2018-11.xlsm


@pytest.fixture(scope="module")
def example_xlsm(tmp_path_factory):
    """The example as the macro-enabled workbook a lead gets (python -m cqcxl.xlsm
    examples/cumbria-2018-11.xlsx -o cumbria-2018-11.xlsm): its VBA is read back by the fake,
    so the batch procedure is there only because the build put it there."""
    pytest.importorskip("pyopenvba")
    from cqcxl import xlsm

    return xlsm.build_xlsm(tmp_path_factory.mktemp("xlsm") / XLSM, source_xlsx=EXAMPLE)


def _open_xlsm(excel, path, **kw):
    """The .xlsm open in the fake Excel, a lead's own note on WS1 C14."""
    src = openpyxl.load_workbook(path, keep_vba=True)
    src["WS1 ICT"]["C14"].comment = openpyxl.comments.Comment("my own note", USER)
    return load_workbook(excel, src, XLSM, **kw)


def _notes_of(result) -> set[tuple[str, str]]:
    return {(f.sheet, f.cell) for f in result.findings
            if f.code != "note-not-added" and f.sheet not in L.OWNED_SHEETS}


def test_validate_through_the_batch_macro_in_at_most_300_calls(example_xlsm):
    """Issue 14's target: Validate on the example at most 300 COM calls. In the .xlsm the
    62 new notes and the RAG colours (about 260 calls one by one) are one Application.Run;
    what is left is reading (6 calls a sheet), the notes already there (2 a sheet, 5 a
    note) and the Validation sheet with the button's own calls."""
    with windows_engine() as win:
        excel = FakeExcel(user_name=USER)
        wb = _open_xlsm(excel, example_xlsm)
        sheets = len(wb._sheets)
        assert "CqcxlApply" in wb.vba["cqcxl_batch"]
        with excel.trace() as where:
            out = press(win, wb, "validate", as_of=AS_OF)
        assert out.ok, out.message
        parts = {f: calls_under(where, f"WindowsBook.{f}") for f in
                 ("read", "_read_notes", "_gather", "_flush", "replace", "apply")}
        print(f"\n[benchmark] Validate on the example .xlsm (batch macro, fake COM): "
              f"{excel.total_calls} COM calls; by part: {parts}; "
              f"top: {excel.calls.most_common(8)}")
        assert excel.total_calls <= 300, where.most_common(20)
        assert excel.calls["Application.Run"] == 1
        assert parts["_flush"] <= 2  # Workbook.Application, Application.Run
        assert parts["_gather"] == 0  # no colour to take off, every write in the run
        assert parts["read"] == 3 + 6 * sheets
        assert parts["_read_notes"] == 2 * sheets + 5 * 1  # the lead's own note
        for member in ("Range.AddComment", "Interior.Color=", "Font.Color=", "Comment.Text"):
            assert excel.calls[member] <= 10, member  # only the Validation sheet's own
        v = view(wb)
        ours = {(s, ref) for s, sh in v["sheets"].items()
                for ref, (_, text) in sh["notes"].items() if text.startswith("cqcxl:")}
        assert ours == _notes_of(out.result) and len(ours) == 62
        assert v["sheets"]["WS1 ICT"]["notes"]["C14"] == (USER, "my own note")
        assert excel.alerts == []


def _presses(win, wb, excel, n=2):
    """Validate pressed n times: (calls, view after) per press."""
    out = []
    for _ in range(n):
        excel.reset_calls()
        res = press(win, wb, "validate", as_of=AS_OF)
        assert res.ok, res.message
        out.append((excel.total_calls, view(wb), res))
    return out


@pytest.fixture(scope="module")
def per_call(example_xlsm):
    """The same .xlsm with no VBA project (the procedure is not there): every write one by
    one, as on a .xlsx. What each press leaves is what the batch must leave."""
    with windows_engine() as win:
        excel = FakeExcel(user_name=USER)
        wb = _open_xlsm(excel, example_xlsm, vba=False)
        presses = _presses(win, wb, excel)
        assert all(v[2].result is not None for v in presses)
        return [(calls, v) for calls, v, _ in presses], excel.calls["Application.Run"]


def test_batch_and_per_call_paths_leave_the_same_workbook_twice(example_xlsm, per_call):
    """Fills, fonts, notes (the lead's own untouched), the Validation sheet, everything a
    lead sees: the same through the batch as one write at a time, on the first press and on
    the second (the notes then already there: rewritten only where their text changed)."""
    reference, tried = per_call
    assert tried == 1  # the .xlsm with no procedure: tried once, "Cannot run the macro"
    with windows_engine() as win:
        excel = FakeExcel(user_name=USER)
        wb = _open_xlsm(excel, example_xlsm)
        presses = _presses(win, wb, excel)
        for (calls, got, _), (ref_calls, want) in zip(presses, reference, strict=True):
            assert got == want
            assert calls < ref_calls
            print(f"\n[benchmark] Validate on the .xlsm: batch {calls}, per call {ref_calls}")
        # the second press: no note is new, so the run carries only the colours
        assert excel.calls["Application.Run"] == 1
        _, got, res = presses[-1]
        assert got["sheets"]["WS1 ICT"]["notes"]["C14"] == (USER, "my own note")
        assert sum(text.startswith("cqcxl:") for sh in got["sheets"].values()
                   for _, text in sh["notes"].values()) == len(_notes_of(res.result))


def _refuse(book, *args):
    raise xl_error("Cannot run the macro 'CqcxlApply'. The macro may not be available in "
                   "this workbook or all macros may be disabled.")


def _half(book, names, what, addresses, values):
    """Makes the first half of the writes, then reports the next one failed."""
    k = len(what) // 2
    cqcxl_apply(book, names[:k], what[:k], addresses[:k], values[:k])
    return -(k + 1)


def _nothing(book, *args):
    return None  # a Sub, or a procedure of another version: no count of writes


@pytest.mark.parametrize("failure", ["disabled", "raises", "half", "no count"])
def test_a_failing_batch_falls_back_to_one_call_a_write(example_xlsm, per_call, failure):
    """Macros disabled, the run refused, a write failing half-way (some made: the notes are
    read again first), a procedure that answers no count: the writes are made one by one,
    with the same result as the per-call path, press after press."""
    reference, _ = per_call
    with windows_engine() as win:
        excel = FakeExcel(user_name=USER)
        wb = _open_xlsm(excel, example_xlsm)
        proc = wb.vba["cqcxl_batch"]["CqcxlApply"]
        if failure == "disabled":
            wb.macros_enabled = False
        else:
            proc.model = {"raises": _refuse, "half": _half, "no count": _nothing}[failure]
        presses = _presses(win, wb, excel)
        for (calls, got, _), (ref_calls, want) in zip(presses, reference, strict=True):
            assert got == want
            if failure in ("disabled", "raises"):
                assert calls == ref_calls  # the one failed Application.Run: as without VBA
        assert excel.calls["Application.Run"] == 1  # tried once a press


@pytest.mark.parametrize("works", [True, False])
def test_edits_in_order_around_the_batch(fake_windows, works):
    """Colour and note edits are gathered until another kind of edit (or a second colour
    edit of the same sheet, whose take-off must read what the first wrote) and then run; once
    a run has failed the rest of the job is written one call at a time, not tried again."""
    from cqcxl.edits import CellColour, FitRows, NoteText, SetCellColours, SetNotes

    src = openpyxl.Workbook()
    src.active.title = "WS"
    excel = FakeExcel(user_name=USER)
    wb = load_workbook(excel, src, "plan.xlsm", vba={"cqcxl_batch": BATCH_BAS.read_text()})
    if not works:
        wb.vba["cqcxl_batch"]["CqcxlApply"].model = _refuse
    red = CellColour("FF0000", "FFFFFF")
    edits = [SetCellColours("WS", {"A1": red, "A2": red}, removable=("FF0000",)),
             SetNotes("WS", {"A1": NoteText("cqcxl: one")}),
             SetCellColours("ws", {"A2": None}, removable=("FF0000",), plain_font="000000"),
             FitRows("WS", {3: 30.0}),
             SetNotes("WS", {"B1": NoteText("cqcxl: two")})]
    live = LiveBook(fake_windows.book(wb))
    live.read()
    excel.reset_calls()
    live.apply(edits)
    got = view(wb)["sheets"]["WS"]
    assert got["fills"] == {"A1": "FF0000"}
    assert got["font_colors"] == {"A1": "FFFFFF", "A2": "000000"}
    assert {a: text for a, (_, text) in got["notes"].items()} == {"A1": "cqcxl: one",
                                                                  "B1": "cqcxl: two"}
    # runs: (colours + note), (take-off), (the last note) -- or the first only, refused
    assert excel.calls["Application.Run"] == (3 if works else 1)
    assert excel.calls["Range.AddComment"] == (0 if works else 2)
