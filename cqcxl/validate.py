"""Validate: read the grids, check the plan, and say what to write back.

``run(book, as_of)`` is the whole job without a workbook library: it returns the findings
and the list of edits (RAG fills, notes, the Validation sheet) that an adapter applies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from . import layout as L
from .cells import BookGrid
from .edits import Edit, ReplaceSheet, SetNotes, SetRagFills, SheetSpec, Style, block, link_formula
from .findings import ERROR, INFO, WARNING, Finding, counts, make
from .model import Plan
from .parse import read_plan
from .rules import check


@dataclass
class Result:
    plan: Plan
    as_of: date
    as_of_source: str
    findings: list[Finding]
    edits: list[Edit] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return counts(self.findings)[ERROR]

    @property
    def headline(self) -> list[Finding]:
        return [f for f in self.findings if f.overdue_no_mitigation]


def reporting_date(plan: Plan, as_of: date | None, today: date) -> tuple[date, str]:
    if as_of is not None:
        return as_of, "given with --as-of"
    if plan.reporting_date is not None:
        return plan.reporting_date, "the Plan sheet's reporting date"
    return today, "today (no reporting date on the Plan sheet)"


def run(book: BookGrid, as_of: date | None = None, *, today: date | None = None) -> Result:
    read = read_plan(book)
    plan = read.plan
    when, source = reporting_date(plan, as_of, today or date.today())
    findings = list(read.findings)
    if plan.reporting_date is None and as_of is None and book.sheet(L.PLAN) is not None:
        findings.append(make(
            "no-reporting-date", L.PLAN, "B5", "",
            f"The Plan sheet has no reporting date, so cqcxl used today ({when:%d %B %Y}). "
            "Type the reporting date in this cell."))
    findings.extend(check(plan, when))
    order = {name: i for i, name in enumerate(book.names)}
    findings = _with_note_clashes(book, findings)
    findings.sort(key=lambda f: f.sort_key(order))
    result = Result(plan, when, source, findings)
    result.edits = edits(book, result)
    return result


def _with_note_clashes(book: BookGrid, findings: list[Finding]) -> list[Finding]:
    """A cell that already holds a user's own comment cannot take cqcxl's note: say so
    (the finding still appears on the Validation sheet)."""
    out = list(findings)
    seen: set[tuple[str, str]] = set()
    for f in findings:
        grid = book.sheet(f.sheet)
        if grid is None or (f.sheet, f.cell) in seen:
            continue
        note = grid.notes.get(f.cell)
        if note is not None and note.author != L.NOTE_AUTHOR:
            seen.add((f.sheet, f.cell))
            out.append(make("note-not-added", f.sheet, f.cell, f.task_id,
                            f"Cell {f.cell} has your own comment, so cqcxl did not add its "
                            "note there; the problem is listed on this sheet instead."))
    return out


def note_text(findings: list[Finding]) -> str:
    lines = [f"{L.NOTE_PREFIX} {len(findings)} problem" + ("s" if len(findings) > 1 else "")]
    for f in findings:
        lines.append(f"• {f.message}")
    return "\n".join(lines)


def edits(book: BookGrid, result: Result) -> list[Edit]:
    out: list[Edit] = []
    plan = result.plan
    # RAG fills on every task and risk RAG cell, from its value.
    for ws in plan.workstreams:
        cells: dict[str, str | None] = {}
        for t in ws.tasks:
            if ref := t.cells.get("rag"):
                cells[ref] = t.rag.value if t.rag else None
        for k in ws.risks:
            if ref := k.cells.get("rag"):
                cells[ref] = k.rag.value if k.rag and k.rag.value != "Blue" else None
        out.append(SetRagFills(ws.sheet, cells))
    # Notes: one per offending cell, on every sheet cqcxl read (so fixed ones go away).
    by_cell: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in result.findings:
        if f.code == "note-not-added":
            continue
        grid = book.sheet(f.sheet)
        if grid is None or f.sheet in L.OWNED_SHEETS:
            continue
        note = grid.notes.get(f.cell)
        if note is not None and note.author != L.NOTE_AUTHOR:
            continue
        by_cell[f.sheet][f.cell].append(f)
    for grid in book.sheets:
        if grid.name in L.OWNED_SHEETS:
            continue
        notes = {cell: note_text(fs) for cell, fs in by_cell.get(grid.name, {}).items()}
        has_ours = any(n.author == L.NOTE_AUTHOR for n in grid.notes.values())
        if notes or has_ours:
            out.append(SetNotes(grid.name, notes))
    out.append(ReplaceSheet(validation_sheet(book, result)))
    return out


_SEV_FILL = {ERROR: "F8CBAD", WARNING: "FFE699", INFO: "DDEBF7"}
_SEV_WORD = {ERROR: "Error", WARNING: "Warning", INFO: "Note"}
HEAD = Style(fill="1F3864", font_color="FFFFFF", bold=True, wrap=True, valign="center")
TITLE = Style(bold=True, size=16, font_color="1F3864")
WRAP = Style(wrap=True)
ALARM = Style(bold=True, font_color="C00000", size=12)


def validation_sheet(book: BookGrid, result: Result) -> SheetSpec:
    """The Validation sheet: counts at the top, then every finding, errors first, each with
    a link to its cell."""
    c = counts(result.findings)
    ws_name = {ws.sheet: f"{ws.number} {ws.name}" for ws in result.plan.workstreams}
    position = 1 if book.names and book.names[0] == L.SUMMARY else 0
    if L.VALIDATION in book.names:
        position = book.names.index(L.VALIDATION)
    spec = SheetSpec(L.VALIDATION, position=position, tab_color="C00000" if c[ERROR] else "00B050",
                     activate=True)
    headline = result.headline
    top = [
        ["Validation"],
        [f"Reporting date used: {result.as_of.day} {result.as_of:%B %Y} ({result.as_of_source})"],
        [f"Errors: {c[ERROR]}    Warnings: {c[WARNING]}    Notes: {c[INFO]}    "
         f"Key tasks checked: {len(result.plan.tasks)}"],
        [f"Overdue actions with no mitigation: {len(headline)}" if headline else
         "No overdue actions without mitigation."],
        ["Fix each problem on its sheet (click the cell link), then press Validate again. "
         "Notes signed cqcxl on the cells say the same."],
    ]
    spec.blocks.append(block(1, 1, top))
    spec.styles += [("A1:A1", TITLE), ("A4:A4", ALARM if headline else Style(bold=True))]
    hr = 7
    header = ["Severity", "Workstream", "Task ID", "Cell", "Problem",
              "What is wrong and what to do", "Code"]
    rows: list[list] = []
    for f in result.findings:
        where = f"{f.sheet}!{f.cell}"
        link = link_formula(f.sheet, f.cell, where) if book.sheet(f.sheet) else where
        rows.append([_SEV_WORD[f.severity] + (" — OVERDUE, NO MITIGATION"
                                               if f.overdue_no_mitigation else ""),
                     ws_name.get(f.sheet, f.sheet), f.task_id, link, f.title, f.message,
                     f.code])
    spec.blocks.append(block(hr, 1, [header, *rows]))
    spec.styles.append((f"A{hr}:G{hr}", HEAD))
    # Severity colour in column A, grouped into runs so Excel gets few calls.
    r = hr + 1
    i = 0
    while i < len(result.findings):
        j = i
        key = (result.findings[i].severity, result.findings[i].overdue_no_mitigation)
        while j < len(result.findings) and (result.findings[j].severity,
                                            result.findings[j].overdue_no_mitigation) == key:
            j += 1
        fill = "FF0000" if key[1] else _SEV_FILL[key[0]]
        spec.styles.append((f"A{r + i}:A{r + j - 1}",
                            Style(fill=fill, bold=key[1], wrap=True,
                                  font_color="FFFFFF" if key[1] else None)))
        i = j
    if rows:
        spec.styles.append((f"B{hr + 1}:G{hr + len(rows)}", WRAP))
        spec.autofilter = f"A{hr}:G{hr + len(rows)}"
    spec.col_widths = {1: 20, 2: 26, 3: 9, 4: 30, 5: 34, 6: 90, 7: 24}
    # One height for every finding row (enough for the longest message, at most 4 lines):
    # readable in any viewer, and a single call in Excel.
    lines = max((max(-(-len(f.message) // 110), -(-len(f.title) // 36), 2)
                 for f in result.findings), default=1)
    for i in range(len(result.findings)):
        spec.row_heights[hr + 1 + i] = 15.0 * min(lines, 4) + 3
    spec.freeze = f"A{hr + 1}"
    spec.print_title_rows = f"{hr}:{hr}"
    return spec
