"""``GET /v1/enterprises/{uscc}/data-export``: everything finance-match holds about one enterprise
(its projected profile, indicators, qualifications and assessments, its credit standing, consents,
demands with their matches, cases with their timelines, and every credit look-up of it), for the
enterprise itself, operators of its district and admins (``tidu_shared.data_export``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from tidu_finance_match.models import (
    CaseRow,
    CaseTimelineRow,
    ConsentRow,
    CreditLookupRow,
    CreditStandingRow,
    DemandMatchRow,
    DemandRow,
    EnterpriseAssessment,
    EnterpriseIndicators,
    EnterpriseProfile,
    EnterpriseQualification,
)
from tidu_finance_match.routes.deps import DbDep
from tidu_finance_match.serialize import json_response
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal
from tidu_shared.data_export import (
    EXPORT_PATH,
    ensure_may_ask,
    ensure_may_export,
    export_document,
    masked_fields,
    row_dict,
    rows,
)
from tidu_shared.outbox import utcnow

router = APIRouter(prefix="", tags=["data export 数据导出"])


@router.get(
    EXPORT_PATH,
    summary="企业数据导出 Everything finance-match holds about the enterprise (itself, its operators, admins)",
    dependencies=[sensitive_read("credit")],
    responses={403: {"description": "无权访问 not allowed"}, 404: {"description": "企业不存在 not found"}},
)
async def export_enterprise_data(uscc: str, principal: CurrentPrincipal, db: DbDep) -> Response:
    code = uscc.strip().upper()
    ensure_may_ask(principal, code)
    async with db.read() as s:

        async def all_of(stmt: Any) -> list[Any]:
            return list((await s.execute(stmt)).scalars())

        profile = await s.get(EnterpriseProfile, code)
        demands = await all_of(select(DemandRow).where(DemandRow.uscc == code).order_by(DemandRow.created_at))
        district = profile.district_code if profile is not None else (demands[0].district_code if demands else None)
        ensure_may_export(principal, uscc=code, district_code=district)
        demand_ids = [d.id for d in demands]
        cases = await all_of(select(CaseRow).where(CaseRow.uscc == code).order_by(CaseRow.pushed_at, CaseRow.id))
        case_ids = [c.id for c in cases]
        sections = {
            "profile": row_dict(profile) if profile is not None else None,
            "indicators": rows(
                await all_of(
                    select(EnterpriseIndicators)
                    .where(EnterpriseIndicators.uscc == code)
                    .order_by(EnterpriseIndicators.year)
                )
            ),
            "qualifications": rows(
                await all_of(select(EnterpriseQualification).where(EnterpriseQualification.uscc == code))
            ),
            "assessments": rows(await all_of(select(EnterpriseAssessment).where(EnterpriseAssessment.uscc == code))),
            "credit_standing": rows(await all_of(select(CreditStandingRow).where(CreditStandingRow.uscc == code))),
            "consents": rows(
                await all_of(select(ConsentRow).where(ConsentRow.uscc == code).order_by(ConsentRow.granted_at))
            ),
            "demands": [masked_fields(d, "note", "close_reason") for d in rows(demands)],
            "matches": rows(
                await all_of(select(DemandMatchRow).where(DemandMatchRow.demand_id.in_(demand_ids)))
                if demand_ids
                else []
            ),
            "cases": [masked_fields(c, "decline_note", "withdraw_reason") for c in rows(cases)],
            "case_timeline": rows(
                await all_of(
                    select(CaseTimelineRow)
                    .where(CaseTimelineRow.case_id.in_(case_ids))
                    .order_by(CaseTimelineRow.at, CaseTimelineRow.id)
                )
                if case_ids
                else []
            ),
            "credit_lookups": rows(
                await all_of(select(CreditLookupRow).where(CreditLookupRow.uscc == code).order_by(CreditLookupRow.id))
            ),
        }
    return json_response(export_document("finance-match", code, sections, utcnow()))
