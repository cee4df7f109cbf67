"""Events produced by the whistle service (企业吹哨·部门报到).

Topics. Every event of an issue goes to ``tidu.whistle.issues`` keyed by the issue id, and a
copy (same type and data, its own CloudEvents ``id``) to the topic of each department involved
— ``tidu.whistle.dept.<code>`` (``tidu_shared.topics.department_topic``), keyed by the issue id —
written to the outbox in the same transaction as the change. ``departments`` in the data lists
exactly the department topics that carry the event: the lead and co-handling departments before
and after the change (a department that loses an issue by transfer, return or escalation still
receives that last event; one that receives it sees it from then on). ``commissioner_notified``
goes to ``tidu.whistle.issues`` only. Across topics, ``(issue.id, entry.seq)`` identifies a
transition and ``timer.key`` a reminder or breach.

Types: ``tidu.whistle.issue.<fact>.v1`` — one per state-machine action (:data:`TRANSITION_FACTS`),
plus ``reminder_due``, ``sla_breached`` and ``commissioner_notified``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import WHISTLE_ISSUES

SOURCE = "/tidu/whistle"

# The past tense of every state-machine action (tidu_whistle.domain.model.Action.past_tense).
TRANSITION_FACTS: tuple[str, ...] = (
    "submitted",
    "routed",
    "sent_to_triage",
    "checked_in",
    "started",
    "extension_requested",
    "extension_approved",
    "extension_refused",
    "resolved",
    "returned",
    "transferred",
    "escalated",
    "confirmed",
    "auto_closed",
    "rated",
    "reopened",
    "withdrawn",
    "commented",
)


def issue_event_type(fact: str) -> str:
    """``"routed"`` → ``tidu.whistle.issue.routed.v1``."""
    return f"tidu.whistle.issue.{fact}.v1"


ISSUE_SUBMITTED = issue_event_type("submitted")
ISSUE_ROUTED = issue_event_type("routed")
ISSUE_CHECKED_IN = issue_event_type("checked_in")
ISSUE_ESCALATED = issue_event_type("escalated")
ISSUE_RESOLVED = issue_event_type("resolved")
REMINDER_DUE = issue_event_type("reminder_due")
SLA_BREACHED = issue_event_type("sla_breached")
COMMISSIONER_NOTIFIED = issue_event_type("commissioner_notified")


class DeadlineData(Contract):
    """The end of the N-th working day after ``start`` (China's official calendar, 调休 included)."""

    start: dt.datetime
    working_days: int
    due_date: dt.date = Field(description="the last day (Asia/Shanghai) that is still on time")
    due: dt.datetime = Field(description="23:59:59 Asia/Shanghai on due_date")
    calendar_fallback: bool = Field(
        default=False, description="true when some day was counted Monday–Friday (no official calendar data)"
    )
    fallback_years: list[int] = Field(default_factory=list)


class DeadlinesData(Contract):
    dispatch: DeadlineData | None = Field(default=None, description="the coordinator must dispatch (triage/returned)")
    check_in: DeadlineData | None = Field(default=None, description="the lead department must check in (报到)")
    resolution: DeadlineData | None = Field(default=None, description="the lead department must resolve")
    calendar_fallback: bool = False


class ActorData(Contract):
    role: str = Field(description="enterprise | commissioner | department | operator | admin | system")
    id: str
    department: str | None = None


class TimelineEntryData(Contract):
    """One recorded step: who, when, what, note, and where the issue stands after it."""

    issue_id: str
    seq: int = Field(description="the issue version this entry produced (1 = submission)")
    action: str
    event: str
    from_state: str | None = None
    to_state: str
    at: dt.datetime
    actor: ActorData
    note: str | None = None
    previous_lead: str | None = None
    lead_department: str | None = None
    co_departments: list[str] = Field(default_factory=list)
    deadlines: DeadlinesData
    working_days: int | None = None
    rating: int | None = None
    flagged_for_review: bool = False


class IssueSnapshot(Contract):
    """The issue as it stands right after the event."""

    id: str
    uscc: str = Field(description="统一社会信用代码 of the enterprise that raised it")
    district: str = Field(description="GB/T 2260 code")
    category: str
    title: str
    description: str
    urgency: str = Field(description="normal | high | urgent")
    state: str
    version: int
    lead_department: str | None = None
    co_departments: list[str] = Field(default_factory=list)
    deadlines: DeadlinesData
    submitted_at: dt.datetime
    updated_at: dt.datetime
    escalation_level: int = 0
    reopen_count: int = 0
    rating: int | None = None
    flagged_for_review: bool = False
    source: str = Field(default="enterprise", description="enterprise | commissioner | financing_failed")


class IssueTransition(Contract):
    """A step of an issue's timeline (the same shape for every action)."""

    issue: IssueSnapshot
    entry: TimelineEntryData
    departments: list[str] = Field(description="the department topics that carry this event")


class TimerData(Contract):
    key: str = Field(description="deterministic: issue/clock/kind/clock start/due date — fires once")
    kind: str = Field(description="reminder | breach")
    clock: str = Field(description="dispatch | check_in | resolution")
    deadline: DeadlineData
    escalate_to: str | None = Field(default=None, description="the department the breach escalates to, if any")
    holder: str | None = Field(default=None, description="who must act: the lead department or the coordinator")


class SlaTimerFired(Contract):
    """A deadline reminder (before the deadline) or breach (after it) found by the scheduler."""

    issue: IssueSnapshot
    timer: TimerData
    at: dt.datetime
    departments: list[str]


class CommissionerNotified(Contract):
    """The enterprise's service commissioner is told of an issue of theirs (raised, escalated,
    breached, resolved)."""

    issue: IssueSnapshot
    commissioner_id: str
    commissioner_name: str | None = None
    reason: str = Field(description="the fact the commissioner is told about, e.g. routed, escalated")
    at: dt.datetime


for _fact in TRANSITION_FACTS:
    register(
        issue_event_type(_fact),
        topic=WHISTLE_ISSUES,
        model=IssueTransition,
        producer="whistle",
        description=f"An issue was {_fact.replace('_', ' ')} (企业吹哨·部门报到 timeline step).",
    )

register(
    REMINDER_DUE,
    topic=WHISTLE_ISSUES,
    model=SlaTimerFired,
    producer="whistle",
    description="A working-day deadline of an issue is near (reminder to the holder).",
)
register(
    SLA_BREACHED,
    topic=WHISTLE_ISSUES,
    model=SlaTimerFired,
    producer="whistle",
    description="A working-day deadline of an issue passed (it escalates when a level above exists).",
)
register(
    COMMISSIONER_NOTIFIED,
    topic=WHISTLE_ISSUES,
    model=CommissionerNotified,
    producer="whistle",
    description="The enterprise's service commissioner was notified of one of its issues.",
)


# -- one example per type (AsyncAPI document, contract tests) --------------------------------

_ISSUE_ID = "0b27416b-bbd9-497a-9eb3-679274bdcd9f"
_DEADLINES = {
    "dispatch": None,
    "check_in": {
        "start": "2025-09-26T10:00:00+08:00",
        "working_days": 1,
        "due_date": "2025-09-28",
        "due": "2025-09-28T23:59:59+08:00",
        "calendar_fallback": False,
        "fallback_years": [],
    },
    "resolution": {
        "start": "2025-09-26T10:00:00+08:00",
        "working_days": 20,
        "due_date": "2025-10-30",
        "due": "2025-10-30T23:59:59+08:00",
        "calendar_fallback": False,
        "fallback_years": [],
    },
    "calendar_fallback": False,
}
_SNAPSHOT = {
    "id": _ISSUE_ID,
    "uscc": "91500113MA5U7LXX3F",
    "district": "500113",
    "category": "land",
    "title": "厂房扩建用地指标",
    "description": "扩建二期厂房需新增工业用地 30 亩，请协调用地指标。",
    "urgency": "normal",
    "state": "routed",
    "version": 2,
    "lead_department": "500113-ghzy",
    "co_departments": ["500113-jxw", "500113-yq"],
    "deadlines": _DEADLINES,
    "submitted_at": "2025-09-26T10:00:00+08:00",
    "updated_at": "2025-09-26T10:00:00+08:00",
    "escalation_level": 0,
    "reopen_count": 0,
    "rating": None,
    "flagged_for_review": False,
    "source": "enterprise",
}
_DEPARTMENTS = ["500113-ghzy", "500113-jxw", "500113-yq"]
_ACTIONS = {
    "submitted": "submit",
    "routed": "route",
    "sent_to_triage": "send_to_triage",
    "checked_in": "check_in",
    "started": "start",
    "extension_requested": "request_extension",
    "extension_approved": "approve_extension",
    "extension_refused": "refuse_extension",
    "resolved": "resolve",
    "returned": "return",
    "transferred": "transfer",
    "escalated": "escalate",
    "confirmed": "confirm",
    "auto_closed": "auto_close",
    "rated": "rate",
    "reopened": "reopen",
    "withdrawn": "withdraw",
    "commented": "comment",
}


def _transition_example(fact: str) -> dict[str, object]:
    return {
        "issue": _SNAPSHOT,
        "entry": {
            "issue_id": _ISSUE_ID,
            "seq": 2,
            "action": _ACTIONS[fact],
            "event": fact,
            "from_state": "submitted",
            "to_state": "routed",
            "at": "2025-09-26T10:00:00+08:00",
            "actor": {"role": "system", "id": "whistle-router", "department": None},
            "note": None,
            "previous_lead": None,
            "lead_department": "500113-ghzy",
            "co_departments": ["500113-jxw", "500113-yq"],
            "deadlines": _DEADLINES,
            "working_days": None,
            "rating": None,
            "flagged_for_review": False,
        },
        "departments": _DEPARTMENTS,
    }


def _timer_example(kind: str) -> dict[str, object]:
    return {
        "issue": _SNAPSHOT,
        "timer": {
            "key": f"{_ISSUE_ID}/check_in/{kind}/2025-09-26T10:00:00+08:00/2025-09-28",
            "kind": kind,
            "clock": "check_in",
            "deadline": _DEADLINES["check_in"],
            "escalate_to": "500000-ghzy" if kind == "breach" else None,
            "holder": "500113-ghzy",
        },
        "at": "2025-09-28T09:00:00+08:00" if kind == "reminder" else "2025-09-29T00:05:00+08:00",
        "departments": _DEPARTMENTS,
    }


EXAMPLES: dict[str, dict[str, object]] = {
    **{issue_event_type(fact): _transition_example(fact) for fact in TRANSITION_FACTS},
    REMINDER_DUE: _timer_example("reminder"),
    SLA_BREACHED: _timer_example("breach"),
    COMMISSIONER_NOTIFIED: {
        "issue": _SNAPSHOT,
        "commissioner_id": "commissioner-1",
        "commissioner_name": "王专员",
        "reason": "routed",
        "at": "2025-09-26T10:00:00+08:00",
    },
}
"""One example per whistle event type (merge into ``tidu_shared.contracts.examples.EXAMPLES``)."""
