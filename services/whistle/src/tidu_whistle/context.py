"""What the whistle's use cases need besides the database: reference data, the working calendar,
the workflow / SLA policies from the settings, and the clock.

Built in :func:`tidu_whistle.app.create_app` (nothing is read at import time); the reference and
the calendar are loaded on first use (the lifespan warms them up; consumers may start first).
``clock`` is the one source of "now": tests replace it with a fixed or moving clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property

import yaml

from tidu_shared.outbox import utcnow
from tidu_shared.settings import Environment
from tidu_whistle.domain.rating import RatingPolicy
from tidu_whistle.domain.reference import Reference, load_reference
from tidu_whistle.domain.sla import ReminderPolicy, SlaPolicy
from tidu_whistle.domain.state_machine import WorkflowContext, WorkflowPolicy
from tidu_whistle.domain.working_days import (
    DEFAULT_CALENDAR,
    CalendarSource,
    WorkingCalendar,
    load_official_years,
)
from tidu_whistle.settings import Settings

Clock = Callable[[], datetime]


class MemoCalendar(WorkingCalendar):
    """The same calendar, remembering each day's answer: chinesecalendar validates its argument on
    every lookup, and deadlines and sweeps ask about the same few hundred days over and over."""

    def classify(self, day: date) -> tuple[bool, CalendarSource]:
        memo: dict[date, tuple[bool, CalendarSource]] = self.__dict__.setdefault("_memo", {})
        found = memo.get(day)
        if found is None:
            found = memo[day] = super().classify(day)
        return found


class WhistleContext:
    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()

    @property
    def production(self) -> bool:
        return self.settings.environment == Environment.production

    @cached_property
    def reference(self) -> Reference:
        return load_reference(self.settings.reference_dir)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        path = self.settings.calendar_file
        calendar = DEFAULT_CALENDAR
        if path is not None:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            calendar = DEFAULT_CALENDAR.with_years(*load_official_years(data))
        return MemoCalendar(calendar.official_years)

    @cached_property
    def policy(self) -> WorkflowPolicy:
        s = self.settings
        return WorkflowPolicy(
            reopen_window_days=s.reopen_window_days,
            confirm_window_days=s.confirm_window_days,
            max_extensions=s.max_extensions,
            max_extension_working_days=s.max_extension_working_days,
            rating=RatingPolicy(low_threshold=s.low_rating_threshold, on_low=s.low_rating_action),
        )

    @cached_property
    def workflow(self) -> WorkflowContext:
        return WorkflowContext(reference=self.reference, calendar=self.calendar, policy=self.policy)

    @cached_property
    def sla_policy(self) -> SlaPolicy:
        s = self.settings
        return SlaPolicy(
            reminder=ReminderPolicy(working_days_before=s.reminder_working_days_before),
            escalate_on_breach=s.escalate_on_breach,
        )

    @property
    def confirm_window_days(self) -> int | None:
        """None when auto-close is off."""
        return self.settings.confirm_window_days if self.settings.auto_close else None
