"""The chase list: per task owner, across every workstream, what the coordinator must chase.

Owners span several workstreams (one appears in WS2, WS4 and WS6), so chasing is per person,
not per sheet. A task with several owners is listed under each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .history import Context
from .model import RAG, KeyTask, Workstream
from .rules import has_mitigation, narrative_unchanged
from .summary import Summary

OVERDUE = "overdue"
RED_NO_MITIGATION = "Red, no mitigation"
SLIPPED = "date slipped"
STALE = "not updated"
#: in the order they are listed
REASONS = (OVERDUE, RED_NO_MITIGATION, SLIPPED, STALE)

CHASE_RULE = (
    "Chase list: per task owner, across all workstreams, the key tasks that are overdue, "
    "Red with an empty Mitigation, slipped (date moved later with no agreed request), or "
    "not updated this period (Last updated before the start of the period, or no Last "
    "updated and the narrative word for word as at the last closed period)."
)


@dataclass
class ChaseItem:
    ws: Workstream
    task: KeyTask
    reasons: list[str]
    detail: str = ""


@dataclass
class Chase:
    owner: str
    items: list[ChaseItem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"owner": self.owner, "tasks": [
            {"workstream": i.ws.number, "sheet": i.ws.sheet, "task_id": i.task.task_id,
             "key_task": i.task.key_task, "cell": i.task.cells.get("rag", f"A{i.task.row}"),
             "reasons": i.reasons, "detail": i.detail} for i in self.items]}


def period_start(s: Summary) -> date | None:
    return s.previous.when if s.previous is not None else s.plan.previous_reporting_date


def _stale(t: KeyTask, start: date | None, ctx: Context) -> bool:
    lu = t.last_updated
    if lu.has_deadline and start is not None:
        return lu.date < start
    return not lu.raw and narrative_unchanged(t, ctx)


def chase_list(s: Summary, ctx: Context) -> list[Chase]:
    """One entry per owner with something to chase, most items first."""
    slips = {id(t): slip for _, t, slip in s.slipped}
    start = period_start(s)
    by_owner: dict[str, Chase] = {}
    for ws in s.plan.workstreams:
        for t in ws.tasks:
            if t.removed:
                continue
            reasons, detail = [], []
            if t.is_overdue(ctx.as_of):
                reasons.append(OVERDUE)
                d = t.deadline
                detail.append(f"due {d.day} {d:%b %Y}" if d else "")
            if t.rag is RAG.RED and not has_mitigation(t):
                reasons.append(RED_NO_MITIGATION)
            if id(t) in slips:
                reasons.append(SLIPPED)
                detail.append(slips[id(t)].words)
            if _stale(t, start, ctx):
                reasons.append(STALE)
            if not reasons:
                continue
            for owner in t.owners or ["(no owner given)"]:
                key = " ".join(owner.split()).casefold()
                entry = by_owner.setdefault(key, Chase(owner))
                entry.items.append(ChaseItem(ws, t, reasons, "; ".join(x for x in detail if x)))
    return sorted(by_owner.values(), key=lambda c: (-len(c.items), c.owner.casefold()))


def chase_text(chases: list[Chase], as_of: date) -> str:
    """One block per owner, to paste into an e-mail."""
    out = []
    for c in chases:
        lines = [f"{c.owner} — {len(c.items)} key task{'s' if len(c.items) != 1 else ''} to "
                 f"update for the report as at {as_of.day} {as_of:%B %Y}:"]
        for i in c.items:
            extra = f" ({i.detail})" if i.detail else ""
            tid = i.task.task_id or f"row {i.task.row}"
            lines.append(f"  - Workstream {i.ws.number}, {tid}: {i.task.key_task[:90]} — "
                         f"{', '.join(i.reasons)}{extra}. "
                         f"[{i.ws.sheet}!{i.task.cells.get('rag', '')}]")
        out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")
