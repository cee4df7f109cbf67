"""SLA clocks: deadlines per category, reminders, breaches, escalation targets.

Clocks (all in working days, see ``working_days.py`` for the exact arithmetic):

==============  ===========================================  ==================================
clock           started by                                   running in states
==============  ===========================================  ==================================
``dispatch``    send_to_triage, return (check_in days)       triage, returned
``check_in``    route, transfer, escalate (check_in days)    routed, escalated
``resolution``  route, transfer, escalate, reopen            routed, escalated, checked_in,
                (resolve days); moved by approve_extension   in_progress, extension_requested,
                                                             reopened
==============  ===========================================  ==================================

Each new holder gets the category's full period: a transfer or an escalation restarts both
department clocks from that instant, a reopen restarts the resolution clock. An approved
extension moves the resolution due date N working days further (same start). A pending
extension request does not stop the clock.

Reminders: one per running clock, at ``ReminderPolicy.at`` (09:00 Shanghai) on the working day
``working_days_before`` working days before the due date (0 = the morning of the last day),
never before the clock started. Breach: the Shanghai date is after the due date. A breach of
``check_in`` or ``resolution`` escalates (when ``escalate_on_breach`` and there is a level
above); a breach of ``dispatch`` is reported only — the coordinator is already the escalation
authority.

Several scheduler replicas: :func:`due_timers` is a pure function of (issue, now) and every timer
carries a deterministic ``key`` (issue, clock, kind, clock start, due date). The scheduler
records fired keys under a unique constraint (or claims rows with SKIP LOCKED) so that each
reminder / breach fires once; the escalation itself goes through the state machine with the
issue's version, so a second replica gets a version conflict or an illegal transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from tidu_whistle.domain.model import Deadlines, Issue, IssueState
from tidu_whistle.domain.reference import DepartmentCode, Reference
from tidu_whistle.domain.working_days import (
    DEFAULT_CALENDAR,
    SHANGHAI,
    Deadline,
    WorkingCalendar,
    add_working_days,
    extend_deadline,
    previous_working_day,
    start_of_day,
    to_shanghai,
)


class Clock(StrEnum):
    DISPATCH = "dispatch"
    CHECK_IN = "check_in"
    RESOLUTION = "resolution"


class TimerKind(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"


@dataclass(frozen=True)
class ReminderPolicy:
    working_days_before: int = 0
    at: time = time(9, 0)


@dataclass(frozen=True)
class SlaPolicy:
    reminder: ReminderPolicy = field(default_factory=ReminderPolicy)
    escalate_on_breach: bool = True


@dataclass(frozen=True)
class SlaTerms:
    check_in_working_days: int
    resolve_working_days: int


def terms_for(category: str, reference: Reference) -> SlaTerms:
    """The category's terms; the reference defaults for a category no longer in the data."""
    found = reference.categories.get(category)
    if found is None:
        return SlaTerms(reference.default_check_in_working_days, reference.default_resolve_working_days)
    return SlaTerms(found.check_in_working_days, found.resolve_working_days)


# -- starting and moving clocks -----------------------------------------------------------


def routing_clocks(at: datetime, terms: SlaTerms, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadlines:
    """Route / transfer / escalate: check-in and resolution both start now."""
    return Deadlines(
        check_in=add_working_days(at, terms.check_in_working_days, calendar),
        resolution=add_working_days(at, terms.resolve_working_days, calendar),
    )


def dispatch_clock(at: datetime, terms: SlaTerms, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadlines:
    """Triage / return: the coordinator must dispatch within the check-in period."""
    return Deadlines(dispatch=add_working_days(at, terms.check_in_working_days, calendar))


def reopen_clocks(at: datetime, terms: SlaTerms, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadlines:
    """Reopen: the same lead, already checked in, gets a fresh resolution period."""
    return Deadlines(resolution=add_working_days(at, terms.resolve_working_days, calendar))


def extended(deadlines: Deadlines, working_days: int, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadlines:
    if deadlines.resolution is None:
        return deadlines
    return Deadlines(
        dispatch=deadlines.dispatch,
        check_in=deadlines.check_in,
        resolution=extend_deadline(deadlines.resolution, working_days, calendar),
    )


# -- which clocks run ---------------------------------------------------------------------

_RUNNING: dict[IssueState, tuple[Clock, ...]] = {
    IssueState.TRIAGE: (Clock.DISPATCH,),
    IssueState.RETURNED: (Clock.DISPATCH,),
    IssueState.ROUTED: (Clock.CHECK_IN, Clock.RESOLUTION),
    IssueState.ESCALATED: (Clock.CHECK_IN, Clock.RESOLUTION),
    IssueState.CHECKED_IN: (Clock.RESOLUTION,),
    IssueState.IN_PROGRESS: (Clock.RESOLUTION,),
    IssueState.EXTENSION_REQUESTED: (Clock.RESOLUTION,),
    IssueState.REOPENED: (Clock.RESOLUTION,),
}


def running_clocks(issue: Issue) -> tuple[tuple[Clock, Deadline], ...]:
    out: list[tuple[Clock, Deadline]] = []
    for clock in _RUNNING.get(issue.state, ()):
        deadline = getattr(issue.deadlines, clock.value)
        if deadline is not None:
            out.append((clock, deadline))
    return tuple(out)


def current_deadline(issue: Issue) -> Deadline | None:
    """The deadline to show (Open311 expected_datetime): the earliest running clock's."""
    running = running_clocks(issue)
    if not running:
        return None
    return min((d for _, d in running), key=lambda d: d.due_date)


def is_overdue(issue: Issue, now: datetime) -> bool:
    """Open and past a running clock's deadline."""
    return any(d.is_overdue(now) for _, d in running_clocks(issue))


def escalation_target(lead: DepartmentCode | None, reference: Reference) -> DepartmentCode | None:
    """The department of the same kind one level up (500113-ghzy → 500000-ghzy); None at the top."""
    if lead is None:
        return None
    region = reference.escalation_region(lead.region)
    if region is None:
        return None
    return DepartmentCode(region, lead.kind)


# -- reminders, breaches, timers ----------------------------------------------------------


def reminder_at(
    deadline: Deadline, policy: ReminderPolicy = ReminderPolicy(), calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> datetime:
    day = deadline.due_date
    for _ in range(policy.working_days_before):
        day = previous_working_day(day, calendar)
    moment = datetime.combine(day, policy.at, tzinfo=SHANGHAI)
    return max(moment, deadline.start)


@dataclass(frozen=True)
class ClockStatus:
    clock: Clock
    deadline: Deadline
    remind_at: datetime
    reminder_due: bool  # now >= remind_at and not yet breached
    breached: bool
    escalate_to: DepartmentCode | None  # set when a breach should escalate


_ESCALABLE: frozenset[IssueState] = frozenset(
    {
        IssueState.ROUTED,
        IssueState.CHECKED_IN,
        IssueState.IN_PROGRESS,
        IssueState.EXTENSION_REQUESTED,
        IssueState.REOPENED,
    }
)
"""States from which the state machine allows ESCALATE (kept equal by a unit test)."""


def evaluate(
    issue: Issue,
    now: datetime,
    reference: Reference,
    policy: SlaPolicy = SlaPolicy(),
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> tuple[ClockStatus, ...]:
    now = to_shanghai(now)
    out: list[ClockStatus] = []
    for clock, deadline in running_clocks(issue):
        breached = deadline.is_overdue(now)
        remind = reminder_at(deadline, policy.reminder, calendar)
        target = None
        if breached and policy.escalate_on_breach and clock is not Clock.DISPATCH and issue.state in _ESCALABLE:
            target = escalation_target(issue.lead_department, reference)
        out.append(
            ClockStatus(
                clock=clock,
                deadline=deadline,
                remind_at=remind,
                reminder_due=now >= remind and not breached,
                breached=breached,
                escalate_to=target,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Timer:
    """Something the scheduler must do once: send a reminder, or publish sla_breached (and escalate)."""

    issue_id: str
    kind: TimerKind
    clock: Clock
    deadline: Deadline
    key: str
    escalate_to: DepartmentCode | None = None


def timer_key(issue_id: str, clock: Clock, kind: TimerKind, deadline: Deadline) -> str:
    return f"{issue_id}/{clock}/{kind}/{deadline.start.isoformat()}/{deadline.due_date.isoformat()}"


def due_timers(
    issue: Issue,
    now: datetime,
    reference: Reference,
    policy: SlaPolicy = SlaPolicy(),
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> tuple[Timer, ...]:
    """What is due at ``now``. Idempotent: the scheduler skips keys it has already fired."""
    timers: list[Timer] = []
    for status in evaluate(issue, now, reference, policy, calendar):
        if status.breached:
            kind = TimerKind.BREACH
        elif status.reminder_due:
            kind = TimerKind.REMINDER
        else:
            continue
        timers.append(
            Timer(
                issue_id=issue.id,
                kind=kind,
                clock=status.clock,
                deadline=status.deadline,
                key=timer_key(issue.id, status.clock, kind, status.deadline),
                escalate_to=status.escalate_to,
            )
        )
    return tuple(timers)


def breach_at(deadline: Deadline) -> datetime:
    """The first instant past the deadline: 00:00 Shanghai the day after the due date."""
    return start_of_day(deadline.due_date + timedelta(days=1))


def wakeups(
    issue: Issue, policy: SlaPolicy = SlaPolicy(), calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> tuple[datetime, ...]:
    """Every instant at which a reminder or a breach falls due for the running clocks, sorted."""
    moments: set[datetime] = set()
    for _, deadline in running_clocks(issue):
        moments.add(reminder_at(deadline, policy.reminder, calendar))
        moments.add(breach_at(deadline))
    return tuple(sorted(moments))


def next_wakeup(
    issue: Issue,
    after: datetime,
    policy: SlaPolicy = SlaPolicy(),
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> datetime | None:
    """The first wake-up strictly after ``after`` (a scheduler can store and index it)."""
    later = [m for m in wakeups(issue, policy, calendar) if m > after]
    return later[0] if later else None
