"""The History sheet: append-only, one block per closed period; read back into snapshots.

Each block holds the reporting date, every workstream's counts and, per key task, its RAG,
date to complete and revised date (as typed and as read), change request, decision and a
hash of its narrative (see :mod:`cqcxl.core.history` for how tasks are matched across
periods). Columns are found by their header, so blocks written before History kept dates
(Workstream, Task ID, Occurrence, RAG, Key task) still read: they simply have no dates.
"""

from __future__ import annotations

from datetime import date, datetime

from ..core.dates import DateReading
from ..core.history import Snapshot, TaskRecord, keyed_tasks, task_keys
from ..core.model import Plan, as_int, norm_id, text
from ..core.summary import Counts
from ..edits import AppendRows, block
from ..grid import BookGrid, SheetGrid
from . import layout as L
from . import theme as T

PERIOD = "Period closed"
WS_HEADER = ("Workstream", "Name", "Key tasks", "Blue", "Green", "Amber", "Red", "Not rated")
TASK_HEADER = ("Workstream", "Task ID", "Occurrence", "RAG", "Key task", "Date to complete",
               "Date to complete (read as)", "Revised date", "Revised date (read as)",
               "Timescale change request", "Decision", "Narrative hash")
_FIELD = {"Date to complete": "dtc_raw", "Date to complete (read as)": "dtc_date",
          "Revised date": "rev_raw", "Revised date (read as)": "rev_date",
          "Timescale change request": "change_request", "Decision": "decision",
          "Narrative hash": "narrative_hash"}


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
    cols: dict[str, int] = {}
    for row in grid.rows:
        first = text(row[0]) if row else ""
        cells = list(row) + [None] * 16
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
            cols = {text(v): i for i, v in enumerate(row) if text(v) in _FIELD}
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
            extra = {}
            for head, i in cols.items():
                f = _FIELD[head]
                extra[f] = _day(cells[i]) if f.endswith("_date") else text(cells[i])
            snaps[-1].tasks[(number, norm_id(tid), occ)] = TaskRecord(
                text(cells[3]), tid, text(cells[4]), has_dates="dtc_raw" in extra, **extra)
    snaps.sort(key=lambda s: s.when)
    return snaps


def _raw(reading: DateReading, raw: str):
    """The date cell as the lead had it: a real date stays a date (Excel would turn its ISO
    text back into one anyway), anything else is the text typed."""
    if reading.rule.startswith("Excel date"):
        day = _day(raw)
        if day is not None:
            return _excel_day(day)
    return raw


def _excel_day(d: date | None) -> datetime | None:
    return datetime.combine(d, datetime.min.time()) if d else None


def history_sheet(book: BookGrid) -> SheetGrid | None:
    """The History sheet: 'Period history', or 'History' in a workbook from cqcxl 0.1."""
    return book.sheet(L.HISTORY) or book.sheet(L.LEGACY_HISTORY)


def period_block(plan: Plan, when: date, grid: SheetGrid | None) -> AppendRows:
    """The rows Close period adds below whatever the History sheet already holds."""
    start = (grid.max_row + 2) if grid is not None and grid.max_row else 1
    rows: list[list] = [[PERIOD, datetime.combine(when, datetime.min.time()),
                         "Snapshot stored by cqcxl close-period; do not edit."]]
    rows.append(list(WS_HEADER))
    for ws in plan.workstreams:
        counted = [t for t in ws.tasks if not t.removed]
        c = Counts.of(counted).counts_by_name(always_unrated=True)
        rows.append([ws.number, ws.name, len(counted), *(c[n] for n in WS_HEADER[3:])])
    rows.append(list(TASK_HEADER))
    tasks = keyed_tasks(plan)
    for (number, _key, occ), r in task_keys(plan).items():
        t = tasks[(number, _key, occ)]
        rows.append([number, r.task_id, occ, r.rag, r.key_task[:200],
                     _raw(t.date_to_complete, r.dtc_raw), _excel_day(r.dtc_date),
                     _raw(t.revised_date, r.rev_raw), _excel_day(r.rev_date),
                     r.change_request[:500], r.decision[:200], r.narrative_hash])
    task_head = start + 2 + len(plan.workstreams)
    last = start + len(rows) - 1
    styles = (
        (f"A{start}:C{start}", T.HISTORY_PERIOD),
        (f"A{start + 1}:H{start + 1}", T.LABEL),
        (f"A{task_head}:L{task_head}", T.LABEL),
        (f"F{task_head + 1}:G{last}", T.HISTORY_DAY),
        (f"H{task_head + 1}:I{last}", T.HISTORY_DAY),
    )
    name = grid.name if grid is not None else L.HISTORY
    return AppendRows(name, block(start, 1, rows), styles, T.HISTORY_WIDTHS,
                      page=T.PAGE_STORE)
