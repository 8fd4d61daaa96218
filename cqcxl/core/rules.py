"""The Board's moderation rules: small functions in a table, and the runner that places them.

Rows are first checked against the JSON Schemas (``schema.py``); these rules add what a
schema cannot say: dates against the reporting date, Red needing mitigation, duplicate IDs
across rows, references to other workstreams. A rule only says *what* is wrong and about
which field (a :class:`Problem`); the runner fills in the sheet, the cell the field was read
from and the Task ID (as jsonschema's validator fills in the path). Messages are written for
the lead who has to fix the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ..grid import NOT_CALCULATED
from .findings import Finding, make
from .history import Context, narrative_hash
from .model import RAG, KeyTask, Plan, Risk, Workstream, norm_id
from .requests import AGREED, DECLINED, NOTHING, REQUESTED, fold
from .schema import LABELS, check_item
from .trends import extended_twice, slipped


@dataclass(frozen=True)
class Problem:
    """What a rule found about one field of one row; the runner locates it."""

    code: str
    field: str
    message: str
    overdue_no_mitigation: bool = False


def _who(t: KeyTask) -> str:
    return f"Task {t.task_id}" if t.task_id else f"The task on row {t.row}"


def _d(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else ""


def has_change_request(t: KeyTask) -> bool:
    """A real timescale change request ('N/A', 'none', '-' are not), not declined."""
    return t.request.counts


def is_removal_request(t: KeyTask) -> bool:
    """'Remove from Action plan…' needs no revised date."""
    return t.request.kind == "removal"


# --- the alarm: overdue with no mitigation narrative -------------------------------------

#: A narrative shorter than this says nothing about what is being done ("Work developing").
MIN_NARRATIVE_WORDS = 10

NO_MITIGATION_RULE = (
    "Overdue with no mitigation narrative (the alarm at the top of the cover): a key task "
    "past its deadline and not Blue — Red, or Amber/Green with no timescale change request "
    "— whose Mitigation is empty (or 'N/A', 'none', '-') and whose Narrative / update "
    f"does not say what is being done: it is empty or under {MIN_NARRATIVE_WORDS} words "
    "(e.g. 'Work developing'), or word for word the same as at the last closed period. "
    "A Red task with no Mitigation but a narrative that does say what is being done is not "
    "in the alarm; it gets a warning to put that in Mitigation."
)


def has_mitigation(t: KeyTask) -> bool:
    return fold(t.mitigation) not in NOTHING


def narrative_unchanged(t: KeyTask, ctx: Context) -> bool:
    """The narrative is word for word what the last closed period stored."""
    was = ctx.was(t)
    return bool(was and was.has_dates and t.narrative.strip()
                and was.narrative_hash == narrative_hash(t.narrative))


def says_what_is_done(t: KeyTask, ctx: Context) -> bool:
    """The narrative counts as a mitigation narrative (see NO_MITIGATION_RULE)."""
    return len(t.narrative.split()) >= MIN_NARRATIVE_WORDS and not narrative_unchanged(t, ctx)


def overdue_no_mitigation(t: KeyTask, ctx: Context) -> bool:
    """The headline flag, exactly as NO_MITIGATION_RULE says. The cover's alarm lists
    exactly these tasks; the rules below raise their findings with the flag set."""
    if t.removed or t.rag is None or not t.is_overdue(ctx.as_of):
        return False
    if t.rag is not RAG.RED and has_change_request(t):
        return False
    return not has_mitigation(t) and not says_what_is_done(t, ctx)


# --- per-task rules: (task, context) -> problems ------------------------------------------

def overdue_not_moderated(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    """The moderation rule: once the deadline has passed, Blue, Red or a change request."""
    as_of = ctx.as_of
    if not t.is_overdue(as_of) or t.rag in (RAG.RED, RAG.BLUE, None):
        return
    if has_change_request(t):
        return
    flag = overdue_no_mitigation(t, ctx)
    which = "revised date" if t.deadline == t.revised_date.date else "date to complete"
    msg = (f"{_who(t)} is overdue: its {which} was {_d(t.deadline)}, before the reporting "
           f"date {_d(as_of)}, but the RAG is {t.rag.value}. Past its date an action must be "
           "Blue (completed), Red (not done on time: say what is being done in Mitigation "
           "and give a Revised date), or have a Timescale change request.")
    if t.request.kind == "nothing":
        msg += (f" '{t.change_request}' in Timescale change request is not a request: write "
                "the new date you are asking for.")
    elif t.request.declined:
        msg += " The Board declined its change request, so the original date stands."
    if flag:
        msg = "OVERDUE WITH NO MITIGATION. " + msg
    yield Problem("overdue-not-moderated", "rag", msg, flag)


def red_rules(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    if t.rag is not RAG.RED:
        return
    if not has_mitigation(t):
        flag = overdue_no_mitigation(t, ctx)
        lead = "OVERDUE WITH NO MITIGATION. " if flag else ""
        if says_what_is_done(t, ctx):
            yield Problem("mitigation-in-narrative", "mitigation",
                          f"{_who(t)} is Red and Mitigation is empty, though the narrative "
                          "says what is being done. Put what is being done in Mitigation, "
                          "so the Board sees it beside the Red.")
        else:
            why = ("the narrative is the same as at the last closed period"
                   if narrative_unchanged(t, ctx) else
                   "the narrative is empty" if not t.narrative.strip() else
                   f"the narrative ('{t.narrative[:40]}') does not say what is being done")
            yield Problem("red-without-mitigation", "mitigation",
                          f"{lead}{_who(t)} is Red, Mitigation is empty and {why}. Say in "
                          "Mitigation what is being done to get it back on track — the "
                          "Board asks this of every Red action.", flag)
    if t.revised_date.kind == "empty":
        yield Problem("red-without-revised-date", "revised_date",
                      f"{_who(t)} is Red but has no Revised date. Give your best estimate of "
                      "when it will now be completed.")


def revised_date_rules(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    rev, dtc = t.revised_date, t.date_to_complete
    if not rev.has_deadline or t.rag is RAG.BLUE or t.removed:
        return
    if dtc.has_deadline and rev.date < dtc.date:
        yield Problem("revised-date-earlier", "revised_date",
                      f"{_who(t)}: the Revised date {_d(rev.date)} is earlier than the Date "
                      f"to complete {_d(dtc.date)}. A revised date moves a deadline later: "
                      "correct one of the two dates.")
        return
    if rev.date >= ctx.as_of:
        return
    if t.request.is_request and t.request.status == REQUESTED:
        yield Problem("request-date-passed", "revised_date",
                      f"{_who(t)} asks for a new date, {_d(rev.date)}, which has already "
                      f"passed (reporting date {_d(ctx.as_of)}). Ask for a date that is "
                      "still ahead, or make the task Blue if it is done.")
    else:
        yield Problem("revised-date-passed", "revised_date",
                      f"{_who(t)}: the revised date {_d(rev.date)} has passed "
                      "too. Complete it (Blue) or agree a new revised date.")


def change_request_rules(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    r = t.request
    if r.kind == "unclear":
        yield Problem("change-request-unclear", "change_request",
                      f"{_who(t)}: '{t.change_request[:60]}' in Timescale change request is "
                      "not counted as a request: it states no new date and no removal. "
                      "Write the new date you are asking for (e.g. 'Change timescale to "
                      "March 2019'), or 'Remove from action plan', or clear the cell.")
    if r.kind in ("date", "change") and t.revised_date.kind == "empty":
        asked = f" ({_d(r.asked)}?)" if r.asked else ""
        yield Problem("change-request-incomplete", "revised_date",
                      f"{_who(t)} asks to change its timescale but gives no Revised date. "
                      f"Put the new date you are asking for{asked} in Revised date.")
    if r.status == "unreadable":
        yield Problem("invalid-decision", "decision",
                      f"{_who(t)}: Decision '{r.decision_raw[:40]}' cannot be read. Write "
                      "Requested, or Agreed or Declined with the date of the Board meeting "
                      "(e.g. 'Agreed 29-Nov-18').")
    elif r.status in (AGREED, DECLINED) and not r.is_request:
        yield Problem("invalid-decision", "decision",
                      f"{_who(t)}: Decision says {r.status} but there is no timescale change "
                      "request to decide. Write the request in Timescale change request, or "
                      "clear the Decision.")
    elif r.status in (AGREED, DECLINED) and r.decided is None:
        yield Problem("decision-without-date", "decision",
                      f"{_who(t)}: Decision says {r.status} but not when. Add the date of "
                      f"the Board meeting (e.g. '{r.status} 29-Nov-18').")


_NARRATIVE_CHANGE = re.compile(
    r"\b(?:deadline|timescale|target date|completion date|the date)\b[^.;]{0,60}?\b(?:has been |"
    r"have been |was |been )?(?:changed|moved|extended|revised|put back|pushed back|"
    r"delayed|change)\b|\brequest(?:ing|ed)? to (?:change|extend|move)", re.I)


def change_in_narrative(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    """'The deadline for this action has been changed to December' with no request."""
    if t.rag is RAG.BLUE or t.removed or t.request.is_request:
        return
    m = _NARRATIVE_CHANGE.search(t.narrative)
    if m:
        yield Problem("change-in-narrative", "change_request",
                      f"{_who(t)}: the narrative says '…{m[0]}…' but there is no Timescale "
                      "change request, so the Board is not asked. Keep the original Date to "
                      "complete, put the new date in Revised date and write the request in "
                      "Timescale change request.")


def slippage_rules(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    s = slipped(t, ctx)
    if s is not None and ctx.prev is not None:
        pending = (" Its change request is waiting for the Board." if t.request.is_request
                   and t.request.status == REQUESTED else "")
        yield Problem("slipped-date", s.field,
                      f"{_who(t)}: {s.words} since the period closed on "
                      f"{_d(ctx.prev.when)}, with no change request agreed by the Board.{pending}"
                      " Put the original date back and ask for the new one in Timescale "
                      "change request (with the new date in Revised date).")
    x = extended_twice(t, ctx)
    if x is not None:
        yield Problem("extended-twice", "revised_date" if t.revised_date.has_deadline
                      else "date_to_complete",
                      f"{_who(t)}: its deadline moved later two periods running ({_d(x[0])}, "
                      f"then {_d(x[1])}, now {_d(x[2])}). Tell the Board why, and whether the "
                      "new date is realistic.")


_DONE = re.compile(r"\b(complete|completed|completion|done|achieved|delivered|finished|"
                   r"signed off|sign off|closed|in place|implemented|live|launched|agreed|"
                   r"approved|published|embedded)\b", re.I)

BLUE_RULE = (
    "Blue means completed and signed off: say so in the narrative (what was delivered, "
    "when, who signed it off). A Blue task with no narrative, or Blue before its date to "
    "complete with no word of completion in the narrative, gets a warning."
)


def blue_rules(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    if t.rag is not RAG.BLUE or t.removed:
        return
    if not t.narrative.strip():
        yield Problem("blue-without-evidence", "rag",
                      f"{_who(t)} is Blue (completed and signed off) but the narrative is "
                      "empty. Say what was delivered, when, and who signed it off.")
        return
    d = t.date_to_complete
    if d.has_deadline and d.date > ctx.as_of and not _DONE.search(t.narrative):
        yield Problem("blue-before-date", "rag",
                      f"{_who(t)} is Blue although its date to complete ({_d(d.date)}) is "
                      "still ahead, and the narrative does not say it is complete. If it is "
                      "done, say so in the narrative; if not, it is Green or Amber.")


def complete_not_blue(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    if t.date_to_complete.kind == "complete" and t.rag not in (RAG.BLUE, None):
        yield Problem("complete-not-blue", "rag",
                      f"{_who(t)}: Date to complete says '{t.date_to_complete.raw}' but the "
                      f"RAG is {t.rag.value}. If it is completed and signed off, make it "
                      "Blue.")


def rag_spelling(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    rag, exact = RAG.read(t.rag_text)
    if rag is not None and not exact:
        yield Problem("rag-spelling", "rag",
                      f"RAG '{t.rag_text}' was read as {rag.value}. Pick it from the "
                      "drop-down to keep the sheet tidy.")


def excel_errors(t: KeyTask, ctx: Context) -> Iterator[Problem]:
    for field, code in t.errors.items():
        label = LABELS.get(field, field.replace("_", " ").capitalize())
        if code == NOT_CALCULATED:
            yield Problem("excel-error", field,
                          f"{label} for {_who(t)} is a formula whose result was never saved "
                          "(the workbook was last saved by a program other than Excel), so "
                          "cqcxl cannot read it. Open the workbook in Excel, save it, and "
                          "validate again — or type the value instead of a formula.")
            continue
        yield Problem("excel-error", field,
                      f"{label} for {_who(t).lower() if not t.task_id else _who(t)} shows the "
                      f"Excel error {code}, so cqcxl cannot read it. Fix the formula or type "
                      "the value.")


TaskRule = Callable[[KeyTask, Context], Iterator[Problem]]

#: Per-row rules, in the order their findings are listed.
TASK_RULES: tuple[TaskRule, ...] = (
    excel_errors,
    rag_spelling,
    overdue_not_moderated,
    red_rules,
    revised_date_rules,
    change_request_rules,
    change_in_narrative,
    slippage_rules,
    blue_rules,
    complete_not_blue,
)
#: The rules that still apply to a task whose removal the Board agreed.
REMOVED_TASK_RULES: tuple[TaskRule, ...] = (excel_errors, rag_spelling, change_request_rules)


# --- per-risk rules: risk -> problems -------------------------------------------------------

def risk_without_mitigation(k: Risk) -> Iterator[Problem]:
    if k.rag in (RAG.RED, RAG.AMBER) and not k.mitigation.strip():
        yield Problem("risk-without-mitigation", "mitigation",
                      f"The risk on row {k.row} is {k.rag.value} but has no mitigation. Say "
                      "what is being done to reduce it.")


RiskRule = Callable[[Risk], Iterator[Problem]]
RISK_RULES: tuple[RiskRule, ...] = (risk_without_mitigation,)


# --- rules across rows (they locate their own findings: one finding per row involved) ------

def _cell(t: KeyTask, field: str) -> str:
    return t.cells.get(field) or t.cells.get("task_id") or f"A{t.row}"


def duplicate_ids(ws: Workstream) -> Iterator[Finding]:
    by_id: dict[str, list[KeyTask]] = {}
    for t in ws.tasks:
        if t.task_id:
            by_id.setdefault(norm_id(t.task_id), []).append(t)
    for group in by_id.values():
        if len(group) < 2:
            continue
        rows = ", ".join(str(t.row) for t in group)
        for t in group:
            yield make("duplicate-task-id", ws.sheet, _cell(t, "task_id"), t.task_id,
                       f"Task ID {t.task_id} is used {len(group)} times in workstream "
                       f"{ws.number} (rows {rows}). Give each key task its own ID, e.g. "
                       f"{t.task_id}a and {t.task_id}b.")


_LINK = re.compile(
    r"\[\s*link\s+to\s+workstream\s+(?P<ws>\d+)\s*(?:,\s*|\s+)actions?\s+(?P<ref>[^\]]+?)\s*\]",
    re.I,
)


def _targets(ref: str) -> list[str]:
    """'C2' -> ['C2']; 'C and D' -> ['C', 'D']."""
    parts = re.split(r"\s*(?:,|&|\band\b|/)\s*", ref.strip())
    return [p.strip().rstrip(".") for p in parts if p.strip()]


def broken_references(plan: Plan) -> Iterator[Finding]:
    by_number = {w.number: w for w in plan.workstreams}
    known: dict[int, tuple[set[str], set[str]]] = {}
    for ws in plan.workstreams:
        for t in ws.tasks:
            for field in ("key_task", "narrative", "expected_outcome", "mitigation"):
                for m in _LINK.finditer(getattr(t, field)):
                    n = int(m["ws"])
                    target = by_number.get(n)
                    if target is None:
                        yield make("broken-reference", ws.sheet, _cell(t, field), t.task_id,
                                   f"{_who(t)} links to workstream {n}, which is not in "
                                   "this plan. Correct the link.")
                        continue
                    if n not in known:
                        known[n] = (
                            {norm_id(x.task_id) for x in target.tasks if x.task_id},
                            {a.letter.upper() for a in target.actions}
                            | {norm_id(x.action) for x in target.tasks if x.action})
                    ids, letters = known[n]
                    for ref in _targets(m["ref"]):
                        key = norm_id(ref)
                        if key not in ids and key not in letters:
                            yield make(
                                "broken-reference", ws.sheet, _cell(t, field), t.task_id,
                                f"{_who(t)} links to workstream {n}, action {ref}, which "
                                f"does not exist there. Correct the link or the ID.")


def no_risks(ws: Workstream) -> Iterator[Finding]:
    if ws.tasks and not any(k.risk.strip() for k in ws.risks):
        yield make("no-risks", ws.sheet, ws.cells.get("risks") or ws.cells.get("rag_header")
                   or "A1", "",
                   f"Workstream {ws.number} has no key risk recorded. The Board asks every "
                   "workstream for its key risks: add at least one under Key risks, with a "
                   "RAG and a mitigation.")


def _risk_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def risk_rag_differs(plan: Plan) -> Iterator[Finding]:
    """The same risk copied into several workstreams, rated differently."""
    by_text: dict[str, list[tuple[Workstream, Risk]]] = {}
    for ws in plan.workstreams:
        for k in ws.risks:
            if k.risk.strip() and k.rag is not None:
                by_text.setdefault(_risk_key(k.risk), []).append((ws, k))
    for group in by_text.values():
        if len({k.rag for _, k in group}) < 2:
            continue
        where = ", ".join(f"workstream {ws.number} {k.rag.value}" for ws, k in group)
        for ws, k in group:
            yield make("risk-rag-differs", ws.sheet, k.cells.get("rag") or f"A{k.row}", "",
                       f"The risk '{k.risk[:60]}' appears in {len(group)} workstreams with "
                       f"different RAGs ({where}). Agree one rating with the other leads, or "
                       "say in the risk why it differs here.")


def duplicate_workstreams(plan: Plan) -> Iterator[Finding]:
    """Two sheets claiming the same workstream number: counted twice under one number."""
    by_number: dict[int, list[Workstream]] = {}
    for ws in plan.workstreams:
        by_number.setdefault(ws.number, []).append(ws)
    for number, group in by_number.items():
        if len(group) < 2:
            continue
        names = " and ".join(f"'{w.sheet}'" for w in group)
        for ws in group:
            yield make("duplicate-workstream", ws.sheet, ws.cells.get("number") or "A1", "",
                       f"Workstream number {number} is used by {len(group)} sheets ({names}), "
                       "so the cover would show two rows numbered "
                       f"{number} and History could not tell them apart. Give this sheet its "
                       "own number (here and in the Plan sheet's list).")


# --- the runner ------------------------------------------------------------------------------

def _place(item: KeyTask | Risk, p: Problem) -> Finding:
    """A rule's problem located: the sheet, the cell its field was read from, the Task ID."""
    cell = item.cells.get(p.field) or item.cells.get("task_id") or f"A{item.row}"
    task_id = item.task_id if isinstance(item, KeyTask) else ""
    return make(p.code, item.sheet, cell, task_id, p.message,
                overdue_no_mitigation=p.overdue_no_mitigation)


def check(plan: Plan, ctx: Context | date) -> list[Finding]:
    """Every finding for the plan: schema checks, then the rules, workstream by workstream.
    ``ctx`` carries the reporting date and the closed periods (a bare date: no history)."""
    if isinstance(ctx, date):
        ctx = Context.of(plan, ctx)
    out: list[Finding] = []
    out.extend(duplicate_workstreams(plan))
    for ws in plan.workstreams:
        for t in ws.tasks:
            out.extend(check_item(t, "task"))
            for rule in (REMOVED_TASK_RULES if t.removed else TASK_RULES):
                out.extend(_place(t, p) for p in rule(t, ctx))
        out.extend(duplicate_ids(ws))
        for k in ws.risks:
            out.extend(check_item(k, "risk"))
            for risk_rule in RISK_RULES:
                out.extend(_place(k, p) for p in risk_rule(k))
        out.extend(no_risks(ws))
    out.extend(risk_rag_differs(plan))
    out.extend(broken_references(plan))
    return out
