"""The date interpreter on every form found in the seeds, and properties on any text."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqcxl.core.dates import COMPLETE, DATE, EMPTY, ONGOING, UNPARSEABLE, interpret

# (as written in seeds/002 and the issue, kind, deadline) — deadlines worked out by hand.
SEED_FORMS = [
    ("Sep-18", DATE, date(2018, 9, 30)),
    ("Oct-18", DATE, date(2018, 10, 31)),
    ("Feb-19", DATE, date(2019, 2, 28)),
    ("September 2018", DATE, date(2018, 9, 30)),
    ("by October 2018", DATE, date(2018, 10, 31)),
    ("30-Apr-18", DATE, date(2018, 4, 30)),
    ("29/10/18", DATE, date(2018, 10, 29)),
    ("20/08/2018", DATE, date(2018, 8, 20)),
    ("01 April 2020", DATE, date(2020, 4, 1)),
    ("Mid April 2018", DATE, date(2018, 4, 15)),
    ("October/ November 2018", DATE, date(2018, 11, 30)),
    ("Pilot – July 2018; Full Rollout October 2018.", DATE, date(2018, 10, 31)),
    ("From February 2019", ONGOING, None),
    ("from September 2018", ONGOING, None),
    ("April 2019 onwards", ONGOING, None),
    ("6 monthly", ONGOING, None),
    ("monthly", ONGOING, None),
    ("Quarterly", ONGOING, None),
    ("Ongoing", ONGOING, None),
    ("on-going", ONGOING, None),
    ("Initial engagement by September 2018; Ongoing", ONGOING, None),
    ("Complete", COMPLETE, None),
    ("", EMPTY, None),
    (None, EMPTY, None),
    ("TBC", UNPARSEABLE, None),
    ("Q3", UNPARSEABLE, None),
    ("31/02/2019", UNPARSEABLE, None),
    ("Autumn 2018", UNPARSEABLE, None),
    ("Commences with a launch event on 20th June 2018", ONGOING, None),
    ("mid November", UNPARSEABLE, None),
]


@pytest.mark.parametrize(("raw", "kind", "deadline"), SEED_FORMS)
def test_seed_forms(raw, kind, deadline):
    r = interpret(raw)
    assert (r.kind, r.date) == (kind, deadline)
    assert r.raw == (raw or "")


def test_real_excel_dates():
    # Excel stores a typed "Sep-18" as 1 September: the lead means the month.
    assert interpret(datetime(2018, 9, 1)).date == date(2018, 9, 30)
    assert interpret(datetime(2018, 4, 30)).date == date(2018, 4, 30)
    assert interpret(date(2019, 3, 14)).date == date(2019, 3, 14)
    # 43404 is 31 October 2018 in Excel's 1900 system
    assert interpret(43404).date == date(2018, 10, 31)
    assert interpret(12).kind == UNPARSEABLE
    assert interpret(True).kind == UNPARSEABLE


def test_never_overdue_without_a_deadline():
    for raw in ("Ongoing", "From February 2019", "Complete", "6 monthly"):
        assert not interpret(raw).has_deadline


@given(st.text(max_size=80))
def test_any_text_is_read_without_error_and_keeps_raw(s):
    r = interpret(s)
    assert r.kind in (DATE, ONGOING, COMPLETE, EMPTY, UNPARSEABLE)
    assert r.raw == ("" if not s.strip() else s)
    assert (r.date is not None) == (r.kind == DATE)
    assert interpret(s) == r  # stable


@given(st.dates(min_value=date(2000, 1, 2), max_value=date(2099, 12, 31)))
def test_day_month_year_text_round_trips(d):
    assert interpret(f"{d.day} {d:%B %Y}").date == d
    assert interpret(f"{d.day:02d}/{d.month:02d}/{d.year}").date == d


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_month_year_is_the_last_day(y, m):
    r = interpret(f"{date(y, m, 1):%b}-{y % 100:02d}")
    assert r.date.month == m and r.date.year == y
    assert (r.date.replace(day=1) + (r.date - r.date.replace(day=1))).day >= 28
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    assert (nxt - r.date).days == 1
