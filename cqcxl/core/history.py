"""Periods: the reporting date, what a closed period stored, and matching tasks across periods.

The History sheet (written and read by :mod:`cqcxl.sheets.history`) holds one
:class:`Snapshot` per closed period. Tasks are matched by workstream, Task ID (spaces and
case ignored) and occurrence (the real plan has duplicate IDs), so a task that appears,
disappears or changes ID is reported rather than silently dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .model import Plan, norm_id

TaskKey = tuple[int, str, int]


def reporting_date(plan: Plan, as_of: date | None, today: date | None) -> tuple[date | None, str]:
    """The date a job works as at, and where it came from: ``--as-of`` (or the caller's
    date), else the Plan sheet's reporting date, else ``today`` (None when no today is
    allowed: closing a period needs a real reporting date)."""
    if as_of is not None:
        return as_of, "given with --as-of"
    if plan.reporting_date is not None:
        return plan.reporting_date, "the Plan sheet's reporting date"
    if today is None:
        return None, "none"
    return today, "today (no reporting date on the Plan sheet)"


def task_keys(plan: Plan) -> dict[TaskKey, tuple[str, str, str]]:
    """(workstream, ID, occurrence) -> (RAG or raw text, Task ID as written, key task)."""
    out: dict[TaskKey, tuple[str, str, str]] = {}
    for ws in plan.workstreams:
        seen: Counter[str] = Counter()
        for t in ws.tasks:
            k = norm_id(t.task_id) or f"ROW{t.row}"
            seen[k] += 1
            out[(ws.number, k, seen[k])] = (t.rag.value if t.rag else t.rag_text.strip(),
                                            t.task_id, t.key_task)
    return out


@dataclass
class Snapshot:
    """One closed period."""

    when: date
    #: workstream number -> counts by RAG name (and "Not rated")
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    tasks: dict[TaskKey, tuple[str, str, str]] = field(default_factory=dict)


def previous(snaps: list[Snapshot], as_of: date) -> Snapshot | None:
    """The latest snapshot strictly before the reporting date."""
    before = [s for s in snaps if s.when < as_of]
    return before[-1] if before else None
