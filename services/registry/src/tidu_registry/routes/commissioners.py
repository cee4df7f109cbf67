"""Service commissioners (一企一员), assignments, and each enterprise's plan (一企一策).

A commissioner's phone is masked in every response (``enterprise.with_masked_phone``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from tidu_registry import access
from tidu_registry.clock import today_cn
from tidu_registry.domain.enterprise import with_masked_phone
from tidu_registry.models import commissioner_assignments, commissioners, plan_actions, plan_goals
from tidu_registry.problems import not_found
from tidu_registry.routes.common import get_db, normalise, readable
from tidu_registry.schemas import (
    ActionIn,
    ActionPatch,
    AssignmentIn,
    CommissionerIn,
    CommissionerOut,
    CommissionerPatch,
    Created,
    EnterpriseCommissionerOut,
    GoalIn,
    GoalPatch,
    PlanOut,
)
from tidu_registry.search import region_condition
from tidu_registry.use_cases import commissioners as cases
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal, Role

router = APIRouter(prefix="/v1", tags=["commissioners"])
C = commissioners.c
A = commissioner_assignments.c


@router.post(
    "/commissioners", status_code=201, response_model=CommissionerOut, summary="新增服务专员 Add a commissioner"
)
async def create_commissioner(body: CommissionerIn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return with_masked_phone(await cases.create_commissioner(get_db(request), principal, body.model_dump()))


@router.get(
    "/commissioners",
    response_model=list[CommissionerOut],
    summary="服务专员 Commissioners (own district)",
    dependencies=[sensitive_read("phone")],
)
async def list_commissioners(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    access.ensure_operator(principal)
    stmt = select(commissioners).order_by(C.district_code, C.id)
    district = access.district_scope(principal)
    if district is not None:
        stmt = stmt.where(region_condition(C.district_code, district))
    async with get_db(request).read() as s:
        return [with_masked_phone(r._mapping) for r in (await s.execute(stmt)).all()]


@router.get(
    "/commissioners/{commissioner_id}",
    response_model=CommissionerOut,
    summary="服务专员 One commissioner",
    dependencies=[sensitive_read("phone")],
)
async def get_commissioner(commissioner_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    async with get_db(request).read() as s:
        row = (await s.execute(select(commissioners).where(C.id == commissioner_id))).first()
    if row is None:
        raise not_found("commissioner_not_found", "服务专员", "commissioner")
    if principal.role == Role.commissioner and principal.sub == commissioner_id:
        return with_masked_phone(row._mapping)
    access.ensure_operator(principal)
    access.ensure_sees_district(principal, row.district_code)
    return with_masked_phone(row._mapping)


@router.patch("/commissioners/{commissioner_id}", response_model=CommissionerOut, summary="修改服务专员信息")
async def update_commissioner(
    commissioner_id: str, body: CommissionerPatch, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return with_masked_phone(await cases.update_commissioner(get_db(request), principal, commissioner_id, changes))


@router.get(
    "/enterprises/{uscc}/commissioner",
    response_model=EnterpriseCommissionerOut,
    summary="一企一员 The enterprise's commissioner and the history of assignments",
    dependencies=[sensitive_read("phone")],
)
async def enterprise_commissioner(uscc: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        history = (await s.execute(select(commissioner_assignments).where(A.uscc == ent.uscc).order_by(A.id))).all()
        current = None
        if ent.commissioner_id is not None:
            current = (await s.execute(select(commissioners).where(C.id == ent.commissioner_id))).first()
    return {
        "uscc": ent.uscc,
        "current": with_masked_phone(current._mapping) if current else None,
        "history": [dict(h._mapping) for h in history],
    }


@router.put(
    "/enterprises/{uscc}/commissioner",
    response_model=EnterpriseCommissionerOut,
    summary="分配服务专员 Assign the enterprise's commissioner (operators)",
)
async def assign(uscc: str, body: AssignmentIn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    await cases.assign(
        get_db(request), principal, normalise(uscc), commissioner_id=body.commissioner_id, reason=body.reason
    )
    return await enterprise_commissioner(uscc, request, principal)


# --- 一企一策 --------------------------------------------------------------------------------------


@router.get("/enterprises/{uscc}/plan", response_model=PlanOut, summary="一企一策 The enterprise's plan")
async def get_plan(uscc: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    today = today_cn()
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        goals = (
            await s.execute(select(plan_goals).where(plan_goals.c.uscc == ent.uscc).order_by(plan_goals.c.created_at))
        ).all()
        actions = (
            await s.execute(
                select(plan_actions).where(plan_actions.c.uscc == ent.uscc).order_by(plan_actions.c.created_at)
            )
        ).all()

    def overdue(row: Any) -> bool:
        return row.due_on is not None and row.due_on < today and row.status not in ("done", "cancelled")

    by_goal: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        by_goal.setdefault(a.goal_id, []).append({**a._mapping, "overdue": overdue(a)})
    return {
        "uscc": ent.uscc,
        "goals": [{**g._mapping, "overdue": overdue(g), "actions": by_goal.get(g.id, [])} for g in goals],
    }


@router.post("/enterprises/{uscc}/plan/goals", status_code=201, response_model=Created, summary="新增目标 Add a goal")
async def add_goal(uscc: str, body: GoalIn, request: Request, principal: CurrentPrincipal) -> Created:
    return Created(id=await cases.add_goal(get_db(request), principal, normalise(uscc), body.model_dump()))


@router.patch("/plan/goals/{goal_id}", status_code=204, summary="修改目标 Change a goal (status, due date …)")
async def update_goal(goal_id: str, body: GoalPatch, request: Request, principal: CurrentPrincipal) -> Response:
    await cases.update_goal(get_db(request), principal, goal_id, body.model_dump(exclude_unset=True))
    return Response(status_code=204)


@router.post("/plan/goals/{goal_id}/actions", status_code=201, response_model=Created, summary="新增措施 Add an action")
async def add_action(goal_id: str, body: ActionIn, request: Request, principal: CurrentPrincipal) -> Created:
    return Created(id=await cases.add_action(get_db(request), principal, goal_id, body.model_dump()))


@router.patch("/plan/actions/{action_id}", status_code=204, summary="修改措施 Change an action (status, due date …)")
async def update_action(action_id: str, body: ActionPatch, request: Request, principal: CurrentPrincipal) -> Response:
    await cases.update_action(get_db(request), principal, action_id, body.model_dump(exclude_unset=True))
    return Response(status_code=204)
