"""The buttons on desktop Excel for Windows: xlwings' real Windows engine
(``xlwings._xlwindows``) driving a stand-in Excel COM object model (``tests/fakecom.py``).

Each entry point runs end to end on the example, twice, through ``RunPython``'s own route
(``xw.Book.caller()`` found through the window handle), and the tests look at what a lead
would see: RAG fills, notes (a lead's own note untouched), the Validation sheet, the Summary
with its ten pies in RAG colours, the Period history sheet; every COM round trip counted.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import openpyxl
import pytest

from cqcxl.jobs import run_job
from cqcxl.sheets import layout as L
from cqcxl.sheets import theme as T

from .conftest import EXAMPLE
from .fakecom import FakeExcel, load_workbook, view, windows_engine
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
        # a note costs two calls (Range, AddComment); nothing is written one cell at a time
        assert excel.calls["Range.AddComment"] <= excel.calls["Worksheet.Range"]
        assert excel.calls["Interior.Color="] <= 6 * len(want.plan.workstreams)
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
