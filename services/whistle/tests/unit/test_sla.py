"""SLA clocks, reminders, breaches, timers and escalation targets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from tidu_whistle.domain import sla
from tidu_whistle.domain.model import Action, IssueState
from tidu_whistle.domain.reference import DepartmentCode, Reference
from tidu_whistle.domain.working_days import SHANGHAI, add_working_days

T0 = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
S = IssueState


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_terms_per_category_and_defaults(reference: Reference) -> None:
    assert sla.terms_for("land", reference) == sla.SlaTerms(1, 20)
    assert sla.terms_for("tax", reference) == sla.SlaTerms(1, 10)
    assert sla.terms_for("removed_category", reference) == sla.SlaTerms(1, 10)


def test_routing_clocks(reference: Reference) -> None:
    clocks = sla.routing_clocks(T0, sla.terms_for("tax", reference))
    assert clocks.check_in.due_date == date(2025, 9, 28)
    assert clocks.resolution.due_date == date(2025, 10, 16)
    assert clocks.dispatch is None and not clocks.calendar_fallback


def test_clocks_past_the_calendar_data_are_flagged(reference: Reference) -> None:
    clocks = sla.routing_clocks(sh(2026, 12, 28, 9), sla.terms_for("tax", reference))
    assert clocks.calendar_fallback and clocks.fallback_years == (2027,)
    assert clocks.to_dict()["calendar_fallback"] is True


def test_running_clocks_by_state(world: Any) -> None:
    expected = {
        S.SUBMITTED: [],
        S.TRIAGE: [],  # issue_in gives triage no dispatch deadline; see the next test
        S.ROUTED: [sla.Clock.CHECK_IN, sla.Clock.RESOLUTION],
        S.ESCALATED: [sla.Clock.CHECK_IN, sla.Clock.RESOLUTION],
        S.CHECKED_IN: [sla.Clock.RESOLUTION],
        S.IN_PROGRESS: [sla.Clock.RESOLUTION],
        S.EXTENSION_REQUESTED: [sla.Clock.RESOLUTION],
        S.REOPENED: [sla.Clock.RESOLUTION],
        S.RESOLVED: [],
        S.CLOSED: [],
        S.WITHDRAWN: [],
        S.RETURNED: [],
    }
    for state, clocks in expected.items():
        assert [c for c, _ in sla.running_clocks(world.issue_in(state))] == clocks, state


def test_dispatch_clock_runs_in_triage(world: Any) -> None:
    issue = world.do(world.issue_in(S.SUBMITTED), world.system, Action.SEND_TO_TRIAGE, T0)
    [(clock, deadline)] = sla.running_clocks(issue)
    assert clock is sla.Clock.DISPATCH and deadline.due_date == date(2025, 9, 28)
    # a breached dispatch clock is reported, never escalated
    [status] = sla.evaluate(issue, sh(2025, 9, 29, 9), world.reference)
    assert status.breached and status.escalate_to is None


def test_reminder_and_breach(world: Any) -> None:
    issue = world.do(world.issue_in(S.SUBMITTED), world.system, Action.ROUTE, T0, department="500113-ghzy")
    check_in = issue.deadlines.check_in
    assert sla.reminder_at(check_in) == sh(2025, 9, 28, 9, 0)
    # before the reminder: nothing due
    assert sla.due_timers(issue, sh(2025, 9, 28, 8, 59), world.reference) == ()
    # the morning of the last day: a check-in reminder
    [timer] = sla.due_timers(issue, sh(2025, 9, 28, 9, 0), world.reference)
    assert (timer.kind, timer.clock, timer.escalate_to) == (sla.TimerKind.REMINDER, sla.Clock.CHECK_IN, None)
    # still on time at 23:59:59
    assert all(not s.breached for s in sla.evaluate(issue, sh(2025, 9, 28, 23, 59, 59), world.reference))
    # the next day: breached, escalate to the city department of the same kind
    [breach] = sla.due_timers(issue, sh(2025, 9, 29, 0, 0), world.reference)
    assert breach.kind is sla.TimerKind.BREACH and breach.clock is sla.Clock.CHECK_IN
    assert breach.escalate_to == DepartmentCode("500000", "ghzy")
    assert sla.is_overdue(issue, sh(2025, 9, 29, 0, 0))


def test_timer_keys_are_deterministic_and_change_with_the_clock(world: Any) -> None:
    issue = world.do(world.issue_in(S.SUBMITTED), world.system, Action.ROUTE, T0, department="500113-ghzy")
    now = sh(2025, 9, 29, 10)
    first = sla.due_timers(issue, now, world.reference)
    again = sla.due_timers(issue, now + timedelta(hours=1), world.reference)
    assert [t.key for t in first] == [t.key for t in again]
    assert first[0].key.startswith("iss-x/check_in/breach/2025-09-26T10:00:00+08:00/2025-09-28")
    moved = world.do(issue, world.dept("500113-ghzy"), Action.TRANSFER, now, department="500113-zjw", note="x")
    later = sla.due_timers(moved, sh(2025, 10, 10, 9), world.reference)
    assert {t.key for t in later}.isdisjoint({t.key for t in first})


def test_reminder_policy(world: Any) -> None:
    deadline = add_working_days(T0, 10)  # due 2025-10-16
    policy = sla.ReminderPolicy(working_days_before=1, at=time(8, 30))
    assert sla.reminder_at(deadline, policy) == sh(2025, 10, 15, 8, 30)
    two_before_holiday = replace(deadline, due_date=date(2025, 10, 9))
    assert sla.reminder_at(two_before_holiday, sla.ReminderPolicy(working_days_before=2)) == sh(2025, 9, 29, 9)
    # never before the clock started
    short = add_working_days(sh(2025, 9, 28, 20), 1)  # due 09-29
    assert sla.reminder_at(short, sla.ReminderPolicy(working_days_before=3)) == sh(2025, 9, 28, 20)


def test_no_escalation_at_the_top_or_when_disabled(world: Any) -> None:
    issue = world.issue_in(S.IN_PROGRESS, lead_department=DepartmentCode("500000", "ghzy"))
    late = sh(2025, 12, 1, 9)
    [status] = sla.evaluate(issue, late, world.reference)
    assert status.breached and status.escalate_to is None
    district = world.issue_in(S.IN_PROGRESS)
    [status] = sla.evaluate(district, late, world.reference, sla.SlaPolicy(escalate_on_breach=False))
    assert status.breached and status.escalate_to is None
    escalated = world.issue_in(S.ESCALATED)
    assert all(s.escalate_to is None for s in sla.evaluate(escalated, late, world.reference))


def test_escalation_target(reference: Reference) -> None:
    assert sla.escalation_target(DepartmentCode("500114", "rsj"), reference) == DepartmentCode("500000", "rsj")
    assert sla.escalation_target(DepartmentCode("500000", "rsj"), reference) is None
    assert sla.escalation_target(DepartmentCode("360102", "jxw"), reference) == DepartmentCode("360100", "jxw")
    assert sla.escalation_target(None, reference) is None


def test_wakeups(world: Any) -> None:
    issue = world.do(world.issue_in(S.SUBMITTED), world.system, Action.ROUTE, T0, department="500113-ghzy")
    moments = sla.wakeups(issue)
    assert moments[:2] == (sh(2025, 9, 28, 9), sh(2025, 9, 29, 0))
    assert sla.next_wakeup(issue, sh(2025, 9, 28, 9)) == sh(2025, 9, 29, 0)
    assert sla.next_wakeup(issue, sh(2026, 1, 1)) is None
    assert sla.wakeups(world.issue_in(S.CLOSED)) == ()


def test_current_deadline_is_the_earliest_running(world: Any) -> None:
    issue = world.issue_in(S.ROUTED)
    assert sla.current_deadline(issue) == issue.deadlines.check_in
    assert sla.current_deadline(world.issue_in(S.IN_PROGRESS)) == issue.deadlines.resolution
    assert sla.current_deadline(world.issue_in(S.RESOLVED)) is None
