"""Lay out the Summary sheet (the Board's cover) as edits, from a computed Summary.

One sheet spec: title, headline lines, the workstream table, pies in a grid, then the
exceptions. The layout is written once, here; every engine applies it.
"""

from __future__ import annotations

import math

from ..core.model import RAG, RAG_ORDER
from ..core.progress import Progress
from ..core.rules import NO_MITIGATION_RULE
from ..core.summary import NOT_RATED, Summary
from ..core.summary_rules import ROUNDING_RULE
from ..core.words import n_of
from ..edits import (
    Formula,
    LineChart,
    LineSeries,
    PieChart,
    SheetSpec,
    Style,
    block,
    link_formula,
    rect,
    width_points,
)
from ..grid import col_index, col_letter
from . import layout as L
from . import theme as T
from .text import height, span_width
from .text import lines as wrapped

WIDTHS = T.COVER_WIDTHS
NCOLS = len(WIDTHS)
LAST = col_letter(NCOLS)
ROW_PT = T.ROW_PT
#: the pies: the all-workstreams one large on the left, the workstreams' beside it
BIG_PIE_W_PT, BIG_PIE_H_PT = 300.0, 340.0
PIE_W_PT, PIE_H_PT = 150.0, 165.0
PIE_COLUMNS = 3
PIE_GAP_PT = 8.0

#: Board wording for each RAG line.
WORDING = {
    RAG.BLUE: "actions completed",
    RAG.GREEN: "on target",
    RAG.AMBER: "off target, some action required to improve performance",
    RAG.RED: "actions planned and significant barriers to implementation identified",
}
def _rag_style(rag: RAG | None, *, bold: bool = False) -> Style:
    return T.rag_style(rag.value if rag else None, bold=bold)


def _day(d) -> str:
    return f"{d.day} {d:%B %Y}" if d else ""


def page_height_pt(spec: SheetSpec, widths: list[float]) -> float:
    """How many points of sheet rows one printed page holds: the page's printable height
    divided by the fit-to-width scale (Excel and LibreOffice round the scale down to a
    whole percent), less a little for the two applications' rounding."""
    page = spec.page
    w, h = (T.A4_PT[1], T.A4_PT[0]) if page.landscape else T.A4_PT
    left, right, top, bottom = page.margins
    printable_w, printable_h = w - (left + right) * 72, h - (top + bottom) * 72
    sheet_w = sum(width_points(x) for x in widths)
    scale = min(1.0, math.floor(100 * printable_w / sheet_w) / 100) if page.fit_width else 1
    return printable_h / scale * T.PAGE_SAFETY


class _Sheet:
    """A cursor over the spec: rows are added top to bottom, each with its height, so the
    cursor knows where every printed page ends and places the page breaks itself."""

    def __init__(self, spec: SheetSpec, page_pt: float) -> None:
        self.spec = spec
        self.row = 1
        self.page_pt = page_pt
        self.y = 0.0  # points used on the current page

    def fits(self, pt: float) -> bool:
        return self.y + pt <= self.page_pt

    def new_page(self) -> None:
        """End the page after the last row written (nothing to do at a page's top)."""
        if self.y > 0 and self.row > 1:
            self.spec.row_breaks.append(self.row - 1)
            self.y = 0.0

    def keep(self, pt: float) -> None:
        """Start a new page unless the next ``pt`` points fit on this one."""
        if not self.fits(pt):
            self.new_page()

    def put(self, values: list[list], style: Style | None = None, *, col: int = 1,
            heights: list[float] | float | None = None) -> int:
        """Write rows at the cursor; ``heights`` per row (default: one line each)."""
        start = self.row
        n = len(values)
        hs = ([heights] * n if isinstance(heights, int | float) else
              list(heights) if heights is not None else [ROW_PT] * n)
        self.spec.blocks.append(block(start, col, values))
        if style is not None:
            width = max(len(v) for v in values)
            self.spec.styles.append((rect(start, col, n, width), style))
        for i, pt in enumerate(hs):
            self.spec.row_heights[start + i] = pt
            self.y += pt
        self.row += n
        return start

    def skip(self, pt: float = ROW_PT) -> None:
        """A blank row, dropped at the top of a page."""
        if self.y == 0:
            return
        self.spec.row_heights[self.row] = pt
        self.row += 1
        self.y += pt

    def style(self, ref: str, st: Style) -> None:
        self.spec.styles.append((ref, st))

    def merge_across(self, first_row: int, last_row: int, c1: str, c2: str) -> None:
        for r in range(first_row, last_row + 1):
            self.spec.merges.append(f"{c1}{r}:{c2}{r}")


def cover_sheet(s: Summary, progress: Progress | None = None) -> SheetSpec:
    """The cover. Page 1: title, headline lines, the alarm, the workstream table with its
    total and the RAG key. Page 2: the pies. Then the exceptions, each table starting on a
    page that holds its heading, its header row and its first row, and repeating its header
    row on every page it continues to."""
    spec = SheetSpec(L.SUMMARY, position=0, activate=True, tab_color=T.TAB_COVER,
                     page=T.PAGE_LANDSCAPE)
    spec.col_widths = {i: w for i, w in enumerate(WIDTHS, start=1)}
    total = s.total
    unrated = total.unrated > 0
    widths = list(WIDTHS) + ([T.NOT_RATED_WIDTH] if unrated else [])
    if unrated:
        spec.col_widths[NCOLS + 1] = T.NOT_RATED_WIDTH
    last_col = col_letter(len(widths))
    sh = _Sheet(spec, page_height_pt(spec, widths))
    plan = s.plan
    prev = (f"previous period: {_day(s.previous_date)}" if s.previous_date
            else "no previous period")
    sh.put([[plan.title or "Action plan"]], T.COVER_TITLE, heights=26)
    sh.put([[plan.programme or ""]], T.SUBTITLE, heights=16)
    sh.put([[f"As at {_day(s.as_of)} · {prev}"]], T.BOLD)
    sh.skip(6)

    # Headline lines in the Board's wording.
    pct = total.percentages
    sh.put([[n_of(total.tasks, "Action")]], T.COUNT_LINE, heights=20)
    # the colour named in its swatch: the lines are the RAG key as well
    lines = [[r.value, f"{pct[r.value]}% ({total.by_rag[r]}) {WORDING[r]}"] for r in RAG_ORDER]
    if total.unrated:
        lines.append(["", f"{pct[NOT_RATED]}% ({total.unrated}) with no valid RAG"])
    first = sh.put(lines, heights=16)
    for i, r in enumerate(RAG_ORDER):
        sh.style(f"A{first + i}:A{first + i}", _rag_style(r))
        sh.style(f"B{first + i}:B{first + i}", Style(bold=True, size=12))
    n_over = len(s.overdue_no_mitigation)
    sh.skip(8)
    if n_over:
        r = sh.put([[f"⚠  {n_over} overdue action{'s' if n_over != 1 else ''} with no "
                     "mitigation narrative — listed first under Exceptions below."]],
                   heights=22)
        sh.style(f"A{r}:{last_col}{r}", T.ALARM_BANNER)
    else:
        r = sh.put([["No overdue actions without a mitigation narrative."]])
        sh.style(f"A{r}:{last_col}{r}", T.CALM)
    if s.previous is not None:
        n_slip = len(s.slipped)
        if n_slip:
            r = sh.put([[f"⚠  {n_slip} key task{'s' if n_slip != 1 else ''} slipped since "
                         f"{_day(s.previous.when)}: date moved later with no change request "
                         "agreed by the Board — listed under Exceptions."]], heights=18)
            sh.style(f"A{r}:{last_col}{r}", T.SLIP_BANNER)
        else:
            r = sh.put([[f"No key task dates moved since {_day(s.previous.when)} without an "
                         "agreed change request."]])
            sh.style(f"A{r}:{last_col}{r}", T.CALM)
    sh.skip(6)
    _workstream_table(sh, s, unrated, last_col)
    sh.new_page()

    # Page 2: the pies (their numbers right of the print area).
    _pies(sh, s, len(widths))
    sh.new_page()

    # The shares over time, once there is a closed period to compare with.
    if progress is not None and len(progress.periods) >= 2:
        _trend(sh, progress, len(widths))

    # Exceptions.
    sh.keep(22 + 20 + 3 * ROW_PT)
    sh.put([["Exceptions"]], T.BIG_SECTION, heights=22)
    _overdue(sh, s)
    _slipped(sh, s)
    _reds(sh, s)
    _trends(sh, s)
    _change_requests(sh, s)
    _removed(sh, s)
    _changes(sh, s)
    _risks(sh, s)
    _headlines(sh, s)
    spec.print_area = f"A1:{last_col}{sh.row - 1}"
    return spec


TABLE_HEAD_PT = 32.0


def _workstream_table(sh: _Sheet, s: Summary, unrated: bool, last_col: str) -> None:
    """One row per workstream and the total; the header row again on a new page."""
    total = s.total
    head = ["No.", "Workstream", "Sponsor", "Key tasks", "Blue", "%", "Green", "%", "Amber",
            "%", "Red", "%", "Overall RAG", "Direction of travel", "Previous RAG"]
    if unrated:
        head.append(NOT_RATED)

    def header() -> int:
        hr = sh.put([head], T.TABLE_HEAD, heights=TABLE_HEAD_PT)
        for col, rag in zip("EGIK", RAG_ORDER, strict=True):
            sh.style(f"{col}{hr}", T.rag_style(rag.value, bold=True, valign="center"))
        return hr

    header()
    lines = []
    for row in s.rows:
        c, p = row.counts, row.counts.percentages
        line = [row.ws.number, row.ws.name, row.ws.sponsor, c.tasks]
        for r in RAG_ORDER:
            line += [c.by_rag[r], p[r.value] / 100]
        line += [c.overall.value if c.overall else "–", row.travel,
                 row.previous_overall.value if row.previous_overall else "–"]
        if unrated:
            line.append(c.unrated)
        pt = max(height(wrapped(row.ws.name, WIDTHS[1])),
                 height(wrapped(row.ws.sponsor, WIDTHS[2], T.SMALL_SIZE), T.SMALL_SIZE))
        lines.append((line, pt, row.counts.overall, row.travel, row.previous_overall, False))
    p = total.percentages
    tline = ["", "All workstreams", "", total.tasks]
    for r in RAG_ORDER:
        tline += [total.by_rag[r], p[r.value] / 100]
    tline += [total.overall.value if total.overall else "–", s.total_travel,
              s.total_previous_overall.value if s.total_previous_overall else "–"]
    if unrated:
        tline.append(total.unrated)
    lines.append((tline, ROW_PT + 3, total.overall, s.total_travel, s.total_previous_overall,
                  True))
    for line, pt, overall, travel, previous, is_total in lines:
        if not sh.fits(pt):
            sh.new_page()
            header()
        r = sh.put([line], heights=pt)
        if is_total:
            sh.style(f"A{r}:C{r}", T.TOTAL_LABEL)
            sh.style(f"D{r}:{last_col}{r}", T.TOTAL)
            for col in "FHJL":
                sh.style(f"{col}{r}", T.PERCENT_TOTAL)
        else:
            sh.style(f"A{r}", T.NUM)
            sh.style(f"B{r}", T.CELL)
            sh.style(f"C{r}", T.CELL_SMALL)
            sh.style(f"D{r}:{last_col}{r}", T.NUM)
            for col in "FHJL":
                sh.style(f"{col}{r}", T.PERCENT)
        sh.style(f"M{r}", _rag_style(overall, bold=True))
        sh.style(f"N{r}", T.travel_style(travel, bold=is_total))
        sh.style(f"O{r}", _rag_style(previous, bold=is_total))
    note = (f"Previous RAG: as at {_day(s.previous.when)}. Direction of travel: ↑ better, "
            "↓ worse, → no change since then, like for like (only tasks present in both "
            "periods; a slipped task never counts as better)."
            if s.previous else "Direction of travel: – (no previous period: close a period to "
            "compare with it next time).")
    sh.put([[note], [f"Every number is counted by cqcxl from the workstream sheets. "
                     f"{ROUNDING_RULE}"]], T.SMALL, heights=13)


def _pies(sh: _Sheet, s: Summary, ncols: int) -> None:
    """The all-workstreams pie large (with the legend) and one pie per workstream beside
    it, from numbers written right of the print area."""
    spec = sh.spec
    total = s.total
    hr = sh.row
    data_col = ncols + 2
    spec.blocks.append(block(hr, data_col, [["Chart data (for the pies)"]]))
    spec.blocks.append(block(hr + 1, data_col, [[r.value] for r in RAG_ORDER]))
    series = [("All workstreams", total)] + [(f"{r.ws.number} {r.ws.name}", r.counts)
                                             for r in s.rows]
    for k, (name, counts) in enumerate(series):
        spec.blocks.append(block(hr, data_col + 1 + k,
                                 [[name], *[[counts.by_rag[r]] for r in RAG_ORDER]]))
    spec.styles.append((rect(hr, data_col, 5, len(series) + 1), T.CHART_NUMBERS))
    sh.put([["RAG share: all workstreams and each workstream"]], T.SECTION, heights=20)
    pie_row = sh.row
    # a little inside the print area: LibreOffice's columns come out slightly narrower
    total_pt = sum(width_points(w) for w in WIDTHS) * 0.95
    x0 = BIG_PIE_W_PT + 2 * PIE_GAP_PT
    gap = max(PIE_GAP_PT, (total_pt - x0 - PIE_COLUMNS * PIE_W_PT) / (PIE_COLUMNS - 1))
    colors = tuple(T.RAG_FILL[r.value] for r in RAG_ORDER)
    cats = f"{col_letter(data_col)}{hr + 1}:{col_letter(data_col)}{hr + 4}"
    bottom = BIG_PIE_H_PT
    for k, (name, _counts) in enumerate(series):
        col = col_letter(data_col + 1 + k)
        if k == 0:
            x, y, w, h = 0.0, 0.0, BIG_PIE_W_PT, BIG_PIE_H_PT
        else:
            i, j = divmod(k - 1, PIE_COLUMNS)
            x, y, w, h = x0 + j * (PIE_W_PT + gap), i * (PIE_H_PT + PIE_GAP_PT), PIE_W_PT, \
                PIE_H_PT
        bottom = max(bottom, y + h)
        spec.charts.append(PieChart(
            title=name if k else f"All workstreams ({n_of(total.tasks, 'key task')})",
            row=pie_row, x_pt=x, y_pt=y, categories=cats, values=f"{col}{hr + 1}:{col}{hr + 4}",
            colors=colors, outline=T.PIE_OUTLINE, width_pt=w, height_pt=h, legend=k == 0,
        ))
    # rows under the pies, with explicit heights: the pies are placed by position
    for _ in range(math.ceil((bottom + PIE_GAP_PT) / ROW_PT)):
        sh.put([[None]], heights=ROW_PT)


TREND_W_PT, TREND_H_PT = 560.0, 230.0


def _trend(sh: _Sheet, pr: Progress, ncols: int) -> None:
    """A line per RAG: its share of the key tasks in each period, closed periods then now
    (the numbers beside, right of the print area)."""
    spec = sh.spec
    rows_needed = math.ceil((TREND_H_PT + PIE_GAP_PT) / ROW_PT)
    sh.keep(20 + rows_needed * ROW_PT)
    top = sh.put([["RAG share over time: each closed period and now"]], T.SECTION,
                  heights=20)
    data_col = ncols + 2
    data = [["Period", *(r.value for r in RAG_ORDER)]]
    for p in pr.periods:
        shares = p.shares()
        label = f"{p.when.day} {p.when:%b %Y}" + ("" if p.closed else " (now)")
        data.append([label, *(shares[r] for r in RAG_ORDER)])
    spec.blocks.append(block(top, data_col, data))
    spec.styles.append((rect(top, data_col, len(data), 5), T.CHART_NUMBERS))
    first, last = top + 1, top + len(pr.periods)
    cat = col_letter(data_col)
    series = tuple(
        LineSeries(r.value, f"{col_letter(data_col + 1 + i)}{first}:"
                            f"{col_letter(data_col + 1 + i)}{last}", T.RAG_FILL[r.value])
        for i, r in enumerate(RAG_ORDER))
    spec.charts.append(LineChart(
        title="Share of key tasks by RAG (%)", row=sh.row, x_pt=0.0, y_pt=0.0,
        categories=f"{cat}{first}:{cat}{last}", series=series, width_pt=TREND_W_PT,
        height_pt=TREND_H_PT, table=rect(top, data_col, len(data), 5)))
    for _ in range(rows_needed):
        sh.put([[None]], heights=ROW_PT)
    sh.skip()


def _span(c1: str, c2: str) -> float:
    """Characters that fit across columns c1..c2 (merged)."""
    return span_width([WIDTHS[i - 1] for i in range(col_index(c1), col_index(c2) + 1)])


def _table(sh: _Sheet, title: str, header: list[tuple[str, str, str]], rows: list[list],
           empty: str, *, alarm: bool = False, rags: tuple[str, list] | None = None) -> None:
    """A titled table whose columns may span several sheet columns (merged across). It
    starts on a new page unless its title, header and first row fit on this one, and
    repeats its header row on each page it continues to. ``rags``: a column letter and
    each row's RAG, coloured."""
    fit = {h: _span(c1, c2) for h, c1, c2 in header}
    heights = [height(max(wrapped(_shown(v), fit[h])
                          for (h, _, _), v in zip(header, r, strict=True))) for r in rows]
    head_pt = 30.0 if any(len(h) > _span(c1, c2) for h, c1, c2 in header) else ROW_PT + 3
    sh.skip()
    sh.keep(20 + ROW_PT + (head_pt + heights[0] if rows else 0))
    t = sh.put([[title]], T.SECTION, heights=20)
    if alarm and rows:
        sh.style(f"A{t}:{LAST}{t}", T.ALARM_HEADING)
    if not rows:
        sh.put([[empty]], T.ITALIC)
        return
    starts = [col_index(c1) for _, c1, _ in header]

    def head() -> None:
        hr = sh.put([_spread([h for h, _, _ in header], starts)], heights=head_pt)
        for _h, c1, c2 in header:
            sh.style(f"{c1}{hr}:{c2}{hr}", T.TABLE_HEAD)
            if c1 != c2:
                sh.merge_across(hr, hr, c1, c2)

    head()
    for i, (r, pt) in enumerate(zip(rows, heights, strict=True)):
        if not sh.fits(pt):
            sh.new_page()
            head()
        at = sh.put([_spread(r, starts)], heights=pt)
        for _h, c1, c2 in header:
            sh.style(f"{c1}{at}:{c2}{at}", T.CELL)
            if c1 != c2:
                sh.merge_across(at, at, c1, c2)
        if rags is not None:
            col, values = rags
            sh.style(f"{col}{at}", _rag_style(values[i]))


def _shown(v) -> str:
    """The text a cell shows: a link formula shows its label, not the formula."""
    if isinstance(v, Formula):
        return v.rsplit('"', 2)[-2] if v.count('"') >= 2 else ""
    return "" if v is None else str(v)


def _spread(values: list, starts: list[int]) -> list:
    out: list = [None] * (max(starts))
    for v, c in zip(values, starts, strict=True):
        out[c - 1] = v
    return out


def _task(ws, t) -> str:
    """'2 B1': the workstream number and the Task ID in one narrow column."""
    return f"{ws.number} {t.task_id or f'row {t.row}'}"


def _go(ws, t, field: str = "rag"):
    """A link to the task's cell, labelled short ('WS2!F20') to fit a narrow column."""
    ref = t.cells.get(field) or t.cells.get("rag") or f"A{t.row}"
    return link_formula(ws.sheet, ref, f"{ws.sheet.split()[0]}!{ref}")


def _short(d) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def _brief(text: str, n: int = 130) -> str:
    """Long key-task text cut at a word for the exception tables (the sheet has it all)."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + "…"


def _narrative_said(t) -> str:
    words = t.narrative.split()
    if not words:
        return "(empty)"
    return " ".join(words[:25]) + ("…" if len(words) > 25 else "")


def _overdue(sh: _Sheet, s: Summary) -> None:
    header = [("Task", "A", "A"), ("Task owner", "B", "B"), ("Key task", "C", "C"),
              ("Narrative / update", "D", "K"), ("Due", "L", "M"), ("RAG", "N", "N"),
              ("Go to", "O", "O")]
    rows = []
    for ws, t in s.overdue_no_mitigation:
        due = t.revised_date.raw if t.revised_date.has_deadline else t.date_to_complete.raw
        d = t.deadline
        rows.append([_task(ws, t), t.owner, _brief(t.key_task), _narrative_said(t),
                     _short(d) if d else due, t.rag.value if t.rag else t.rag_text,
                     _go(ws, t)])
    _table(sh, f"Overdue actions with no mitigation narrative ({len(rows)})", header, rows,
           "None: every overdue action is Blue, has a Mitigation or a narrative saying what is "
           "being done, or has a change request.", alarm=True,
           rags=("N", [t.rag for _, t in s.overdue_no_mitigation]))
    pt = height(wrapped(NO_MITIGATION_RULE, _span("A", LAST) * 1.15))
    sh.keep(pt)
    r = sh.put([[NO_MITIGATION_RULE]], T.SMALL_WRAP, heights=pt)
    sh.spec.merges.append(f"A{r}:{LAST}{r}")


def _slipped(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("Task", "A", "A"), ("Task owner", "B", "B"), ("Key task", "C", "C"),
              ("What moved", "D", "M"), ("RAG", "N", "N"), ("Go to", "O", "O")]
    rows = [[_task(ws, t), t.owner, _brief(t.key_task),
             slip.words + (" (change request waiting for the Board)"
                           if t.request.is_request and not t.request.agreed else ""),
             t.rag.value if t.rag else t.rag_text, _go(ws, t, slip.field)]
            for ws, t, slip in s.slipped]
    rows += [[_task(ws, t), t.owner, _brief(t.key_task),
              f"Extended two periods running: {_short(a)}, then {_short(b)}, now {_short(c)}",
              t.rag.value if t.rag else t.rag_text, _go(ws, t, "revised_date")]
             for ws, t, (a, b, c) in s.extended if all(t is not x for _, x, _ in s.slipped)]
    rags = [t.rag for _, t, _ in s.slipped] + [t.rag for _, t, _ in s.extended
                                                if all(t is not x for _, x, _ in s.slipped)]
    _table(sh, f"Slipped: dates moved later since {_day(s.previous.when)} without an agreed "
               f"change request ({len(rows)})", header, rows,
           "No key task's date moved later without an agreed change request.", alarm=True,
           rags=("N", rags))


def _trends(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("Task", "A", "A"), ("Task owner", "B", "B"), ("Key task", "C", "C"),
              ("Change", "D", "F"), ("Mitigation", "G", "N"), ("Go to", "O", "O")]
    rows = [[_task(ws, t), t.owner, _brief(t.key_task), change,
             t.mitigation or "(none given)", _go(ws, t)] for ws, t, change in s.downturns]
    _table(sh, f"Worse since {_day(s.previous.when)} ({len(rows)})", header, rows,
           "No key task's RAG got worse since the last period.")
    header = [("Task", "A", "A"), ("Task owner", "B", "B"), ("Key task", "C", "C"),
              ("Red since", "D", "F"), ("Mitigation", "G", "N"), ("Go to", "O", "O")]
    rows = [[_task(ws, t), t.owner, _brief(t.key_task),
             f"Red at {_day(since)} and now",
             t.mitigation or "(none given)", _go(ws, t)]
            for ws, t, since in s.persistent_reds]
    _table(sh, f"Red for two periods or more ({len(rows)})", header, rows,
           "No key task has been Red for two periods running.")


def _reds(sh: _Sheet, s: Summary) -> None:
    header = [("Task", "A", "A"), ("Revised date", "B", "B"), ("Key task", "C", "C"),
              ("Mitigation", "D", "N"), ("Go to", "O", "O")]
    rows = []
    for ws, t in s.reds:
        mit = t.mitigation or ("(none given — the narrative says what is being done)"
                               if t.narrative.strip() else "(none given)")
        rows.append([_task(ws, t), _date_words(t.revised_date) or "(none given)",
                     _brief(t.key_task), mit, _go(ws, t, "mitigation")])
    _table(sh, f"Other Red actions ({len(rows)})", header, rows, "No other Red actions.")


def _date_words(reading) -> str:
    if reading.has_deadline:
        return _short(reading.date)
    return reading.raw or ""


def _change_requests(sh: _Sheet, s: Summary) -> None:
    header = [("Task", "A", "A"), ("Task owner", "B", "B"), ("Key task", "C", "C"),
              ("Change requested", "D", "H"), ("Original date", "I", "J"),
              ("Requested date", "K", "L"), ("Decision", "M", LAST)]
    rows = []
    for ws, t in s.change_requests:
        r = t.request
        asked = ("Remove from the plan" if r.kind == "removal" else
                 _date_words(t.revised_date) or (_short(r.asked) if r.asked else ""))
        decision = r.status if r.status != "unreadable" else t.decision
        if r.decided:
            decision += f" {_day(r.decided)}"
        rows.append([_task(ws, t), t.owner, _brief(t.key_task), t.change_request,
                     _date_words(t.date_to_complete), asked, decision])
    _table(sh, f"Requests to change timescale ({len(rows)})", header, rows,
           "No requests to change timescale.")


def _removed(sh: _Sheet, s: Summary) -> None:
    if not s.removed:
        return
    header = [("Task", "A", "A"), ("Agreed by the Board", "B", "B"), ("Key task", "C", "C"),
              ("Removal requested", "D", LAST)]
    rows = [[_task(ws, t), _day(t.request.decided) or "agreed (no date given)",
             _brief(t.key_task), t.change_request] for ws, t in s.removed]
    _table(sh, f"Removed from the plan by agreement — not counted above ({len(rows)})",
           header, rows, "")


def _changes(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("Task", "A", "A"), ("What changed", "B", LAST)]
    rows = [[f"{c.ws} {c.task_id}", c.what] for c in s.changes]
    _table(sh, f"Key tasks added, removed or renumbered since {_day(s.previous.when)} "
               f"({len(rows)})", header, rows, "The same key tasks as last period.")


def _risks(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Key risk", "B", "C"), ("RAG", "D", "D"),
              ("Mitigation", "E", LAST)]
    rows = [[ws.number, k.risk, k.rag.value if k.rag else "", k.mitigation or "(none given)"]
            for ws, k in s.risks]
    _table(sh, f"Key risks rated Red or Amber ({len(rows)})", header, rows,
           "No key risks are rated Red or Amber.", rags=("D", [k.rag for _, k in s.risks]))


def _headlines(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Workstream", "B", "B"),
              ("Recent activity / headlines", "C", LAST)]
    rows = [[r.ws.number, r.ws.name, r.ws.headline or "No headline given this period."]
            for r in s.rows]
    _table(sh, "Recent activity / headlines", header, rows, "No workstreams.")
