"""Periods: the reporting date, what a closed period stored, and matching tasks across periods.

The History sheet (written and read by :mod:`cqcxl.sheets.history`) holds one
:class:`Snapshot` per closed period: every workstream's counts and, per key task, a
:class:`TaskRecord` — RAG, date to complete and revised date (as typed and as read), the
change request and its decision, and a hash of the narrative — enough to compare any two
periods. Tasks are matched by workstream, Task ID (spaces and case ignored) and occurrence
(the real plan has duplicate IDs), so a task that appears, disappears or changes ID is
reported rather than silently dropped.

A :class:`Context` is what the rules and the cover need besides the plan: the reporting
date and the closed periods before it, worked out once per run.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .model import KeyTask, Plan, norm_id

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


def narrative_hash(narrative: str) -> str:
    """A short fingerprint of a narrative (spaces and case ignored): '' when empty."""
    folded = " ".join(narrative.split()).lower()
    if not folded:
        return ""
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class TaskRecord:
    """One key task as a closed period stored it."""

    rag: str
    task_id: str
    key_task: str
    dtc_raw: str = ""
    dtc_date: date | None = None
    rev_raw: str = ""
    rev_date: date | None = None
    change_request: str = ""
    decision: str = ""
    narrative_hash: str = ""
    #: False for blocks written before History kept dates (RAG and text only)
    has_dates: bool = False

    @property
    def deadline(self) -> date | None:
        return self.rev_date or self.dtc_date


def stored_rag(t: KeyTask) -> str:
    """A task's RAG as a closed period stores it (the text as typed when it is no RAG)."""
    return t.rag.value if t.rag else t.rag_text.strip()


def stored_deadline(t: KeyTask) -> date | None:
    """A task's deadline as a closed period stores it (:attr:`TaskRecord.deadline`)."""
    for r in (t.revised_date, t.date_to_complete):
        if r.has_deadline:
            return r.date
    return None


def record_of(t: KeyTask) -> TaskRecord:
    return TaskRecord(
        stored_rag(t), t.task_id, t.key_task[:200],
        t.date_to_complete.raw, t.date_to_complete.date if t.date_to_complete.has_deadline
        else None, t.revised_date.raw,
        t.revised_date.date if t.revised_date.has_deadline else None,
        t.change_request, t.decision, narrative_hash(t.narrative), True)


def keyed_tasks(plan: Plan) -> dict[TaskKey, KeyTask]:
    """(workstream, ID, occurrence) -> the task."""
    out: dict[TaskKey, KeyTask] = {}
    for ws in plan.workstreams:
        seen: Counter[str] = Counter()
        for t in ws.tasks:
            k = norm_id(t.task_id) or f"ROW{t.row}"
            seen[k] += 1
            out[(ws.number, k, seen[k])] = t
    return out


def task_keys(plan: Plan) -> dict[TaskKey, TaskRecord]:
    """(workstream, ID, occurrence) -> the task as a closed period stores it."""
    return {k: record_of(t) for k, t in keyed_tasks(plan).items()}


@dataclass
class Snapshot:
    """One closed period."""

    when: date
    #: workstream number -> counts by RAG name (and "Not rated")
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    tasks: dict[TaskKey, TaskRecord] = field(default_factory=dict)


def previous(snaps: list[Snapshot], as_of: date) -> Snapshot | None:
    """The latest snapshot strictly before the reporting date."""
    before = [s for s in snaps if s.when < as_of]
    return before[-1] if before else None


@dataclass
class Context:
    """The reporting date and the closed periods before it, with each task's key: what
    the rules and the cover compare a task with."""

    plan: Plan
    as_of: date
    #: closed periods strictly before the reporting date, oldest first
    periods: list[Snapshot] = field(default_factory=list)
    keys: dict[int, TaskKey] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan, as_of: date, snaps: list[Snapshot] | None = None) -> Context:
        periods = [s for s in (snaps or []) if s.when < as_of]
        keys = {id(t): k for k, t in keyed_tasks(plan).items()}
        return cls(plan, as_of, periods, keys)

    @property
    def prev(self) -> Snapshot | None:
        return self.periods[-1] if self.periods else None

    def key(self, t: KeyTask) -> TaskKey | None:
        return self.keys.get(id(t))

    def was(self, t: KeyTask, back: int = 1) -> TaskRecord | None:
        """The task as the closed period ``back`` periods ago stored it (1: the last)."""
        if len(self.periods) < back:
            return None
        return self.periods[-back].tasks.get(self.key(t))  # type: ignore[arg-type]
