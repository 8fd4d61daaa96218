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
from .model import RAG, KeyTask, Plan, Risk, Workstream, norm_id
from .schema import LABELS, check_item


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
    return bool(t.change_request.strip())


_REMOVAL = re.compile(r"\b(remove|delete|withdraw|no longer)\b", re.I)


def is_removal_request(t: KeyTask) -> bool:
    """'Remove from Action plan…' needs no revised date."""
    return bool(_REMOVAL.search(t.change_request))


def overdue_no_mitigation(t: KeyTask, as_of: date) -> bool:
    """The headline flag: past its deadline, not Blue, no Mitigation, and either Red or
    (Amber/Green) without a timescale change request. The cover's alarm lists exactly
    these tasks; the rules below raise their findings with the flag set."""
    if not t.is_overdue(as_of) or t.mitigation.strip() or t.rag is None:
        return False
    return t.rag is RAG.RED or not has_change_request(t)


# --- per-task rules: (task, as_of) -> problems --------------------------------------------

def overdue_not_moderated(t: KeyTask, as_of: date) -> Iterator[Problem]:
    """The moderation rule: once the deadline has passed, Blue, Red or a change request."""
    if not t.is_overdue(as_of) or t.rag in (RAG.RED, RAG.BLUE, None):
        return
    if has_change_request(t):
        return
    flag = overdue_no_mitigation(t, as_of)
    which = "revised date" if t.revised_date.has_deadline else "date to complete"
    msg = (f"{_who(t)} is overdue: its {which} was {_d(t.deadline)}, before the reporting "
           f"date {_d(as_of)}, but the RAG is {t.rag.value}. Past its date an action must be "
           "Blue (completed), Red (not done on time: say what is being done in Mitigation "
           "and give a Revised date), or have a Timescale change request.")
    if flag:
        msg = "OVERDUE WITH NO MITIGATION. " + msg
    yield Problem("overdue-not-moderated", "rag", msg, flag)


def red_rules(t: KeyTask, as_of: date) -> Iterator[Problem]:
    if t.rag is not RAG.RED:
        return
    if not t.mitigation.strip():
        flag = overdue_no_mitigation(t, as_of)
        lead = "OVERDUE WITH NO MITIGATION. " if flag else ""
        yield Problem("red-without-mitigation", "mitigation",
                      f"{lead}{_who(t)} is Red but Mitigation is empty. Say what is being "
                      "done to get it back on track — the Board asks this of every Red "
                      "action.", flag)
    if t.revised_date.kind == "empty":
        yield Problem("red-without-revised-date", "revised_date",
                      f"{_who(t)} is Red but has no Revised date. Give your best estimate of "
                      "when it will now be completed.")


def revised_date_passed(t: KeyTask, as_of: date) -> Iterator[Problem]:
    if t.revised_date.has_deadline and t.revised_date.date < as_of and t.rag is not RAG.BLUE:
        yield Problem("revised-date-passed", "revised_date",
                      f"{_who(t)}: the revised date {_d(t.revised_date.date)} has passed "
                      "too. Complete it (Blue) or agree a new revised date.")


def change_request_incomplete(t: KeyTask, as_of: date) -> Iterator[Problem]:
    if not has_change_request(t) or is_removal_request(t):
        return
    if t.revised_date.kind == "empty":
        yield Problem("change-request-incomplete", "revised_date",
                      f"{_who(t)} asks to change its timescale but gives no Revised date. "
                      "Put the new date you are asking for in Revised date.")


def complete_not_blue(t: KeyTask, as_of: date) -> Iterator[Problem]:
    if t.date_to_complete.kind == "complete" and t.rag not in (RAG.BLUE, None):
        yield Problem("complete-not-blue", "rag",
                      f"{_who(t)}: Date to complete says '{t.date_to_complete.raw}' but the "
                      f"RAG is {t.rag.value}. If it is completed and signed off, make it "
                      "Blue.")


def rag_spelling(t: KeyTask, as_of: date) -> Iterator[Problem]:
    rag, exact = RAG.read(t.rag_text)
    if rag is not None and not exact:
        yield Problem("rag-spelling", "rag",
                      f"RAG '{t.rag_text}' was read as {rag.value}. Pick it from the "
                      "drop-down to keep the sheet tidy.")


def excel_errors(t: KeyTask, as_of: date) -> Iterator[Problem]:
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


TaskRule = Callable[[KeyTask, date], Iterator[Problem]]

#: Per-row rules, in the order their findings are listed.
TASK_RULES: tuple[TaskRule, ...] = (
    excel_errors,
    rag_spelling,
    overdue_not_moderated,
    red_rules,
    revised_date_passed,
    change_request_incomplete,
    complete_not_blue,
)


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


# --- the runner ------------------------------------------------------------------------------

def _place(item: KeyTask | Risk, p: Problem) -> Finding:
    """A rule's problem located: the sheet, the cell its field was read from, the Task ID."""
    cell = item.cells.get(p.field) or item.cells.get("task_id") or f"A{item.row}"
    task_id = item.task_id if isinstance(item, KeyTask) else ""
    return make(p.code, item.sheet, cell, task_id, p.message,
                overdue_no_mitigation=p.overdue_no_mitigation)


def check(plan: Plan, as_of: date) -> list[Finding]:
    """Every finding for the plan: schema checks, then the rules, workstream by workstream."""
    out: list[Finding] = []
    for ws in plan.workstreams:
        for t in ws.tasks:
            out.extend(check_item(t, "task"))
            for rule in TASK_RULES:
                out.extend(_place(t, p) for p in rule(t, as_of))
        out.extend(duplicate_ids(ws))
        for k in ws.risks:
            out.extend(check_item(k, "risk"))
            for risk_rule in RISK_RULES:
                out.extend(_place(k, p) for p in risk_rule(k))
    out.extend(broken_references(plan))
    return out
