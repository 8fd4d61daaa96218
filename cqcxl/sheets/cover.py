"""Lay out the Summary sheet (the Board's cover) as edits, from a computed Summary.

One sheet spec: title, headline lines, the workstream table, pies in a grid, then the
exceptions. The layout is written once, here; every engine applies it.
"""

from __future__ import annotations

import math

from ..core.model import RAG, RAG_ORDER
from ..core.rules import NO_MITIGATION_RULE
from ..core.summary import NOT_RATED, Summary
from ..core.summary_rules import ROUNDING_RULE
from ..edits import PieChart, SheetSpec, Style, block, link_formula, rect, width_points
from ..grid import col_index, col_letter
from . import layout as L
from . import theme as T
from .text import height
from .text import lines as wrapped

WIDTHS = T.COVER_WIDTHS
NCOLS = len(WIDTHS)
LAST = col_letter(NCOLS)
PIES_PER_ROW = 5
PIE_W_PT, PIE_H_PT = 150.0, 165.0
ROW_PT = T.ROW_PT

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


class _Sheet:
    """A cursor over the spec: rows are added top to bottom."""

    def __init__(self, spec: SheetSpec) -> None:
        self.spec = spec
        self.row = 1

    def put(self, values: list[list], style: Style | None = None, *, col: int = 1) -> int:
        start = self.row
        self.spec.blocks.append(block(start, col, values))
        if style is not None:
            width = max(len(v) for v in values)
            self.spec.styles.append((rect(start, col, len(values), width), style))
        self.row += len(values)
        return start

    def style(self, ref: str, st: Style) -> None:
        self.spec.styles.append((ref, st))

    def merge_across(self, first_row: int, last_row: int, c1: str, c2: str) -> None:
        for r in range(first_row, last_row + 1):
            self.spec.merges.append(f"{c1}{r}:{c2}{r}")

    def height(self, row: int, pt: float) -> None:
        self.spec.row_heights[row] = pt


def cover_sheet(s: Summary) -> SheetSpec:
    spec = SheetSpec(L.SUMMARY, position=0, activate=True, tab_color=T.TAB_COVER,
                     page=T.PAGE_LANDSCAPE)
    spec.col_widths = {i: w for i, w in enumerate(WIDTHS, start=1)}
    sh = _Sheet(spec)
    plan = s.plan
    prev = (f"previous period: {_day(s.previous_date)}" if s.previous_date
            else "no previous period")
    sh.put([[plan.title or "Action plan"]], T.COVER_TITLE)
    sh.height(1, 28)
    sh.put([[plan.programme or ""]], T.SUBTITLE)
    sh.put([[f"As at {_day(s.as_of)} · {prev}"]], T.BOLD)
    sh.put([[f"Computed by cqcxl from the workstream sheets; every number below is counted "
             f"from them. {ROUNDING_RULE}"]], T.SMALL)
    sh.row += 1

    # Headline lines in the Board's wording.
    total = s.total
    pct = total.percentages
    sh.put([[f"{total.tasks} Actions"]], T.COUNT_LINE)
    first = sh.row
    lines = [["", f"{pct[r.value]}% ({total.by_rag[r]}) {WORDING[r]}"] for r in RAG_ORDER]
    if total.unrated:
        lines.append(["", f"{pct[NOT_RATED]}% ({total.unrated}) with no valid RAG"])
    sh.put(lines)
    for i, r in enumerate(RAG_ORDER):
        sh.style(f"A{first + i}:A{first + i}", _rag_style(r))
        sh.style(f"B{first + i}:B{first + i}", Style(bold=True, size=12))
    n_over = len(s.overdue_no_mitigation)
    sh.row += 1
    if n_over:
        r = sh.put([[f"⚠  {n_over} overdue action{'s' if n_over != 1 else ''} with no "
                     "mitigation narrative — listed first under Exceptions below."]])
        sh.style(f"A{r}:{LAST}{r}", T.ALARM_BANNER)
        sh.height(r, 24)
    else:
        r = sh.put([["No overdue actions without a mitigation narrative."]])
        sh.style(f"A{r}:{LAST}{r}", T.CALM)
    if s.previous is not None:
        n_slip = len(s.slipped)
        if n_slip:
            r = sh.put([[f"⚠  {n_slip} key task{'s' if n_slip != 1 else ''} slipped since "
                         f"{_day(s.previous.when)}: date moved later with no change request "
                         "agreed by the Board — listed under Exceptions."]])
            sh.style(f"A{r}:{LAST}{r}", T.SLIP_BANNER)
            sh.height(r, 20)
        else:
            r = sh.put([[f"No key task dates moved since {_day(s.previous.when)} without an "
                         "agreed change request."]])
            sh.style(f"A{r}:{LAST}{r}", T.CALM)
    sh.row += 1

    # The workstream table.
    was = "Previous RAG"
    head = ["No.", "Workstream", "Sponsor", "Key tasks", "Blue", "%", "Green", "%", "Amber",
            "%", "Red", "%", "Overall RAG", "Direction of travel", was]
    unrated = total.unrated > 0
    if unrated:
        head.append(NOT_RATED)
        spec.col_widths[NCOLS + 1] = 9
    hr = sh.put([head], T.TABLE_HEAD)
    sh.height(hr, 32)
    body = []
    for row in s.rows:
        c, p = row.counts, row.counts.percentages
        line = [row.ws.number, row.ws.name, row.ws.sponsor, c.tasks]
        for r in RAG_ORDER:
            line += [c.by_rag[r], p[r.value] / 100]
        line += [c.overall.value if c.overall else "–", row.travel,
                 row.previous_overall.value if row.previous_overall else "–"]
        if unrated:
            line.append(c.unrated)
        body.append(line)
    p = total.percentages
    tline = ["", "All workstreams", "", total.tasks]
    for r in RAG_ORDER:
        tline += [total.by_rag[r], p[r.value] / 100]
    tline += [total.overall.value if total.overall else "–", s.total_travel,
              s.total_previous_overall.value if s.total_previous_overall else "–"]
    if unrated:
        tline.append(total.unrated)
    top = sh.put([*body, tline])
    last_col = col_letter(NCOLS + 1) if unrated else LAST
    n = len(body)
    if n:
        sh.style(f"A{top}:A{top + n - 1}", T.NUM)
        sh.style(f"B{top}:C{top + n - 1}", T.CELL)
        sh.style(f"D{top}:{last_col}{top + n - 1}", T.NUM)
        for i, row in enumerate(s.rows):
            sh.height(top + i, height(max(wrapped(row.ws.name, 26), wrapped(row.ws.sponsor, 30))))
            ov = row.counts.overall
            sh.style(f"M{top + i}:M{top + i}", _rag_style(ov, bold=True))
            sh.style(f"O{top + i}:O{top + i}", _rag_style(row.previous_overall))
    tr = top + n
    sh.style(f"A{tr}:C{tr}", T.TOTAL_LABEL)
    sh.style(f"D{tr}:{last_col}{tr}", T.TOTAL)
    sh.style(f"M{tr}:M{tr}", _rag_style(total.overall, bold=True))
    sh.style(f"O{tr}:O{tr}", _rag_style(s.total_previous_overall, bold=True))
    for col in "FHJL":
        sh.style(f"{col}{top}:{col}{tr}", T.PERCENT)
    for col in "FHJL":
        sh.style(f"{col}{tr}:{col}{tr}", T.PERCENT_TOTAL)
    for col, rag in zip("EGIK", RAG_ORDER, strict=True):
        sh.style(f"{col}{hr}:{col}{hr}", T.rag_style(rag.value, bold=True, valign="center"))
    note = (f"Previous RAG: as at {_day(s.previous.when)}. Direction of travel: ↑ better, "
            "↓ worse, → no change since then, like for like (only tasks present in both "
            "periods; a slipped task never counts as better)"
            if s.previous else "Direction of travel: – (no previous period: close a period to "
            "compare with it next time)")
    sh.put([[note]], T.SMALL)
    sh.row += 1

    # Chart data, right of the print area, and the pies.
    data_col = NCOLS + 3  # Q
    labels = [[r.value] for r in RAG_ORDER]
    spec.blocks.append(block(hr, data_col, [["Chart data (for the pies)"]]))
    spec.blocks.append(block(hr + 1, data_col, labels))
    series = [("All workstreams", total)] + [(f"{r.ws.number} {r.ws.name}", r.counts)
                                             for r in s.rows]
    for k, (name, counts) in enumerate(series):
        spec.blocks.append(block(hr, data_col + 1 + k,
                                 [[name], *[[counts.by_rag[r]] for r in RAG_ORDER]]))
    spec.styles.append((rect(hr, data_col, 5, len(series) + 1), T.CHART_NUMBERS))
    sh.put([["RAG share: all workstreams and each workstream"]], T.SECTION)
    pie_top_row = sh.row
    for r in range(1, pie_top_row):  # explicit heights: the pies are placed by position
        spec.row_heights.setdefault(r, ROW_PT)
    total_pt = sum(width_points(w) for w in WIDTHS)
    gap = max(4.0, (total_pt - 10 - PIES_PER_ROW * PIE_W_PT) / (PIES_PER_ROW - 1))
    colors = tuple(T.RAG_FILL[r.value] for r in RAG_ORDER)
    n_rows = math.ceil(len(series) / PIES_PER_ROW)
    for k, (name, _counts) in enumerate(series):
        i, j = divmod(k, PIES_PER_ROW)
        col = col_letter(data_col + 1 + k)
        spec.charts.append(PieChart(
            title=name if k else f"All workstreams ({total.tasks})",
            row=pie_top_row,
            x_pt=j * (PIE_W_PT + gap),
            y_pt=i * (PIE_H_PT + 8),
            categories=f"{col_letter(data_col)}{hr + 1}:{col_letter(data_col)}{hr + 4}",
            values=f"{col}{hr + 1}:{col}{hr + 4}",
            colors=colors,
            outline=T.PIE_OUTLINE,
            width_pt=PIE_W_PT,
            height_pt=PIE_H_PT,
            legend=k == 0,
        ))
    rows_for_pies = math.ceil(n_rows * (PIE_H_PT + 8) / ROW_PT) + 1
    sh.row = pie_top_row + rows_for_pies

    # Exceptions.
    sh.put([["Exceptions"]], T.BIG_SECTION)
    _overdue(sh, s)
    _slipped(sh, s)
    _reds(sh, s)
    _trends(sh, s)
    _change_requests(sh, s)
    _removed(sh, s)
    _changes(sh, s)
    _risks(sh, s)
    _headlines(sh, s)
    spec.print_area = f"A1:{last_col}{sh.row}"
    return spec


def _span(c1: str, c2: str) -> float:
    """Characters that fit across columns c1..c2 (merged)."""
    return sum(WIDTHS[i - 1] for i in range(col_index(c1), col_index(c2) + 1))


def _table(sh: _Sheet, title: str, header: list[tuple[str, str, str]], rows: list[list],
           empty: str, widths: dict[str, float] | None = None, *, alarm: bool = False
           ) -> None:
    """A titled table whose columns may span several sheet columns (merged across)."""
    sh.row += 1
    t = sh.put([[title]], T.SECTION)
    if alarm and rows:
        sh.style(f"A{t}:{LAST}{t}", T.ALARM_HEADING)
    if not rows:
        sh.put([[empty]], T.ITALIC)
        return
    starts = [col_index(c1) for _, c1, _ in header]
    hr = sh.row
    sh.spec.blocks.append(block(hr, 1, [_spread([h for h, _, _ in header], starts)]))
    if any(len(h) > _span(c1, c2) for h, c1, c2 in header):
        sh.height(hr, 30)  # a two-line heading ("Requested date" over two narrow columns)
    sh.row += 1
    first = sh.row
    sh.spec.blocks.append(block(first, 1, [_spread(r, starts) for r in rows]))
    sh.row += len(rows)
    last = sh.row - 1
    for _h, c1, c2 in header:
        sh.style(f"{c1}{hr}:{c2}{hr}", T.TABLE_HEAD)
        sh.style(f"{c1}{first}:{c2}{last}", T.CELL)
        if c1 != c2:
            sh.merge_across(hr, last, c1, c2)
    fit = {h: _span(c1, c2) for h, c1, c2 in header}
    for i, r in enumerate(rows):
        n = max(wrapped(str(v or ""), fit[h]) for (h, _, _), v in zip(header, r, strict=True))
        sh.height(first + i, height(n))


def _spread(values: list, starts: list[int]) -> list:
    out: list = [None] * (max(starts))
    for v, c in zip(values, starts, strict=True):
        out[c - 1] = v
    return out


def _task_label(t) -> str:
    return t.task_id or f"row {t.row}"


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
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "C"),
              ("Task owner", "D", "F"), ("Narrative / update", "G", "K"), ("Due", "L", "M"),
              ("RAG", "N", "N"), ("Go to", "O", "O")]
    rows = []
    for ws, t in s.overdue_no_mitigation:
        due = t.revised_date.raw if t.revised_date.has_deadline else t.date_to_complete.raw
        d = t.deadline
        rows.append([ws.number, _task_label(t), _brief(t.key_task), t.owner, _narrative_said(t),
                     _short(d) if d else due, t.rag.value if t.rag else t.rag_text,
                     _go(ws, t)])
    _table(sh, f"Overdue actions with no mitigation narrative ({len(rows)})", header, rows,
           "None: every overdue action is Blue, has a Mitigation or a narrative saying what is "
           "being done, or has a change request.", alarm=True)
    first = sh.row - len(rows)
    for rag, group in _runs([t.rag for _, t in s.overdue_no_mitigation]):
        sh.style(f"N{first + group[0]}:N{first + group[-1]}", _rag_style(rag))
    r = sh.put([[NO_MITIGATION_RULE]], T.SMALL_WRAP)
    sh.spec.merges.append(f"A{r}:{LAST}{r}")
    sh.height(r, height(wrapped(NO_MITIGATION_RULE, _span("A", LAST) * 1.15)))


def _slipped(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "C"),
              ("Task owner", "D", "F"), ("What moved", "G", "M"), ("RAG", "N", "N"),
              ("Go to", "O", "O")]
    rows = [[ws.number, _task_label(t), _brief(t.key_task), t.owner,
             slip.words + (" (change request waiting for the Board)"
                           if t.request.is_request and not t.request.agreed else ""),
             t.rag.value if t.rag else t.rag_text, _go(ws, t, slip.field)]
            for ws, t, slip in s.slipped]
    rows += [[ws.number, _task_label(t), _brief(t.key_task), t.owner,
              f"Extended two periods running: {_short(a)}, then {_short(b)}, now {_short(c)}",
              t.rag.value if t.rag else t.rag_text, _go(ws, t, "revised_date")]
             for ws, t, (a, b, c) in s.extended if all(t is not x for _, x, _ in s.slipped)]
    _table(sh, f"Slipped: dates moved later since {_day(s.previous.when)} without an agreed "
               f"change request ({len(rows)})", header, rows,
           "No key task's date moved later without an agreed change request.", alarm=True)
    first = sh.row - len(rows)
    rags = [t.rag for _, t, _ in s.slipped] + [t.rag for _, t, _ in s.extended
                                                if all(t is not x for _, x, _ in s.slipped)]
    for rag, group in _runs(rags):
        sh.style(f"N{first + group[0]}:N{first + group[-1]}", _rag_style(rag))


def _trends(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "C"),
              ("Task owner", "D", "F"), ("Change", "G", "H"), ("Mitigation", "I", "N"),
              ("Go to", "O", "O")]
    rows = [[ws.number, _task_label(t), _brief(t.key_task), t.owner, change,
             t.mitigation or "(none given)", _go(ws, t)] for ws, t, change in s.downturns]
    _table(sh, f"Worse since {_day(s.previous.when)} ({len(rows)})", header, rows,
           "No key task's RAG got worse since the last period.")
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "C"),
              ("Task owner", "D", "F"), ("Red since", "G", "H"), ("Mitigation", "I", "N"),
              ("Go to", "O", "O")]
    rows = [[ws.number, _task_label(t), _brief(t.key_task), t.owner,
             f"Red at {_day(since)} and now",
             t.mitigation or "(none given)", _go(ws, t)]
            for ws, t, since in s.persistent_reds]
    _table(sh, f"Red for two periods or more ({len(rows)})", header, rows,
           "No key task has been Red for two periods running.")


def _runs(values: list) -> list[tuple[object, list[int]]]:
    """Consecutive equal values -> (value, their indexes): one style call per run."""
    out: list[tuple[object, list[int]]] = []
    for i, v in enumerate(values):
        if out and out[-1][0] == v:
            out[-1][1].append(i)
        else:
            out.append((v, [i]))
    return out


def _reds(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "C"),
              ("Mitigation", "D", "L"), ("Revised date", "M", "N"), ("Go to", "O", "O")]
    rows = []
    for ws, t in s.reds:
        mit = t.mitigation or ("(none given — the narrative says what is being done)"
                               if t.narrative.strip() else "(none given)")
        rows.append([ws.number, _task_label(t), _brief(t.key_task), mit,
                     _date_words(t.revised_date) or "(none given)", _go(ws, t, "mitigation")])
    _table(sh, f"Other Red actions ({len(rows)})", header, rows, "No other Red actions.")


def _date_words(reading) -> str:
    if reading.has_deadline:
        return _short(reading.date)
    return reading.raw or ""


def _change_requests(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Action", "B", "B"), ("Change requested", "C", "C"),
              ("Key task", "D", "F"), ("Task owner", "G", "H"), ("Original date", "I", "J"),
              ("Requested date", "K", "L"), ("Decision", "M", LAST)]
    rows = []
    for ws, t in s.change_requests:
        r = t.request
        asked = ("Remove from the plan" if r.kind == "removal" else
                 _date_words(t.revised_date) or (_short(r.asked) if r.asked else ""))
        decision = r.status if r.status != "unreadable" else t.decision
        if r.decided:
            decision += f" {_day(r.decided)}"
        rows.append([ws.number, _task_label(t), t.change_request, _brief(t.key_task), t.owner,
                     _date_words(t.date_to_complete), asked, decision])
    _table(sh, f"Requests to change timescale ({len(rows)})", header, rows,
           "No requests to change timescale.")


def _removed(sh: _Sheet, s: Summary) -> None:
    if not s.removed:
        return
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("Key task", "C", "E"),
              ("Removal requested", "F", "J"), ("Agreed by the Board", "K", LAST)]
    rows = [[ws.number, _task_label(t), _brief(t.key_task), t.change_request,
             _day(t.request.decided) or "agreed (no date given)"] for ws, t in s.removed]
    _table(sh, f"Removed from the plan by agreement — not counted above ({len(rows)})",
           header, rows, "")


def _changes(sh: _Sheet, s: Summary) -> None:
    if s.previous is None:
        return
    header = [("WS", "A", "A"), ("Task ID", "B", "B"), ("What changed", "C", LAST)]
    rows = [[c.ws, c.task_id, c.what] for c in s.changes]
    _table(sh, f"Key tasks added, removed or renumbered since {_day(s.previous.when)} "
               f"({len(rows)})", header, rows, "The same key tasks as last period.",
           )


def _risks(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Key risk", "B", "C"), ("RAG", "D", "D"),
              ("Mitigation", "E", LAST)]
    rows = [[ws.number, k.risk, k.rag.value if k.rag else "", k.mitigation or "(none given)"]
            for ws, k in s.risks]
    _table(sh, f"Key risks rated Red or Amber ({len(rows)})", header, rows,
           "No key risks are rated Red or Amber.")
    if rows:
        first = sh.row - len(rows)
        for rag, group in _runs([k.rag for _, k in s.risks]):
            sh.style(f"D{first + group[0]}:D{first + group[-1]}", _rag_style(rag))


def _headlines(sh: _Sheet, s: Summary) -> None:
    header = [("WS", "A", "A"), ("Workstream", "B", "B"),
              ("Recent activity / headlines", "C", LAST)]
    rows = [[r.ws.number, r.ws.name, r.ws.headline] for r in s.rows if r.ws.headline]
    _table(sh, "Recent activity / headlines", header, rows, "No headlines given.",
           {"Workstream": 26, "Recent activity / headlines": 130})
