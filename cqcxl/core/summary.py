"""The cover page as data: counts, percentages, overall RAG, direction of travel, exceptions.

Computed from the workstream sheets every time, so the cover cannot disagree with them
(the hand-made November 2018 cover did). :func:`compute` returns the numbers; the Summary
sheet's layout is :mod:`cqcxl.sheets.cover`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .history import Context, Snapshot, task_keys
from .model import RAG, RAG_ORDER, KeyTask, Plan, Risk, Workstream
from .rules import overdue_no_mitigation
from .summary_rules import largest_remainder, overall_rag, score, travel
from .trends import Slip, downturn, extended_twice, like_for_like, red_since, slipped

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


Pair = tuple[Workstream, KeyTask]


@dataclass
class Summary:
    plan: Plan
    as_of: date
    previous: Snapshot | None
    rows: list[Row]
    total: Counts
    total_travel: str
    overdue_no_mitigation: list[Pair]
    reds: list[Pair]
    change_requests: list[Pair]
    risks: list[tuple[Workstream, Risk]]
    changes: list[TaskChange]
    total_previous_overall: RAG | None = None
    #: agreed removals: out of every count
    removed: list[Pair] = field(default_factory=list)
    slipped: list[tuple[Workstream, KeyTask, Slip]] = field(default_factory=list)
    extended: list[tuple[Workstream, KeyTask, tuple[date, date, date]]] = field(
        default_factory=list)
    downturns: list[tuple[Workstream, KeyTask, str]] = field(default_factory=list)
    persistent_reds: list[tuple[Workstream, KeyTask, date]] = field(default_factory=list)

    @property
    def previous_date(self) -> date | None:
        if self.previous is not None:
            return self.previous.when
        return self.plan.previous_reporting_date


_RISK_ORDER = {RAG.RED: 0, RAG.AMBER: 1}


def _counts_from(snapshot_counts: dict[str, int]) -> dict[RAG, int]:
    return {r: snapshot_counts.get(r.value, 0) for r in RAG_ORDER}


def _travel(tasks: list[KeyTask], ctx: Context, before: dict[RAG, int] | None,
            now: Counts) -> str:
    """Like for like: the tasks present in both periods (a slipped task no better than it
    was); only when the last period stored no tasks, the stored counts."""
    prev = ctx.prev
    if prev is None:
        return "–"
    if prev.tasks:
        pair = like_for_like(tasks, ctx)
        return travel(*pair) if pair else "–"
    return travel(now.score, score(before) if before else None)


def compute(plan: Plan, as_of: date, snaps: list[Snapshot] | None = None,
            ctx: Context | None = None) -> Summary:
    ctx = ctx or Context.of(plan, as_of, snaps)
    prev = ctx.prev
    rows = []
    for ws in plan.workstreams:
        counted = [t for t in ws.tasks if not t.removed]
        c = Counts.of(counted)
        before = _counts_from(prev.counts[ws.number]) if prev and ws.number in prev.counts \
            else None
        rows.append(Row(ws, c, _travel(counted, ctx, before, c),
                        overall_rag(before) if before else None))
    counted_all = [t for t in plan.tasks if not t.removed]
    total = Counts.of(counted_all)
    agg = None
    if prev is not None and prev.counts:
        agg = {r: 0 for r in RAG_ORDER}
        for counts in prev.counts.values():
            for r, n in _counts_from(counts).items():
                agg[r] += n
    s = Summary(plan, as_of, prev, rows, total, _travel(counted_all, ctx, agg, total),
                [], [], [], [], _changes(plan, prev),
                overall_rag(agg) if agg else None)
    for ws in plan.workstreams:
        for t in ws.tasks:
            if t.removed:
                s.removed.append((ws, t))
                continue
            if overdue_no_mitigation(t, ctx):
                s.overdue_no_mitigation.append((ws, t))
            elif t.rag is RAG.RED:
                s.reds.append((ws, t))
            if t.request.is_request:
                s.change_requests.append((ws, t))
            if (slip := slipped(t, ctx)) is not None:
                s.slipped.append((ws, t, slip))
            if (x := extended_twice(t, ctx)) is not None:
                s.extended.append((ws, t, x))
            if (d := downturn(t, ctx)) is not None:
                s.downturns.append((ws, t, d))
            if (since := red_since(t, ctx)) is not None:
                s.persistent_reds.append((ws, t, since))
        for k in ws.risks:
            if k.rag in (RAG.RED, RAG.AMBER):
                s.risks.append((ws, k))
    s.risks.sort(key=lambda p: (_RISK_ORDER[p[1].rag], p[0].number))
    return s


def _changes(plan: Plan, prev: Snapshot | None) -> list[TaskChange]:
    """Tasks that appeared, disappeared or changed ID since the previous period."""
    if prev is None:
        return []
    now = task_keys(plan)
    gone = {k: v for k, v in prev.tasks.items() if k not in now}
    new = {k: v for k, v in now.items() if k not in prev.tasks}
    out: list[TaskChange] = []
    for k, rec in list(new.items()):
        match = next((g for g, gv in gone.items()
                      if g[0] == k[0] and gv.key_task and gv.key_task == rec.key_task[:200]),
                     None)
        if match is not None:
            out.append(TaskChange(k[0], rec.task_id,
                                  f"Task ID changed from {gone[match].task_id} to "
                                  f"{rec.task_id}"))
            del gone[match]
            del new[k]
    for k, rec in new.items():
        out.append(TaskChange(k[0], rec.task_id, "New since the last period (not in the "
                                                 "direction of travel until next period)"))
    for k, rec in gone.items():
        out.append(TaskChange(k[0], rec.task_id,
                              f"Deleted from the sheet (was {rec.rag or 'not rated'} last "
                              "period; left out of the direction of travel)"))
    out.sort(key=lambda c: (c.ws, c.task_id))
    return out


__all__ = ["NOT_RATED", "Counts", "Pair", "Row", "Summary", "TaskChange", "compute"]
