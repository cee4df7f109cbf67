"""Working days on China's official calendar (国务院办公厅 holiday notices, 调休 included).

Definitions (the rest of the service relies on them):

* Everything is judged on the **local date in Asia/Shanghai**. An aware datetime is converted
  to Shanghai time first; a naive datetime is refused (ValueError); a bare ``date`` is taken as
  a Shanghai date.
* A day is a working day when the official calendar says people work that day: Monday–Friday
  that is not a public holiday, plus the weekend days declared working days by 调休 (e.g.
  Sunday 2025-09-28 was a working day; 2025-10-01..08 were holidays).
* ``add_working_days(start, n)``: day 1 is the first working day *strictly after* the start's
  local date — whatever the hour, and whether or not the start date is itself a working day.
  The result is the N-th such day; its deadline instant is **23:59:59 Asia/Shanghai** that day
  (``Deadline.due``). An instant is past the deadline when its Shanghai date is later than
  ``due_date`` (so the whole last second of the day still counts as on time). ``n = 0``
  gives the start's own date (the end of the routing day).
* ``working_days_between(a, b)`` counts the working days ``d`` with ``date(a) < d <= date(b)``
  (negative when ``b`` is before ``a``). It is the inverse of ``add_working_days``:
  ``working_days_between(s, add_working_days(s, n).due_date) == n``.

Where the data comes from, per calendar year, first match wins:

1. an operator-loaded :class:`OfficialYear` (the next year's State Council notice, loaded before
   the ``chinesecalendar`` package has it; it also wins inside the package's range, so an
   operator can correct a year without a release);
2. the ``chinesecalendar`` package (2004-2026 in 1.11; it raises NotImplementedError beyond);
3. the fallback: Monday–Friday are working days. Any day judged this way while computing a
   result sets ``calendar_fallback`` and names its year in ``fallback_years``, so that the
   response can say the deadline is an estimate (:func:`fallback_notice`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

from tidu_whistle.domain.errors import DomainError, ErrorCode

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)


class CalendarSource(StrEnum):
    OPERATOR = "operator"  # an OfficialYear loaded by an operator
    PACKAGE = "package"  # chinesecalendar's data
    FALLBACK = "fallback"  # Monday–Friday, no official data


@dataclass(frozen=True)
class OfficialYear:
    """One year of the State Council's holiday arrangement, as an operator loads it.

    ``holidays``: days off (weekend days inside a holiday period may be listed too);
    ``workdays``: weekend days that are working days (调休). A weekday Mon–Fri is already a
    working day, so listing one in ``workdays`` is refused as a likely typo.
    """

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    source: str = ""  # e.g. the notice's number, 国办发明电〔2026〕N号

    def __post_init__(self) -> None:
        problems: list[str] = []
        for day in sorted(self.holidays | self.workdays):
            if day.year != self.year:
                problems.append(f"{day.isoformat()} is not in {self.year}")
        both = self.holidays & self.workdays
        if both:
            problems.append("both holiday and workday: " + ", ".join(d.isoformat() for d in sorted(both)))
        weekdays = [d for d in self.workdays if d.weekday() < 5]
        if weekdays:
            problems.append(
                "workdays must be weekend days (调休): " + ", ".join(d.isoformat() for d in sorted(weekdays))
            )
        if problems:
            raise DomainError(
                ErrorCode.INVALID_CALENDAR, f"official dates of {self.year} are invalid", problems=problems
            )

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


@cache
def package_years() -> range:
    """The years chinesecalendar knows (computed from its data, not hard-coded)."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class WorkingCalendar:
    """The calendar in use: the package's data plus operator-loaded years."""

    official_years: Mapping[int, OfficialYear] = field(default_factory=lambda: MappingProxyType({}))

    def with_years(self, *years: OfficialYear) -> WorkingCalendar:
        merged = dict(self.official_years)
        merged.update({y.year: y for y in years})
        return WorkingCalendar(MappingProxyType(merged))

    def classify(self, day: date) -> tuple[bool, CalendarSource]:
        """(is it a working day, where the answer came from)."""
        official = self.official_years.get(day.year)
        if official is not None:
            return official.is_working_day(day), CalendarSource.OPERATOR
        if day.year in package_years():
            return bool(chinese_calendar.is_workday(day)), CalendarSource.PACKAGE
        return day.weekday() < 5, CalendarSource.FALLBACK

    def is_working_day(self, day: date) -> bool:
        return self.classify(day)[0]

    def covers(self, year: int) -> bool:
        """True when ``year`` has official data (operator or package), i.e. no fallback."""
        return year in self.official_years or year in package_years()


DEFAULT_CALENDAR = WorkingCalendar()


def load_official_years(data: Mapping[int | str, Mapping[str, object]]) -> tuple[OfficialYear, ...]:
    """Parse operator data ``{2027: {"holidays": [...], "workdays": [...], "source": "..."}}``.

    Dates are ISO strings or ``date`` objects. Raises DomainError(invalid_calendar).
    """
    years: list[OfficialYear] = []
    for raw_year, entry in data.items():
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            raise DomainError(ErrorCode.INVALID_CALENDAR, f"not a year: {raw_year!r}") from None
        unknown = set(entry) - {"holidays", "workdays", "source"}
        if unknown:
            raise DomainError(ErrorCode.INVALID_CALENDAR, f"unknown keys for {year}: {sorted(unknown)}")
        source = entry.get("source", "")
        years.append(
            OfficialYear(
                year=year,
                holidays=_dates(entry.get("holidays", ()), year),
                workdays=_dates(entry.get("workdays", ()), year),
                source=str(source or ""),
            )
        )
    return tuple(years)


def _dates(values: object, year: int) -> frozenset[date]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise DomainError(ErrorCode.INVALID_CALENDAR, f"{year}: expected a list of dates")
    out: set[date] = set()
    for value in values:
        if isinstance(value, datetime):
            raise DomainError(ErrorCode.INVALID_CALENDAR, f"{year}: expected dates, got a datetime")
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value)))
        except ValueError:
            raise DomainError(ErrorCode.INVALID_CALENDAR, f"{year}: not an ISO date: {value!r}") from None
    return frozenset(out)


def local_date(moment: date | datetime) -> date:
    """The Shanghai date of an aware datetime (or the date itself)."""
    if isinstance(moment, datetime):
        return to_shanghai(moment).date()
    return moment


def to_shanghai(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    return moment.astimezone(SHANGHAI)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)


def fallback_notice(years: Iterable[int]) -> str | None:
    """The sentence a response carries when a deadline was estimated Monday–Friday."""
    listed = sorted(set(years))
    if not listed:
        return None
    names = "、".join(str(y) for y in listed)
    return (
        f"{names} 年的官方节假日安排尚未载入，工作日暂按周一至周五计算。"
        f" / Official holidays for {', '.join(str(y) for y in listed)} are not loaded yet;"
        " working days were counted Monday to Friday."
    )


@dataclass(frozen=True)
class Deadline:
    """The end of the N-th working day after ``start``'s date (see the module docstring)."""

    start: datetime  # the instant the clock started (Shanghai time)
    working_days: int
    due_date: date
    calendar_fallback: bool = False
    fallback_years: tuple[int, ...] = ()

    @property
    def due(self) -> datetime:
        """23:59:59 Asia/Shanghai on the due date."""
        return end_of_day(self.due_date)

    def is_overdue(self, now: datetime) -> bool:
        return local_date(now) > self.due_date

    def met_by(self, moment: datetime) -> bool:
        """True when ``moment`` is on or before the deadline."""
        return not self.is_overdue(moment)

    @property
    def notice(self) -> str | None:
        return fallback_notice(self.fallback_years)

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "due_date": self.due_date.isoformat(),
            "due": self.due.isoformat(),
            "calendar_fallback": self.calendar_fallback,
            "fallback_years": list(self.fallback_years),
        }


@dataclass(frozen=True)
class WorkingDayCount:
    days: int
    calendar_fallback: bool = False
    fallback_years: tuple[int, ...] = ()


def _start_instant(start: date | datetime) -> datetime:
    if isinstance(start, datetime):
        return to_shanghai(start)
    return start_of_day(start)


def add_working_days(start: date | datetime, n: int, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadline:
    """The deadline N working days after ``start`` (day 1 = first working day after its date)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    instant = _start_instant(start)
    day = instant.date()
    fallback: set[int] = set()
    counted = 0
    while counted < n:
        day += _ONE_DAY
        working, source = calendar.classify(day)
        if source is CalendarSource.FALLBACK:
            fallback.add(day.year)
        if working:
            counted += 1
    return Deadline(
        start=instant,
        working_days=n,
        due_date=day,
        calendar_fallback=bool(fallback),
        fallback_years=tuple(sorted(fallback)),
    )


def extend_deadline(deadline: Deadline, n: int, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadline:
    """Move a deadline N working days further (an approved extension): same start, later due date."""
    moved = add_working_days(deadline.due_date, n, calendar)
    years = tuple(sorted(set(deadline.fallback_years) | set(moved.fallback_years)))
    return Deadline(
        start=deadline.start,
        working_days=deadline.working_days + n,
        due_date=moved.due_date,
        calendar_fallback=bool(years),
        fallback_years=years,
    )


def working_days_between(
    start: date | datetime, end: date | datetime, calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> WorkingDayCount:
    """Working days d with date(start) < d <= date(end); negative when end precedes start."""
    first, last = local_date(start), local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    fallback: set[int] = set()
    count = 0
    day = first
    while day < last:
        day += _ONE_DAY
        working, source = calendar.classify(day)
        if source is CalendarSource.FALLBACK:
            fallback.add(day.year)
        if working:
            count += 1
    return WorkingDayCount(sign * count, bool(fallback), tuple(sorted(fallback)))


def previous_working_day(day: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """The last working day strictly before ``day``."""
    day -= _ONE_DAY
    while not calendar.is_working_day(day):
        day -= _ONE_DAY
    return day


def is_working_day(moment: date | datetime, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> bool:
    return calendar.is_working_day(local_date(moment))
