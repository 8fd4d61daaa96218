"""The fake Excel COM model (tests/fakecom.py) driven by xlwings' real Windows engine.

Everything goes through xlwings' public API (``xw.Book``, ``Sheet``, ``Range``, ``Note``,
``Chart``, ``App``) or, where xlwings has no API, through ``.api`` as desktop code must. The
assertions are on what a user would see (``fakecom.view``) and on the COM round trips
counted, so each one can fail if the engine or the fake behaves differently.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import sys

import openpyxl
import pytest
import xlwings as xw
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from . import fakecom
from .fakecom import FakeExcel, bgr, com_error, view

TODAY = dt.date(2024, 5, 1)
PLATFORM = sys.platform


def plan_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append(["Task", "Owner", "Due", "RAG", "Count"])
    ws.append(["A1", "Jane", dt.datetime(2018, 12, 1), "Green", 3])
    ws.append(["A2", "Sam", dt.datetime(2019, 1, 15), "Red", 1])
    ws["D2"].fill = PatternFill("solid", fgColor="FF00B050")
    ws["D3"].fill = PatternFill("solid", fgColor="FFFF0000")
    ws["D3"].font = Font(color="FFFFFFFF", bold=True)
    ws["B2"].comment = Comment("Check the owner", "Alice")
    ws.merge_cells("A5:C5")
    ws["A5"] = "Total"
    ws.column_dimensions["A"].width = 12
    ws.freeze_panes = "A2"
    ws.sheet_view.showGridLines = False
    ws.print_area = "A1:E3"
    ws.sheet_properties.tabColor = "FF0000"
    wb.create_sheet("Notes")["A1"] = "x"
    return wb


@pytest.fixture
def win():
    with fakecom.windows_engine() as w:
        yield w


@pytest.fixture
def excel(win) -> FakeExcel:
    return FakeExcel(user_name="Jane Doe", today=TODAY)


@pytest.fixture
def plan(win, excel):
    fake = fakecom.load_workbook(excel, plan_workbook(), "plan.xlsx")
    return fake, win.book(fake)


# --- the fixture itself --------------------------------------------------------------------------

def test_real_windows_engine_and_everything_restored():
    names_before = [e.name for e in xw.engines.engines]
    with fakecom.windows_engine() as win:
        excel = FakeExcel()
        book = win.book(excel.add_workbook("Book1.xlsx"))
        assert type(book.impl).__module__ == "xlwings._xlwindows"
        assert type(book.api).__name__ == "COMRetryObjectWrapper"
        assert book.app.engine.name == "excel"
        assert xw.apps.active == book.app  # the engine is active, as on Windows
        assert sys.modules["pywintypes"].com_error is com_error
    assert [e.name for e in xw.engines.engines] == names_before
    for name in ("pywintypes", "pythoncom", "win32com.client", "xlwings._xlwindows"):
        assert name not in sys.modules
    assert "_xlwindows" not in vars(xw)
    assert not hasattr(ctypes, "windll")


def test_load_workbook_and_view(plan):
    fake, _ = plan
    v = view(fake)
    assert (v["order"], v["active"]) == (["Plan", "Notes"], "Plan")
    sh = v["sheets"]["Plan"]
    assert sh["values"]["C2"] == dt.datetime(2018, 12, 1)
    assert sh["values"]["E3"] == 1 and sh["values"]["A5"] == "Total"
    assert sh["fills"] == {"D2": "00B050", "D3": "FF0000"}
    assert sh["font_colors"] == {"D3": "FFFFFF"}
    assert sh["formats"]["D3"]["bold"] is True
    assert sh["notes"] == {"B2": ("Alice", "Check the owner")}
    assert sh["merged"] == ["A5:C5"]
    assert sh["widths"] == {"A": 12.0}
    assert (sh["freeze"], sh["gridlines"], sh["tab_color"]) == ("A2", False, "FF0000")
    assert sh["page_setup"]["print_area"] == "$A$1:$E$3"


def test_unmodelled_member_is_loud(plan):
    _, book = plan
    sheet = book.sheets["Plan"]
    with pytest.raises(AttributeError, match=r"Worksheet\.Shapes is not modelled"):
        _ = sheet.api.Shapes
    with pytest.raises(com_error):  # and caught like pywin32's failure
        sheet.api.Range("A1").NoSuchThing()
    with pytest.raises(AttributeError, match=r"Range\.Wibble is not modelled"):
        sheet.api.Range("A1").Wibble = 1


def test_every_round_trip_is_counted(plan, excel):
    _, book = plan
    sheet = book.sheets["Plan"]
    excel.reset_calls()
    sheet.range("A1").color = "#FF0000"
    assert excel.calls == {"Worksheet.Range": 1, "Range.Interior": 1, "Interior.Color=": 1}
    excel.reset_calls()
    assert excel.total_calls == 0


def test_trace_says_where_the_calls_come_from(plan, excel):
    _, book = plan
    sheet = book.sheets["Plan"]

    def paint() -> None:
        sheet.api.Range("A1").Interior.Color = 255

    excel.reset_calls()
    with excel.trace(package=__name__) as where:
        paint()
        assert sheet.api.Range("A2").Value == "A1"
    assert fakecom.calls_under(where, "test_trace_says_where_the_calls_come_from.<locals>.paint"
                               ) == 3
    assert sum(where.values()) == excel.total_calls == 5


def test_a_method_with_an_index_is_one_call(plan, excel):
    _, book = plan
    sheet = book.sheets["Plan"]
    chart = sheet.charts.add(300, 45, 240, 180)
    chart.set_source_data(sheet.range("E2:E3"))
    excel.reset_calls()
    chart.api[1].SeriesCollection(1).Points(2)  # one Invoke each, with the index
    assert excel.calls == {"Chart.SeriesCollection": 1, "Series.Points": 1}
    excel.reset_calls()
    book.api.Windows(1)  # a property, then the collection's default member: two
    assert excel.calls == {"Workbook.Windows": 1, "Windows.Item": 1}


def test_busy_excel_is_retried_by_the_engine(plan, excel):
    _, book = plan
    sheet = book.sheets["Plan"]
    excel.reset_calls()
    excel.busy(3)  # RPC_E_CALL_REJECTED three times: COMRetryObjectWrapper tries again
    assert sheet.range("A2").value == "A1"
    assert excel.calls["Worksheet.Range"] == 4


# --- reading and writing -------------------------------------------------------------------------

def test_read_used_range_in_one_value_call(plan, excel):
    _, book = plan
    sheet = book.sheets["Plan"]
    excel.reset_calls()
    values = sheet.used_range.value
    assert excel.calls["Range.Value"] == 1
    assert values[1] == ["A1", "Jane", dt.datetime(2018, 12, 1), "Green", 3.0]
    assert isinstance(values[1][4], float)  # COM hands every number over as a float
    assert values[4][:3] == ["Total", None, None]
    raw = sheet.api.Range("C2:D2").Value  # what COM itself returns
    assert isinstance(raw, tuple) and isinstance(raw[0], tuple)
    assert isinstance(raw[0][0], fakecom.ComTime) and raw[0][0].tzinfo is not None
    assert sheet.api.Range("A1").Value == "Task"  # one cell: a scalar


@pytest.mark.parametrize("rows", [100, 1000])
def test_reading_a_block_is_a_constant_number_of_calls(win, excel, rows):
    book = win.book(excel.add_workbook("Big.xlsx"))
    sheet = book.sheets[0]
    sheet.range("A1").value = [[r * 12 + c for c in range(12)] for r in range(rows)]
    excel.reset_calls()
    block = sheet.range((1, 1), (rows, 12)).value
    assert len(block) == rows and block[-1][-1] == rows * 12 - 1
    assert excel.calls["Range.Value"] == 1
    assert excel.total_calls == 16  # the same for 100 and 1,000 rows


def test_write_a_block_as_excel_stores_it(win, excel):
    book = win.book(excel.add_workbook("Book1.xlsx"))
    sheet = book.sheets[0]
    sheet.range("C5").number_format = "@"
    excel.reset_calls()
    sheet.range("B2").value = [[1, "a", dt.date(2018, 11, 15)],
                               ["007", "'007", "Dec 18"],
                               ["TRUE", "#N/A", "Dec 32"],
                               [None, "Green", "1/2/2018"]]
    assert excel.calls["Range.Value="] == 1
    sheet.range("C5").value = "007"  # a Text-formatted cell keeps the text
    got = view(excel.ActiveWorkbook)["sheets"]["Sheet1"]["values"]
    assert got == {"B2": 1, "C2": "a", "D2": dt.datetime(2018, 11, 15),
                   "B3": 7, "C3": "007", "D3": dt.datetime(TODAY.year, 12, 18),
                   "B4": True, "C4": "#N/A", "D4": dt.datetime(1932, 12, 1),
                   "C5": "007", "D5": dt.datetime(2018, 1, 2)}
    assert sheet.range("B2:D2").value == [1.0, "a", dt.datetime(2018, 11, 15)]


# --- formatting ----------------------------------------------------------------------------------

def test_fill_and_font_colour(plan):
    fake, book = plan
    sheet = book.sheets["Plan"]
    assert sheet.range("D3").color == (255, 0, 0)
    sheet.range("A2:B3").color = "#FFC000"
    sheet.range("D3").color = None
    sheet.range("E2:E3").font.color = "#C00000"
    sh = view(fake)["sheets"]["Plan"]
    assert sh["fills"] == {"A2": "FFC000", "B2": "FFC000", "A3": "FFC000", "B3": "FFC000",
                           "D2": "00B050"}
    assert sh["font_colors"] == {"D3": "FFFFFF", "E2": "C00000", "E3": "C00000"}
    assert sheet.range("D3").api.Interior.ColorIndex == -4142  # xlColorIndexNone
    assert sheet.range("E2").font.color == (192, 0, 0)


def test_multi_area_range_colours_in_one_call(plan, excel):
    fake, book = plan
    sheet = book.sheets["Plan"]
    excel.reset_calls()
    rng = sheet.range("F14,F16,F20")
    rng.color = "#00B050"
    assert excel.calls["Interior.Color="] == 1
    assert view(fake)["sheets"]["Plan"]["fills"] == {
        "D2": "00B050", "D3": "FF0000", "F14": "00B050", "F16": "00B050", "F20": "00B050"}
    assert rng.api.Areas.Count == 3 and rng.address == "$F$14,$F$16,$F$20"
    too_long = ",".join(f"F{r}" for r in range(100, 200))  # Excel: at most 255 characters
    with pytest.raises(com_error):
        sheet.range(too_long)


def test_a_multi_cell_colour_is_the_colour_they_share_else_null(plan, excel):
    """What Excel answers for a format of several cells (as VBA's Null when they differ),
    which cqcxl uses to read the fills of many cells in one call."""
    _, book = plan
    sheet = book.sheets["Plan"].api
    assert sheet.Range("D2").Interior.Color == bgr("00B050")
    assert sheet.Range("D2:D3").Interior.Color is None  # green and red
    assert sheet.Range("A2:A3,C2").Interior.Color == 16777215  # no fill reads as white
    assert sheet.Range("A2:A3,C2").Interior.ColorIndex == -4142  # ...xlColorIndexNone
    sheet.Range("A2,D2").Interior.Color = bgr("00B050")
    assert sheet.Range("A2,D2").Interior.Color == bgr("00B050")  # the same over two areas
    assert sheet.Range("D2:D3").Font.Color is None  # automatic and white


# --- notes ---------------------------------------------------------------------------------------

def test_notes_author_is_excels_user_name(plan, excel):
    fake, book = plan
    sheet = book.sheets["Plan"]
    note = sheet.range("C3").add_note("cqcxl: date is late")
    assert (note.author, note.text) == ("Jane Doe", "cqcxl: date is late")
    sheet.range("C3").note.text = "cqcxl: changed"
    assert [(n.location.address, n.author, n.text) for n in sheet.notes] == [
        ("$B$2", "Alice", "Check the owner"), ("$C$3", "Jane Doe", "cqcxl: changed")]
    with pytest.raises(ValueError):  # xlwings checks first...
        sheet.range("C3").add_note("again")
    with pytest.raises(com_error):  # ...as Excel refuses a second note on a cell
        sheet.range("C3").api.AddComment("again")
    sheet.range("B2").note.delete()
    assert sheet.range("B2").note is None
    assert view(fake)["sheets"]["Plan"]["notes"] == {"C3": ("Jane Doe", "cqcxl: changed")}
    # pywin32 iterates with Next(1) per note and one more that comes back empty
    assert excel.calls["Comments._NewEnum"] == 1 and excel.calls["Comments.Next"] == 3


# --- sheets --------------------------------------------------------------------------------------

def test_sheets_add_after_and_delete(plan, excel):
    fake, book = plan
    sheets = book.sheets
    sheets.add("Middle", after=sheets["Plan"])
    sheets.add("Last", after=sheets["Notes"])
    sheets.add("First", before=sheets["Plan"])
    assert [s.name for s in sheets] == ["First", "Plan", "Middle", "Notes", "Last"]
    assert view(fake)["active"] == "First"
    sheets["Notes"].delete()  # xlwings turns DisplayAlerts off around Delete
    assert [s.name for s in sheets] == ["First", "Plan", "Middle", "Last"]
    assert excel.alerts == [] and book.app.display_alerts is True
    fake.Worksheets.Add()  # COM's own default: before the active sheet
    assert view(fake)["order"] == ["Sheet1", "First", "Plan", "Middle", "Last"]
    sheets["Plan"].api.Delete()  # alerts on and a sheet with data: Excel asks
    assert excel.alerts[-1]["kind"] == "excel" and "delete" in excel.alerts[-1]["text"]


def test_tab_colour_is_no_xlwings_api(plan):
    fake, book = plan
    sheet = book.sheets["Notes"]
    sheet.tab_color = "#00B050"  # a plain Python attribute: silently does nothing
    assert view(fake)["sheets"]["Notes"]["tab_color"] is None
    sheet.api.Tab.Color = bgr("00B050")  # the desktop route
    assert view(fake)["sheets"]["Notes"]["tab_color"] == "00B050"


# --- charts --------------------------------------------------------------------------------------

def test_pie_chart_with_slice_colours_and_labels(plan, excel):
    fake, book = plan
    sheet = book.sheets["Plan"]
    chart = sheet.charts.add(300, 45, 240, 180)
    chart.set_source_data(sheet.range("E2:E3"))
    chart.set_x_axis_values(sheet.range("D2:D3"))
    chart.chart_type = "pie"
    chart.title = "RAG"
    assert chart.chart_type == "pie"
    series = chart.api[1].SeriesCollection(1)  # (ChartObject, Chart) on Windows
    series.Points(1).Format.Fill.ForeColor.RGB = bgr("00B050")
    series.Points(2).Interior.Color = bgr("FF0000")  # the classic fill: the same colour
    assert series.Points(2).Format.Fill.ForeColor.RGB == bgr("FF0000")
    series.ApplyDataLabels(3)  # xlDataLabelsShowPercent: the percentage only
    with pytest.raises(com_error):
        series.Points(3)  # two values, two slices
    (got,) = view(fake)["sheets"]["Plan"]["charts"]
    assert got["type"] == "pie" and got["title"] == "RAG"
    assert got["anchor"] == "F4" and (got["width"], got["height"]) == (240.0, 180.0)
    assert got["source"] == "Plan!$E$2:$E$3"
    (s,) = got["series"]
    assert s["values"] == "Plan!$E$2:$E$3" and s["categories"] == "Plan!$D$2:$D$3"
    assert s["point_colors"] == {1: "00B050", 2: "FF0000"}
    assert s["data_labels"] == {"value": False, "percentage": True}
    assert excel.calls["ColorFormat.RGB="] == 1 and excel.calls["Interior.Color="] == 1
    series.HasDataLabels = True
    series.DataLabels().ShowValue = True  # the same labels, property by property
    assert view(fake)["sheets"]["Plan"]["charts"][0]["series"][0]["data_labels"] == {
        "value": True, "percentage": True}
    series.ApplyDataLabels(-4142)  # xlDataLabelsShowNone
    assert view(fake)["sheets"]["Plan"]["charts"][0]["series"][0]["data_labels"] is None


# --- page set-up, alerts, window -----------------------------------------------------------------

def test_print_area_and_page_setup(plan):
    fake, book = plan
    sheet = book.sheets["Notes"]
    sheet.page_setup.print_area = "A1:D20"
    assert sheet.page_setup.print_area == "$A$1:$D$20"
    ps = sheet.api.PageSetup  # no xlwings API for the rest
    ps.Orientation = 2
    ps.Zoom = False
    ps.FitToPagesWide = 1
    ps.FitToPagesTall = False
    ps.PrintTitleRows = "1:2"
    got = view(fake)["sheets"]["Notes"]["page_setup"]
    assert got == {"orientation": "landscape", "zoom": False, "fit_wide": 1,
                   "fit_tall": False, "print_area": "$A$1:$D$20",
                   "print_title_rows": "$1:$2", "print_title_columns": None, "paper_size": 9,
                   "margins": (50.4, 50.4, 54.0, 54.0), "footer": ("", "", ""),
                   "footer_margin": 21.6}
    sheet.page_setup.print_area = None
    assert sheet.page_setup.print_area is None
    with pytest.raises(com_error):
        ps.PrintTitleRows = "A1:B2"  # not whole rows


def test_print_communication_is_an_application_setting(plan, excel):
    _, book = plan
    app = book.app.api
    assert app.PrintCommunication is True
    app.PrintCommunication = False  # page set-up then waits for the printer driver once
    assert app.PrintCommunication is False
    with pytest.raises(com_error):
        app.PrintCommunication = "yes"


def test_alert_is_a_message_box_on_excels_window(plan, excel):
    _, book = plan
    assert book.app.alert("Validation done", title="cqcxl", mode="info") == "ok"
    excel.answers.append("no")
    assert book.app.alert("Close period?", buttons="yes_no", mode="critical") == "no"
    assert [(a["text"], a["title"], a["buttons"], a["icon"], a["answer"])
            for a in excel.alerts] == [("Validation done", "cqcxl", "ok", "info", "ok"),
                                       ("Close period?", "", "yes_no", "warning", "no")]
    assert excel.calls["win32api.MessageBox"] == 2


def test_show_gridlines_on_a_sheet_that_is_not_active(plan, excel):
    fake, book = plan
    notes = book.sheets["Notes"]
    assert book.sheets.active.name == "Plan"
    notes.show_gridlines = False  # xlwings activates Notes, sets, re-activates Plan
    v = view(fake)
    assert v["sheets"]["Notes"]["gridlines"] is False and v["active"] == "Plan"
    assert v["sheets"]["Plan"]["gridlines"] is False  # as loaded
    assert notes.show_gridlines is False and book.app.screen_updating is True
    assert excel.calls["Window.DisplayGridlines="] == 1


def test_freeze_panes_is_not_on_windows_and_the_desktop_route(plan):
    fake, book = plan
    sheet = book.sheets["Notes"]
    with pytest.raises(NotImplementedError):
        sheet.freeze_panes.freeze_at("A2")
    sheet.activate()  # window properties apply to the active sheet
    window = book.app.api.ActiveWindow
    window.ScrollRow = 5  # where the user happened to be
    window.SplitColumn = 0
    window.SplitRow = 1
    window.FreezePanes = True
    assert view(fake)["sheets"]["Notes"]["freeze"] == "A6"  # row 5 frozen, not row 1
    window.FreezePanes = False
    window.ScrollRow = 1  # hence: scroll to the top first
    window.ScrollColumn = 1
    window.SplitRow = 1
    window.FreezePanes = True
    assert view(fake)["sheets"]["Notes"]["freeze"] == "A2"
    assert view(fake)["sheets"]["Plan"]["freeze"] == "A2"  # other sheets keep their own


def test_freeze_with_only_the_active_cell(plan):
    fake, book = plan
    sheet = book.sheets["Notes"]
    sheet.activate()
    window = book.api.Windows(1)
    window.FreezePanes = True  # nothing split, A1 active: Excel freezes mid-window
    assert view(fake)["sheets"]["Notes"]["freeze"] == "F15"
    window.FreezePanes = False
    window.SplitRow = window.SplitColumn = 0
    sheet.range("C3").select()
    window.FreezePanes = True
    assert view(fake)["sheets"]["Notes"]["freeze"] == "C3"
    with pytest.raises(com_error):  # Select needs the sheet to be active
        book.sheets["Plan"].range("B2").select()


# --- RunPython -----------------------------------------------------------------------------------

def test_book_caller_finds_the_workbook_through_the_window_handle(plan, win):
    fake, _ = plan
    with win.run_python(fake):
        caller = xw.Book.caller()
        assert caller.name == "plan.xlsx"
        assert caller.sheets[0].range("A2").value == "A1"
        assert sys.platform == "win32"  # as RunPython's Python sees it
    assert sys.platform == PLATFORM and "--from_xl=1" not in sys.argv


# --- VBA: Application.Run of a workbook's procedure -------------------------------------------

def _batch_source() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / "macros" / "cqcxl_batch.bas").read_text()


@pytest.fixture
def macro_plan(win, excel):
    """plan_workbook() as plan.xlsm with the batch module of macros/cqcxl_batch.bas."""
    fake = fakecom.load_workbook(excel, plan_workbook(), "plan.xlsm",
                                 vba={"cqcxl_batch": _batch_source()})
    return fake, win.book(fake)


def test_run_is_one_call_and_the_procedure_works_in_process(macro_plan, excel):
    """Application.Run of CqcxlApply: ONE round trip, whatever it writes inside Excel; the
    fills, fonts and notes are those the same writes made one by one would leave."""
    fake, book = macro_plan
    app = book.app.api
    excel.reset_calls()
    done = app.Run(
        "'plan.xlsm'!cqcxl_batch.CqcxlApply",
        ("Plan", "Plan", "Plan", "Plan", "plan", "Plan"),
        ("fill", "font", "nofill", "add", "text", "delete"),
        ("A2:A3,C2", "A2:A3,C2", "D2", "C3", "C3", "B2"),
        (bgr("FFC000"), bgr("FFFFFF"), "", "cqcxl: late", "cqcxl: very late", ""))
    assert done == 6
    assert excel.total_calls == 1 and excel.calls["Application.Run"] == 1
    sh = view(fake)["sheets"]["Plan"]
    assert sh["fills"] == {"A2": "FFC000", "A3": "FFC000", "C2": "FFC000", "D3": "FF0000"}
    assert sh["font_colors"] == {"A2": "FFFFFF", "A3": "FFFFFF", "C2": "FFFFFF",
                                 "D3": "FFFFFF"}
    assert sh["notes"] == {"C3": ("Jane Doe", "cqcxl: very late")}  # AddComment's author


def test_run_reports_the_first_failed_write_and_keeps_the_ones_before(macro_plan, excel):
    fake, book = macro_plan
    run = book.app.api.Run
    # write 1 adds a note where one is (Alice's on B2): Excel refuses; write 0 was made
    assert run("cqcxl_batch.CqcxlApply", ("Plan", "Plan", "Plan"), ("fill", "add", "fill"),
               ("A2", "B2", "A3"), (bgr("FF0000"), "x", bgr("FF0000"))) == -2
    sh = view(fake)["sheets"]["Plan"]
    assert sh["fills"].get("A2") == "FF0000" and "A3" not in sh["fills"]
    assert sh["notes"]["B2"] == ("Alice", "Check the owner")
    # no note to change, an unknown sheet, an unknown write, an address Excel refuses
    assert run("CqcxlApply", ("Plan",), ("text",), ("E9",), ("x",)) == -1
    assert run("CqcxlApply", ("Nope",), ("fill",), ("A1",), (0,)) == -1
    assert run("CqcxlApply", ("Plan",), ("bold",), ("A1",), (1,)) == -1
    too_long = ",".join(f"F{r}" for r in range(100, 200))  # over Excel's 255 characters
    assert run("CqcxlApply", ("Plan",), ("fill",), (too_long,), (0,)) == -1
    # arrays pywin32 would not pass as 1-D (a nested tuple is 2-D): VBA fails at once
    assert run("CqcxlApply", (("Plan",),), ("fill",), ("A1",), (0,)) == -1
    assert "A1" not in view(fake)["sheets"]["Plan"]["fills"]


def test_run_finds_procedures_as_excel_does(macro_plan, excel, win):
    fake, book = macro_plan
    run = book.app.api.Run
    args = (("Plan",), ("fill",), ("E5",), (bgr("00B050"),))
    assert run("'plan.xlsm'!CqcxlApply", *args) == 1  # any module of that workbook
    assert run("plan.xlsm!cqcxl_batch.cqcxlapply", *args) == 1  # names ignore case
    with pytest.raises(com_error, match="Cannot run the macro"):
        run("'other.xlsm'!cqcxl_batch.CqcxlApply", *args)  # not open
    with pytest.raises(com_error, match="Cannot run the macro"):
        run("'plan.xlsm'!cqcxl.CqcxlApply", *args)  # not in that module
    with pytest.raises(com_error, match="Wrong number of arguments"):
        run("'plan.xlsm'!cqcxl_batch.CqcxlApply", *args[:3])
    # a workbook whose name has an apostrophe: quoted, the apostrophe doubled
    other = fakecom.load_workbook(excel, plan_workbook(), "Bob's plan.xlsm",
                                  vba={"cqcxl_batch": _batch_source()})
    assert run("'Bob''s plan.xlsm'!cqcxl_batch.CqcxlApply", *args) == 1
    assert view(other)["sheets"]["Plan"]["fills"]["E5"] == "00B050"
    # the same workbook with macros disabled, and one with no VBA at all
    fake.macros_enabled = False
    with pytest.raises(com_error, match="Cannot run the macro"):
        run("'plan.xlsm'!cqcxl_batch.CqcxlApply", *args)
    plain = fakecom.load_workbook(excel, plan_workbook(), "plain.xlsm")
    assert plain.vba == {}
    with pytest.raises(com_error, match="Cannot run the macro"):
        run("'plain.xlsm'!cqcxl_batch.CqcxlApply", *args)
    # a procedure the fake has no Python model for fails loudly, not silently
    fake.macros_enabled = True
    fake.add_vba_module("Module1", "Sub Hello()\r\nEnd Sub\r\n")
    with pytest.raises(fakecom.MissingMember, match="no Python model"):
        run("'plan.xlsm'!Module1.Hello")
    assert excel.calls["Application.Run"] == 9


def test_vba_modules_are_read_from_an_xlsm(tmp_path, win, excel):
    """A workbook loaded from a built .xlsm (openpyxl keep_vba=True) has its modules."""
    pytest.importorskip("pyopenvba")
    from cqcxl import xlsm

    built = xlsm.build_xlsm(tmp_path / "plan.xlsm")
    fake = fakecom.load_workbook(excel, openpyxl.load_workbook(built, keep_vba=True),
                                 "plan.xlsm")
    assert {"xlwings", "cqcxl", "cqcxl_batch"} <= set(fake.vba)
    assert list(fake.vba["cqcxl_batch"]) == ["CqcxlApply"]
    assert "RunPython" in fake.vba["xlwings"]
    assert fakecom.load_workbook(excel, openpyxl.load_workbook(built, keep_vba=True),
                                 "plan2.xlsm", vba=False).vba == {}
