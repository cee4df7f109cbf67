"""``GET /v1/enterprises/{uscc}/data-export``: everything eligibility holds about one enterprise
(its projected profile, indicators and qualifications, every assessment with the inputs it used, the
latest per rule set), for the enterprise itself, operators of its district and admins
(``tidu_shared.data_export``). This service holds no identity or phone numbers."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import select

from tidu_eligibility.models import (
    assessment_inputs,
    assessments,
    indicator_years,
    latest_assessments,
    profiles,
    qualifications,
)
from tidu_eligibility.routes.common import Caller
from tidu_shared.data_export import EXPORT_PATH, ensure_may_ask, ensure_may_export, export_document, row_dict, rows
from tidu_shared.db import Database
from tidu_shared.outbox import utcnow

router = APIRouter(tags=["data export 数据导出"])


def _json(text: Any) -> Any:
    try:
        return orjson.loads(text) if isinstance(text, str) else text
    except orjson.JSONDecodeError:
        return text


@router.get(
    EXPORT_PATH,
    summary="企业数据导出 Everything eligibility holds about the enterprise (itself, its operators, admins)",
    responses={403: {"description": "无权访问 not allowed"}, 404: {"description": "企业不存在 not found"}},
)
async def export_enterprise_data(uscc: str, request: Request, principal: Caller) -> dict[str, Any]:
    db: Database = request.app.state.db
    code = uscc.strip().upper()
    ensure_may_ask(principal, code)
    async with db.read() as s:
        profile = (await s.execute(select(profiles).where(profiles.c.uscc == code))).first()
        ensure_may_export(principal, uscc=code, district_code=profile.district_code if profile else None)
        years = (
            await s.execute(
                select(indicator_years).where(indicator_years.c.uscc == code).order_by(indicator_years.c.year)
            )
        ).all()
        quals = (await s.execute(select(qualifications).where(qualifications.c.uscc == code))).all()
        history = (
            await s.execute(
                select(assessments)
                .where(assessments.c.uscc == code)
                .order_by(assessments.c.created_at, assessments.c.id)
            )
        ).all()
        latest = (await s.execute(select(latest_assessments).where(latest_assessments.c.uscc == code))).all()
        hashes = sorted({a.inputs_hash for a in history if a.inputs_hash})
        inputs = (
            (await s.execute(select(assessment_inputs).where(assessment_inputs.c.hash.in_(hashes)))).all()
            if hashes
            else []
        )
    sections = {
        "profile": row_dict(profile) if profile else None,
        "indicators": [{**row_dict(y), "indicator_values": _json(y.indicator_values)} for y in years],
        "qualifications": rows(quals),
        "assessments": [{**row_dict(a), "missing": _json(a.missing)} for a in history],
        "latest_assessments": rows(latest),
        "assessment_inputs": [{**row_dict(i), "body": _json(i.body)} for i in inputs],
    }
    return export_document("eligibility", code, sections, utcnow())
