"""How each key task moved since the last closed period: slipped dates, repeated extensions,
persistent Reds and downturns; and the like-for-like progress score behind the arrows.

Worked out from a :class:`~cqcxl.core.history.Context`; the rules raise findings from these
facts and the cover lists them, so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .dates import COMPLETE, DATE, ONGOING
from .history import Context, TaskRecord
from .model import RAG, KeyTask
from .summary_rules import SCORE

SLIPPAGE_RULE = (
    "Slipped: a key task whose Date to complete or Revised date is later than at the last "
    "closed period (or no longer has a date: 'Ongoing'), with no change request the Board "
    "has agreed since. Slipped tasks are listed on the cover and never improve the "
    "direction of travel. A task whose deadline moved later in two periods running is "
    "listed as extended twice, agreed or not."
)
TREND_RULE = (
    "Per task, compared with the last closed period: a downturn is a task whose RAG got "
    "worse (Blue to anything else, Green to Amber or Red, Amber to Red); a persistent Red "
    "is Red now and at the last closed period. Both are listed on the cover."
)


def _day(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else ""


@dataclass(frozen=True)
class Slip:
    """A date moved later: which field, what it was and what it is now."""

    field: str
    label: str
    was_raw: str
    was: date | None
    now_raw: str
    now: date | None

    @property
    def words(self) -> str:
        now = _day(self.now) if self.now else f"'{self.now_raw}' (no date)"
        return f"{self.label} moved from {_day(self.was)} to {now}"


def _agreed_since(t: KeyTask, before: TaskRecord, ctx: Context) -> bool:
    """A change request the Board agreed after the last closed period (or whose decision
    changed since)."""
    r = t.request
    if not r.agreed:
        return False
    prev = ctx.prev
    return (r.decided is None or prev is None or r.decided > prev.when
            or before.decision.strip() != t.decision.strip())


def slipped(t: KeyTask, ctx: Context) -> Slip | None:
    """The task's date moved later since the last closed period without an agreed request."""
    before = ctx.was(t)
    if before is None or not before.has_dates or t.removed:
        return None
    if t.rag is RAG.BLUE or t.date_to_complete.kind == COMPLETE:
        return None
    slip = None
    dtc = t.date_to_complete
    if before.dtc_date is not None:
        if dtc.kind == DATE and dtc.date and dtc.date > before.dtc_date:
            slip = Slip("date_to_complete", "Date to complete", before.dtc_raw,
                        before.dtc_date, dtc.raw, dtc.date)
        elif dtc.kind == ONGOING:
            slip = Slip("date_to_complete", "Date to complete", before.dtc_raw,
                        before.dtc_date, dtc.raw, None)
    rev = t.revised_date
    if slip is None and before.rev_date is not None and rev.has_deadline \
            and rev.date > before.rev_date:
        slip = Slip("revised_date", "Revised date", before.rev_raw, before.rev_date, rev.raw,
                    rev.date)
    if slip is None or _agreed_since(t, before, ctx):
        return None
    return slip


def extended_twice(t: KeyTask, ctx: Context) -> tuple[date, date, date] | None:
    """(deadline two periods ago, at the last period, now) when it moved later twice."""
    last, older = ctx.was(t, 1), ctx.was(t, 2)
    if last is None or older is None or not (last.has_dates and older.has_dates):
        return None
    if t.rag is RAG.BLUE or t.removed:
        return None
    now = t.deadline
    a, b = older.deadline, last.deadline
    if a and b and now and a < b < now:
        return a, b, now
    return None


def red_since(t: KeyTask, ctx: Context) -> date | None:
    """The first closed period of an unbroken run of Red up to now (None unless the task is
    Red now and was Red at the last closed period)."""
    if t.rag is not RAG.RED or t.removed:
        return None
    since = None
    for back in range(1, len(ctx.periods) + 1):
        rec = ctx.was(t, back)
        if rec is None or rec.rag != RAG.RED.value:
            break
        since = ctx.periods[-back].when
    return since


def downturn(t: KeyTask, ctx: Context) -> str | None:
    """'Green → Red' when the RAG got worse since the last closed period."""
    before = ctx.was(t)
    if before is None or t.rag is None or t.removed:
        return None
    try:
        was = RAG(before.rag)
    except ValueError:
        return None
    if SCORE[t.rag] < SCORE[was]:
        return f"{was.value} → {t.rag.value}"
    return None


def like_for_like(tasks: list[KeyTask], ctx: Context) -> tuple[float, float] | None:
    """(score now, score at the last closed period), in percent, over the tasks present and
    rated in both periods; a slipped task scores no better than it did. None when there is
    nothing to compare."""
    now = before = n = 0
    for t in tasks:
        rec = ctx.was(t)
        if rec is None or t.rag is None or t.removed:
            continue
        try:
            was = RAG(rec.rag)
        except ValueError:
            continue
        s_now, s_was = SCORE[t.rag], SCORE[was]
        if slipped(t, ctx) is not None:
            s_now = min(s_now, s_was)
        now += s_now
        before += s_was
        n += 1
    if n == 0:
        return None
    return 100 * now / (3 * n), 100 * before / (3 * n)
