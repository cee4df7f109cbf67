"""First-response deadlines in working days, with reminder and escalation times.

An institution must *respond* (accept or decline; viewing is not a response)
within ``Institution.first_response_working_days`` working days of the push.

- Working days follow China's State Council calendar with 调休 (weekend days
  made working days), via the ``chinesecalendar`` package (import name
  ``chinese_calendar``). Its data covers 2004 through its last published year
  (2026 in 1.11) and raises ``NotImplementedError`` beyond. For such dates we
  fall back to Monday–Friday and flag the result (``calendar_fallback=True``
  and a note in Chinese and English), unless an operator has loaded that
  year's official dates (:class:`OfficialYear`), which then take precedence.
- Days are counted in China Standard Time (UTC+8, no DST). The push day itself
  does not count; the deadline is the end (23:59:59 CST) of the N-th working
  day after it. Pushed on a Friday with N = 3 → due Wednesday 23:59:59.
- The reminder is due at 09:00 CST on the last working day (the due day);
  escalation is due when the deadline lapses (``escalate_at = due_at``): the
  case is escalated to the financial office (金融办) and the demand is a
  candidate for the 融资难 path (:mod:`financing_failure`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from types import MappingProxyType

import chinese_calendar

CHINA_TZ = timezone(timedelta(hours=8), "CST")
END_OF_DAY = time(23, 59, 59)
REMINDER_TIME = time(9, 0)


@dataclass(frozen=True, slots=True)
class OfficialYear:
    """A year's official holidays and adjusted working days, as an operator loads them."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()
    """Weekend days that are working days (调休)."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    official_years: Mapping[int, OfficialYear] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def with_years(cls, years: Iterable[OfficialYear]) -> WorkingCalendar:
        return cls(MappingProxyType({y.year: y for y in years}))

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """``(is a working day, decided by the Monday–Friday fallback)``."""
        loaded = self.official_years.get(day.year)
        if loaded is not None:
            if day in loaded.workdays:
                return True, False
            if day in loaded.holidays:
                return False, False
            return day.weekday() < 5, False
        return _package_is_workday(day)


def _package_is_workday(day: date) -> tuple[bool, bool]:
    cached = _CACHE.get(day)
    if cached is None:
        try:
            cached = (bool(chinese_calendar.is_workday(day)), False)
        except NotImplementedError:
            cached = (day.weekday() < 5, True)
        _CACHE[day] = cached
    return cached


_CACHE: dict[date, tuple[bool, bool]] = {}

DEFAULT_CALENDAR = WorkingCalendar()


def add_working_days(start: date, n: int, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> tuple[date, bool]:
    """The n-th working day after ``start`` (``start`` not counted) and whether the fallback decided any day."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, count, fallback = start, 0, False
    while count < n:
        day += timedelta(days=1)
        working, fb = calendar.is_working_day(day)
        fallback = fallback or fb
        if working:
            count += 1
    return day, fallback


def working_days_between(start: date, end: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> tuple[int, bool]:
    """Working days in (start, end]; 0 when end ≤ start."""
    count, fallback, day = 0, False, start
    while day < end:
        day += timedelta(days=1)
        working, fb = calendar.is_working_day(day)
        fallback = fallback or fb
        count += working
    return count, fallback


@dataclass(frozen=True, slots=True)
class ResponseDeadline:
    pushed_at: datetime
    working_days: int
    due_at: datetime
    remind_at: datetime
    escalate_at: datetime
    calendar_fallback: bool
    note_zh: str | None = None
    note_en: str | None = None


def first_response_deadline(
    pushed_at: datetime, working_days: int, calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> ResponseDeadline:
    if pushed_at.tzinfo is None or pushed_at.utcoffset() is None:
        raise ValueError("pushed_at must be timezone-aware")
    local_day = pushed_at.astimezone(CHINA_TZ).date()
    due_day, fallback = add_working_days(local_day, working_days, calendar)
    due_at = datetime.combine(due_day, END_OF_DAY, CHINA_TZ)
    note_zh = note_en = None
    if fallback:
        note_zh = f"节假日数据未覆盖至 {due_day.year} 年，截止日期按周一至周五工作日估算，待导入官方安排后重算"
        note_en = (
            f"official holiday data does not cover {due_day.year}; the deadline assumes Monday-Friday working "
            "days until the official dates are loaded"
        )
    return ResponseDeadline(
        pushed_at=pushed_at,
        working_days=working_days,
        due_at=due_at,
        remind_at=datetime.combine(due_day, REMINDER_TIME, CHINA_TZ),
        escalate_at=due_at,
        calendar_fallback=fallback,
        note_zh=note_zh,
        note_en=note_en,
    )


class DeadlineState(StrEnum):
    PENDING = "pending"
    REMIND = "remind"
    LAPSED = "lapsed"
    MET = "met"
    MET_LATE = "met_late"


def deadline_state(deadline: ResponseDeadline, now: datetime, responded_at: datetime | None) -> DeadlineState:
    """Where a case stands against its deadline: responded (on time or late), or pending / remind / lapsed."""
    if responded_at is not None:
        return DeadlineState.MET if responded_at <= deadline.due_at else DeadlineState.MET_LATE
    if now > deadline.due_at:
        return DeadlineState.LAPSED
    if now >= deadline.remind_at:
        return DeadlineState.REMIND
    return DeadlineState.PENDING
