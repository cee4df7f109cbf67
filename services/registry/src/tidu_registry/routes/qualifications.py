"""Qualifications (认定), their validity on any date, renewal, revocation, and the tier ladder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from tidu_registry.clock import today_cn
from tidu_registry.domain.pool import membership_periods
from tidu_registry.domain.qualifications import KIND_NAMES_ZH, ladder
from tidu_registry.models import qualifications
from tidu_registry.problems import not_found
from tidu_registry.queries import pool_move_rows, qualification_rows
from tidu_registry.records import pool_move_from_row, qualification_from_row
from tidu_registry.routes.common import QueryDay, get_db, normalise, readable
from tidu_registry.schemas import LadderStepOut, QualificationIn, QualificationOut, RenewalIn, RevocationIn
from tidu_registry.use_cases import qualifications as cases
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["qualifications"])


def qualification_out(row: Any, on: dt.date) -> dict[str, Any]:
    q = qualification_from_row(row)
    return {
        "id": row.id,
        "uscc": row.uscc,
        "kind": q.kind.value,
        "kind_zh": KIND_NAMES_ZH[q.kind],
        "level": q.level.value,
        "document_no": q.document_no,
        "granted_on": q.granted_on,
        "expires_on": q.current_expires_on,
        "original_expires_on": q.expires_on,
        "renewals": row.renewals,
        "revocation": None
        if q.revocation is None
        else {"revoked_on": q.revocation.revoked_on, "reason": q.revocation.reason, "who": q.revocation.who},
        "periods": [{"start": p.start, "end": p.end} for p in q.periods()],
        "valid_on": on,
        "valid": q.is_valid_on(on),
    }


@router.post(
    "/enterprises/{uscc}/qualifications",
    status_code=201,
    response_model=QualificationOut,
    summary="登记认定 Record a qualification (operators)",
)
async def grant(uscc: str, body: QualificationIn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    db = get_db(request)
    qid = await cases.grant(db, principal, normalise(uscc), body.model_dump())
    return await _one(request, qid)


async def _one(request: Request, qid: str) -> dict[str, Any]:
    async with get_db(request).read() as s:
        row = (await s.execute(select(qualifications).where(qualifications.c.id == qid))).one()
    return qualification_out(row, today_cn())


@router.get(
    "/enterprises/{uscc}/qualifications",
    response_model=list[QualificationOut],
    summary="认定 Qualifications, each with its validity on valid_on (default today)",
)
async def list_qualifications(
    uscc: str,
    request: Request,
    principal: CurrentPrincipal,
    valid_on: QueryDay = None,
    only_valid: bool = False,
) -> list[dict[str, Any]]:
    on = valid_on or today_cn()
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        rows = await qualification_rows(s, ent.uscc)
    out = [qualification_out(r, on) for r in rows]
    return [q for q in out if q["valid"]] if only_valid else out


@router.get("/qualifications/{qualification_id}", response_model=QualificationOut, summary="认定详情 One qualification")
async def get_qualification(
    qualification_id: str, request: Request, principal: CurrentPrincipal, valid_on: QueryDay = None
) -> dict[str, Any]:
    async with get_db(request).read() as s:
        row = (await s.execute(select(qualifications).where(qualifications.c.id == qualification_id))).first()
        if row is None:
            raise not_found("qualification_not_found", "认定记录", "qualification")
        await readable(s, principal, row.uscc)
    return qualification_out(row, valid_on or today_cn())


@router.post(
    "/qualifications/{qualification_id}/renewals",
    response_model=QualificationOut,
    summary="复核延期 Extend after a passed re-review",
)
async def renew(qualification_id: str, body: RenewalIn, request: Request, principal: CurrentPrincipal) -> Any:
    qid = await cases.renew_qualification(
        get_db(request),
        principal,
        qualification_id,
        reviewed_on=body.reviewed_on,
        expires_on=body.expires_on,
        document_no=body.document_no,
    )
    return await _one(request, qid)


@router.post(
    "/qualifications/{qualification_id}/revocation",
    response_model=QualificationOut,
    summary="撤销认定 Revoke, with its reason",
)
async def revoke(qualification_id: str, body: RevocationIn, request: Request, principal: CurrentPrincipal) -> Any:
    qid = await cases.revoke_qualification(
        get_db(request), principal, qualification_id, revoked_on=body.revoked_on, reason=body.reason
    )
    return await _one(request, qid)


@router.get(
    "/enterprises/{uscc}/ladder",
    response_model=list[LadderStepOut],
    summary="梯度 The enterprise's tier over time (qualifications and pool membership)",
)
async def tier_ladder(uscc: str, request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        quals = [qualification_from_row(r) for r in await qualification_rows(s, ent.uscc)]
        moves = [pool_move_from_row(r) for r in await pool_move_rows(s, ent.uscc)]
    steps = ladder(quals, pool_periods=membership_periods(moves))
    return [
        {
            "start": st.start,
            "end": st.end,
            "tier": st.tier.value if st.tier else None,
            "labels": sorted(k.value for k in st.labels),
        }
        for st in steps
    ]
