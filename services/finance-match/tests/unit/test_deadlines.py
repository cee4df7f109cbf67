"""First-response deadlines on China's working-day calendar, with the Monday–Friday fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tidu_finance_match.domain.deadlines import (
    CHINA_TZ,
    DeadlineState,
    OfficialYear,
    WorkingCalendar,
    add_working_days,
    deadline_state,
    first_response_deadline,
    working_days_between,
)


def cst(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=CHINA_TZ)


def test_ordinary_week_friday_plus_three_is_wednesday():
    dl = first_response_deadline(cst(2025, 6, 13), 3)  # Friday
    assert dl.due_at == datetime(2025, 6, 18, 23, 59, 59, tzinfo=CHINA_TZ)
    assert dl.remind_at == cst(2025, 6, 18, 9)
    assert dl.escalate_at == dl.due_at
    assert not dl.calendar_fallback and dl.note_zh is None


def test_national_day_holiday_and_adjusted_weekend_days():
    # 2025: Sun 09-28 is a working day; 10-01..10-08 are holidays; Sat 10-11 is a working day.
    assert add_working_days(date(2025, 9, 26), 1) == (date(2025, 9, 28), False)
    assert add_working_days(date(2025, 9, 30), 1) == (date(2025, 10, 9), False)
    assert add_working_days(date(2025, 9, 30), 3) == (date(2025, 10, 11), False)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == (3, False)


def test_push_time_is_read_in_china_time():
    # 2025-06-05 20:00 UTC is Friday 2025-06-06 04:00 in Chongqing.
    dl = first_response_deadline(datetime(2025, 6, 5, 20, 0, tzinfo=UTC), 1)
    assert dl.due_at.date() == date(2025, 6, 9)  # Monday


def test_past_the_package_data_falls_back_to_monday_friday_and_says_so():
    dl = first_response_deadline(cst(2026, 12, 30), 3)
    assert dl.due_at.date() == date(2027, 1, 4)
    assert dl.calendar_fallback
    assert "2027" in dl.note_zh and "Monday-Friday" in dl.note_en


def test_operator_loaded_official_year_replaces_the_fallback():
    cal = WorkingCalendar.with_years(
        [OfficialYear(2027, holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 1, 9)}))]
    )
    assert add_working_days(date(2026, 12, 31), 1, cal) == (date(2027, 1, 4), False)
    assert cal.is_working_day(date(2027, 1, 9)) == (True, False)  # an adjusted Saturday
    dl = first_response_deadline(cst(2026, 12, 30), 3, cal)
    assert dl.due_at.date() == date(2027, 1, 5)
    assert not dl.calendar_fallback


def test_deadline_states():
    dl = first_response_deadline(cst(2025, 6, 13), 3)
    assert deadline_state(dl, cst(2025, 6, 17, 18), None) is DeadlineState.PENDING
    assert deadline_state(dl, cst(2025, 6, 18, 9), None) is DeadlineState.REMIND
    assert deadline_state(dl, datetime(2025, 6, 18, 23, 59, 59, tzinfo=CHINA_TZ), None) is DeadlineState.REMIND
    assert deadline_state(dl, cst(2025, 6, 19, 0), None) is DeadlineState.LAPSED
    assert deadline_state(dl, cst(2025, 6, 30), cst(2025, 6, 18, 20)) is DeadlineState.MET
    assert deadline_state(dl, cst(2025, 6, 30), cst(2025, 6, 19, 8)) is DeadlineState.MET_LATE


def test_guards():
    with pytest.raises(ValueError, match="timezone-aware"):
        first_response_deadline(datetime(2025, 6, 1), 3)
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2025, 6, 1), 0)
    assert working_days_between(date(2025, 6, 2), date(2025, 6, 2) - timedelta(days=3)) == (0, False)
