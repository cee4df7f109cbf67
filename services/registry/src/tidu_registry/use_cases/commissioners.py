"""Service commissioners (一企一员): the people, their assignments to enterprises, and each
enterprise's plan (一企一策: goals and actions with due dates and status).

A commissioner's phone is stored in full (sealed) and masked in every response (the routes:
``enterprise.with_masked_phone``); the masked phone sent back in a change means "unchanged", and a
masked phone that is not the stored one's mask is refused (``masked_value``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.clock import today_cn, utcnow
from tidu_registry.domain.districts import is_within
from tidu_registry.domain.enterprise import (
    check_email,
    check_phone,
    is_masked,
    masked_value_violation,
    masks_phone,
)
from tidu_registry.domain.errors import Violation
from tidu_registry.events import publish, transaction
from tidu_registry.models import commissioner_assignments, commissioners, plan_actions, plan_goals
from tidu_registry.problems import not_found, validation_problem
from tidu_registry.queries import enterprise_or_404, known_districts, scope_of
from tidu_shared.auth import Principal
from tidu_shared.contracts.registry import COMMISSIONER_ASSIGNED
from tidu_shared.db import Database
from tidu_shared.errors import conflict

C = commissioners.c
PLAN_STATUSES = ("planned", "in_progress", "done", "cancelled")


def _contact_violations(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
    values = dict(data)
    found: list[Violation] = []
    for name, checker in (("phone", check_phone), ("email", check_email)):
        if name == "phone" and is_masked(values.get(name)):
            continue  # "unchanged" when it masks the stored phone (see update_commissioner), else refused
        if values.get(name):
            values[name], problem = checker(values[name], name)
            if problem is not None:
                found.append(problem)
    return values, found


async def create_commissioner(db: Database, principal: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
    """A commissioner, known by the ``sub`` of their token; an operator adds its own district's."""
    access.ensure_operator(principal)
    values, violations = _contact_violations(data)
    if is_masked(values.get("phone")):
        violations.append(masked_value_violation("phone"))
    async with transaction(db) as s:
        district, problem = (await known_districts(s)).check(values["district_code"])
        if problem is not None:
            violations.append(problem)
        if violations:
            raise validation_problem(violations)
        access.ensure_sees_district(principal, district)
        if (await s.execute(select(C.id).where(C.id == values["id"]))).first() is not None:
            raise conflict("commissioner_exists", f"服务专员 {values['id']} 已存在", "commissioner exists")
        now = utcnow()
        row = {**values, "district_code": district, "active": True, "created_at": now, "updated_at": now}
        await s.execute(commissioners.insert().values(**row))
    return row


async def _commissioner(s: AsyncSession, commissioner_id: str) -> Any:
    row = (await s.execute(select(commissioners).where(C.id == commissioner_id))).first()
    if row is None:
        raise not_found("commissioner_not_found", "服务专员", "commissioner")
    return row


async def update_commissioner(
    db: Database, principal: Principal, commissioner_id: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    access.ensure_operator(principal)
    values, violations = _contact_violations(data)
    if violations:
        raise validation_problem(violations)
    async with transaction(db) as s:
        row = await _commissioner(s, commissioner_id)
        access.ensure_sees_district(principal, row.district_code)
        if is_masked(values.get("phone")):
            if not masks_phone(values["phone"], row.phone):
                raise validation_problem([masked_value_violation("phone")])
            del values["phone"]  # the masked phone sent back: unchanged
        await s.execute(update(commissioners).where(C.id == commissioner_id).values(updated_at=utcnow(), **values))
        return dict((await _commissioner(s, commissioner_id))._mapping)


async def assign(db: Database, principal: Principal, uscc: str, *, commissioner_id: str, reason: str | None) -> bool:
    """一企一员: make ``commissioner_id`` the enterprise's commissioner (the previous assignment ends).
    A commissioner follows enterprises inside their own district (a city commissioner, anywhere in
    the city). False when already assigned (nothing changes)."""
    a = commissioner_assignments.c
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_manage(principal, scope_of(ent))
        person = await _commissioner(s, commissioner_id)
        problems = []
        if not person.active:
            problems.append(
                Violation(
                    "commissioner_id", "commissioner_inactive", "该服务专员已停用", "the commissioner is inactive"
                )
            )
        if not is_within(ent.district_code, person.district_code):
            problems.append(
                Violation(
                    "commissioner_id",
                    "commissioner_other_district",
                    "服务专员只能服务其所属区县的企业",
                    "a commissioner follows enterprises of their own district",
                )
            )
        if problems:
            raise validation_problem(problems)
        if ent.commissioner_id == commissioner_id:
            return False
        now = utcnow()
        previous = ent.commissioner_id
        await s.execute(
            update(commissioner_assignments).where(a.uscc == uscc, a.ended_at.is_(None)).values(ended_at=now)
        )
        await s.execute(
            commissioner_assignments.insert().values(
                uscc=uscc, commissioner_id=commissioner_id, assigned_at=now, assigned_by=principal.sub, reason=reason
            )
        )
        ent.commissioner_id = commissioner_id
        publish(
            s,
            type=COMMISSIONER_ASSIGNED,
            uscc=uscc,
            district_code=ent.district_code,
            data={
                "uscc": uscc,
                "district_code": ent.district_code,
                "commissioner_id": commissioner_id,
                "commissioner_name": person.name,
                "previous_commissioner_id": previous,
                "assigned_at": now,
                "reason": reason,
            },
        )
    return True


# --- 一企一策 --------------------------------------------------------------------------------------


def _check_plan(values: Mapping[str, Any]) -> None:
    problems = []
    status = values.get("status")
    if status is not None and status not in PLAN_STATUSES:
        problems.append(
            Violation(
                "status",
                "invalid_choice",
                f"状态应为以下之一：{', '.join(PLAN_STATUSES)}",
                f"status must be one of: {', '.join(PLAN_STATUSES)}",
            )
        )
    due = values.get("due_on")
    if isinstance(due, dt.date) and due.year < 2000:
        problems.append(Violation("due_on", "out_of_range", "截止日期不合理", "due_on is implausible"))
    if problems:
        raise validation_problem(problems)


async def add_goal(db: Database, principal: Principal, uscc: str, data: Mapping[str, Any]) -> str:
    _check_plan(data)
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_write_plan(principal, scope_of(ent))
        goal_id = str(uuid.uuid4())
        now = utcnow()
        await s.execute(
            plan_goals.insert().values(
                id=goal_id,
                uscc=uscc,
                created_by=principal.sub,
                created_at=now,
                updated_at=now,
                **{"status": "planned", **data},
            )
        )
    return goal_id


async def _plan_item(s: AsyncSession, principal: Principal, table: Any, item_id: str, what: str) -> Any:
    row = (await s.execute(select(table).where(table.c.id == item_id))).first()
    if row is None:
        raise not_found(f"plan_{what}_not_found", "计划条目", f"plan {what}")
    ent = await enterprise_or_404(s, row.uscc)
    access.ensure_may_write_plan(principal, scope_of(ent))
    return row


async def update_goal(db: Database, principal: Principal, goal_id: str, data: Mapping[str, Any]) -> None:
    _check_plan(data)
    async with transaction(db) as s:
        await _plan_item(s, principal, plan_goals, goal_id, "goal")
        await s.execute(update(plan_goals).where(plan_goals.c.id == goal_id).values(updated_at=utcnow(), **data))


async def add_action(db: Database, principal: Principal, goal_id: str, data: Mapping[str, Any]) -> str:
    _check_plan(data)
    async with transaction(db) as s:
        goal = await _plan_item(s, principal, plan_goals, goal_id, "goal")
        action_id = str(uuid.uuid4())
        now = utcnow()
        values = {"status": "planned", **data}
        await s.execute(
            plan_actions.insert().values(
                id=action_id,
                goal_id=goal_id,
                uscc=goal.uscc,
                created_by=principal.sub,
                created_at=now,
                updated_at=now,
                completed_on=today_cn() if values["status"] == "done" else None,
                **values,
            )
        )
    return action_id


async def update_action(db: Database, principal: Principal, action_id: str, data: Mapping[str, Any]) -> None:
    _check_plan(data)
    async with transaction(db) as s:
        row = await _plan_item(s, principal, plan_actions, action_id, "action")
        values = dict(data)
        if "status" in values:
            values["completed_on"] = (row.completed_on or today_cn()) if values["status"] == "done" else None
        await s.execute(
            update(plan_actions).where(plan_actions.c.id == action_id).values(updated_at=utcnow(), **values)
        )
