"""The cover page as data: counts, percentages, overall RAG, direction of travel, exceptions.

Computed from the workstream sheets every time, so the cover cannot disagree with them
(the hand-made November 2018 cover did). :func:`compute` returns the numbers; the Summary
sheet's layout is :mod:`cqcxl.sheets.cover`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .history import Snapshot, previous, task_keys
from .model import RAG, RAG_ORDER, KeyTask, Plan, Risk, Workstream
from .rules import has_change_request, overdue_no_mitigation
from .summary_rules import largest_remainder, overall_rag, score, travel

NOT_RATED = "Not rated"


@dataclass
class Counts:
    tasks: int
    by_rag: dict[RAG, int]
    unrated: int

    @classmethod
    def of(cls, tasks: list[KeyTask]) -> Counts:
        by = {r: 0 for r in RAG_ORDER}
        unrated = 0
        for t in tasks:
            if t.rag is None:
                unrated += 1
            else:
                by[t.rag] += 1
        return cls(len(tasks), by, unrated)

    @property
    def percentages(self) -> dict[str, int]:
        """Blue, Green, Amber, Red (and Not rated) as whole percentages adding up to 100."""
        keys = [r.value for r in RAG_ORDER] + [NOT_RATED]
        values = [self.by_rag[r] for r in RAG_ORDER] + [self.unrated]
        return dict(zip(keys, largest_remainder(values), strict=True))

    def counts_by_name(self, *, always_unrated: bool = False) -> dict[str, int]:
        """Blue, Green, Amber, Red (and Not rated when there are any, or always)."""
        out = {r.value: self.by_rag[r] for r in RAG_ORDER}
        if self.unrated or always_unrated:
            out[NOT_RATED] = self.unrated
        return out

    @property
    def overall(self) -> RAG | None:
        return overall_rag(self.by_rag)

    @property
    def score(self) -> float | None:
        return score(self.by_rag)


@dataclass
class Row:
    ws: Workstream
    counts: Counts
    travel: str
    previous_overall: RAG | None = None


@dataclass
class TaskChange:
    ws: int
    task_id: str
    what: str


@dataclass
class Summary:
    plan: Plan
    as_of: date
    previous: Snapshot | None
    rows: list[Row]
    total: Counts
    total_travel: str
    overdue_no_mitigation: list[tuple[Workstream, KeyTask]]
    reds: list[tuple[Workstream, KeyTask]]
    change_requests: list[tuple[Workstream, KeyTask]]
    risks: list[tuple[Workstream, Risk]]
    changes: list[TaskChange]

    @property
    def previous_date(self) -> date | None:
        if self.previous is not None:
            return self.previous.when
        return self.plan.previous_reporting_date


_RISK_ORDER = {RAG.RED: 0, RAG.AMBER: 1}


def _counts_from(snapshot_counts: dict[str, int]) -> dict[RAG, int]:
    return {r: snapshot_counts.get(r.value, 0) for r in RAG_ORDER}


def compute(plan: Plan, as_of: date, snaps: list[Snapshot]) -> Summary:
    prev = previous(snaps, as_of)
    rows = []
    for ws in plan.workstreams:
        c = Counts.of(ws.tasks)
        before = _counts_from(prev.counts[ws.number]) if prev and ws.number in prev.counts \
            else None
        rows.append(Row(ws, c, travel(c.score, score(before) if before else None),
                        overall_rag(before) if before else None))
    total = Counts.of(plan.tasks)
    total_before = None
    if prev is not None and prev.counts:
        agg = {r: 0 for r in RAG_ORDER}
        for counts in prev.counts.values():
            for r, n in _counts_from(counts).items():
                agg[r] += n
        total_before = score(agg)
    overdue, reds, crs, risks = [], [], [], []
    for ws in plan.workstreams:
        for t in ws.tasks:
            if overdue_no_mitigation(t, as_of):
                overdue.append((ws, t))
            elif t.rag is RAG.RED:
                reds.append((ws, t))
            if has_change_request(t):
                crs.append((ws, t))
        for k in ws.risks:
            if k.rag in (RAG.RED, RAG.AMBER):
                risks.append((ws, k))
    risks.sort(key=lambda p: (_RISK_ORDER[p[1].rag], p[0].number))
    return Summary(plan, as_of, prev, rows, total, travel(total.score, total_before),
                   overdue, reds, crs, risks, _changes(plan, prev))


def _changes(plan: Plan, prev: Snapshot | None) -> list[TaskChange]:
    """Tasks that appeared, disappeared or changed ID since the previous period."""
    if prev is None:
        return []
    now = task_keys(plan)
    gone = {k: v for k, v in prev.tasks.items() if k not in now}
    new = {k: v for k, v in now.items() if k not in prev.tasks}
    out: list[TaskChange] = []
    for k, (_, tid, text) in list(new.items()):
        match = next((g for g, gv in gone.items()
                      if g[0] == k[0] and gv[2] and gv[2] == text[:200]), None)
        if match is not None:
            out.append(TaskChange(k[0], tid, f"Task ID changed from {gone[match][1]} to {tid}"))
            del gone[match]
            del new[k]
    for k, (_, tid, _text) in new.items():
        out.append(TaskChange(k[0], tid, "New since the last period"))
    for k, (rag, tid, _text) in gone.items():
        out.append(TaskChange(k[0], tid,
                              f"No longer in the plan (was {rag or 'not rated'} last period)"))
    out.sort(key=lambda c: (c.ws, c.task_id))
    return out


__all__ = ["NOT_RATED", "Counts", "Row", "Summary", "TaskChange", "compute"]
