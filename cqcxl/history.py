"""Period close: the History sheet, append-only, one block per closed period.

Each block holds the reporting date, every workstream's counts and every key task's RAG.
Direction of travel compares the current sheets with the latest block before the
reporting date. Tasks are matched by workstream, Task ID (spaces and case ignored) and
occurrence (the real plan has duplicate IDs), so a task that appears, disappears or
changes ID is reported rather than silently dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from . import layout as L
from .cells import BookGrid, SheetGrid
from .edits import AppendRows, Edit, Style, block
from .errors import BookError
from .model import RAG, Plan, as_int, text
from .parse import read_plan

PERIOD = "Period closed"
WS_HEADER = ("Workstream", "Name", "Key tasks", "Blue", "Green", "Amber", "Red", "Not rated")
TASK_HEADER = ("Workstream", "Task ID", "Occurrence", "RAG", "Key task")

TaskKey = tuple[int, str, int]


def task_key_id(task_id: str) -> str:
    return "".join(task_id.split()).upper()


def task_keys(plan: Plan) -> dict[TaskKey, tuple[str, str, str]]:
    """(workstream, ID, occurrence) -> (RAG or raw text, Task ID as written, key task)."""
    out: dict[TaskKey, tuple[str, str, str]] = {}
    for ws in plan.workstreams:
        seen: Counter[str] = Counter()
        for t in ws.tasks:
            k = task_key_id(t.task_id) or f"ROW{t.row}"
            seen[k] += 1
            out[(ws.number, k, seen[k])] = (t.rag.value if t.rag else t.rag_text.strip(),
                                            t.task_id, t.key_task)
    return out


@dataclass
class Snapshot:
    when: date
    #: workstream number -> counts by RAG name (and "Not rated")
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    tasks: dict[TaskKey, tuple[str, str, str]] = field(default_factory=dict)


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
            snaps[-1].tasks[(number, task_key_id(tid), occ)] = (text(cells[3]), tid,
                                                               text(cells[4]))
    snaps.sort(key=lambda s: s.when)
    return snaps


def previous(snaps: list[Snapshot], as_of: date) -> Snapshot | None:
    """The latest snapshot strictly before the reporting date."""
    before = [s for s in snaps if s.when < as_of]
    return before[-1] if before else None


def ws_counts(plan: Plan) -> dict[int, dict[str, int]]:
    out = {}
    for ws in plan.workstreams:
        c = {r.value: 0 for r in (RAG.BLUE, RAG.GREEN, RAG.AMBER, RAG.RED)}
        c["Not rated"] = 0
        for t in ws.tasks:
            c[t.rag.value if t.rag else "Not rated"] += 1
        out[ws.number] = c
    return out


@dataclass
class CloseResult:
    edits: list[Edit]
    message: str


def close_period(book: BookGrid, as_of: date | None = None) -> CloseResult:
    plan = read_plan(book).plan
    when = as_of or plan.reporting_date
    if when is None:
        raise BookError("no reporting date: type it on the Plan sheet (Reporting date), "
                        "then close the period again.",
                        sheet=L.PLAN)
    grid = book.sheet(L.HISTORY)
    snaps = read_history(grid)
    if any(s.when == when for s in snaps):
        raise BookError(f"the period ending {when.day} {when:%B %Y} is already closed in the "
                        "History sheet. Change the reporting date on the Plan sheet for the "
                        "next period.", sheet=L.HISTORY)
    start = (grid.max_row + 2) if grid is not None and grid.max_row else 1
    rows: list[list] = [[PERIOD, datetime.combine(when, datetime.min.time()),
                         "Snapshot stored by cqcxl close-period; do not edit."]]
    rows.append(list(WS_HEADER))
    counts = ws_counts(plan)
    for ws in plan.workstreams:
        c = counts[ws.number]
        rows.append([ws.number, ws.name, len(ws.tasks), *(c[n] for n in WS_HEADER[3:])])
    rows.append(list(TASK_HEADER))
    for (number, _key, occ), (rag, tid, key_task) in task_keys(plan).items():
        rows.append([number, tid, occ, rag, key_task[:200]])
    styles = (
        (f"A{start}:C{start}", Style(bold=True, fill="1F3864", font_color="FFFFFF",
                                     number_format="d mmm yyyy")),
        (f"A{start + 1}:H{start + 1}", Style(bold=True, fill="D9E1F2")),
        (f"A{start + 2 + len(plan.workstreams)}:E{start + 2 + len(plan.workstreams)}",
         Style(bold=True, fill="D9E1F2")),
    )
    widths = ((1, 14), (2, 30), (3, 12), (4, 10), (5, 60))
    edit = AppendRows(L.HISTORY, block(start, 1, rows), styles, widths)
    n = len(plan.tasks)
    return CloseResult([edit], f"closed the period ending {when.isoformat()}: stored {n} key "
                               f"tasks of {len(plan.workstreams)} workstreams in the History "
                               f"sheet ({len(snaps) + 1} periods in all).")
