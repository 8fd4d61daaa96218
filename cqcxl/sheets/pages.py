"""The Board pack's workstream pages: one sheet per workstream, laid out to print.

Each workstream prints on its own page(s), landscape A4, one page wide, in the order a Board
member reads it: the heading (number, name, sponsor, overall RAG now and at the last closed
period, direction of travel, the counts), the recent activity / headline, the key risks, the
additional narrative, then the key tasks. The key tasks come last so that the two rows
repeated at the top of every continuation page (``print_title_rows``: "Key tasks —
Workstream 5: System Development" and the column headers) only ever sit above key tasks,
and a reader who opens the pack at page 7 still sees whose tasks these are.

Where each page ends is decided here, not left to LibreOffice, so that a section heading is
never left alone at the foot of a page. That works because everything about the page is
known: every row has an explicit height (:mod:`.text`: the wrapped lines of its tallest
cell, so nothing is clipped), and the columns are narrow enough to print at 100%
(``theme.PACK_WIDTHS``), so a printed page holds exactly its printable height of rows. The
cursor fills pages row by row and ends each one with a manual break (``row_breaks``), so
LibreOffice never has to break a page itself:

- a section starts on a new page unless its heading, its header row and its first row fit
  on this one; a short section (a few risks, the headline) moves whole rather than split;
- a key risk table continued on the next page repeats its header row there;
- a row too tall for one row (Excel's 409 pt) is split over several rows at a word, so no
  text is cut off.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from ..core.dates import DateReading
from ..core.model import RAG_ORDER, KeyTask, Workstream
from ..core.summary import NOT_RATED, Row, Summary
from ..edits import PageSetup, SheetSpec, Style, Value, block, rect
from ..grid import col_letter
from . import layout as L
from . import theme as T
from .text import BASE_SIZE, MAX_ROW_PT, height, line_pt, lines, span_width

WIDTHS = T.PACK_WIDTHS
NCOLS = len(WIDTHS)
LAST = col_letter(NCOLS)
#: The key-task table's column headers, one a column (widths: theme.PACK_WIDTHS).
TASK_HEADERS = ("Task ID", "Key task", "Task owner", "Date to complete", "Revised date",
                "RAG", "Narrative / update", "Mitigation")
TITLE_PT = 27.0     # the workstream's name, 16 pt
SECTION_PT = 21.0   # a section heading, 13 pt
GAP_PT = 9.0        # between sections (dropped at the top of a page)
SMALL_PT = 15.0     # the "as at" line, 9 pt
HEAD_PT = 18.0      # a table's header row, at least

#: Characters of each cell's width the wrap estimate leaves unused: at 9 pt in a narrow
#: column, capitals and brackets ("Helen McConville (Morecambe Bay CCG)" in 15) wrap to a
#: line more than a count of characters says, and the row must hold that line.
WRAP_MARGIN = 1.0

#: A section no taller than this share of a page moves to the next page whole rather than
#: split; a taller one starts where it is (its heading and first row kept together).
WHOLE_SHARE = 0.4

NO_HEADLINE = "No headline given."
NO_RISKS = "No key risks recorded."
NO_NARRATIVE = "No additional narrative given."
NOT_GIVEN = "Not given"

TRAVEL_WORDS = {"↑": "↑ better", "↓": "↓ worse", "→": "→ no change"}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def page_height_pt(page: PageSetup = T.PAGE_LANDSCAPE,
                   widths: tuple[float, ...] = WIDTHS) -> float:
    """Points of sheet rows one printed page of a workstream holds, as LibreOffice prints
    it: the printable height divided by the fit-to-width scale (the largest whole percent at
    which the columns fit; 100% for the pack's columns), less a little slack."""
    w, h = T.PACK_A4_LANDSCAPE_PT if page.landscape else T.PACK_A4_LANDSCAPE_PT[::-1]
    left, right, top, bottom = page.margins
    printable_w, printable_h = w - (left + right) * 72, h - (top + bottom) * 72
    sheet_w = sum(widths) * T.PACK_PT_PER_CHAR
    scale = min(1.0, math.floor(100 * printable_w / sheet_w) / 100) if page.fit_width else 1
    return printable_h / scale - T.PACK_PAGE_SLACK_PT


@dataclass(frozen=True)
class Cell:
    """One value on a line: in column ``col``, merged across ``span`` columns."""

    col: int
    value: Value
    style: Style | None = None
    span: int = 1

    @property
    def width(self) -> float:
        return span_width(WIDTHS[self.col - 1:self.col - 1 + self.span])

    @property
    def wrap_width(self) -> float:
        """The width the wrap estimate assumes (see WRAP_MARGIN)."""
        return max(1.0, self.width - WRAP_MARGIN)

    @property
    def size(self) -> float:
        return (self.style.size if self.style is not None else None) or BASE_SIZE


@dataclass(frozen=True)
class Line:
    """One sheet row: its cells and its height in points."""

    cells: tuple[Cell, ...]
    height: float


def snap(pt: float) -> float:
    """A height in whole pixels (0.75 pt), rounded up: LibreOffice lays rows out in pixels,
    so a row it is given is exactly as tall on the page as the cursor counts it. Never
    taller than a row can be."""
    return min(math.ceil(round(pt / 0.75, 6)), math.floor(MAX_ROW_PT / 0.75)) * 0.75


def line(*cells: Cell, at_least: float = 0.0) -> Line:
    """A row as tall as its tallest wrapped text, each cell in its own font size."""
    pt = max((height(lines(c.value, c.wrap_width, c.size), c.size) for c in cells
              if isinstance(c.value, str)), default=height(1))
    return Line(cells, snap(max(at_least, pt)))


def lines_of(*cells: Cell) -> list[Line]:
    """One row, or several when its text needs more than one row can hold (409 pt): the
    long texts go on over the next rows, cut between words; the other cells stay on the
    first row, and every row keeps every cell's border."""
    chunks = {c.col: (_chunks(c.value, c.wrap_width, c.size) if isinstance(c.value, str)
                      else [c.value]) for c in cells}
    n = max(len(v) for v in chunks.values())
    return [line(*(Cell(c.col, chunks[c.col][i] if i < len(chunks[c.col]) else None,
                        c.style, c.span) for c in cells))
            for i in range(n)]


def _chunks(text: str, width: float, size: float) -> list[str]:
    """``text`` in pieces that each fit one row (409 pt), cut between words."""
    most = int((MAX_ROW_PT - height(1, size)) // line_pt(size)) + 1
    if lines(text, width, size) <= most:
        return [text]
    out: list[str] = []
    cur = ""
    for word in re.split(r"(?<=\s)", text):
        if cur and lines(cur + word, width, size) > most:
            out.append(cur.rstrip())
            cur = word.lstrip()
        else:
            cur += word
    if cur.strip():
        out.append(cur.rstrip())
    return out


@dataclass
class Section:
    """A heading and what follows it. ``header`` (a table's header row) follows the heading
    and is repeated where the section continues on a new page; ``whole`` asks to move the
    section to a new page rather than split it, when it fits on one."""

    heading: Line | None
    body: list[Line]
    header: Line | None = None
    whole: bool = True


@dataclass
class WorkstreamPages:
    """A workstream's sheet in the pack and where its printed pages start."""

    ws: Workstream
    spec: SheetSpec

    @property
    def pages(self) -> int:
        """How many pages it prints on (the page breaks placed, plus one)."""
        return len(self.spec.row_breaks) + 1


class _Cursor:
    """Rows added top to bottom, each with its height, so the cursor knows where every
    printed page ends and places the page breaks itself."""

    def __init__(self, spec: SheetSpec, page_pt: float) -> None:
        self.spec = spec
        self.page_pt = page_pt
        self.row = 1
        self.y = 0.0          # points used on the current page
        self.top = 0.0        # points the repeated title rows take on a continuation page
        self.title_rows: tuple[int, int] | None = None

    @property
    def room(self) -> float:
        return self.page_pt - self.y

    @property
    def at_top(self) -> bool:
        return self.y <= self.top

    def new_page(self) -> None:
        """End the page after the last row written (nothing to do at a page's top)."""
        if self.at_top or self.row == 1:
            return
        self.spec.row_breaks.append(self.row - 1)
        started_after_titles = self.title_rows is not None and self.row > self.title_rows[1]
        self.y = self.top if started_after_titles else 0.0

    def gap(self, pt: float = GAP_PT) -> None:
        """A blank row between sections; none at the top of a page."""
        if self.at_top or pt > self.room:
            return
        self._row(Line((), pt))

    def put(self, ln: Line) -> int:
        if ln.height > self.room:
            self.new_page()
        return self._row(ln)

    def _row(self, ln: Line) -> int:
        r = self.row
        spec = self.spec
        for c in ln.cells:
            if c.value is not None:
                spec.blocks.append(block(r, c.col, [[c.value]]))
            if c.style is not None:
                spec.styles.append((rect(r, c.col, 1, c.span), c.style))
            if c.span > 1:
                spec.merges.append(rect(r, c.col, 1, c.span))
        spec.row_heights[r] = ln.height
        self.y += ln.height
        self.row += 1
        return r

    def section(self, s: Section, *, repeat_titles: bool = False) -> None:
        """Place a section: on a new page unless the heading, the header row and the first
        row fit on this one (the whole section, when it is short and asks for that)."""
        lead = [x for x in (s.heading, s.header) if x is not None]
        need = sum(x.height for x in lead + s.body[:1])
        whole = sum(x.height for x in lead + s.body)
        if s.whole and whole <= (self.page_pt - self.top) * WHOLE_SHARE:
            need = whole
        if need > self.room:
            self.new_page()
        start = self.row
        for x in lead:
            self._row(x)
        if repeat_titles:
            self.title_rows = (start, self.row - 1)
            self.top = sum(x.height for x in lead)
            self.spec.print_title_rows = f"{start}:{self.row - 1}"
        for x in s.body:
            if x.height > self.room:
                self.new_page()
                if s.header is not None and not repeat_titles:
                    self._row(s.header)  # a continued table shows its header again
            self._row(x)


# --- what the Board reads ---------------------------------------------------------------

def _day(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else ""


def date_text(reading: DateReading) -> str:
    """A date as the lead wrote it; a real Excel date as a month (the template shows the
    1st of a month as ``Sep-18``) or a day."""
    raw = reading.raw
    if _ISO_DAY.match(raw):
        d = date.fromisoformat(raw)
        return f"{d:%b %Y}" if d.day == 1 else f"{d.day} {d:%b %Y}"
    return raw


def travel_words(arrow: str) -> str:
    return TRAVEL_WORDS.get(arrow, "– no previous period")


def _rag_cell(col: int, rag_text: str, rag, *, bold: bool = False) -> Cell:
    """A RAG coloured as the legend; a RAG that is not one, as typed, in grey."""
    if rag is not None:
        return Cell(col, rag.value, T.rag_style(rag.value, bold=bold))
    return Cell(col, rag_text or NOT_RATED, T.PACK_NOT_GIVEN)


def _given(col: int, text: str, span: int = 1) -> Cell:
    """A text cell of a table; "Not given", in grey, where the workstream left it empty."""
    text = text.strip()
    return Cell(col, text, T.PACK_CELL, span) if text else \
        Cell(col, NOT_GIVEN, T.PACK_NOT_GIVEN, span)


def _counts_text(row: Row, removed: int) -> str:
    c = row.counts
    pct = c.percentages
    parts = [f"{c.by_rag[r]} {r.value} ({pct[r.value]}%)" for r in RAG_ORDER]
    if c.unrated:
        parts.append(f"{c.unrated} {NOT_RATED.lower()} ({pct[NOT_RATED]}%)")
    text = f"{c.tasks} key task{'s' if c.tasks != 1 else ''}: " + " · ".join(parts)
    if removed:
        text += f" · {removed} removed from the plan by agreement (not counted)"
    return text


def _heading(cur: _Cursor, row: Row, s: Summary) -> None:
    ws = row.ws
    title = f"Workstream {ws.number}: {ws.name}"
    cur.put(Line((Cell(1, title, T.SHEET_TITLE, NCOLS),),
                 snap(max(TITLE_PT, height(lines(title, sum(WIDTHS) * 11 / 16)) * 16 / 11))))
    cur.put(line(Cell(1, "Sponsor", T.PACK_LABEL, 2),
                 _given(3, ws.sponsor, NCOLS - 2)))
    prev = (f"previous period: {_day(s.previous_date)}" if s.previous_date
            else "no previous period closed yet")
    cur.put(Line((Cell(1, f"As at {_day(s.as_of)} · {prev}", T.SMALL, NCOLS),), SMALL_PT))
    overall = row.counts.overall
    cur.put(line(Cell(1, "Overall RAG", T.PACK_LABEL, 2),
                 _rag_cell(3, "", overall, bold=True) if overall else
                 Cell(3, "–", T.PACK_CELL),
                 Cell(4, "Previous RAG", T.PACK_LABEL, 2),
                 _rag_cell(6, "", row.previous_overall) if row.previous_overall else
                 Cell(6, "–", T.rag_style(None)),
                 Cell(7, "Direction of travel", T.PACK_LABEL),
                 Cell(8, travel_words(row.travel), T.PACK_CELL)))
    removed = sum(1 for t in ws.tasks if t.removed)
    cur.put(line(Cell(1, "Key tasks", T.PACK_LABEL, 2),
                 Cell(3, _counts_text(row, removed), T.PACK_CELL, NCOLS - 2)))


def _section_heading(text: str) -> Line:
    return Line((Cell(1, text, T.SECTION, NCOLS),), SECTION_PT)


def _headline(ws: Workstream) -> Section:
    text = ws.headline.strip()
    body = (lines_of(Cell(1, text, T.WRAP, NCOLS)) if text else
            [line(Cell(1, NO_HEADLINE, T.PACK_NOTHING, NCOLS))])
    return Section(_section_heading(L.HEADLINE_LABEL), body)


def _risks(ws: Workstream) -> Section:
    heading = _section_heading(f"Key risks ({len(ws.risks)})" if ws.risks else "Key risks")
    if not ws.risks:
        return Section(heading, [line(Cell(1, NO_RISKS, T.PACK_NOTHING, NCOLS))])
    header = line(Cell(1, "Key risk", T.PACK_HEAD, 3), Cell(4, "RAG", T.PACK_HEAD),
                  Cell(5, "Mitigation", T.PACK_HEAD, NCOLS - 4), at_least=HEAD_PT)
    body: list[Line] = []
    for k in ws.risks:
        body += lines_of(_given(1, k.risk, 3), _rag_cell(4, k.rag_text, k.rag),
                         _given(5, k.mitigation, NCOLS - 4))
    return Section(heading, body, header)


def _narrative(ws: Workstream) -> Section:
    heading = _section_heading(L.WS_NARRATIVE_HEADING)
    given = {f: (ws.narrative.get(f) or "").strip() for f, _ in L.NARRATIVE_FIELDS}
    if not any(given.values()):
        return Section(heading, [line(Cell(1, NO_NARRATIVE, T.PACK_NOTHING, NCOLS))])
    body: list[Line] = []
    for f, label in L.NARRATIVE_FIELDS:
        text = given[f]
        body += lines_of(Cell(1, label, T.PACK_LABEL, 2), _given(3, text, NCOLS - 2))
    return Section(heading, body)


def _overdue_on(t: KeyTask, as_of: date) -> str | None:
    """Which date cell shows the deadline that has passed: 'revised' or 'due', or None."""
    if not t.is_overdue(as_of):
        return None
    return "revised" if t.deadline == t.revised_date.date else "due"


def _task_lines(t: KeyTask, as_of: date) -> list[Line]:
    late = _overdue_on(t, as_of)
    due, revised = date_text(t.date_to_complete), date_text(t.revised_date)
    if late == "due":
        due += "\noverdue"
    elif late == "revised":
        revised += "\noverdue"
    if t.removed:
        rag = Cell(6, "Removed (agreed)", T.PACK_REMOVED)
    else:
        rag = _rag_cell(6, t.rag_text, t.rag)
    return lines_of(Cell(1, t.task_id, T.PACK_CELL), Cell(2, t.key_task, T.PACK_CELL),
                    Cell(3, t.owner, T.PACK_CELL),
                    Cell(4, due, T.PACK_OVERDUE if late == "due" else T.PACK_CELL),
                    Cell(5, revised, T.PACK_OVERDUE if late == "revised" else T.PACK_CELL),
                    rag, Cell(7, t.narrative, T.PACK_CELL), Cell(8, t.mitigation, T.PACK_CELL))


def _tasks(ws: Workstream, as_of: date) -> Section:
    removed = sum(1 for t in ws.tasks if t.removed)
    n = f"{len(ws.tasks) - removed}" + (f", and {removed} removed by agreement" if removed
                                        else "")
    heading = _section_heading(f"Key tasks — Workstream {ws.number}: {ws.name} ({n})")
    header = line(*(Cell(j, h, T.PACK_HEAD) for j, h in enumerate(TASK_HEADERS, 1)),
                  at_least=HEAD_PT)
    if not ws.tasks:
        return Section(heading, [line(Cell(1, "No key tasks recorded.", T.PACK_NOTHING,
                                           NCOLS))])
    body = [x for t in ws.tasks for x in _task_lines(t, as_of)]
    return Section(heading, body, header, whole=False)


def workstream_sheet(row: Row, s: Summary, page_pt: float | None = None) -> WorkstreamPages:
    """The sheet for one workstream of the pack, named as the workstream's own sheet."""
    ws = row.ws
    spec = SheetSpec(ws.sheet, page=T.PAGE_LANDSCAPE)
    spec.col_widths = {j: w for j, w in enumerate(WIDTHS, start=1)}
    cur = _Cursor(spec, page_pt or page_height_pt(spec.page))
    _heading(cur, row, s)
    cur.gap()
    cur.section(_headline(ws))
    cur.gap()
    cur.section(_risks(ws))
    cur.gap()
    cur.section(_narrative(ws))
    cur.gap()
    tasks = _tasks(ws, s.as_of)
    cur.section(tasks, repeat_titles=tasks.header is not None and bool(ws.tasks))
    spec.print_area = f"A1:{LAST}{cur.row - 1}"
    return WorkstreamPages(ws, spec)


def workstream_sheets(s: Summary) -> list[WorkstreamPages]:
    """One sheet per workstream, in the plan's order, each printing as its own pages."""
    return [workstream_sheet(row, s) for row in s.rows]

