"""What Validate writes: RAG colours, cqcxl's notes on problem cells, the Validation sheet.

Facts (the plan and its findings) in, edits out. This is also where cqcxl decides which
notes on a sheet are its own: signed ``cqcxl``, or starting ``cqcxl:`` (desktop Excel
signs notes with the user's name), or — where the engine cannot read a note at all (xlwings'
remote engine) — on a cell the previous Validation sheet listed. Every other note is the
user's and is never touched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from ..core.findings import ERROR, INFO, WARNING, Finding, counts, make
from ..core.model import RAG, Plan
from ..edits import (
    CellColour,
    Edit,
    FitRows,
    Formula,
    NoteText,
    ReplaceSheet,
    SetCellColours,
    SetNotes,
    SheetSpec,
    block,
    link_formula,
)
from ..grid import BookGrid, Note, SheetGrid
from . import layout as L
from . import theme as T
from .text import CHARS_PER_WIDTH, chars, height, lines

_SEV_WORD = {ERROR: "Error", WARNING: "Warning", INFO: "Note"}
HEADER = ("Severity", "Workstream", "Task ID", "Cell", "Problem",
          "What is wrong and what to do", "Code")
HEADER_ROW = 7


@dataclass
class Checked:
    """What Validate found: the facts the sheet is written from."""

    plan: Plan
    as_of: date
    as_of_source: str
    findings: list[Finding]

    @property
    def headline(self) -> list[Finding]:
        return [f for f in self.findings if f.overdue_no_mitigation]


# --- whose notes ---------------------------------------------------------------------------

def _listed_cells(grid: SheetGrid | None) -> set[tuple[str, str]]:
    """(sheet, cell) of every finding the previous Validation sheet lists as having got a
    note: the cells where cqcxl put its notes last time."""
    out: set[tuple[str, str]] = set()
    if grid is None:
        return out
    cell_col = code_col = None
    for row in grid.rows:
        texts = [str(v).strip() if v is not None else "" for v in row]
        if cell_col is None:
            if HEADER[3] in texts and HEADER[6] in texts:
                cell_col, code_col = texts.index(HEADER[3]), texts.index(HEADER[6])
            continue
        where = texts[cell_col] if cell_col < len(texts) else ""
        code = texts[code_col] if code_col < len(texts) else ""
        if code == "note-not-added" or "!" not in where:
            continue
        if where.startswith("="):  # a HYPERLINK formula read as a formula: take its label
            labels = re.findall(r'"((?:[^"]|"")*)"', where)
            where = labels[-1].replace('""', '"') if labels else ""
        sheet, _, cell = where.rpartition("!")
        if sheet and cell:
            out.add((sheet, cell.replace("$", "").upper()))
    return out


def is_ours(note: Note, listed: bool = False) -> bool:
    """Whether a note on a cell is cqcxl's (see the module docstring)."""
    if note.author is None and note.text is None:
        return listed
    return note.author == L.NOTE_AUTHOR or (note.text or "").lstrip().startswith(L.NOTE_PREFIX)


def our_notes(book: BookGrid) -> dict[str, set[str]]:
    """sheet -> cells whose note is cqcxl's."""
    listed = _listed_cells(book.sheet(L.VALIDATION))
    return {g.name: {ref for ref, n in g.notes.items() if is_ours(n, (g.name, ref) in listed)}
            for g in book.sheets}


def note_clashes(book: BookGrid, findings: list[Finding]) -> list[Finding]:
    """A cell that already holds a user's own comment cannot take cqcxl's note: say so
    (the finding still appears on the Validation sheet)."""
    ours = our_notes(book)
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        grid = book.sheet(f.sheet)
        if grid is None or (f.sheet, f.cell) in seen:
            continue
        if f.cell in grid.notes and f.cell not in ours.get(grid.name, set()):
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


def note(findings: list[Finding]) -> NoteText:
    """A note's text and a size that shows all of it (within reason): the same wrapped-line
    estimate as every row cqcxl sizes, in the note's 9 pt font."""
    text = note_text(findings)
    n = max(4, min(30, lines(text, chars(T.NOTE_WIDTH_PT - 10), T.NOTE_SIZE) + 1))
    return NoteText(text, T.NOTE_WIDTH_PT, height(n, T.NOTE_SIZE) + 10, T.NOTE_FILL)


# --- the edits -------------------------------------------------------------------------------

#: Row heights cqcxl itself writes (n lines of Calibri 11), and Excel's default: a row at
#: any other height was sized by the user, and cqcxl leaves it as it is.
OUR_HEIGHTS = frozenset({height(n) for n in range(1, 28)} | {T.ROW_PT})


def _fit_rows(grid: SheetGrid, tasks) -> dict[int, float]:
    """Key-task rows whose wrapped text needs more height than the row has: row -> the
    height it needs. Only where the engine reads the sheet's layout."""
    if grid.row_heights is None or grid.col_widths is None:
        return {}
    out: dict[int, float] = {}
    widths: dict[int, tuple[float, int]] = {}  # column -> (width, characters a line)

    def width(c: int) -> tuple[float, int]:
        if c not in widths:
            w = grid.col_widths.get(c, grid.default_col_width)
            widths[c] = (w, int(w * CHARS_PER_WIDTH))
        return widths[c]

    for t in tasks:
        row = t.row
        now = grid.row_heights.get(row, grid.default_row_pt)
        if row in grid.row_heights and now not in OUR_HEIGHTS:
            continue  # the user's own height
        cells = grid.rows[row - 1] if 0 < row <= len(grid.rows) else []
        n = 1
        for c, v in enumerate(cells, start=1):
            if not isinstance(v, str) or not v:
                continue
            w, per = width(c)
            if len(v) <= per and "\n" not in v:
                continue  # one line: fits any row
            n = max(n, lines(v, w))
        need = height(n)
        if need > now:
            out[row] = need
    return out


def _colour(rag: RAG | None) -> CellColour | None:
    return CellColour(T.RAG_FILL[rag.value], T.RAG_FONT[rag.value]) if rag else None


def edits(book: BookGrid, checked: Checked) -> list[Edit]:
    out: list[Edit] = []
    plan = checked.plan
    # RAG fills on every task and risk RAG cell, from its value (a risk is never Blue).
    for ws in plan.workstreams:
        cells: dict[str, CellColour | None] = {}
        for t in ws.tasks:
            if ref := t.cells.get("rag"):
                cells[ref] = _colour(t.rag)
        for k in ws.risks:
            if ref := k.cells.get("rag"):
                cells[ref] = _colour(k.rag if k.rag is not RAG.BLUE else None)
        out.append(SetCellColours(ws.sheet, cells, T.RAG_FILLS, T.PLAIN_FONT))
    # Rows too short for the text typed in them grow (never shrink; never a row the user
    # sized): Excel does not grow a row whose height was set, as the template's are.
    for ws in plan.workstreams:
        grid = book.sheet(ws.sheet)
        if grid is not None and (heights := _fit_rows(grid, ws.tasks)):
            out.append(FitRows(ws.sheet, heights))
    # Notes: one per offending cell, on every sheet cqcxl read (so fixed ones go away).
    ours = our_notes(book)
    by_cell: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in checked.findings:
        if f.code == "note-not-added":
            continue
        grid = book.sheet(f.sheet)
        if grid is None or f.sheet in L.OWNED_SHEETS:
            continue
        if f.cell in grid.notes and f.cell not in ours.get(grid.name, set()):
            continue  # a user's own note: the Validation sheet lists the problem instead
        by_cell[grid.name][f.cell].append(f)
    for grid in book.sheets:
        if grid.name in L.OWNED_SHEETS:
            continue
        notes = {cell: note(fs) for cell, fs in by_cell.get(grid.name, {}).items()}
        remove = tuple(sorted(ours.get(grid.name, set()) - set(notes)))
        if notes or remove:
            out.append(SetNotes(grid.name, notes, remove, L.NOTE_AUTHOR))
    out.append(ReplaceSheet(sheet(book, checked)))
    return out


def sheet(book: BookGrid, checked: Checked) -> SheetSpec:
    """The Validation sheet: counts at the top, then every finding, errors first, each with
    a link to its cell."""
    c = counts(checked.findings)
    findings = checked.findings
    ws_name = {ws.sheet: f"{ws.number} {ws.name}" for ws in checked.plan.workstreams}
    position = 1 if book.names and book.names[0] == L.SUMMARY else 0
    if L.VALIDATION in book.names:
        position = book.names.index(L.VALIDATION)
    spec = SheetSpec(L.VALIDATION, position=position,
                     tab_color=T.TAB_ERRORS if c[ERROR] else T.TAB_CLEAN, activate=True,
                     page=T.PAGE_LANDSCAPE)
    headline = checked.headline
    top = [
        ["Validation"],
        [f"Reporting date used: {checked.as_of.day} {checked.as_of:%B %Y} "
         f"({checked.as_of_source})"],
        [f"Errors: {c[ERROR]}    Warnings: {c[WARNING]}    Notes: {c[INFO]}    "
         f"Key tasks checked: {len(checked.plan.tasks)}"],
        [f"Overdue actions with no mitigation: {len(headline)}" if headline else
         "No overdue actions without mitigation."],
        ["Fix each problem on its sheet (click the cell link), then press Validate again. "
         "Notes signed cqcxl on the cells say the same."],
    ]
    spec.blocks.append(block(1, 1, top))
    spec.styles += [("A1:A1", T.SHEET_TITLE), ("A4:A4", T.ALARM_TEXT if headline else T.BOLD)]
    hr = HEADER_ROW
    rows: list[list] = []
    for f in findings:
        where = f"{f.sheet}!{f.cell}"
        link = link_formula(f.sheet, f.cell, where) if book.sheet(f.sheet) else where
        rows.append([_SEV_WORD[f.severity] + (" — OVERDUE, NO MITIGATION"
                                               if f.overdue_no_mitigation else ""),
                     ws_name.get(f.sheet, f.sheet), f.task_id, link, f.title, f.message,
                     f.code])
    spec.blocks.append(block(hr, 1, [list(HEADER), *rows]))
    spec.styles.append((f"A{hr}:G{hr}", T.HEAD))
    # Severity colour in column A, grouped into runs so Excel gets few calls.
    r = hr + 1
    i = 0
    while i < len(findings):
        j = i
        key = (findings[i].severity, findings[i].overdue_no_mitigation)
        while j < len(findings) and (findings[j].severity,
                                     findings[j].overdue_no_mitigation) == key:
            j += 1
        spec.styles.append((f"A{r + i}:A{r + j - 1}", T.severity_style(*key)))
        i = j
    if rows:
        spec.styles.append((f"B{hr + 1}:G{hr + len(rows)}", T.WRAP))
        spec.autofilter = f"A{hr}:G{hr + len(rows)}"
    spec.col_widths = dict(T.VALIDATION_WIDTHS)
    # Each finding row as tall as its longest wrapped text (rows of one height are one
    # call in Excel: findings mostly share a height).
    widths = T.VALIDATION_WIDTHS
    for i, row in enumerate(rows):
        n = max(lines(v, widths[j + 1]) for j, v in enumerate(row)
                if isinstance(v, str) and not isinstance(v, Formula))
        spec.row_heights[hr + 1 + i] = height(n)
    spec.freeze = f"A{hr + 1}"
    spec.print_title_rows = f"{hr}:{hr}"
    return spec


__all__ = ["Checked", "edits", "is_ours", "note_clashes", "note_text", "our_notes", "sheet"]
