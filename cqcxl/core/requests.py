"""Timescale change requests and the Board's decision on them, read from what leads type.

Only text that states a new date, asks for a removal, or asks to change the timescale is a
request; ``N/A``, ``none``, ``-`` and the like are not (they used to take a task out of the
overdue count). The *Decision* column records the Board's answer: ``Requested`` (or empty),
``Agreed 29-Nov-18`` or ``Declined 29-Nov-18`` — the word, then the date of the Board
meeting. The rules and the cover read requests only through :func:`request_of`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .dates import interpret

#: What people type to mean "no request" (folded: lower case, spaces squeezed).
NOTHING = frozenset({
    "", "n/a", "na", "n.a.", "none", "no", "nil", "-", "--", "---", "\u2013", "\u2014", ".",
    "0", "not applicable", "not required", "no change", "no changes", "no request",
    "none requested", "no change requested", "nothing", "tbc", "?",
})
REQUESTED, AGREED, DECLINED = "Requested", "Agreed", "Declined"
DECISIONS = (REQUESTED, AGREED, DECLINED)

_REMOVAL = re.compile(r"\b(remove|removal|delete|withdraw|no longer|take out|close down)\b",
                      re.I)
_CHANGE = re.compile(r"\b(change|extend|extension|move|revise|delay|defer|postpone|push back"
                     r"|new date|reschedule|re-schedule|slip)\w*", re.I)
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE_IN_TEXT = re.compile(
    rf"\b(?:(?:mid|early|end of|by|by end of)\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?"
    rf"(?:{_MONTHS})\.?[\s'-]*(?:20)?\d{{2}}\b"
    r"|\b\d{1,2}/\d{1,2}/(?:20)?\d{2}\b", re.I)
_YEAR_IN_TEXT = re.compile(r"\b(20\d{2})\b(?!\s*/)")
_DECISION = re.compile(r"^\s*(requested|request|pending|agreed|approved|declined|rejected|"
                       r"refused|not agreed)\b[\s:,.-]*(?:(?:on|at|by)\s+)?(?P<rest>.*)$", re.I)
_WORD = {"requested": REQUESTED, "request": REQUESTED, "pending": REQUESTED,
         "agreed": AGREED, "approved": AGREED, "declined": DECLINED, "rejected": DECLINED,
         "refused": DECLINED, "not agreed": DECLINED}

CHANGE_REQUEST_RULE = (
    "A Timescale change request counts only when it states the new date asked for (e.g. "
    "'Change timescale to March 2019'), asks to remove the task ('Remove from action plan "
    "…'), or asks to change the timescale with the new date in Revised date. 'N/A', 'none', "
    "'-' and the like are not requests: an overdue task with one of those is still overdue. "
    "A revised date earlier than the date to complete, or already past, is an error. "
    "Decision: Requested until the Board decides, then 'Agreed' or 'Declined' with the date "
    "of the Board meeting (e.g. 'Agreed 29-Nov-18'). A declined request no longer moves the "
    "deadline; an agreed removal takes the task out of every count and lists it on the "
    "cover as removed."
)


def fold(value: str) -> str:
    return " ".join(value.split()).lower()


def date_in_text(value: str) -> date | None:
    """The first date a sentence states ('… to March 2019', '… to 2019'), or None."""
    for m in _DATE_IN_TEXT.finditer(value):
        r = interpret(m[0])
        if r.has_deadline:
            return r.date
    m = _YEAR_IN_TEXT.search(value)
    return date(int(m[1]), 12, 31) if m else None


@dataclass(frozen=True)
class Request:
    """A task's change request as read: what kind, the date it states, and the decision."""

    #: "" (empty), "nothing" (N/A, none, -), "unclear", "date", "removal" or "change"
    kind: str
    #: the new date the text states, if any
    asked: date | None = None
    #: Requested, Agreed, Declined, or "" when there is no request; "unreadable" when the
    #: Decision cell says something else
    status: str = ""
    #: the date of the Board meeting that decided
    decided: date | None = None
    decision_raw: str = ""

    @property
    def is_request(self) -> bool:
        return self.kind in ("date", "removal", "change")

    @property
    def counts(self) -> bool:
        """A request that takes an overdue task out of the overdue count: not declined."""
        return self.is_request and self.status != DECLINED

    @property
    def agreed(self) -> bool:
        return self.is_request and self.status == AGREED

    @property
    def declined(self) -> bool:
        return self.is_request and self.status == DECLINED

    @property
    def removal_agreed(self) -> bool:
        return self.kind == "removal" and self.status == AGREED

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind or "empty", "status": self.status or "none"}
        if self.asked:
            out["asked"] = self.asked.isoformat()
        if self.decided:
            out["decided"] = self.decided.isoformat()
        return out


def read_decision(raw: str, is_request: bool) -> tuple[str, date | None]:
    s = raw.strip()
    if not s:
        return (REQUESTED if is_request else ""), None
    m = _DECISION.match(s)
    if not m:
        return "unreadable", None
    word = _WORD[" ".join(m[1].lower().split())]
    rest = m["rest"].strip().rstrip(".")
    when = None
    if rest:
        r = interpret(rest)
        when = r.date if r.has_deadline else None
    return word, when


def read_request(change_request: str, decision: str = "") -> Request:
    s = fold(change_request)
    if not s:
        kind = ""
    elif s in NOTHING:
        kind = "nothing"
    elif _REMOVAL.search(s):
        kind = "removal"
    elif date_in_text(s) is not None:
        kind = "date"
    elif _CHANGE.search(s):
        kind = "change"
    else:
        kind = "unclear"
    asked = date_in_text(change_request) if kind in ("date", "change") else None
    status, decided = read_decision(decision, kind in ("date", "removal", "change"))
    return Request(kind, asked, status, decided, decision.strip())


def request_of(task) -> Request:
    """The request of a :class:`~cqcxl.core.model.KeyTask`."""
    return _read_request(task.change_request, task.decision)


@lru_cache(maxsize=8192)
def _read_request(change_request: str, decision: str) -> Request:
    """:func:`read_request`, each (request, decision) pair read once and shared (a Request
    is frozen): most tasks have none, and 20,000 tasks are read at once."""
    return read_request(change_request, decision)
