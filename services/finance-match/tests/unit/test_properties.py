"""Properties of the first-response deadline arithmetic (domain/deadlines.py) over the official
calendar chinesecalendar covers (2004-2026, 调休 included) and the Monday–Friday fallback after it."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from tidu_finance_match.domain.deadlines import DEFAULT_CALENDAR, add_working_days, working_days_between

LAST_OFFICIAL = max(d.year for d in chinese_calendar.holidays)
days = st.dates(min_value=date(2004, 1, 1), max_value=date(LAST_OFFICIAL + 1, 12, 31))
counts = st.integers(min_value=1, max_value=40)
fast = settings(max_examples=50, deadline=None)


def working(day: date) -> bool:
    return DEFAULT_CALENDAR.is_working_day(day)[0]


@fast
@given(days, counts)
def test_adding_lands_on_a_working_day_after_the_start(start: date, n: int) -> None:
    due, _ = add_working_days(start, n)
    assert due > start
    assert working(due)
    if start.year <= LAST_OFFICIAL and due.year <= LAST_OFFICIAL:
        assert chinese_calendar.is_workday(due)


@fast
@given(days, counts, counts)
def test_adding_is_strictly_monotone_in_n(start: date, n: int, m: int) -> None:
    if n != m:
        small, large = sorted((n, m))
        assert add_working_days(start, small)[0] < add_working_days(start, large)[0]


@fast
@given(days, counts, counts)
def test_adding_n_then_m_is_adding_n_plus_m(start: date, n: int, m: int) -> None:
    first, _ = add_working_days(start, n)
    assert add_working_days(first, m)[0] == add_working_days(start, n + m)[0]


@fast
@given(days, counts)
def test_counting_between_inverts_adding(start: date, n: int) -> None:
    due, fallback = add_working_days(start, n)
    count, count_fallback = working_days_between(start, due)
    assert count == n
    assert count_fallback == fallback
    assert working_days_between(due, start)[0] == 0  # (start, end] is empty when end precedes start


@fast
@given(days, st.integers(min_value=0, max_value=120))
def test_counting_between_counts_the_working_days_in_the_interval(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    expected = sum(1 for k in range(1, span + 1) if working(start + timedelta(days=k)))
    assert working_days_between(start, end)[0] == expected


@fast
@given(st.dates(min_value=date(LAST_OFFICIAL + 1, 1, 1), max_value=date(LAST_OFFICIAL + 3, 12, 31)), counts)
def test_beyond_the_official_calendar_the_fallback_is_flagged_and_counts_weekdays(start: date, n: int) -> None:
    due, fallback = add_working_days(start, n)
    assert fallback
    assert due.weekday() < 5
