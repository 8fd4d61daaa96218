"""Turn the grids an engine read into a :class:`~cqcxl.core.model.Plan`.

This is the only place that knows where things sit on a sheet, and it finds them by their
label or header text, so inserted columns, moved blocks, extra user columns, blank rows and
edited header spelling (``RAG Rating``, ``Date to Complete``) all still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..core.dates import interpret
from ..core.findings import Finding, make
from ..core.model import Action, KeyTask, Plan, Risk, RowCells, Workstream, as_int, text
from ..core.words import n_of
from ..errors import BookError
from ..grid import BookGrid, CellError, SheetGrid, a1, col_letter
from . import layout as L


@dataclass
class ReadResult:
    plan: Plan
    #: problems with the workbook's structure (missing sheets, columns)
    findings: list[Finding] = field(default_factory=list)


_LABELS = {L.norm_header(x) for x in (
    L.WS_NUMBER_LABEL, L.WS_NAME_LABEL, L.WS_SPONSOR_LABEL, L.WS_ACTIONS_LABEL,
    L.WS_TASKS_HEADING, L.WS_RISKS_HEADING, L.WS_NARRATIVE_HEADING, L.HEADLINE_LABEL,
    *(lab for _, lab in L.NARRATIVE_FIELDS),
)}
_SECTION_STOPS = {L.norm_header(x) for x in (L.WS_RISKS_HEADING, L.WS_NARRATIVE_HEADING,
                                              L.HEADLINE_LABEL)}


def _first_cell(grid: SheetGrid, row: int) -> tuple[int, Any]:
    for c, v in enumerate(grid.rows[row - 1] if row <= grid.max_row else [], start=1):
        if v is not None and text(v) != "":
            return c, v
    return 0, None


def _value_right_of(grid: SheetGrid, row: int, col: int) -> tuple[int, Any]:
    r = grid.rows[row - 1]
    for c in range(col + 1, len(r) + 1):
        v = r[c - 1]
        if v is not None and text(v) != "":
            return c, v
    return 0, None


def _labels(grid: SheetGrid, wanted: set[str]) -> dict[str, tuple[int, int]]:
    """norm label -> (row, col) of the first cell in a row whose text is that label."""
    found: dict[str, tuple[int, int]] = {}
    for r in range(1, grid.max_row + 1):
        c, v = _first_cell(grid, r)
        key = L.norm_header(v)
        if key in wanted and key not in found:
            found[key] = (r, c)
    return found


def _header_row(grid: SheetGrid, field_of, must: str, start: int = 1, end: int | None = None
                ) -> tuple[int, dict[str, int]] | None:
    """The first row (from ``start``) in which a cell names field ``must``; returns the row
    and field -> column for every recognised header in it."""
    end = end or grid.max_row
    for r in range(start, end + 1):
        cols: dict[str, int] = {}
        for c, v in enumerate(grid.rows[r - 1], start=1):
            f = field_of(v)
            if f and f not in cols:
                cols[f] = c
        if must in cols and len(cols) >= 2:
            return r, cols
    return None


def _cell_text(value: Any) -> tuple[str, str | None]:
    """(text, error code) of a cell value."""
    if isinstance(value, CellError):
        return "", value.code
    return text(value), None


def read_tasks(grid: SheetGrid, start: int, cols: dict[str, int], stop: int) -> list[KeyTask]:
    tasks = []
    letters = {f: col_letter(c) for f, c in cols.items()}  # one table for the sheet
    for r in range(start, stop):
        row = grid.rows[r - 1]
        c0, v0 = _first_cell(grid, r)
        if c0 and L.norm_header(v0) in _SECTION_STOPS:
            break
        t = KeyTask(sheet=grid.name, row=r, cells=RowCells(letters, r))
        for f, c in cols.items():
            v = row[c - 1] if c <= len(row) else None
            if isinstance(v, CellError):
                t.errors[f] = v.code
                v = None
            if f in L.TASK_DATE_FIELDS:
                setattr(t, f, interpret(v))
            elif f == "rag":
                t.rag_text = v if isinstance(v, str) else text(v)
            else:
                setattr(t, f, text(v))
        if t.is_blank() and not t.errors:
            continue
        tasks.append(t)
    return tasks


def read_risks(grid: SheetGrid, header_row: int, cols: dict[str, int]) -> list[Risk]:
    risks = []
    for r in range(header_row + 1, grid.max_row + 1):
        c0, v0 = _first_cell(grid, r)
        if c0 and L.norm_header(v0) in _LABELS:
            break
        row = grid.rows[r - 1]
        k = Risk(sheet=grid.name, row=r)
        for f, c in cols.items():
            v = row[c - 1] if c <= len(row) else None
            k.cells[f] = a1(r, c)
            if f == "rag":
                k.rag_text = v if isinstance(v, str) else _cell_text(v)[0]
            else:
                setattr(k, f, _cell_text(v)[0])
        if not (k.risk or k.rag_text or k.mitigation):
            continue
        risks.append(k)
    return risks


def read_workstream(grid: SheetGrid, number: int, name: str, sponsor: str) -> Workstream:
    """Read one workstream sheet. Raises BookError when it has no key-task table."""
    head = _header_row(grid, L.task_field, "task_id")
    if head is None:
        raise BookError(
            "this workstream sheet has no key-task table: no column headed 'Task ID' was "
            "found. Put the header row back (copy it from workbook_template.xlsx) or remove "
            "the sheet from the list on the Plan sheet.",
            sheet=grid.name,
        )
    header_row, cols = head
    labels = _labels(grid, _LABELS)
    ws = Workstream(number=number, name=name, sheet=grid.name, sponsor=sponsor)
    for key, attr in ((L.WS_NUMBER_LABEL, "number"), (L.WS_NAME_LABEL, "name"),
                      (L.WS_SPONSOR_LABEL, "sponsor")):
        pos = labels.get(L.norm_header(key))
        if pos and pos[0] < header_row:
            c, v = _value_right_of(grid, *pos)
            if attr == "number":
                ws.cells["number"] = a1(pos[0], c or pos[1] + 1)
            if v is not None:
                if attr == "number":
                    n = as_int(v)
                    if n is not None:
                        ws.number = n
                else:
                    setattr(ws, attr, text(v))
    pos = labels.get(L.norm_header(L.WS_ACTIONS_LABEL))
    if pos:
        r = pos[0]
        while r < header_row:
            row = grid.rows[r - 1]
            cells = [(c, v) for c, v in enumerate(row, start=1)
                     if c > pos[1] and v is not None and text(v)]
            if len(cells) >= 2 and re.fullmatch(r"[A-Z]{1,2}", text(cells[0][1])):
                ws.actions.append(Action(text(cells[0][1]), text(cells[1][1])))
            elif r > pos[0]:
                break
            r += 1
    ws.cells["rag_header"] = a1(header_row, cols.get("rag", 1))
    risk_head = _header_row(grid, L.risk_field, "risk", start=header_row + 1)
    stop = risk_head[0] if risk_head else grid.max_row + 1
    ws.tasks = read_tasks(grid, header_row + 1, cols, stop)
    if risk_head:
        ws.risks = read_risks(grid, *risk_head)
        ws.cells["risks"] = a1(risk_head[0] + 1, risk_head[1].get("risk", 1))
    elif pos := labels.get(L.norm_header(L.WS_RISKS_HEADING)):
        ws.cells["risks"] = a1(*pos)
    for f, label in L.NARRATIVE_FIELDS:
        pos = labels.get(L.norm_header(label))
        ws.narrative[f] = text(_value_right_of(grid, *pos)[1]) if pos else ""
    pos = labels.get(L.norm_header(L.HEADLINE_LABEL))
    if pos:
        c, v = _value_right_of(grid, *pos)
        ws.headline = text(v)
        ws.cells["headline"] = a1(pos[0], c or pos[1] + 1)
    ws.header_row = header_row
    ws.columns = dict(cols)
    return ws


def _as_date(value: Any) -> date | None:
    """A reporting date: a real date, or text naming one exact day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    r = interpret(value)
    exact = ("iso date", "day month year", "day/month/year (UK order)")
    return r.date if r.has_deadline and r.rule in exact else None


def _sheet_number(name: str) -> int | None:
    m = re.match(r"\s*(?:ws|workstream)\s*(\d+)", name, re.I)
    return int(m[1]) if m else None


def read_plan(book: BookGrid) -> ReadResult:
    """Read the Plan sheet and every workstream sheet."""
    findings: list[Finding] = []
    plan = Plan(title="")
    listed: list[tuple[int, str, str, str, str]] = []  # number, name, sponsor, sheet, cell
    plan_grid = book.sheet(L.PLAN)
    if plan_grid is None:
        findings.append(make(
            "missing-plan-sheet", L.PLAN, "A1", "",
            f"The '{L.PLAN}' sheet is missing, so the reporting date and the list of "
            "workstreams are unknown. cqcxl read every sheet that has a key-task table. "
            "Copy the Plan sheet back from workbook_template.xlsx.",
        ))
    else:
        labels = _labels(plan_grid, {L.norm_header(x) for x in (
            L.PLAN_TITLE_LABEL, L.PLAN_PROGRAMME_LABEL, L.PLAN_DATE_LABEL,
            L.PLAN_PREVIOUS_LABEL)})
        for label, attr in ((L.PLAN_TITLE_LABEL, "title"), (L.PLAN_PROGRAMME_LABEL, "programme"),
                            (L.PLAN_DATE_LABEL, "reporting_date"),
                            (L.PLAN_PREVIOUS_LABEL, "previous_reporting_date")):
            pos = labels.get(L.norm_header(label))
            if not pos:
                continue
            c, v = _value_right_of(plan_grid, *pos)
            plan.cells[attr] = a1(pos[0], c or pos[1] + 1)
            if attr.endswith("date"):
                setattr(plan, attr, _as_date(v))
            else:
                setattr(plan, attr, text(v))
        field_of = {L.norm_header(h): f for f, h in L.PLAN_WS_COLUMNS}
        head = _header_row(plan_grid, lambda v: field_of.get(L.norm_header(v)), "sheet")
        if head:
            hr, cols = head
            for r in range(hr + 1, plan_grid.max_row + 1):
                row = {f: plan_grid.get(r, c) for f, c in cols.items()}
                sheet = text(row.get("sheet"))
                if not sheet:
                    if not any(text(v) for v in row.values()):
                        continue
                    continue
                num = as_int(row.get("number"))
                if num is None:
                    num = _sheet_number(sheet) or len(listed) + 1
                listed.append((num, text(row.get("name")), text(row.get("sponsor")), sheet,
                               a1(r, cols["sheet"])))
    seen: set[str] = set()
    for num, name, sponsor, sheet, cell in listed:
        grid = book.sheet(sheet)
        if grid is None:
            findings.append(make(
                "missing-sheet", L.PLAN, cell, "",
                f"The Plan sheet lists workstream {num} on a sheet called '{sheet}', but the "
                "workbook has no sheet of that name. Rename the sheet back, or correct the "
                "name in this cell.",
            ))
            continue
        seen.add(grid.name)
        plan.workstreams.append(read_workstream(grid, num, name, sponsor))
    for grid in book.sheets:
        if grid.name in seen or grid.name in L.OWNED_SHEETS or grid.name in (L.GUIDE, L.PLAN):
            continue
        if _header_row(grid, L.task_field, "task_id") is None:
            continue
        ws = read_workstream(grid, _sheet_number(grid.name) or 0, grid.name, "")
        if plan_grid is not None:
            findings.append(make(
                "unlisted-sheet", grid.name, "A1", "",
                f"Sheet '{grid.name}' has a key-task table but is not listed on the Plan "
                f"sheet. cqcxl checked it and counts it in the summary as workstream "
                f"{ws.number} ({n_of(len(ws.tasks), 'key task')}). Add it to the workstream "
                "list on the Plan sheet (number, name, sponsor, sheet) so the cover shows its name "
                "and sponsor — or delete the sheet if it should not be counted.",
            ))
        plan.workstreams.append(ws)
    for ws in plan.workstreams:
        if not ws.tasks:
            findings.append(make(
                "no-tasks", ws.sheet, ws.cells.get("rag_header", "A1"), "",
                f"Workstream {ws.number} has no key tasks yet. Fill in its key-task table.",
            ))
    return ReadResult(plan, findings)
