"""The plan workbook as sheet specs: the blank template, or a plan from JSON data.

:func:`plan_sheets` lays out Summary (a placeholder), Guide, Plan and one sheet per
workstream as :class:`~cqcxl.edits.SheetSpec` s; an engine writes them into a new
workbook (``engines.openpyxl_engine.new_workbook``). The reader finds everything again by
label and header text. The input is the JSON shape of ``examples/cumbria-2018-11.json``::

    {"title", "programme", "reporting_date", "previous_reporting_date",
     "workstreams": [{"number", "name", "sponsor", "sheet"?, "actions": [{letter, statement}],
                      "tasks": [{action, task_id, key_task, owner, date_to_complete, rag, ...}],
                      "risks": [{risk, rag, mitigation}], "narrative": {...}, "headline"}]}
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..core.model import RAG_ORDER
from ..edits import ListValidation, SheetSpec, Style, TableSpec, block
from ..grid import col_letter
from . import guide
from . import layout as L
from . import theme as T
from .text import height, lines

_MON_YY = re.compile(r"^(?P<m>[A-Z][a-z]{2})-(?P<y>\d{2})$")
_D_MON_YY = re.compile(r"^(?P<d>\d{1,2})-(?P<m>[A-Z][a-z]{2})-(?P<y>\d{2})$")
_MON = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    start=1)}

_TITLE = T.SHEET_TITLE
_HEAD = T.SUBTITLE
_LABEL = Style(bold=True, fill=T.LABEL_BLUE, wrap=True)
_HEADER = Style(bold=True, font_color=T.WHITE, fill=T.NAVY, wrap=True, valign="center")
_WRAP_TOP = Style(wrap=True)
_BOXED = Style(wrap=True, border=T.BORDER)
_PLACEHOLDER_NOTE = Style(italic=True, font_color=T.GREY_TEXT, valign="top")
_RAG_LIST = (RAG_ORDER[3], RAG_ORDER[2], RAG_ORDER[1], RAG_ORDER[0])  # Red, Amber, Green, Blue


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


def _summary_placeholder() -> SheetSpec:
    spec = SheetSpec(L.SUMMARY, col_widths={1: 120}, page=T.PAGE_LANDSCAPE)
    spec.blocks.append(block(1, 1, [["Summary"], [None], [
        "This page is made by cqcxl. Set the reporting date on the Plan sheet, then press "
        "Build summary sheet (or run: cqcxl summary BOOK --in-place)."]]))
    spec.styles += [("A1", _TITLE), ("A3", _WRAP_TOP)]
    spec.row_heights[3] = height(lines(spec.blocks[0].values[2][0], 120))
    return spec


def _guide() -> SheetSpec:
    spec = SheetSpec(L.GUIDE, col_widths={1: 4, 2: 110}, page=T.PAGE_PORTRAIT)
    spec.blocks.append(block(1, 1, [[guide.TITLE]]))
    spec.styles.append(("A1", _TITLE))
    r = 3
    for heading, items in guide.SECTIONS:
        spec.blocks.append(block(r, 1, [[heading]]))
        spec.styles.append((f"A{r}", _HEAD))
        r += 1
        for line in items:
            spec.blocks.append(block(r, 2, [[line]]))
            spec.styles.append((f"B{r}", _WRAP_TOP))
            spec.row_heights[r] = height(lines(line, 110))
            rag = line.split(":")[0]
            if rag in T.RAG_FILL:
                spec.styles.append((f"A{r}", Style(fill=T.RAG_FILL[rag])))
            r += 1
        r += 1
    return spec


def _as_date(value: Any) -> Any:
    if isinstance(value, str) and value:
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    return value


def _plan(data: dict, sheets: list[str]) -> SheetSpec:
    spec = SheetSpec(L.PLAN, page=T.PAGE_LANDSCAPE, gridlines=True)
    spec.blocks.append(block(1, 1, [["The plan"]]))
    spec.styles.append(("A1", _TITLE))
    rows = ((L.PLAN_TITLE_LABEL, data.get("title") or None),
            (L.PLAN_PROGRAMME_LABEL, data.get("programme") or None),
            (L.PLAN_DATE_LABEL, _as_date(data.get("reporting_date"))),
            (L.PLAN_PREVIOUS_LABEL, _as_date(data.get("previous_reporting_date"))))
    spec.blocks.append(block(3, 1, [list(r) for r in rows]))
    spec.styles += [("A3:A6", _LABEL), ("B3:B4", _WRAP_TOP),
                    ("B5:B6", Style(wrap=True, number_format="d mmmm yyyy"))]
    spec.blocks.append(block(7, 1, [[
        "Set the reporting date before pressing Validate or Build summary sheet. List every "
        "workstream sheet below; the Sheet column must match the tab name exactly."]]))
    spec.styles.append(("A7", _PLACEHOLDER_NOTE))
    hr = 9
    table = [[h for _, h in L.PLAN_WS_COLUMNS]]
    widths = {1: 22, 2: 40, 3: 50, 4: 34}
    for i, (w, sheet) in enumerate(zip(data["workstreams"], sheets, strict=True), start=1):
        table.append([w["number"], w["name"], w.get("sponsor") or None, sheet])
        spec.row_heights[hr + i] = height(max(lines(w["name"], widths[2]),
                                              lines(w.get("sponsor"), widths[3]),
                                              lines(sheet, widths[4])))
    spec.blocks.append(block(hr, 1, table))
    spec.styles.append((f"A{hr}:D{hr}", _HEADER))
    last = hr + max(1, len(sheets))
    if sheets:
        spec.styles.append((f"A{hr + 1}:D{last}", _WRAP_TOP))
    spec.tables.append(TableSpec("Workstreams", f"A{hr}:D{last}", "TableStyleMedium2"))
    spec.col_widths = widths
    return spec


def _workstream(w: dict, sheet: str, table_no: int) -> SheetSpec:
    spec = SheetSpec(sheet, page=T.PAGE_WORKSTREAM, gridlines=True)
    ncols = len(L.TASK_COLUMNS)
    last_col = col_letter(ncols)
    widths = T.TASK_COLUMN_WIDTHS
    spec.col_widths = {j: width for j, width in enumerate(widths, start=1)}
    put, style = spec.blocks.append, spec.styles.append
    put(block(1, 1, [[f"Workstream {w['number']}: {w['name']}"]]))
    style(("A1", _TITLE))
    r = 2
    for label, value in ((L.WS_NUMBER_LABEL, w["number"]), (L.WS_NAME_LABEL, w["name"]),
                         (L.WS_SPONSOR_LABEL, w.get("sponsor") or None)):
        put(block(r, 1, [[label, None, value]]))
        style((f"A{r}", Style(bold=True, fill=T.LABEL_BLUE)))
        style((f"C{r}", Style(wrap=True, halign="left")))
        spec.merges += [f"A{r}:B{r}", f"C{r}:{last_col}{r}"]
        if isinstance(value, str):
            spec.row_heights[r] = height(lines(value, sum(widths[2:])))
        r += 1
    r += 1
    put(block(r, 1, [[L.WS_ACTIONS_LABEL]]))
    style((f"A{r}", Style(bold=True, fill=T.LABEL_BLUE)))
    actions = w.get("actions") or [{"letter": x, "statement": ""} for x in "ABC"]
    span = sum(widths[2:])
    for a in actions:
        put(block(r, 2, [[a["letter"], a.get("statement") or None]]))
        style((f"B{r}", Style(bold=True, halign="center")))
        style((f"C{r}", _WRAP_TOP))
        spec.merges.append(f"C{r}:{last_col}{r}")
        spec.row_heights[r] = height(lines(a.get("statement"), span))
        r += 1
    r += 1
    put(block(r, 1, [[L.WS_TASKS_HEADING]]))
    style((f"A{r}", _HEAD))
    r += 1
    hr = r
    put(block(hr, 1, [[h for _, h in L.TASK_COLUMNS]]))
    style((f"A{hr}:{last_col}{hr}", _HEADER))
    spec.row_heights[hr] = 32
    tasks = w.get("tasks") or []
    n_rows = len(tasks) or L.TEMPLATE_EMPTY_ROWS
    fields = [f for f, _ in L.TASK_COLUMNS]
    col_of = {f: j for j, f in enumerate(fields, start=1)}
    body: list[list] = []
    formats: dict[tuple[int, int], str] = {}
    for i in range(n_rows):
        row = hr + 1 + i
        t = tasks[i] if i < len(tasks) else {}
        n = 1
        values: list = []
        for f in fields:
            j = col_of[f]
            raw = t.get(f)
            fmt = None
            if f in L.TASK_DATE_FIELDS:
                value, fmt = excel_value(raw)
            else:
                value = raw if raw not in ("", None) else None
            values.append(value)
            if f in ("date_to_complete", "revised_date"):
                formats[(row, j)] = fmt or L.DATE_FORMAT
            elif f == "last_updated":
                formats[(row, j)] = fmt or L.DAY_FORMAT
            if isinstance(value, str):
                n = max(n, lines(value, widths[j - 1]))
        body.append(values)
        spec.row_heights[row] = height(n)
    put(block(hr + 1, 1, body))
    last_row = hr + n_rows
    style((f"A{hr + 1}:{last_col}{last_row}", _BOXED))
    for fmt in sorted(set(formats.values())):
        for (row, j), f in formats.items():
            if f == fmt:
                style((f"{col_letter(j)}{row}", Style(wrap=True, border=T.BORDER,
                                                        number_format=fmt)))
    spec.tables.append(TableSpec(f"KeyTasks{table_no}", f"A{hr}:{last_col}{last_row}"))
    rag_col = col_letter(col_of["rag"])
    spec.validations.append(ListValidation(
        f"{rag_col}{hr + 1}:{rag_col}{last_row}", tuple(r.value for r in _RAG_LIST),
        "RAG", "Red, Amber, Green or Blue (completed)", "Pick Red, Amber, Green or Blue."))
    spec.freeze = f"C{hr + 1}"

    # Key risks
    r = last_row + 2
    put(block(r, 1, [[L.WS_RISKS_HEADING]]))
    style((f"A{r}", _HEAD))
    r += 1
    rh = r
    put(block(rh, 1, [["Key risk", None, None, "RAG", "Mitigation"]]))
    for col in ("A", "D", "E"):
        style((f"{col}{rh}", Style(bold=True, fill=T.LABEL_BLUE, border=T.BORDER)))
    spec.merges += [f"A{rh}:C{rh}", f"E{rh}:{last_col}{rh}"]
    risks = w.get("risks") or [{}, {}, {}]
    first_risk = rh + 1
    for k in risks:
        r += 1
        put(block(r, 1, [[k.get("risk") or None, None, None, k.get("rag") or None,
                          k.get("mitigation") or None]]))
        for col in ("A", "D", "E"):
            style((f"{col}{r}", _BOXED))
        spec.merges += [f"A{r}:C{r}", f"E{r}:{last_col}{r}"]
        n = max(lines(k.get("risk"), 59), lines(k.get("mitigation"), span - 22 - 14))
        spec.row_heights[r] = height(n)
    spec.validations.append(ListValidation(f"D{first_risk}:D{r}", ("Red", "Amber", "Green"),
                                           error="Pick Red, Amber or Green."))

    # Additional narrative and headline
    r += 2
    put(block(r, 1, [[L.WS_NARRATIVE_HEADING]]))
    style((f"A{r}", _HEAD))
    narrative = w.get("narrative") or {}
    items = [(label, narrative.get(f)) for f, label in L.NARRATIVE_FIELDS]
    items.append((L.HEADLINE_LABEL, w.get("headline")))
    for label, value in items:
        r += 1
        put(block(r, 1, [[label, None, None, value or None]]))
        style((f"A{r}", _LABEL))
        style((f"D{r}", _WRAP_TOP))
        spec.merges += [f"A{r}:C{r}", f"D{r}:{last_col}{r}"]
        spec.row_heights[r] = max(32, height(lines(value, span - 22)))
    spec.print_title_rows = f"{hr}:{hr}"
    return spec


def sheet_names(data: dict) -> list[str]:
    return [w.get("sheet") or L.sheet_name_for(w["number"], w["name"])
            for w in data["workstreams"]]


def plan_sheets(data: dict) -> list[SheetSpec]:
    """The plan workbook for ``data``, tab by tab: Summary (a placeholder), Guide, Plan, one
    sheet per workstream. The first tab is the active one."""
    sheets = sheet_names(data)
    specs = [_summary_placeholder(), _guide(), _plan(data, sheets)]
    for i, (w, sheet) in enumerate(zip(data["workstreams"], sheets, strict=True), start=1):
        specs.append(_workstream(w, sheet, i))
    specs[0].activate = True
    return specs
