"""``GET /v1/enterprises/{uscc}/data-export``: everything the registry holds about one enterprise
(profile, history, yearly indicators, size classes, qualifications, pool and white list, commissioner
and assignments, plan), for the enterprise itself, operators of its district and admins
(``tidu_shared.data_export``). Identity and phone numbers are masked, the contacts' and commissioners'
phones too (as in every other response: ``domain.enterprise``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from tidu_registry.domain.enterprise import with_masked_phone
from tidu_registry.models import (
    commissioner_assignments,
    commissioners,
    plan_actions,
    plan_goals,
    size_classes,
    white_list_entries,
)
from tidu_registry.queries import (
    enterprise_or_404,
    enterprise_view,
    history,
    indicator_rows,
    pool_move_rows,
    qualification_rows,
)
from tidu_registry.routes.common import get_db, normalise
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal
from tidu_shared.data_export import EXPORT_PATH, ensure_may_ask, ensure_may_export, export_document, row_dict, rows
from tidu_shared.outbox import utcnow

router = APIRouter(prefix="", tags=["data export 数据导出"])


@router.get(
    EXPORT_PATH,
    summary="企业数据导出 Everything the registry holds about the enterprise (itself, its operators, admins)",
    dependencies=[sensitive_read("identity", "phone")],
    responses={403: {"description": "无权访问 not allowed"}, 404: {"description": "企业不存在 not found"}},
)
async def export_enterprise_data(uscc: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    async with get_db(request).read() as s:
        code = normalise(uscc)
        ensure_may_ask(principal, code)
        ent = await enterprise_or_404(s, code)
        ensure_may_export(principal, uscc=ent.uscc, district_code=ent.district_code)
        profile = enterprise_view(ent)  # masked, the contacts' phones included
        statements = await history(s, ent.uscc)  # masked too
        assignments = (
            await s.execute(
                select(commissioner_assignments)
                .where(commissioner_assignments.c.uscc == ent.uscc)
                .order_by(commissioner_assignments.c.id)
            )
        ).all()
        ids = sorted({a.commissioner_id for a in assignments} | ({ent.commissioner_id} - {None}))
        people = (await s.execute(select(commissioners).where(commissioners.c.id.in_(ids)))).all() if ids else []
        sections: dict[str, Any] = {
            "profile": profile,
            "history": statements,
            "indicators": rows(await indicator_rows(s, ent.uscc)),
            "size_classes": rows(
                (
                    await s.execute(
                        select(size_classes).where(size_classes.c.uscc == ent.uscc).order_by(size_classes.c.data_year)
                    )
                ).all()
            ),
            "qualifications": rows(await qualification_rows(s, ent.uscc)),
            "pool": {
                "stage": ent.pool_stage,
                "moves": rows(await pool_move_rows(s, ent.uscc)),
                "white_list": rows(
                    (
                        await s.execute(
                            select(white_list_entries)
                            .where(white_list_entries.c.uscc == ent.uscc)
                            .order_by(white_list_entries.c.effective_from)
                        )
                    ).all()
                ),
            },
            "commissioner": {
                "current_id": ent.commissioner_id,
                "commissioners": [with_masked_phone(row_dict(p)) for p in people],
                "assignments": rows(assignments),
            },
            "plan": {
                "goals": rows(
                    (
                        await s.execute(
                            select(plan_goals).where(plan_goals.c.uscc == ent.uscc).order_by(plan_goals.c.created_at)
                        )
                    ).all()
                ),
                "actions": rows(
                    (
                        await s.execute(
                            select(plan_actions)
                            .where(plan_actions.c.uscc == ent.uscc)
                            .order_by(plan_actions.c.created_at)
                        )
                    ).all()
                ),
            },
        }
    return export_document("registry", ent.uscc, sections, utcnow())
