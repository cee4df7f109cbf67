"""Working-day arithmetic on China's official calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.working_days import (
    SHANGHAI,
    CalendarSource,
    OfficialYear,
    WorkingCalendar,
    add_working_days,
    extend_deadline,
    fallback_notice,
    is_working_day,
    load_official_years,
    package_years,
    previous_working_day,
    working_days_between,
)

LAST_PACKAGE_YEAR = package_years()[-1]


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


# -- the official calendar -----------------------------------------------------------------


def test_tiaoxiu_weekend_is_a_working_day_and_national_day_is_not() -> None:
    assert is_working_day(date(2025, 9, 28))  # Sunday, 调休
    assert is_working_day(date(2025, 10, 11))  # Saturday, 调休
    assert not any(is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert not is_working_day(date(2025, 9, 27))  # an ordinary Saturday


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (sh(2025, 9, 26, 10, 0), 1, date(2025, 9, 28)),  # Friday → Sunday 调休
        (sh(2025, 9, 26, 10, 0), 10, date(2025, 10, 16)),
        (sh(2025, 9, 30, 18, 0), 1, date(2025, 10, 9)),  # across National Day
        (sh(2025, 9, 27, 9, 0), 1, date(2025, 9, 28)),  # routed on a Saturday
        (sh(2025, 10, 3, 9, 0), 2, date(2025, 10, 10)),  # routed in the holiday
        (sh(2025, 9, 29, 0, 0), 1, date(2025, 9, 30)),  # midnight still counts as that day
        (sh(2025, 9, 29, 23, 59), 1, date(2025, 9, 30)),
        (sh(2026, 2, 13, 17, 0), 1, date(2026, 2, 14)),  # 2026 Spring Festival: Saturday 02-14 works
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # a bare date is a Shanghai date
    ],
)
def test_add_working_days_examples(start: datetime | date, n: int, due: date) -> None:
    deadline = add_working_days(start, n)
    assert deadline.due_date == due
    assert deadline.due == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=SHANGHAI)
    assert not deadline.calendar_fallback and deadline.notice is None


def test_zero_days_is_the_end_of_the_start_day() -> None:
    deadline = add_working_days(sh(2025, 10, 4, 12, 0), 0)
    assert deadline.due_date == date(2025, 10, 4)


def test_instants_are_judged_on_the_shanghai_date() -> None:
    # 17:30 UTC on 09-28 is 01:30 on 09-29 in Shanghai
    deadline = add_working_days(datetime(2025, 9, 28, 17, 30, tzinfo=UTC), 1)
    assert deadline.start == sh(2025, 9, 29, 1, 30)
    assert deadline.due_date == date(2025, 9, 30)
    # New York evening of 09-29 is already 09-30 in Shanghai
    ny = timezone(timedelta(hours=-4))
    assert add_working_days(datetime(2025, 9, 29, 20, 0, tzinfo=ny), 1).due_date == date(2025, 10, 9)


def test_overdue_is_after_the_whole_due_date() -> None:
    deadline = add_working_days(sh(2025, 9, 26, 10), 1)
    assert not deadline.is_overdue(sh(2025, 9, 28, 23, 59, 59))
    assert deadline.met_by(datetime(2025, 9, 28, 15, 59, 59, 999999, tzinfo=UTC))
    assert deadline.is_overdue(sh(2025, 9, 29, 0, 0))
    assert deadline.is_overdue(datetime(2025, 9, 28, 16, 0, tzinfo=UTC))


def test_refuses_naive_datetimes_and_bad_n() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_working_days(datetime(2025, 9, 26, 10), 1)
    for bad in (-1, True, 1.5):
        with pytest.raises(ValueError, match="non-negative"):
            add_working_days(sh(2025, 9, 26), bad)  # type: ignore[arg-type]


# -- past the package's data -----------------------------------------------------------------


def test_package_raises_past_its_data_and_we_fall_back() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(LAST_PACKAGE_YEAR + 1, 1, 4))
    deadline = add_working_days(sh(LAST_PACKAGE_YEAR, 12, 31, 9), 1)
    # 2027-01-01 is a Friday: Monday–Friday fallback counts it although it will surely be a holiday
    assert deadline.due_date == date(LAST_PACKAGE_YEAR + 1, 1, 1)
    assert deadline.calendar_fallback
    assert deadline.fallback_years == (LAST_PACKAGE_YEAR + 1,)
    assert str(LAST_PACKAGE_YEAR + 1) in (deadline.notice or "")
    assert deadline.to_dict()["calendar_fallback"] is True


def test_operator_loaded_year_overrides_the_fallback() -> None:
    year = LAST_PACKAGE_YEAR + 1
    loaded = load_official_years(
        {
            str(year): {
                "holidays": [f"{year}-01-01", date(year, 1, 2), date(year, 1, 3)],
                "workdays": [],
                "source": "国办发明电〔2026〕N号",
            }
        }
    )
    calendar = WorkingCalendar().with_years(*loaded)
    deadline = add_working_days(sh(year - 1, 12, 31, 9), 1, calendar)
    assert deadline.due_date == date(year, 1, 4)
    assert not deadline.calendar_fallback
    assert calendar.classify(date(year, 1, 1)) == (False, CalendarSource.OPERATOR)
    assert calendar.covers(year) and not WorkingCalendar().covers(year)
    # a year after the loaded one still falls back
    assert add_working_days(sh(year, 12, 31, 9), 1, calendar).fallback_years == (year + 1,)


def test_operator_year_wins_inside_the_package_range_too() -> None:
    correction = OfficialYear(2025, holidays=frozenset({date(2025, 9, 29)}))
    calendar = WorkingCalendar().with_years(correction)
    assert not calendar.is_working_day(date(2025, 9, 29))
    assert not calendar.is_working_day(date(2025, 9, 28))  # the operator's year has no 调休 listed


def test_operator_workday_adjustment_on_a_weekend() -> None:
    year = LAST_PACKAGE_YEAR + 1
    saturday = next(date(year, 2, d) for d in range(1, 8) if date(year, 2, d).weekday() == 5)
    calendar = WorkingCalendar().with_years(OfficialYear(year, workdays=frozenset({saturday})))
    assert calendar.is_working_day(saturday)


@pytest.mark.parametrize(
    "data",
    [
        {2027: {"holidays": ["2028-01-01"]}},  # outside the year
        {2027: {"holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}},  # both
        {2027: {"workdays": ["2027-02-08"]}},  # a Monday cannot be a 调休 working day
        {2027: {"holidays": ["not a date"]}},
        {2027: {"holidays": "2027-01-01"}},
        {2027: {"holiday": ["2027-01-01"]}},  # unknown key
        {"year": {"holidays": []}},
        {2027: {"holidays": [datetime(2027, 1, 1, tzinfo=SHANGHAI)]}},
    ],
)
def test_operator_data_is_validated(data: dict) -> None:
    with pytest.raises(DomainError) as err:
        load_official_years(data)
    assert err.value.code is ErrorCode.INVALID_CALENDAR


def test_fallback_notice_lists_years() -> None:
    assert fallback_notice([]) is None
    assert "2027、2028" in (fallback_notice([2028, 2027, 2027]) or "")


# -- between, extend, previous -----------------------------------------------------------------


def test_working_days_between() -> None:
    assert working_days_between(sh(2025, 9, 26, 10), sh(2025, 10, 16, 9)).days == 10
    assert working_days_between(sh(2025, 10, 16, 9), sh(2025, 9, 26, 10)).days == -10
    assert working_days_between(sh(2025, 10, 1), sh(2025, 10, 8, 23)).days == 0
    assert working_days_between(date(2025, 9, 26), date(2025, 9, 26)).days == 0
    count = working_days_between(date(LAST_PACKAGE_YEAR, 12, 30), date(LAST_PACKAGE_YEAR + 1, 1, 8))
    assert count.calendar_fallback and count.fallback_years == (LAST_PACKAGE_YEAR + 1,)


def test_extend_deadline_counts_from_the_old_due_date() -> None:
    deadline = add_working_days(sh(2025, 9, 26, 10), 1)  # 09-28
    moved = extend_deadline(deadline, 2)
    assert moved.due_date == date(2025, 9, 30)
    assert (moved.start, moved.working_days) == (deadline.start, 3)
    assert extend_deadline(deadline, 3).due_date == date(2025, 10, 9)


def test_previous_working_day() -> None:
    assert previous_working_day(date(2025, 10, 9)) == date(2025, 9, 30)
    assert previous_working_day(date(2025, 9, 29)) == date(2025, 9, 28)


# -- properties ----------------------------------------------------------------------------------

days = st.dates(min_value=date(2004, 1, 1), max_value=date(LAST_PACKAGE_YEAR + 2, 6, 30))
counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(start=days, n=counts)
def test_property_result_is_a_working_day_and_counts_exactly_n(start: date, n: int) -> None:
    deadline = add_working_days(start, n)
    if n > 0:
        assert is_working_day(deadline.due_date)
        assert deadline.due_date > start
        # every working day strictly after start up to the due date is counted: exactly n
        assert working_days_between(start, deadline.due_date).days == n
        # no working day is skipped: one day earlier there were n - 1
        assert working_days_between(start, deadline.due_date - timedelta(days=1)).days == n - 1
    else:
        assert deadline.due_date == start
    assert deadline.calendar_fallback == (n > 0 and deadline.due_date.year > LAST_PACKAGE_YEAR)


@settings(max_examples=200, deadline=None)
@given(start=days, n=counts)
def test_property_monotone_in_n(start: date, n: int) -> None:
    assert add_working_days(start, n + 1).due_date > add_working_days(start, n).due_date


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2004, 1, 1), max_value=date(LAST_PACKAGE_YEAR, 10, 31)), n=counts)
def test_property_agrees_with_a_brute_force_count_on_the_package(start: date, n: int) -> None:
    deadline = add_working_days(start, n)
    if deadline.due_date.year > LAST_PACKAGE_YEAR:
        return
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    assert deadline.due_date == day


@settings(max_examples=100, deadline=None)
@given(start=days, n=counts, m=st.integers(min_value=0, max_value=20))
def test_property_additive(start: date, n: int, m: int) -> None:
    """n then m more working days == n + m working days."""
    first = add_working_days(start, n)
    assert extend_deadline(first, m).due_date == add_working_days(start, n + m).due_date
