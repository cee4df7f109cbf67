"""The whistle's events, written to the outbox inside the use case's transaction.

Each timeline entry becomes one ``tidu.whistle.issue.<fact>.v1`` event on ``tidu.whistle.issues``
and one on the topic of every department involved (lead and co-handlers before and after the
use case, so a department that hands an issue on still receives that last step); reminders and
breaches go the same way; commissioner notifications go to ``tidu.whistle.issues`` only. All are
keyed by the issue id, so one issue's events stay in order on every topic.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tidu_shared.contracts.whistle import (
    COMMISSIONER_NOTIFIED,
    REMINDER_DUE,
    SLA_BREACHED,
    issue_event_type,
)
from tidu_shared.outbox import emit, emit_envelope
from tidu_shared.topics import department_topic
from tidu_whistle.domain.model import Issue, TimelineEntry
from tidu_whistle.domain.sla import Timer, TimerKind

# Facts the enterprise's commissioner is told about (besides every issue being raised).
COMMISSIONER_FACTS = frozenset({"routed", "sent_to_triage", "escalated", "resolved", "returned", "reopened"})


def departments_of(issue: Issue | None) -> set[str]:
    if issue is None:
        return set()
    out = {str(d) for d in issue.co_departments}
    if issue.lead_department is not None:
        out.add(str(issue.lead_department))
    return out


def involved(before: Issue | None, after: Issue, entries: Iterable[TimelineEntry] = ()) -> list[str]:
    """Departments whose topics carry this use case's events."""
    depts = departments_of(before) | departments_of(after)
    for entry in entries:
        depts |= {str(d) for d in entry.co_departments}
        for dept in (entry.lead_department, entry.previous_lead):
            if dept is not None:
                depts.add(str(dept))
    return sorted(depts)


def snapshot(issue: Issue, *, source: str, entry: TimelineEntry | None = None) -> dict[str, Any]:
    """The issue as it stands after ``entry`` (the issue's current values where the entry is silent)."""
    lead = entry.lead_department if entry is not None else issue.lead_department
    co = entry.co_departments if entry is not None else issue.co_departments
    deadlines = entry.deadlines if entry is not None else issue.deadlines
    return {
        "id": issue.id,
        "uscc": issue.enterprise_uscc,
        "district": issue.district,
        "category": issue.category,
        "title": issue.title,
        "description": issue.description,
        "urgency": str(issue.urgency),
        "state": str(entry.to_state if entry is not None else issue.state),
        "version": entry.seq if entry is not None else issue.version,
        "lead_department": str(lead) if lead is not None else None,
        "co_departments": [str(d) for d in co],
        "deadlines": deadlines.to_dict(),
        "submitted_at": issue.submitted_at,
        "updated_at": entry.at if entry is not None else issue.updated_at,
        "escalation_level": issue.escalation_level,
        "reopen_count": issue.reopen_count,
        "rating": entry.rating if entry is not None and entry.rating is not None else issue.rating,
        "flagged_for_review": entry.flagged_for_review if entry is not None else issue.flagged_for_review,
        "source": source,
    }


def _emit_everywhere(
    session: AsyncSession, *, type: str, issue_id: str, data: dict[str, Any], departments: Sequence[str]
) -> None:
    """Validated once against the contract; each department's copy is the same event with its own id."""
    env = emit(session, type=type, subject=issue_id, data=data)
    for dept in departments:
        emit_envelope(session, replace(env, id=str(uuid.uuid4())), topic=department_topic(dept), key=issue_id)


def publish_transitions(
    session: AsyncSession,
    *,
    before: Issue | None,
    after: Issue,
    entries: Sequence[TimelineEntry],
    source: str,
) -> list[str]:
    """One event per entry on the issues topic and on each involved department's topic."""
    departments = involved(before, after, entries)
    for entry in entries:
        data = {
            "issue": snapshot(after, source=source, entry=entry),
            "entry": entry.to_dict(),
            "departments": departments,
        }
        _emit_everywhere(
            session, type=issue_event_type(entry.event_name), issue_id=after.id, data=data, departments=departments
        )
    return departments


def publish_timer(
    session: AsyncSession, *, issue: Issue, timer: Timer, at: datetime, source: str, holder: str | None
) -> None:
    departments = involved(None, issue)
    data = {
        "issue": snapshot(issue, source=source),
        "timer": {
            "key": timer.key,
            "kind": str(timer.kind),
            "clock": str(timer.clock),
            "deadline": timer.deadline.to_dict(),
            "escalate_to": str(timer.escalate_to) if timer.escalate_to is not None else None,
            "holder": holder,
        },
        "at": at,
        "departments": departments,
    }
    kind = SLA_BREACHED if timer.kind is TimerKind.BREACH else REMINDER_DUE
    _emit_everywhere(session, type=kind, issue_id=issue.id, data=data, departments=departments)


def notify_commissioner(
    session: AsyncSession,
    *,
    issue: Issue,
    commissioner_id: str | None,
    commissioner_name: str | None,
    reason: str,
    at: datetime,
    source: str,
) -> bool:
    """Tell the enterprise's commissioner (if the registry assigned one). True when emitted."""
    if not commissioner_id:
        return False
    emit(
        session,
        type=COMMISSIONER_NOTIFIED,
        subject=issue.id,
        data={
            "issue": snapshot(issue, source=source),
            "commissioner_id": commissioner_id,
            "commissioner_name": commissioner_name,
            "reason": reason,
            "at": at,
        },
    )
    return True
