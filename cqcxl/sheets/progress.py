"""The "Progress by period" sheet: the History for people.

Periods run across as columns (each closed period, then now), so one key task can be
followed along its row: its RAG coloured in each period, the deadline it had then beside
it. Above the tasks, each workstream's overall RAG and counts per period. Rebuilt by Build
summary sheet from the Period history sheet (which stays cqcxl's store, append-only).
"""

from __future__ import annotations

from ..core.model import RAG_ORDER
from ..core.progress import Progress, rag_of
from ..edits import SheetSpec, block
from ..grid import col_letter
from . import layout as L
from . import theme as T
from .text import height, lines, span_width

FIRST = 4  # column D: the first period
#: a period's two columns: RAG and the deadline beside it
RAG_W, DUE_W = 9, 11
WIDTHS = {1: 5, 2: 8}
#: the key task column takes what the periods leave of a landscape page (~135 characters
#: at 100%), never less than this
KEY_TASK_MIN, PAGE_CHARS = 40, 135
KEY_TASK_CHARS = 120


def _label(p) -> str:
    return f"{p.when.day} {p.when:%b %Y}" + ("" if p.closed else " (now)")


def _brief(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= KEY_TASK_CHARS:
        return text
    return text[:KEY_TASK_CHARS].rsplit(" ", 1)[0] + "…"


def _runs(values: list) -> list[tuple[object, int, int]]:
    """(value, first index, last index) of each run of equal values: one style a run."""
    out: list[tuple[object, int, int]] = []
    for i, v in enumerate(values):
        if out and out[-1][0] == v and out[-1][2] == i - 1:
            out[-1] = (v, out[-1][1], i)
        else:
            out.append((v, i, i))
    return out


def progress_sheet(pr: Progress, names: list[str]) -> SheetSpec:
    position = names.index(L.PROGRESS) if L.PROGRESS in names else None
    spec = SheetSpec(L.PROGRESS, position=position, page=T.PAGE_LANDSCAPE, tab_color=T.NAVY)
    n = len(pr.periods)
    last_col = col_letter(FIRST + 2 * n - 1)
    key_w = max(KEY_TASK_MIN, PAGE_CHARS - sum(WIDTHS.values()) - n * (RAG_W + DUE_W))
    spec.col_widths = {**WIDTHS, 3: key_w}
    for k in range(n):
        spec.col_widths[FIRST + 2 * k] = RAG_W
        spec.col_widths[FIRST + 2 * k + 1] = DUE_W
    closed = sum(p.closed for p in pr.periods)
    spec.blocks.append(block(1, 1, [
        ["Progress by period"],
        [f"Each closed period ({closed} so far), then now: follow a key task along its row, "
         "its RAG in each period and the deadline it had then."],
        [f"Built by Build summary sheet from the '{L.HISTORY}' sheet; Close period adds a "
         "period."],
    ]))
    spec.styles += [("A1:A1", T.SHEET_TITLE), ("A2:A3", T.SMALL)]
    row = 5

    def period_heads(r: int, second: tuple[str, str]) -> None:
        heads = [None] * (FIRST - 1)
        for p in pr.periods:
            heads += [_label(p), None]
        spec.blocks.append(block(r, 1, [heads]))
        spec.blocks.append(block(r + 1, FIRST, [list(second) * n]))
        for k in range(n):
            c1, c2 = col_letter(FIRST + 2 * k), col_letter(FIRST + 2 * k + 1)
            spec.merges.append(f"{c1}{r}:{c2}{r}")
        spec.styles.append((f"A{r}:{last_col}{r + 1}", T.TABLE_HEAD))
        spec.row_heights[r] = spec.row_heights[r + 1] = T.ROW_PT + 3

    # Workstreams: overall RAG and counts per period.
    spec.blocks.append(block(row, 1, [["Workstreams: overall RAG and Blue · Green · Amber · "
                                       "Red counts"]]))
    spec.styles.append((f"A{row}:A{row}", T.SECTION))
    spec.row_heights[row] = 20
    row += 1
    period_heads(row, ("Overall", "B·G·A·R"))
    spec.blocks.append(block(row, 1, [["No.", "Workstream"]]))
    spec.merges += [f"B{row}:C{row + 1}", f"A{row}:A{row + 1}"]
    row += 2
    first = row
    for number, name in pr.workstreams.items():
        line: list = [number, name, None]
        for p in pr.periods:
            c = p.counts.get(number)
            overall = p.overall(number)
            line += [overall.value if overall else "–",
                     " · ".join(str(c.get(r, 0)) for r in RAG_ORDER) if c else "–"]
        spec.blocks.append(block(row, 1, [line]))
        spec.merges.append(f"B{row}:C{row}")
        spec.row_heights[row] = height(lines(name, span_width([WIDTHS[2], key_w])))
        row += 1
    spec.styles.append((f"A{first}:{last_col}{row - 1}", T.CELL))
    for k, p in enumerate(pr.periods):
        col = col_letter(FIRST + 2 * k)
        values = [p.overall(number) for number in pr.workstreams]
        for rag, i, j in _runs(values):
            spec.styles.append((f"{col}{first + i}:{col}{first + j}",
                                T.rag_style(rag.value if rag else None)))
        due = col_letter(FIRST + 2 * k + 1)
        spec.styles.append((f"{due}{first}:{due}{row - 1}", T.NUM))

    # Key tasks: RAG and deadline per period.
    row += 1
    spec.blocks.append(block(row, 1, [["Key tasks: RAG and deadline in each period"]]))
    spec.styles.append((f"A{row}:A{row}", T.SECTION))
    spec.row_heights[row] = 20
    row += 1
    head = row
    period_heads(row, ("RAG", "Deadline"))
    spec.blocks.append(block(row, 1, [["WS", "Task ID", "Key task"]]))
    spec.merges += [f"A{row}:A{row + 1}", f"B{row}:B{row + 1}", f"C{row}:C{row + 1}"]
    row += 2
    first = row
    body = []
    for key, t in pr.tasks:
        label = _brief(t.key_task) + ("" if t.current else " (no longer in the plan)")
        line = [t.number, t.task_id, label]
        for p in pr.periods:
            stored = p.tasks.get(key)
            line += [stored[0] or "–" if stored else "", stored[1] if stored else None]
        body.append(line)
        spec.row_heights[row] = height(lines(label, key_w))
        row += 1
    if body:
        spec.blocks.append(block(first, 1, body))
        spec.styles.append((f"A{first}:{last_col}{row - 1}", T.CELL))
        spec.styles.append((f"A{first}:B{row - 1}", T.NUM))
        for k, p in enumerate(pr.periods):
            col = col_letter(FIRST + 2 * k)
            values = [rag_of(p, key) for key, _ in pr.tasks]
            for rag, i, j in _runs(values):
                spec.styles.append((f"{col}{first + i}:{col}{first + j}",
                                    T.rag_style(rag.value if rag else None)))
            due = col_letter(FIRST + 2 * k + 1)
            spec.styles.append((f"{due}{first}:{due}{row - 1}", T.DATE_CELL))
    spec.freeze = "D1"  # the task's columns stay in view while the periods scroll
    spec.print_title_rows = f"{head}:{head + 1}"
    spec.print_area = f"A1:{last_col}{max(row - 1, first)}"
    return spec

