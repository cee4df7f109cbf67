"""Read side: one issue with its timeline, lists with filters and cursors, a department's work
queue. Visibility comes from :mod:`tidu_whistle.access`; nothing here writes."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, case, or_, select

from tidu_shared.auth import Principal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError
from tidu_whistle.access import (
    actor_for,
    department_claim,
    ensure_not_institution,
    ensure_visible,
    visibility,
    visible_clause,
)
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.model import OPEN_STATES, IssueState
from tidu_whistle.domain.reference import DepartmentCode, region_covers
from tidu_whistle.domain.working_days import local_date
from tidu_whistle.models import IssueDepartment, IssueRow
from tidu_whistle.problems import invalid_field, issue_not_found, role_not_allowed
from tidu_whistle.records import issue_from_row
from tidu_whistle.schemas import IssueOut, IssuePage, QueueItem, QueueOut
from tidu_whistle.store import current_departments, load_timeline, profile_of
from tidu_whistle.views import department_out, issue_out, list_item

OPEN = tuple(str(s) for s in OPEN_STATES)
MAX_PAGE = 200


def parse_states(value: str | None, field: str = "status") -> list[str]:
    """A comma list of states; ``open`` stands for every open state."""
    if not value:
        return []
    states: list[str] = []
    for raw in value.split(","):
        name = raw.strip()
        if not name:
            continue
        if name == "open":
            states.extend(OPEN)
            continue
        try:
            states.append(str(IssueState(name)))
        except ValueError:
            raise invalid_field(
                field,
                "unknown_state",
                f"状态 {name} 不存在；可选：open、{'、'.join(s.value for s in IssueState)}",
                f"unknown state {name!r}",
            ) from None
    return states


async def get_issue(db: Database, ctx: WhistleContext, principal: Principal, issue_id: str) -> IssueOut:
    ensure_not_institution(principal)
    async with db.read(inline=True) as s:
        row = await s.get(IssueRow, issue_id)
        if row is None:
            raise issue_not_found()
        profile = await profile_of(s, row.enterprise_uscc)
        commissioner = profile.commissioner_id if profile is not None else None
        departments = await current_departments(s, issue_id)
        ensure_visible(visibility(principal, row, commissioner_id=commissioner, departments=departments))
        timeline = await load_timeline(s, issue_id)
    serves = frozenset({row.enterprise_uscc}) if commissioner == principal.sub else frozenset()
    return issue_out(
        issue_from_row(row),
        row,
        reference=ctx.reference,
        now=ctx.now(),
        actor=actor_for(principal, serves=serves),
        enterprise_name=profile.name if profile else None,
        timeline=timeline,
    )


# -- lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFilters:
    states: tuple[str, ...] = ()
    category: str | None = None
    district: str | None = None
    department: str | None = None
    overdue: bool | None = None
    enterprise_uscc: str | None = None


def _encode_cursor(row: IssueRow) -> str:
    raw = json.dumps([row.submitted_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, issue_id = json.loads(raw)
        return datetime.fromisoformat(at), str(issue_id)
    except (binascii.Error, ValueError, TypeError):
        raise invalid_field("cursor", "invalid_cursor", "分页游标无效", "not a cursor of this list") from None


def _filtered(q: Select[tuple[IssueRow]], f: IssueFilters, today: date) -> Select[tuple[IssueRow]]:
    if f.states:
        q = q.where(IssueRow.state.in_(f.states))
    if f.category:
        q = q.where(IssueRow.category == f.category)
    if f.district:
        q = q.where(IssueRow.district == f.district)
    if f.enterprise_uscc:
        q = q.where(IssueRow.enterprise_uscc == f.enterprise_uscc.strip().upper())
    if f.department:
        dept = select(IssueDepartment.issue_id).where(IssueDepartment.department == f.department)
        q = q.where(IssueRow.id.in_(dept))
    overdue = and_(IssueRow.state.in_(OPEN), IssueRow.due_date < today)
    if f.overdue is True:
        q = q.where(overdue)
    elif f.overdue is False:
        q = q.where(or_(IssueRow.due_date.is_(None), IssueRow.due_date >= today, IssueRow.state.not_in(OPEN)))
    return q


async def list_issues(
    db: Database,
    ctx: WhistleContext,
    principal: Principal,
    filters: IssueFilters,
    *,
    cursor: str | None,
    limit: int,
) -> IssuePage:
    """Newest first; ``next_cursor`` continues after the last item."""
    ensure_not_institution(principal)
    now = ctx.now()
    limit = max(1, min(limit, MAX_PAGE))
    q = _filtered(select(IssueRow).where(visible_clause(principal)), filters, local_date(now))
    if cursor:
        at, issue_id = _decode_cursor(cursor)
        q = q.where(or_(IssueRow.submitted_at < at, and_(IssueRow.submitted_at == at, IssueRow.id < issue_id)))
    q = q.order_by(IssueRow.submitted_at.desc(), IssueRow.id.desc()).limit(limit + 1)
    async with db.read() as s:
        rows = list(await s.scalars(q))
    more = len(rows) > limit
    rows = rows[:limit]
    return IssuePage(
        items=[list_item(issue_from_row(r), now) for r in rows],
        next_cursor=_encode_cursor(rows[-1]) if more and rows else None,
    )


# -- a department's work queue ------------------------------------------------------------


def ensure_may_read_queue(principal: Principal, dept: DepartmentCode) -> None:
    if principal.role == TokenRole.admin:
        return
    if principal.role == TokenRole.department and department_claim(principal) == dept:
        return
    if principal.role == TokenRole.operator and principal.district and region_covers(principal.district, dept.region):
        return
    raise role_not_allowed("只能查看本部门（或本辖区部门）的待办", "a department reads its own queue")


async def department_queue(
    db: Database,
    ctx: WhistleContext,
    principal: Principal,
    code: str,
    *,
    states: list[str],
    limit: int,
) -> QueueOut:
    """The issues a department leads or co-handles: overdue first, then by due date, then oldest."""
    try:
        dept = ctx.reference.department(code)
    except DomainError:
        raise ProblemError(404, "unknown_department", "未找到", f"部门 {code} 不存在", "unknown department") from None
    ensure_may_read_queue(principal, dept)
    now = ctx.now()
    today = local_date(now)
    wanted = states or list(OPEN)
    overdue_first = case((and_(IssueRow.state.in_(OPEN), IssueRow.due_date < today), 0), else_=1)
    no_due_last = case((IssueRow.due_date.is_(None), 1), else_=0)
    q = (
        select(IssueRow, IssueDepartment.role)
        .join(IssueDepartment, IssueDepartment.issue_id == IssueRow.id)
        .where(IssueDepartment.department == str(dept), IssueRow.state.in_(wanted))
        .order_by(overdue_first, no_due_last, IssueRow.due_date, IssueRow.submitted_at, IssueRow.id)
        .limit(max(1, min(limit, 500)))
    )
    async with db.read() as s:
        rows = (await s.execute(q)).all()
    items = [QueueItem(**list_item(issue_from_row(r), now).model_dump(), role=role) for r, role in rows]
    return QueueOut(department=department_out(dept, ctx.reference), as_of=now, items=items)
