"""Generate a plan workbook (the blank template, or a plan from JSON data) with openpyxl.

The layout follows :mod:`cqcxl.layout`; the readers find everything again by label and
header text. The input is the JSON shape of ``examples/cumbria-2018-11.json``::

    {"title", "programme", "reporting_date", "previous_reporting_date",
     "workstreams": [{"number", "name", "sponsor", "sheet"?, "actions": [{letter, statement}],
                      "tasks": [{action, task_id, key_task, owner, date_to_complete, rag, ...}],
                      "risks": [{risk, rag, mitigation}], "narrative": {...}, "headline"}]}
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo

from .. import guide
from .. import layout as L
from ..cells import col_letter
from ..model import RAG_ORDER

_BOLD = Font(name="Calibri", bold=True)
_TITLE = Font(name="Calibri", bold=True, size=16, color="1F3864")
_HEAD = Font(name="Calibri", bold=True, size=12, color="1F3864")
_HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_LABEL_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

_MON_YY = re.compile(r"^(?P<m>[A-Z][a-z]{2})-(?P<y>\d{2})$")
_D_MON_YY = re.compile(r"^(?P<d>\d{1,2})-(?P<m>[A-Z][a-z]{2})-(?P<y>\d{2})$")
_MON = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    start=1)}


def template_data() -> dict:
    """The blank template: the nine workstreams, no tasks."""
    return {
        "title": "CQC Local System Review action plan",
        "programme": "",
        "reporting_date": None,
        "previous_reporting_date": None,
        "workstreams": [
            {"number": n, "name": name, "sponsor": "", "actions": [], "tasks": [], "risks": [],
             "narrative": {}, "headline": ""}
            for n, name in L.TEMPLATE_WORKSTREAMS
        ],
    }


def excel_value(text: Any) -> tuple[Any, str | None]:
    """How a date written in the source is typed into Excel: ``Sep-18`` becomes a real
    date (Excel stores the 1st; the cell shows Sep-18), ``30-Apr-18`` a real day; anything
    else stays text exactly as written."""
    if not isinstance(text, str):
        return text, None
    s = text.strip()
    if (m := _MON_YY.match(s)) and m["m"] in _MON:
        return datetime(2000 + int(m["y"]), _MON[m["m"]], 1), L.DATE_FORMAT
    if (m := _D_MON_YY.match(s)) and m["m"] in _MON:
        try:
            return datetime(2000 + int(m["y"]), _MON[m["m"]], int(m["d"])), L.DAY_FORMAT
        except ValueError:
            return s, None
    return (s if s else None), None


def _lines(text: Any, width: float) -> int:
    if text is None:
        return 1
    s = str(text)
    per = max(1.0, width * 1.3)
    return sum(max(1, math.ceil(len(part) / per)) for part in s.split("\n"))


def _height(lines: int) -> float:
    return min(409.0, 15.0 * max(1, lines) + 2)


def _guide(wb: Workbook) -> None:
    ws = wb.create_sheet(L.GUIDE)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 110
    ws["A1"] = guide.TITLE
    ws["A1"].font = _TITLE
    r = 3
    for heading, lines in guide.SECTIONS:
        ws.cell(r, 1, heading).font = _HEAD
        r += 1
        for line in lines:
            c = ws.cell(r, 2, line)
            c.alignment = _WRAP_TOP
            ws.row_dimensions[r].height = _height(_lines(line, 110))
            rag = line.split(":")[0]
            if rag in L.RAG_FILL:
                ws.cell(r, 1).fill = PatternFill("solid", fgColor=L.RAG_FILL[rag])
            r += 1
        r += 1
    ws.sheet_view.showGridLines = False
    _print_setup(ws, landscape=False)


def _print_setup(ws, *, landscape: bool = True, title_rows: str | None = None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


def _as_date(value: Any) -> Any:
    if isinstance(value, str) and value:
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    return value


def _plan(wb: Workbook, data: dict, sheets: list[str]) -> None:
    ws = wb.create_sheet(L.PLAN)
    ws["A1"] = "The plan"
    ws["A1"].font = _TITLE
    rows = ((L.PLAN_TITLE_LABEL, data.get("title") or ""),
            (L.PLAN_PROGRAMME_LABEL, data.get("programme") or ""),
            (L.PLAN_DATE_LABEL, _as_date(data.get("reporting_date"))),
            (L.PLAN_PREVIOUS_LABEL, _as_date(data.get("previous_reporting_date"))))
    for i, (label, value) in enumerate(rows, start=3):
        ws.cell(i, 1, label).font = _BOLD
        ws.cell(i, 1).fill = _LABEL_FILL
        c = ws.cell(i, 2, value if value != "" else None)
        c.alignment = _WRAP_TOP
        if label in (L.PLAN_DATE_LABEL, L.PLAN_PREVIOUS_LABEL):
            c.number_format = "d mmmm yyyy"
    ws.cell(7, 1, "Set the reporting date before pressing Validate or Build summary sheet. "
                  "List every workstream sheet below; the Sheet column must match the tab "
                  "name exactly.").alignment = Alignment(wrap_text=False, vertical="top")
    ws.cell(7, 1).font = Font(name="Calibri", italic=True, color="595959")
    hr = 9
    for j, (_, header) in enumerate(L.PLAN_WS_COLUMNS, start=1):
        ws.cell(hr, j, header).font = _HEADER_FONT
        ws.cell(hr, j).fill = _HEADER_FILL
    for i, (w, sheet) in enumerate(zip(data["workstreams"], sheets, strict=True), start=hr + 1):
        ws.cell(i, 1, w["number"])
        ws.cell(i, 2, w["name"])
        ws.cell(i, 3, w.get("sponsor") or None)
        ws.cell(i, 4, sheet)
        for j in range(1, 5):
            ws.cell(i, j).alignment = _WRAP_TOP
    last = hr + max(1, len(sheets))
    tab = Table(displayName="Workstreams", ref=f"A{hr}:D{last}")
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(tab)
    for col, width in zip("ABCD", (22, 40, 50, 34), strict=True):
        ws.column_dimensions[col].width = width
    _print_setup(ws)


def _workstream(wb: Workbook, w: dict, sheet: str, table_no: int) -> None:
    ws = wb.create_sheet(sheet)
    ncols = len(L.TASK_COLUMNS)
    last_col = col_letter(ncols)
    for j, width in enumerate(L.TASK_COLUMN_WIDTHS, start=1):
        ws.column_dimensions[col_letter(j)].width = width
    ws["A1"] = f"Workstream {w['number']}: {w['name']}"
    ws["A1"].font = _TITLE
    r = 2
    for label, value in ((L.WS_NUMBER_LABEL, w["number"]), (L.WS_NAME_LABEL, w["name"]),
                         (L.WS_SPONSOR_LABEL, w.get("sponsor") or None)):
        ws.cell(r, 1, label).font = _BOLD
        ws.cell(r, 1).fill = _LABEL_FILL
        ws.merge_cells(f"A{r}:B{r}")
        c = ws.cell(r, 3, value)
        c.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        ws.merge_cells(f"C{r}:{last_col}{r}")
        r += 1
    r += 1
    ws.cell(r, 1, L.WS_ACTIONS_LABEL).font = _BOLD
    ws.cell(r, 1).fill = _LABEL_FILL
    actions = w.get("actions") or [{"letter": x, "statement": ""} for x in "ABC"]
    span = sum(L.TASK_COLUMN_WIDTHS[2:])
    for a in actions:
        ws.cell(r, 2, a["letter"]).font = _BOLD
        ws.cell(r, 2).alignment = Alignment(horizontal="center", vertical="top")
        c = ws.cell(r, 3, a.get("statement") or None)
        c.alignment = _WRAP_TOP
        ws.merge_cells(f"C{r}:{last_col}{r}")
        ws.row_dimensions[r].height = _height(_lines(a.get("statement"), span))
        r += 1
    r += 1
    ws.cell(r, 1, L.WS_TASKS_HEADING).font = _HEAD
    r += 1
    hr = r
    for j, (_, header) in enumerate(L.TASK_COLUMNS, start=1):
        c = ws.cell(hr, j, header)
        c.alignment = Alignment(wrap_text=True, vertical="center")
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
    ws.row_dimensions[hr].height = 32
    tasks = w.get("tasks") or []
    n_rows = len(tasks) or L.TEMPLATE_EMPTY_ROWS
    fields = [f for f, _ in L.TASK_COLUMNS]
    col_of = {f: j for j, f in enumerate(fields, start=1)}
    for i in range(n_rows):
        row = hr + 1 + i
        t = tasks[i] if i < len(tasks) else {}
        lines = 1
        for f in fields:
            j = col_of[f]
            raw = t.get(f)
            fmt = None
            if f in L.TASK_DATE_FIELDS:
                value, fmt = excel_value(raw)
            else:
                value = raw if raw not in ("", None) else None
            c = ws.cell(row, j, value)
            if c.data_type == "f":  # data is text, even when it starts with '='
                c.data_type = "s"
            c.alignment = _WRAP_TOP
            c.border = _BOX
            if f in ("date_to_complete", "revised_date"):
                c.number_format = fmt or L.DATE_FORMAT
            elif f == "last_updated":
                c.number_format = fmt or L.DAY_FORMAT
            if isinstance(value, str):
                lines = max(lines, _lines(value, L.TASK_COLUMN_WIDTHS[j - 1]))
        ws.row_dimensions[row].height = _height(lines)
    last_row = hr + n_rows
    tab = Table(displayName=f"KeyTasks{table_no}", ref=f"A{hr}:{last_col}{last_row}")
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(tab)
    rag_col = col_letter(col_of["rag"])
    dv = DataValidation(type="list", formula1='"' + ",".join(r.value for r in _RAG_LIST) + '"',
                        allow_blank=True, showErrorMessage=True, errorStyle="warning",
                        errorTitle="RAG", error="Pick Red, Amber, Green or Blue.",
                        promptTitle="RAG", prompt="Red, Amber, Green or Blue (completed)",
                        showInputMessage=True)
    dv.add(f"{rag_col}{hr + 1}:{rag_col}{last_row}")
    ws.add_data_validation(dv)
    ws.freeze_panes = f"C{hr + 1}"

    # Key risks
    r = last_row + 2
    ws.cell(r, 1, L.WS_RISKS_HEADING).font = _HEAD
    r += 1
    rh = r
    for col, header in ((1, "Key risk"), (4, "RAG"), (5, "Mitigation")):
        c = ws.cell(rh, col, header)
        c.font = _BOLD
        c.fill = _LABEL_FILL
        c.border = _BOX
    ws.merge_cells(f"A{rh}:C{rh}")
    ws.merge_cells(f"E{rh}:{last_col}{rh}")
    risks = w.get("risks") or [{}, {}, {}]
    risk_dv = DataValidation(type="list", formula1='"Red,Amber,Green"', allow_blank=True,
                             showErrorMessage=True, errorStyle="warning",
                             error="Pick Red, Amber or Green.")
    for k in risks:
        r += 1
        ws.cell(r, 1, k.get("risk") or None).alignment = _WRAP_TOP
        ws.cell(r, 4, k.get("rag") or None).alignment = _WRAP_TOP
        ws.cell(r, 5, k.get("mitigation") or None).alignment = _WRAP_TOP
        for col in (1, 4, 5):
            ws.cell(r, col).border = _BOX
        ws.merge_cells(f"A{r}:C{r}")
        ws.merge_cells(f"E{r}:{last_col}{r}")
        lines = max(_lines(k.get("risk"), 59), _lines(k.get("mitigation"), span - 22 - 14))
        ws.row_dimensions[r].height = _height(lines)
        risk_dv.add(f"D{r}")
    ws.add_data_validation(risk_dv)

    # Additional narrative and headline
    r += 2
    ws.cell(r, 1, L.WS_NARRATIVE_HEADING).font = _HEAD
    narrative = w.get("narrative") or {}
    items = [(label, narrative.get(f)) for f, label in L.NARRATIVE_FIELDS]
    items.append((L.HEADLINE_LABEL, w.get("headline")))
    for label, value in items:
        r += 1
        c = ws.cell(r, 1, label)
        c.font = _BOLD
        c.fill = _LABEL_FILL
        c.alignment = _WRAP_TOP
        ws.merge_cells(f"A{r}:C{r}")
        v = ws.cell(r, 4, value or None)
        v.alignment = _WRAP_TOP
        ws.merge_cells(f"D{r}:{last_col}{r}")
        ws.row_dimensions[r].height = max(32, _height(_lines(value, span - 22)))
    _print_setup(ws, title_rows=f"{hr}:{hr}")


_RAG_LIST = (RAG_ORDER[3], RAG_ORDER[2], RAG_ORDER[1], RAG_ORDER[0])  # Red, Amber, Green, Blue


def build_workbook(data: dict) -> Workbook:
    """The plan workbook for ``data``: Summary (empty), Guide, Plan, one sheet per
    workstream."""
    wb = Workbook()
    summary = wb.active
    summary.title = L.SUMMARY
    summary["A1"] = "Summary"
    summary["A1"].font = _TITLE
    summary.column_dimensions["A"].width = 120
    summary["A3"].alignment = _WRAP_TOP
    summary["A3"] = ("This page is made by cqcxl. Set the reporting date on the Plan sheet, "
                     "then press Build summary sheet (or run: cqcxl summary BOOK --in-place).")
    summary.sheet_view.showGridLines = False
    _guide(wb)
    sheets = [w.get("sheet") or L.sheet_name_for(w["number"], w["name"])
              for w in data["workstreams"]]
    _plan(wb, data, sheets)
    for i, (w, sheet) in enumerate(zip(data["workstreams"], sheets, strict=True), start=1):
        _workstream(wb, w, sheet, i)
    wb.active = 0
    return wb
