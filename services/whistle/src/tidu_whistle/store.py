"""Reading and writing issues inside a use case's transaction (no commits here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, delete, select, tuple_, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tidu_shared.db import UtcDateTime
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.model import Action, Issue, Outcome, TimelineEntry
from tidu_whistle.domain.routing import RoutingRule
from tidu_whistle.models import EnterpriseProfile, IssueDepartment, IssueRow, RoutingRuleRow, TimelineRow
from tidu_whistle.publishing import COMMISSIONER_FACTS, notify_commissioner, publish_transitions
from tidu_whistle.records import department_rows, entry_from_row, next_wakeup, timeline_row, write_issue

ANY_DISTRICT = "*"
_ACCEPTING = (Action.ROUTE, Action.SEND_TO_TRIAGE)


async def current_departments(session: AsyncSession, issue_id: str) -> set[str]:
    rows = await session.scalars(select(IssueDepartment.department).where(IssueDepartment.issue_id == issue_id))
    return set(rows)


async def load_timeline(session: AsyncSession, issue_id: str) -> list[TimelineEntry]:
    rows = await session.scalars(select(TimelineRow).where(TimelineRow.issue_id == issue_id).order_by(TimelineRow.seq))
    return [entry_from_row(r) for r in rows]


def wakeup_for(ctx: WhistleContext, issue: Issue, *, after: datetime | None = None) -> datetime | None:
    return next_wakeup(
        issue,
        after=after,
        confirm_window_days=ctx.confirm_window_days,
        policy=ctx.sla_policy,
        calendar=ctx.calendar,
    )


def accepted_at(entries: Sequence[TimelineEntry]) -> datetime | None:
    """When the issue was accepted (routed or sent to triage) among ``entries``, if it was."""
    return next((entry.at for entry in entries if entry.action in _ACCEPTING), None)


def add_entries(session: AsyncSession, row: IssueRow, entries: Sequence[TimelineEntry]) -> None:
    for entry in entries:
        session.add(timeline_row(entry))
    if row.accepted_at is None:
        at = accepted_at(entries)
        if at is not None:
            row.accepted_at = at


_MEMBERS = IssueDepartment.__table__
_ISSUES = IssueRow.__table__


@dataclass(frozen=True)
class DepartmentChange:
    issue_id: str
    gone: tuple[str, ...]
    new: tuple[tuple[str, str], ...]  # (department, role)


def department_change(issue: Issue, before: Issue | None) -> DepartmentChange | None:
    wanted = {(r.department, r.role) for r in department_rows(issue)}
    held = set() if before is None else {(r.department, r.role) for r in department_rows(before)}
    gone = tuple(sorted(d for d, _ in held - wanted))
    new = tuple(sorted(wanted - held))
    return DepartmentChange(issue.id, gone, new) if gone or new else None


async def write_department_changes(session: AsyncSession, changes: Sequence[DepartmentChange]) -> None:
    """One DELETE and one INSERT for any number of issues. Core statements on the session's
    connection: they neither autoflush the session nor scan its identity map (a sweep batch holds
    hundreds of issues). The issue rows must exist."""
    gone = [(c.issue_id, d) for c in changes for d in c.gone]
    new = [{"issue_id": c.issue_id, "department": d, "role": role} for c in changes for d, role in c.new]
    if not gone and not new:
        return
    conn = await session.connection()
    if gone:
        await conn.execute(delete(_MEMBERS).where(tuple_(_MEMBERS.c.issue_id, _MEMBERS.c.department).in_(gone)))
    if new:
        await conn.execute(_MEMBERS.insert(), new)


async def replace_departments(session: AsyncSession, issue: Issue, *, before: Issue | None = None) -> None:
    change = department_change(issue, before)
    if change is not None:
        await write_department_changes(session, [change])


async def write_wakeups(session: AsyncSession, wakeups: Sequence[tuple[str, int, datetime | None]]) -> None:
    """Set ``next_wakeup_at`` of many issues in one statement, each only if still at the version
    read (``(id, version) IN …``); raises StaleDataError when one has moved on meanwhile."""
    if not wakeups:
        return
    moment = case(
        *((_ISSUES.c.id == issue_id, type_coerce(at, UtcDateTime())) for issue_id, _, at in wakeups),
        else_=_ISSUES.c.next_wakeup_at,
    )
    stmt = (
        update(_ISSUES)
        .where(tuple_(_ISSUES.c.id, _ISSUES.c.version).in_([(i, v) for i, v, _ in wakeups]))
        .values(next_wakeup_at=moment)
    )
    conn = await session.connection()
    result = await conn.execute(stmt)
    if result.rowcount != len(wakeups):
        raise StaleDataError(f"{len(wakeups) - result.rowcount} issues changed during the sweep")


async def save_transition(
    session: AsyncSession,
    ctx: WhistleContext,
    *,
    row: IssueRow,
    before: Issue,
    outcome: Outcome,
    profile: EnterpriseProfile | None,
    deferred: list[DepartmentChange] | None = None,
) -> list[str]:
    """Persist ``outcome``, its timeline and events; returns the departments whose topics carry
    the events. The row's UPDATE is version-checked when the session flushes (StaleDataError when
    another writer moved the version on: the whole transaction, events included, rolls back).
    ``deferred``: collect the department changes there for the caller to write in one go
    (:func:`write_department_changes`) instead of writing them now."""
    after = outcome.issue
    write_issue(row, after, wakeup=wakeup_for(ctx, after))
    add_entries(session, row, outcome.entries)
    change = department_change(after, before)
    if change is not None:
        if deferred is not None:
            deferred.append(change)
        else:
            await write_department_changes(session, [change])
    departments = publish_transitions(session, before=before, after=after, entries=outcome.entries, source=row.source)
    for entry in outcome.entries:
        if entry.event_name in COMMISSIONER_FACTS and profile is not None:
            notify_commissioner(
                session,
                issue=after,
                commissioner_id=profile.commissioner_id,
                commissioner_name=profile.commissioner_name,
                reason=entry.event_name,
                at=entry.at,
                source=row.source,
            )
    return departments


# -- routing rules ------------------------------------------------------------------------


def rule_from_row(row: RoutingRuleRow) -> RoutingRule:
    return RoutingRule(
        rule_id=row.rule_id,
        category=row.category,
        district=None if row.district == ANY_DISTRICT else row.district,
        lead=row.lead,
        co=tuple(row.co or ()),
        effective_from=row.effective_from,
        revision=row.revision,
        changed_by=row.changed_by,
        reason=row.reason,
        to_triage=row.to_triage,
        retired=row.retired,
    )


async def rules_for(session: AsyncSession, category: str, district: str | None = None) -> list[RoutingRule]:
    """Every version of the rules that may apply to ``category`` (in ``district``, and category-wide)."""
    if district is None:
        rows = await session.scalars(_RULES_OF_CATEGORY, {"category": category})
    else:
        rows = await session.scalars(_RULES_IN_DISTRICT, {"category": category, "district": district})
    return [rule_from_row(r) for r in rows]


# Built once (every submit runs one): only the values change.
_RULES_OF_CATEGORY = (
    select(RoutingRuleRow).where(RoutingRuleRow.category == bindparam("category")).order_by(RoutingRuleRow.id)
)
_RULES_IN_DISTRICT = _RULES_OF_CATEGORY.where(RoutingRuleRow.district.in_([bindparam("district"), ANY_DISTRICT]))


async def profile_of(session: AsyncSession, uscc: str) -> EnterpriseProfile | None:
    return await session.get(EnterpriseProfile, uscc)
