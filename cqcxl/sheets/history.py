"""The History sheet: append-only, one block per closed period; read back into snapshots.

Each block holds the reporting date, every workstream's counts and every key task's RAG
(see :mod:`cqcxl.core.history` for how tasks are matched across periods).
"""

from __future__ import annotations

from datetime import date, datetime

from ..core.history import Snapshot, task_keys
from ..core.model import Plan, as_int, norm_id, text
from ..core.summary import Counts
from ..edits import AppendRows, block
from ..grid import SheetGrid
from . import layout as L
from . import theme as T

PERIOD = "Period closed"
WS_HEADER = ("Workstream", "Name", "Key tasks", "Blue", "Green", "Amber", "Red", "Not rated")
TASK_HEADER = ("Workstream", "Task ID", "Occurrence", "RAG", "Key task")


def _day(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(text(v)[:10])
    except ValueError:
        return None


def read_history(grid: SheetGrid | None) -> list[Snapshot]:
    """Every closed period in the History sheet, oldest first."""
    if grid is None:
        return []
    snaps: list[Snapshot] = []
    mode = ""
    for row in grid.rows:
        first = text(row[0]) if row else ""
        cells = list(row) + [None] * 8
        if first == PERIOD:
            when = _day(cells[1])
            if when is not None:
                snaps.append(Snapshot(when))
            mode = ""
            continue
        if not snaps:
            continue
        second = text(cells[1])
        if first == WS_HEADER[0] and second == WS_HEADER[1]:
            mode = "ws"
            continue
        if first == TASK_HEADER[0] and second == TASK_HEADER[1]:
            mode = "task"
            continue
        if not first:
            continue
        number = as_int(first)
        if number is None:
            continue
        if mode == "ws":
            counts = {}
            for i, name in enumerate(WS_HEADER[3:], start=3):
                counts[name] = as_int(cells[i]) or 0
            snaps[-1].counts[number] = counts
        elif mode == "task":
            occ = as_int(cells[2]) or 1
            tid = text(cells[1])
            snaps[-1].tasks[(number, norm_id(tid), occ)] = (text(cells[3]), tid,
                                                           text(cells[4]))
    snaps.sort(key=lambda s: s.when)
    return snaps


def period_block(plan: Plan, when: date, grid: SheetGrid | None) -> AppendRows:
    """The rows Close period adds below whatever the History sheet already holds."""
    start = (grid.max_row + 2) if grid is not None and grid.max_row else 1
    rows: list[list] = [[PERIOD, datetime.combine(when, datetime.min.time()),
                         "Snapshot stored by cqcxl close-period; do not edit."]]
    rows.append(list(WS_HEADER))
    for ws in plan.workstreams:
        c = Counts.of(ws.tasks).counts_by_name(always_unrated=True)
        rows.append([ws.number, ws.name, len(ws.tasks), *(c[n] for n in WS_HEADER[3:])])
    rows.append(list(TASK_HEADER))
    for (number, _key, occ), (rag, tid, key_task) in task_keys(plan).items():
        rows.append([number, tid, occ, rag, key_task[:200]])
    task_head = start + 2 + len(plan.workstreams)
    styles = (
        (f"A{start}:C{start}", T.HISTORY_PERIOD),
        (f"A{start + 1}:H{start + 1}", T.LABEL),
        (f"A{task_head}:E{task_head}", T.LABEL),
    )
    return AppendRows(L.HISTORY, block(start, 1, rows), styles, T.HISTORY_WIDTHS)
