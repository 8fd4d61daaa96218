"""The one interpreter for "date to complete" entries, as people really write them.

Leads type deadlines as text far more often than as Excel dates. Every entry is read into a
:class:`DateReading` that keeps the raw text and says how it was read:

=========================================  ===========  ====================================
written                                     kind         deadline
=========================================  ===========  ====================================
an Excel date; ``2018-09-30``               date         that day
``30-Apr-18``, ``30 April 2018``,           date         that day (day first, UK order)
``29/10/18``, ``17.09.2018``
``Sep-18``, ``Sept 2018``, ``September      date         last day of that month
2018``, ``by October 2018``, ``end of
March 2019``
``Mid April 2018``                          date         the 15th
``Early April 2018``                        date         the 10th
``October/ November 2018``                  date         the later month's last day
``Pilot – July 2018; Full Rollout           date         the final milestone (latest date)
October 2018.``
``2019``, ``end of 2019``                   date         31 December of that year
``From February 2019``, ``April 2019        ongoing      none: never overdue
onwards``, ``Commences … on 20th June 2018``, ``Ongoing``, ``On-going``,
``6 monthly``, ``Monthly``, ``Quarterly``
``Complete``, ``Completed``                 complete     none: a status, not a date
empty                                       empty        none
anything else (``TBC``, ``Q3``,             unparseable  none: reported, never guessed
``31/02/2019``, ``Autumn``)
=========================================  ===========  ====================================

A real Excel date on the 1st of a month is read as the month's last day: Excel stores a typed
``Sep-18`` as 1 September, and the template shows these columns as month-year.
A number is read as an Excel serial date only when it falls in 2000–2099 (36526–73050);
other numbers are unparseable. Two-digit years are 20YY.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

DATE = "date"
ONGOING = "ongoing"
COMPLETE = "complete"
EMPTY = "empty"
UNPARSEABLE = "unparseable"

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:20)?\d{2}"

_COMPLETE = {"complete", "completed", "done", "achieved", "closed"}
_ONGOING = {
    "ongoing", "on going", "on-going", "continuous", "continuing", "business as usual",
    "monthly", "quarterly", "weekly", "annually", "annual", "yearly", "6 monthly",
    "six monthly", "3 monthly", "three monthly", "bi-monthly", "bimonthly", "6-monthly",
    "bi-annually", "biannually",
}

# Month [year]; optional qualifier (mid / early / end of / by) in front.
_QUAL = (r"(?P<q>mid|middle of|early|beginning of|start of|late|end of|end|by end of"
         r"|by the end of|by|before|no later than)")
_MONTH_YEAR = re.compile(
    rf"^(?:{_QUAL}[\s-]+)?(?P<m>{_MONTH_RE})\.?(?:[\s'-]+|-?)(?P<y>{_YEAR})$"
)
_MONTH_PAIR = re.compile(
    rf"^(?P<m1>{_MONTH_RE})\.?\s*(?:/|-|to|or|&|and)\s*(?P<m2>{_MONTH_RE})\.?[\s'-]+(?P<y>{_YEAR})$"
)
_DAY_MONTH_YEAR = re.compile(
    rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+(?:of\s+)?(?P<m>{_MONTH_RE})\.?[\s,-]+(?P<y>{_YEAR})$"
)
_NUMERIC_DMY = re.compile(r"^(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{2}|\d{4})$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[t ]\d{2}:\d{2}(?::\d{2})?)?$")
_YEAR_ONLY = re.compile(r"^(?:(?:end of|by end of|by|during)\s+)?(?P<y>20\d{2})$")
_FROM = re.compile(r"^(?:from|starting|commencing|beginning)\s+(?P<rest>.+)$")
# "Commences with a launch event on 20th June 2018": a start, not a deadline.
_COMMENCES = re.compile(
    r"^(?:commences|commencing|starts|starting|begins|beginning|launch(?:es)?)\b.*?\b(?:on|in|from)\s+(?P<rest>.+)$")
_ONWARDS = re.compile(r"^(?P<rest>.+?)\s+(?:onwards|onward|and beyond|ongoing|on-going)$")
_LABEL = re.compile(r"^[a-z][a-z &]*?\s*[-:]\s*(?P<rest>.+)$")

_EXCEL_MIN, _EXCEL_MAX = 36526, 73050  # 2000-01-01 .. 2099-12-31 in the 1900 system


@dataclass(frozen=True)
class DateReading:
    """How one date entry was read. ``raw`` is always what the cell held, as text."""

    raw: str
    kind: str
    date: date | None = None
    rule: str = ""

    @property
    def has_deadline(self) -> bool:
        return self.kind == DATE and self.date is not None

    def to_json(self) -> dict:
        out: dict = {"raw": self.raw, "kind": self.kind}
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.rule:
            out["rule"] = self.rule
        return out


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if y < 100 else y


@lru_cache(maxsize=2048)
def _end_of_month(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _normalise(text: str) -> str:
    s = text.replace("\u00a0", " ").replace("\u2013", "-").replace("\u2014", "-")
    s = s.replace("\u2019", "'").replace("\u2212", "-")
    s = re.sub(r"\s+", " ", s).strip().lower()
    return s.rstrip(".;,").strip()


def _one(s: str) -> tuple[date, str] | None:
    """Read a single date expression; None when it is not one."""
    if m := _ISO.match(s):
        try:
            return date(int(m["y"]), int(m["m"]), int(m["d"])), "iso date"
        except ValueError:
            return None
    if m := _DAY_MONTH_YEAR.match(s):
        try:
            return date(_year(m["y"]), _MONTHS[m["m"]], int(m["d"])), "day month year"
        except ValueError:
            return None
    if m := _NUMERIC_DMY.match(s):
        try:
            return date(_year(m["y"]), int(m["m"]), int(m["d"])), "day/month/year (UK order)"
        except ValueError:
            return None
    if m := _MONTH_YEAR.match(s):
        y, mo, q = _year(m["y"]), _MONTHS[m["m"]], (m["q"] or "")
        if q in ("mid", "middle of"):
            return date(y, mo, 15), "mid-month: the 15th"
        if q in ("early", "beginning of", "start of"):
            return date(y, mo, 10), "early in the month: the 10th"
        if q == "before":
            return date(y, mo, 1) - timedelta(days=1), "before the month: the day before it"
        return _end_of_month(y, mo), "month: its last day"
    if m := _MONTH_PAIR.match(s):
        y = _year(m["y"])
        mo = max(_MONTHS[m["m1"]], _MONTHS[m["m2"]])
        return _end_of_month(y, mo), "two months: the later one's last day"
    if m := _YEAR_ONLY.match(s):
        return date(int(m["y"]), 12, 31), "year: 31 December"
    return None


def _milestones(s: str) -> tuple[date, str] | None:
    """``Pilot - July 2018; Full Rollout October 2018`` -> the final milestone."""
    parts = [p.strip() for p in re.split(r"[;\n]|,(?=\s*[a-z])", s) if p.strip()]
    if len(parts) < 2:
        return None
    found = []
    for part in parts:
        part = part.rstrip(".").strip()
        if part is parts[-1] and found and part in _ONGOING:
            return None  # "…; Ongoing": handled by the caller as no deadline
        hit = _one(part)
        if hit is None and (m := _LABEL.match(part)):
            hit = _one(m["rest"].strip())
        if hit is None:
            # "Full Rollout October 2018": a label of words, then a date at the end.
            m = re.match(
                rf"^[a-z][a-z &]*?\s+(?P<rest>(?:mid |early |end of )?(?:{_MONTH_RE})\b.*)$",
                part)
            hit = _one(m["rest"]) if m else None
        if hit is None:
            return None
        found.append(hit[0])
    return max(found), "several milestones: the final one"


def _excel_date(raw: str, d: date) -> DateReading:
    """A real Excel date. Typing ``Sep-18`` makes Excel store 1 September and show
    ``Sep-18`` in the template's month-year columns: the lead means the month, so a date on
    the 1st is read as the end of its month. Any other day is that day."""
    if d.day == 1:
        return DateReading(raw, DATE, _end_of_month(d.year, d.month),
                           "Excel date on the 1st: the month's last day")
    return DateReading(raw, DATE, d, "Excel date")


#: the reading of an empty cell (readings are frozen: one object serves every empty cell)
NO_DATE = DateReading("", EMPTY)


def interpret(value: object) -> DateReading:
    """Read one cell's value (text, Excel date, number or None) into a :class:`DateReading`.
    The same value gives the same (frozen) reading: a plan repeats its dates, so the
    readings are shared (60,000 date cells of a 20,000-task plan hold a few thousand)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_DATE
    try:
        return _interpret(value)
    except TypeError:  # not hashable: never from a cell, but read it all the same
        return _interpret.__wrapped__(value)


@lru_cache(maxsize=8192, typed=True)  # typed: True, 1 and 1.0 are three different cells
def _interpret(value: object) -> DateReading:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _excel_date(value.isoformat(), value)
    if isinstance(value, bool):
        return DateReading(str(value).upper(), UNPARSEABLE)
    if isinstance(value, int | float):
        raw = f"{value:g}" if isinstance(value, float) else str(value)
        if _EXCEL_MIN <= value <= _EXCEL_MAX:
            return _excel_date(raw, date(1899, 12, 30) + timedelta(days=int(value)))
        return DateReading(raw, UNPARSEABLE)
    raw = str(value)
    s = _normalise(raw)
    if s in _COMPLETE:
        return DateReading(raw, COMPLETE, None, "status: complete")
    if s in _ONGOING:
        return DateReading(raw, ONGOING, None, "no fixed deadline")
    if m := _FROM.match(s):
        if _one(m["rest"].strip()):
            return DateReading(raw, ONGOING, None, "a start date, no deadline")
    if (m := _COMMENCES.match(s)) and _one(m["rest"].strip()):
        return DateReading(raw, ONGOING, None, "a start date, no deadline")
    if m := _ONWARDS.match(s):
        if _one(m["rest"].strip()):
            return DateReading(raw, ONGOING, None, "a start date, no deadline")
    if hit := _one(s):
        return DateReading(raw, DATE, hit[0], hit[1])
    if hit := _milestones(s):
        return DateReading(raw, DATE, hit[0], hit[1])
    parts = [p.strip() for p in re.split(r"[;\n]", s) if p.strip()]
    if len(parts) >= 2 and parts[-1] in _ONGOING and (
            _one(parts[-2]) or _milestones(parts[-2] + "; " + parts[-2]) or re.search(
                rf"\b(?:{_MONTH_RE})\b[\s'-]*{_YEAR}$", parts[-2])):
        return DateReading(raw, ONGOING, None, "milestones, then ongoing: no deadline")
    return DateReading(raw, UNPARSEABLE)
