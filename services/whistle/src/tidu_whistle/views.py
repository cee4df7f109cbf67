"""Responses built from domain values (pure: no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tidu_whistle.domain import sla
from tidu_whistle.domain.duplicates import DuplicateHint
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.model import Actor, Issue, IssueState, TimelineEntry
from tidu_whistle.domain.reference import DepartmentCode, Reference
from tidu_whistle.domain.routing import RoutingDecision
from tidu_whistle.domain.state_machine import permitted_actions
from tidu_whistle.domain.working_days import Deadline, fallback_notice, to_shanghai
from tidu_whistle.models import IssueRow
from tidu_whistle.schemas import (
    ActorOut,
    DeadlineOut,
    DeadlinesOut,
    DepartmentOut,
    DuplicateOut,
    IssueListItem,
    IssueOut,
    RoutingOut,
    TimelineEntryOut,
)

STATE_NAMES: dict[IssueState, str] = {
    IssueState.SUBMITTED: "已提交",
    IssueState.TRIAGE: "待分拨",
    IssueState.ROUTED: "已派单待报到",
    IssueState.CHECKED_IN: "已报到",
    IssueState.IN_PROGRESS: "办理中",
    IssueState.EXTENSION_REQUESTED: "申请延期中",
    IssueState.RETURNED: "已退单",
    IssueState.ESCALATED: "已提级待报到",
    IssueState.REOPENED: "已重新打开",
    IssueState.RESOLVED: "已办结待确认",
    IssueState.CLOSED: "已关闭",
    IssueState.WITHDRAWN: "已撤回",
}


def department_out(code: DepartmentCode, reference: Reference) -> DepartmentOut:
    try:
        name = reference.department_name(code)
    except DomainError:  # a department the reference no longer knows keeps its code
        name = str(code)
    return DepartmentOut(code=str(code), name=name)


def deadline_out(d: Deadline | None) -> DeadlineOut | None:
    if d is None:
        return None
    return DeadlineOut(
        start=d.start,
        working_days=d.working_days,
        due_date=d.due_date,
        due=d.due,
        calendar_fallback=d.calendar_fallback,
        fallback_years=list(d.fallback_years),
    )


def deadlines_out(issue: Issue, now: datetime) -> DeadlinesOut:
    dl = issue.deadlines
    current = sla.current_deadline(issue) if issue.is_open else None
    years = list(dl.fallback_years)
    return DeadlinesOut(
        dispatch=deadline_out(dl.dispatch),
        check_in=deadline_out(dl.check_in),
        resolution=deadline_out(dl.resolution),
        current=deadline_out(current),
        overdue=sla.is_overdue(issue, now),
        calendar_fallback=dl.calendar_fallback,
        fallback_years=years,
        notice=fallback_notice(years),
    )


def timeline_out(entry: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        seq=entry.seq,
        action=str(entry.action),
        event=entry.event_name,
        from_state=str(entry.from_state) if entry.from_state else None,
        to_state=str(entry.to_state),
        at=entry.at,
        actor=ActorOut(
            role=str(entry.actor_role),
            id=entry.actor_id,
            department=str(entry.actor_department) if entry.actor_department else None,
        ),
        note=entry.note,
        previous_lead=str(entry.previous_lead) if entry.previous_lead else None,
        lead_department=str(entry.lead_department) if entry.lead_department else None,
        co_departments=[str(d) for d in entry.co_departments],
        working_days=entry.working_days,
        rating=entry.rating,
    )


def routing_out(decision: RoutingDecision) -> RoutingOut:
    return RoutingOut(
        source=str(decision.source),
        lead=str(decision.lead) if decision.lead else None,
        co=[str(d) for d in decision.co],
        rule_id=decision.rule_id,
        rule_revision=decision.rule_revision,
        triage_reason=decision.reason,
    )


def issue_out(
    issue: Issue,
    row: IssueRow,
    *,
    reference: Reference,
    now: datetime,
    actor: Actor | None,
    enterprise_name: str | None = None,
    timeline: Sequence[TimelineEntry] | None = None,
    duplicates: Sequence[DuplicateHint] | None = None,
    routing: RoutingDecision | None = None,
) -> IssueOut:
    category = reference.categories.get(issue.category)
    region = reference.regions.get(issue.district)
    return IssueOut(
        id=issue.id,
        enterprise_uscc=issue.enterprise_uscc,
        enterprise_name=enterprise_name,
        category=issue.category,
        category_name=category.zh if category else issue.category,
        district=issue.district,
        district_name=region.name if region else None,
        title=issue.title,
        description=issue.description,
        urgency=str(issue.urgency),
        attachments=list(row.attachments or []),
        state=str(issue.state),
        state_name=STATE_NAMES[issue.state],
        version=issue.version,
        lead_department=department_out(issue.lead_department, reference) if issue.lead_department else None,
        co_departments=[department_out(d, reference) for d in issue.co_departments],
        deadlines=deadlines_out(issue, now),
        submitted_at=issue.submitted_at,
        updated_at=issue.updated_at,
        accepted_at=to_shanghai(row.accepted_at) if row.accepted_at else None,
        resolved_at=issue.resolved_at,
        closed_at=issue.closed_at,
        pending_extension_days=issue.pending_extension_days,
        extensions_granted=issue.extensions_granted,
        escalation_level=issue.escalation_level,
        reopen_count=issue.reopen_count,
        rating=issue.rating,
        flagged_for_review=issue.flagged_for_review,
        source=row.source,
        permitted_actions=[str(a) for a in permitted_actions(issue, actor)] if actor is not None else [],
        timeline=[timeline_out(e) for e in sorted(timeline, key=lambda e: e.seq)] if timeline is not None else None,
        possible_duplicates=(
            [
                DuplicateOut(issue_id=d.issue_id, title=d.title, state=str(d.state), submitted_at=d.submitted_at)
                for d in duplicates
            ]
            if duplicates is not None
            else None
        ),
        routing=routing_out(routing) if routing is not None else None,
    )


def list_item(issue: Issue, now: datetime) -> IssueListItem:
    current = sla.current_deadline(issue) if issue.is_open else None
    return IssueListItem(
        id=issue.id,
        enterprise_uscc=issue.enterprise_uscc,
        category=issue.category,
        district=issue.district,
        title=issue.title,
        urgency=str(issue.urgency),
        state=str(issue.state),
        version=issue.version,
        lead_department=str(issue.lead_department) if issue.lead_department else None,
        co_departments=[str(d) for d in issue.co_departments],
        due_date=current.due_date if current is not None else None,
        overdue=sla.is_overdue(issue, now),
        submitted_at=issue.submitted_at,
        updated_at=issue.updated_at,
    )
