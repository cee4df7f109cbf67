"""Routes of enterprises, consents and credit: the profile projection, credit reports (consented,
audited), consents and the look-up audit."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from tidu_finance_match.credit.models import report_to_json
from tidu_finance_match.models import ConsentRow, CreditLookupRow, EnterpriseProfile
from tidu_finance_match.routes.deps import CtxDep, DbDep
from tidu_finance_match.schemas import ConsentOut, EnterpriseProfileOut
from tidu_finance_match.serialize import iso, json_response
from tidu_finance_match.use_cases import credit as uc
from tidu_finance_match.views import consent_json
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal, Role, ensure_may_read_enterprise
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.outbox import utcnow

router = APIRouter(prefix="/v1", tags=["enterprises, consent and credit 企业·授权·征信"])


@router.get(
    "/enterprises/{uscc}",
    response_model=EnterpriseProfileOut,
    summary="企业档案投影 Enterprise profile projection",
)
async def get_enterprise(uscc: str, principal: CurrentPrincipal, db: DbDep) -> EnterpriseProfile:
    key = uscc.strip().upper()
    async with db.read() as s:
        row = await s.get(EnterpriseProfile, key)
    if row is None:
        raise not_found("enterprise_not_found", "企业", "enterprise")
    ensure_may_read_enterprise(principal, uscc=row.uscc, district_code=row.district_code)
    return row


@router.get(
    "/enterprises/{uscc}/credit",
    summary="企业信用报告 Credit report (needs the enterprise's consent; every look-up is audited)",
    dependencies=[sensitive_read("credit")],
    responses={
        403: {"description": "无授权 no consent in force (credit_consent_missing) or not allowed"},
        404: {"description": "不存在，或该企业的需求未推送给本机构 not found / not matched to your products"},
        503: {"description": "信用平台不可用 platform unavailable"},
    },
)
async def get_credit(uscc: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    report = await uc.credit_report_for(ctx, db, principal, uscc.strip().upper())
    return json_response(report_to_json(report) | {"source": report.source})


@router.get("/consents", response_model=list[ConsentOut], summary="授权记录 Consents of an enterprise")
async def list_consents(
    principal: CurrentPrincipal, db: DbDep, uscc: str | None = Query(default=None, max_length=18)
) -> Response:
    if principal.role == Role.enterprise:
        uscc = principal.uscc
    elif principal.role not in (Role.operator, Role.admin):
        raise ProblemError(403, "role_not_allowed", "无权访问", "当前角色无权查看授权记录", "role not allowed")
    if not uscc:
        raise ProblemError(422, "validation_failed", "请求数据有误", "须指定 uscc", "uscc is required")
    key = uscc.strip().upper()
    async with db.read() as s:
        profile = await s.get(EnterpriseProfile, key)
        if principal.role == Role.operator and (profile is None or not principal.sees_district(profile.district_code)):
            raise ProblemError(403, "other_district", "无权访问", "只能查看本区县企业的授权", "other district")
        rows = list(
            (
                await s.execute(select(ConsentRow).where(ConsentRow.uscc == key).order_by(ConsentRow.granted_at.desc()))
            ).scalars()
        )
    now = utcnow()
    return json_response([consent_json(r, now) for r in rows])


@router.post("/consents/{consent_id}/revoke", response_model=ConsentOut, summary="撤回授权 Revoke a consent")
async def revoke_consent(consent_id: str, principal: CurrentPrincipal, ctx: CtxDep, db: DbDep) -> Response:
    row = await uc.revoke_consent(ctx, db, principal, consent_id)
    return json_response(consent_json(row, utcnow()))


@router.get("/credit-lookups", summary="信用查询审计 Audit of credit look-ups (admins; operators: their district)")
async def list_credit_lookups(
    principal: CurrentPrincipal,
    db: DbDep,
    uscc: str | None = Query(default=None, max_length=18),
    limit: int = Query(default=100, ge=1, le=1000),
) -> Response:
    if principal.role not in (Role.admin, Role.operator):
        raise ProblemError(403, "role_not_allowed", "无权访问", "只有管理员或经信委可以查看查询审计", "not allowed")
    stmt = select(CreditLookupRow).order_by(CreditLookupRow.id.desc()).limit(limit)
    if uscc:
        stmt = stmt.where(CreditLookupRow.uscc == uscc.strip().upper())
    if principal.role == Role.operator and not principal.is_city:
        stmt = stmt.where(
            CreditLookupRow.uscc.in_(
                select(EnterpriseProfile.uscc).where(EnterpriseProfile.district_code == principal.district)
            )
        )
    async with db.read() as s:
        rows = list((await s.execute(stmt)).scalars())
    return json_response(
        [
            {
                "id": r.id,
                "at": iso(r.at),
                "uscc": r.uscc,
                "actor_id": r.actor_id,
                "role": r.role,
                "purpose": r.purpose,
                "demand_id": r.demand_id,
                "consent_id": r.consent_id,
                "outcome": r.outcome,
                "cache_hit": r.cache_hit,
                "grade": r.grade,
                "error_code": r.error_code,
                "duration_ms": r.duration_ms,
            }
            for r in rows
        ]
    )
