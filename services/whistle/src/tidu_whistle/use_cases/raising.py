"""Raising an issue inside a transaction the caller owns: the HTTP use case
(:mod:`tidu_whistle.use_cases.issues`) and the FINANCING_FAILED consumer both come here.

One transaction holds: the issue (``submitted`` → routed or sent to triage by the system
router), its first two timeline entries, its departments, the events (on ``tidu.whistle.issues``
and the routed departments' topics) and the commissioner's notification.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.duplicates import DuplicateHint, possible_duplicates
from tidu_whistle.domain.issues import IssueDraft, open_issue
from tidu_whistle.domain.model import Action, Actor, Command, Issue, IssueState, Role, TimelineEntry, Urgency
from tidu_whistle.domain.routing import RoutingDecision, route
from tidu_whistle.domain.state_machine import apply
from tidu_whistle.domain.working_days import to_shanghai
from tidu_whistle.models import EnterpriseProfile, IssueRow
from tidu_whistle.publishing import notify_commissioner, publish_transitions
from tidu_whistle.records import write_issue
from tidu_whistle.store import accepted_at, add_entries, replace_departments, rules_for, wakeup_for

ROUTER = Actor.system("whistle-router")
MAX_DUPLICATE_HINTS = 20
_CLOSED = (str(IssueState.CLOSED), str(IssueState.WITHDRAWN))
_STATES = {str(s): s for s in IssueState}


@dataclass(frozen=True)
class Raised:
    row: IssueRow
    issue: Issue
    entries: tuple[TimelineEntry, ...]
    decision: RoutingDecision
    duplicates: tuple[DuplicateHint, ...]


_CANDIDATE_COLUMNS = (
    IssueRow.id,
    IssueRow.enterprise_uscc,
    IssueRow.category,
    IssueRow.district,
    IssueRow.title,
    IssueRow.state,
    IssueRow.version,
    IssueRow.submitted_at,
    IssueRow.updated_at,
)


def _candidate(row: Row[Any]) -> Issue:
    """A candidate as the duplicate rule reads it: the columns it looks at, no clocks or
    departments (parsing every candidate's deadlines cost more than the rest of the check)."""
    return Issue(
        id=row.id,
        enterprise_uscc=row.enterprise_uscc,
        category=row.category,
        district=row.district,
        title=row.title,
        description="",
        urgency=Urgency.NORMAL,
        state=_STATES[row.state],
        version=row.version,
        submitted_at=to_shanghai(row.submitted_at),
        updated_at=to_shanghai(row.updated_at),
    )


async def find_duplicates(
    session: AsyncSession, ctx: WhistleContext, *, uscc: str, category: str, at: datetime
) -> tuple[DuplicateHint, ...]:
    """The domain's rule (``duplicates.possible_duplicates``) over the newest candidates the same
    rule selects in SQL; at most :data:`MAX_DUPLICATE_HINTS` are pointed out."""
    window = ctx.settings.duplicate_window_days
    rows = await session.execute(
        _CANDIDATES, {"uscc": uscc, "category": category, "since": at - timedelta(days=window)}
    )
    return possible_duplicates(uscc, category, at, [_candidate(r) for r in rows], window_days=window)


# Built once (every submit runs it): only the values change.
_CANDIDATES = (
    select(*_CANDIDATE_COLUMNS)
    .where(
        IssueRow.enterprise_uscc == bindparam("uscc"),
        IssueRow.category == bindparam("category"),
        IssueRow.state.not_in(_CLOSED),
        IssueRow.submitted_at >= bindparam("since", type_=IssueRow.submitted_at.type),
    )
    .order_by(IssueRow.submitted_at.desc(), IssueRow.id.desc())
    .limit(MAX_DUPLICATE_HINTS)
)


def routing_command(decision: RoutingDecision) -> Command:
    if decision.triage:
        return Command(Action.SEND_TO_TRIAGE, note=decision.reason)
    return Command(Action.ROUTE, department=decision.lead, co_departments=decision.co)


async def raise_in(
    session: AsyncSession,
    ctx: WhistleContext,
    *,
    draft: IssueDraft,
    actor: Actor,
    at: datetime,
    source: str,
    raised_by: str,
    attachments: list[dict[str, Any]],
    profile: EnterpriseProfile | None,
    source_ref: str | None = None,
    recorded_actor: Actor | None = None,
) -> Raised:
    """Open, route and store a new issue. ``recorded_actor``: who the timeline names as the
    submitter when ``actor`` only stands in for the domain's check (the system raising an issue
    for an enterprise)."""
    issue_id = str(uuid.uuid4())
    opened = open_issue(issue_id, draft, actor=actor, at=at, reference=ctx.reference)
    entries = opened.entries
    if recorded_actor is not None:
        entries = tuple(replace(e, actor_role=recorded_actor.role, actor_id=recorded_actor.subject) for e in entries)
    issue = opened.issue
    duplicates = await find_duplicates(session, ctx, uscc=issue.enterprise_uscc, category=issue.category, at=at)
    rules = await rules_for(session, issue.category, issue.district)
    decision = route(issue.category, issue.district, at, ctx.reference, rules)
    routed = apply(issue, routing_command(decision), actor=ROUTER, at=at, ctx=ctx.workflow, expected_version=None)
    final = routed.issue
    entries = entries + routed.entries

    row = IssueRow(
        id=issue_id,
        enterprise_uscc=final.enterprise_uscc,
        category=final.category,
        district=final.district,
        title=final.title,
        description=final.description,
        urgency=str(final.urgency),
        attachments=attachments,
        submitted_at=final.submitted_at,
        source=source,
        source_ref=source_ref,
        raised_by=raised_by,
        accepted_at=accepted_at(entries),  # set before the INSERT: no UPDATE of the row afterwards
    )
    write_issue(row, final, wakeup=wakeup_for(ctx, final))
    session.add(row)
    await session.flush()  # the issue row first: its timeline and departments refer to it
    add_entries(session, row, entries)
    await replace_departments(session, final)
    publish_transitions(session, before=None, after=final, entries=entries, source=source)
    if profile is not None:
        notify_commissioner(
            session,
            issue=final,
            commissioner_id=profile.commissioner_id,
            commissioner_name=profile.commissioner_name,
            reason=routed.entry.event_name,
            at=at,
            source=source,
        )
    return Raised(row=row, issue=final, entries=entries, decision=decision, duplicates=duplicates)


def system_submitter(name: str) -> Actor:
    return Actor(Role.SYSTEM, name)
