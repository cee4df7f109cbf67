"""Properties of working-day arithmetic (domain/working_days.py) over the whole official calendar
that chinesecalendar covers (2004-2026, 调休 included) and the Monday–Friday fallback after it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tidu_whistle.domain.working_days import (
    SHANGHAI,
    add_working_days,
    is_working_day,
    package_years,
    previous_working_day,
    working_days_between,
)

FIRST, LAST = date(package_years().start, 1, 1), date(package_years().stop, 12, 31)  # one fallback year too
days = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=0, max_value=40)
fast = settings(max_examples=50, deadline=None)


@fast
@given(days, st.integers(min_value=1, max_value=40))
def test_adding_working_days_lands_on_a_working_day_after_the_start(start: date, n: int) -> None:
    due = add_working_days(start, n).due_date
    assert due > start
    assert is_working_day(due)


@fast
@given(days)
def test_adding_zero_working_days_is_the_start_date(start: date) -> None:
    assert add_working_days(start, 0).due_date == start


@fast
@given(days, counts, counts)
def test_adding_is_monotone_in_n(start: date, n: int, m: int) -> None:
    small, large = sorted((n, m))
    assert add_working_days(start, small).due_date <= add_working_days(start, large).due_date
    if small < large:
        assert add_working_days(start, small).due_date < add_working_days(start, large).due_date


@fast
@given(days, counts, counts)
def test_adding_n_then_m_is_adding_n_plus_m(start: date, n: int, m: int) -> None:
    step = add_working_days(add_working_days(start, n).due_date, m).due_date
    assert step == add_working_days(start, n + m).due_date


@fast
@given(days, counts)
def test_counting_between_inverts_adding(start: date, n: int) -> None:
    due = add_working_days(start, n).due_date
    assert working_days_between(start, due).days == n
    assert working_days_between(due, start).days == -n


@fast
@given(days, days)
def test_count_between_is_antisymmetric_and_counts_working_days(a: date, b: date) -> None:
    lo, hi = sorted((a, b))
    if (hi - lo).days > 120:
        hi = lo + timedelta(days=120)
    expected = sum(1 for k in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=k)))
    assert working_days_between(lo, hi).days == expected
    assert working_days_between(hi, lo).days == -expected


@fast
@given(days, counts, st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_the_hour_of_the_start_never_changes_the_due_date(start: date, n: int, hour: int, minute: int) -> None:
    moment = datetime(start.year, start.month, start.day, hour, minute, tzinfo=SHANGHAI)
    assert add_working_days(moment, n).due_date == add_working_days(start, n).due_date


@fast
@given(days)
def test_previous_working_day_is_one_working_day_back(day: date) -> None:
    before = previous_working_day(day)
    assert before < day
    assert is_working_day(before)
    assert add_working_days(before, 1).due_date >= day or not is_working_day(day)
    # nothing between them is a working day
    assert working_days_between(before, day - timedelta(days=1)).days == 0


@fast
@given(st.dates(min_value=date(package_years().stop, 1, 1), max_value=date(package_years().stop + 2, 12, 31)), counts)
def test_beyond_the_package_the_fallback_is_flagged_and_counts_weekdays(start: date, n: int) -> None:
    deadline = add_working_days(start, n)
    assert deadline.due_date.weekday() < 5 or n == 0
    assert deadline.calendar_fallback == (n > 0)
