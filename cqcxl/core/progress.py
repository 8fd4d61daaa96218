"""Progress over time, for people: each closed period and now, side by side.

The History sheet stores one block per closed period, written for cqcxl to read back. The
Board and the leads want the other way round: one row per key task with its RAG in each
period, and each workstream's overall RAG and counts per period, and the share of Blue,
Green, Amber and Red per period for a line chart. This module turns the stored periods
and the plan as it is now into those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .history import Snapshot, TaskKey, keyed_tasks, stored_deadline, stored_rag
from .model import RAG, RAG_ORDER, Plan
from .summary_rules import largest_remainder, overall_rag


@dataclass
class Period:
    """One column group: a closed period, or now (the reporting date, not closed)."""

    when: date
    closed: bool
    #: workstream number -> count per RAG
    counts: dict[int, dict[RAG, int]] = field(default_factory=dict)
    #: task -> (RAG as typed, deadline read then)
    tasks: dict[TaskKey, tuple[str, date | None]] = field(default_factory=dict)

    def overall(self, number: int) -> RAG | None:
        return overall_rag(self.counts.get(number, {}))

    def total(self) -> dict[RAG, int]:
        out = dict.fromkeys(RAG_ORDER, 0)
        for c in self.counts.values():
            for r in RAG_ORDER:
                out[r] += c.get(r, 0)
        return out

    def shares(self) -> dict[RAG, int]:
        """Whole percentages of Blue, Green, Amber and Red (adding up to 100)."""
        t = self.total()
        return dict(zip(RAG_ORDER, largest_remainder([t[r] for r in RAG_ORDER]), strict=True))


@dataclass
class TaskLine:
    """One key task across the periods."""

    number: int
    task_id: str
    key_task: str
    #: present in the plan now
    current: bool


@dataclass
class Progress:
    periods: list[Period]
    #: workstream number -> name (now, or as last stored)
    workstreams: dict[int, str]
    tasks: list[tuple[TaskKey, TaskLine]]


def _rag(text: str) -> RAG | None:
    try:
        return RAG(text.strip().title())
    except ValueError:
        return None


def _stored(s: Snapshot) -> Period:
    p = Period(s.when, closed=True)
    for number, counts in s.counts.items():
        p.counts[number] = {r: counts.get(r.value, 0) for r in RAG_ORDER}
    for key, rec in s.tasks.items():
        p.tasks[key] = (rec.rag, rec.deadline)
    return p


def _now(plan: Plan, when: date) -> Period:
    p = Period(when, closed=False)
    for ws in plan.workstreams:
        c = dict.fromkeys(RAG_ORDER, 0)
        for t in ws.tasks:
            if not t.removed and t.rag is not None:
                c[t.rag] += 1
        p.counts[ws.number] = c
    for key, t in keyed_tasks(plan).items():  # as task_keys would store them, not hashed
        p.tasks[key] = (stored_rag(t), stored_deadline(t))
    return p


def progress(plan: Plan, as_of: date, snaps: list[Snapshot]) -> Progress:
    """The closed periods up to ``as_of``, then now (unless ``as_of`` is itself closed)."""
    periods = [_stored(s) for s in snaps if s.when <= as_of]
    if not any(p.when == as_of for p in periods):
        periods.append(_now(plan, as_of))
    names = {ws.number: ws.name for ws in plan.workstreams}
    for p in periods:
        for number in p.counts:
            names.setdefault(number, f"Workstream {number}")
    lines: dict[TaskKey, TaskLine] = {  # the text a closed period stores (record_of)
        key: TaskLine(key[0], t.task_id, t.key_task[:200], True)
        for key, t in keyed_tasks(plan).items()}
    for s in reversed(snaps):  # tasks no longer in the plan, as last stored
        for key, rec in s.tasks.items():
            if key not in lines and s.when <= as_of:
                lines[key] = TaskLine(key[0], rec.task_id, rec.key_task, False)
    order = sorted(lines.items(), key=lambda kv: (kv[0][0], not kv[1].current))
    return Progress(periods, dict(sorted(names.items())), order)


def rag_of(period: Period, key: TaskKey) -> RAG | None:
    rag = period.tasks.get(key)
    return _rag(rag[0]) if rag else None
