"""An enterprise as this service knows it: its projected profile, its assessments (latest per rule
set and history), one assessment with the inputs it used, and a live explained evaluation of its
stored data ("what do I lack for the next tier?"). Access: :mod:`tidu_eligibility.access`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from tidu_eligibility.access import ensure_may_read_assessments, ensure_may_read_details, may_see_details
from tidu_eligibility.models import EnterpriseProfile
from tidu_eligibility.queries import assessment_with_inputs, history_of, latest_of, profile_district
from tidu_eligibility.routes.common import Caller, context, page_size
from tidu_eligibility.routes.evaluations import assessment_response
from tidu_eligibility.schemas import (
    AssessmentDetailOut,
    EnterpriseAssessmentsOut,
    EnterpriseProfileOut,
    EvaluationOut,
)
from tidu_eligibility.use_cases.evaluations import on_stored_data
from tidu_shared.auth import ensure_may_read_enterprise
from tidu_shared.db import Database
from tidu_shared.errors import not_found
from tidu_shared.query_types import IsoDayText

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])


def _enterprise_not_found() -> Exception:
    return not_found("enterprise_not_found", "企业", "enterprise")


def _key(uscc: str) -> str:
    return uscc.strip().upper()


async def _district(db: Database, uscc: str) -> str:
    async with db.read() as s:
        district = await profile_district(s, uscc)
    if district is None:
        raise _enterprise_not_found()
    return district


def _assessment(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "uscc": row.uscc,
        "district_code": row.district_code,
        "ruleset_id": row.ruleset_id,
        "ruleset_version": row.ruleset_version,
        "tier": row.tier,
        "as_of": row.as_of,
        "data_year": row.data_year,
        "result": row.result,
        "previous_result": row.previous_result,
        "score": row.score,
        "size_class": row.size_class,
        "missing": orjson.loads(row.missing),
        "trigger": row.trigger,
        "trigger_ref": row.trigger_ref,
        "created_at": row.created_at,
    }


@router.get("/{uscc}", response_model=EnterpriseProfileOut, summary="企业档案投影 Enterprise profile projection")
async def get_enterprise(uscc: str, request: Request, principal: Caller) -> Any:
    db: Database = request.app.state.db
    async with db.read() as s:
        row = await s.get(EnterpriseProfile, _key(uscc))
    if row is None:
        raise _enterprise_not_found()
    ensure_may_read_enterprise(principal, uscc=row.uscc, district_code=row.district_code)
    product = {
        "text": row.main_product_text,
        "strategic_emerging": row.strategic_emerging,
        "six_foundations": row.six_foundations,
        "key_chain_link": row.key_chain_link,
        "supplies_chain_leader": row.supplies_chain_leader,
        "time_honoured_brand": row.time_honoured_brand,
    }
    return {
        **{c: getattr(row, c) for c in EnterpriseProfileOut.model_fields if c != "main_product"},
        "main_product": product if any(v is not None for v in product.values()) else None,
    }


@router.get(
    "/{uscc}/assessments",
    response_model=EnterpriseAssessmentsOut,
    summary="企业的评估（各规则集最新结果与历史）An enterprise's assessments: latest per rule set and history",
)
async def get_assessments(
    uscc: str,
    request: Request,
    principal: Caller,
    ruleset: str | None = Query(default=None, max_length=64, description="history of one rule set only"),
    cursor: str | None = Query(default=None, max_length=400),
    limit: int = Query(default=50, ge=1),
) -> Any:
    db: Database = request.app.state.db
    key = _key(uscc)
    ensure_may_read_assessments(principal, uscc=key, district_code=await _district(db, key))
    async with db.read() as s:
        latest = await latest_of(s, key)
        history = None
        if may_see_details(principal):
            rows, next_cursor = await history_of(s, key, ruleset, cursor, page_size(request, limit))
            history = {"items": [_assessment(r) for r in rows], "next_cursor": next_cursor}
    return {
        "uscc": key,
        "latest": [
            {
                "ruleset_id": r.ruleset_id,
                "ruleset_version": r.ruleset_version,
                "tier": r.tier,
                "result": r.result,
                "score": r.score,
                "size_class": r.size_class,
                "as_of": r.as_of,
                "data_year": r.data_year,
                "assessment_id": r.assessment_id,
                "assessed_at": r.assessed_at,
            }
            for r in latest
        ],
        "history": history,
    }


@router.get(
    "/{uscc}/assessments/{assessment_id}",
    response_model=AssessmentDetailOut,
    summary="一次评估及其所用输入 One assessment with the inputs (and their registry events) it used",
)
async def get_assessment(uscc: str, assessment_id: str, request: Request, principal: Caller) -> Any:
    db: Database = request.app.state.db
    key = _key(uscc)
    ensure_may_read_details(principal, uscc=key, district_code=await _district(db, key))
    async with db.read() as s:
        found = await assessment_with_inputs(s, key, assessment_id)
    if found is None:
        raise not_found("assessment_not_found", "评估记录", "assessment")
    row, inputs = found
    return {**_assessment(row), "inputs": inputs}


@router.get(
    "/{uscc}/evaluations/{target}",
    response_model=EvaluationOut,
    summary="按已登记数据评估并解释（找差距）Explained evaluation of the enterprise's stored data",
    description=(
        "`target` is a rule-set id or a tier. Evaluates the enterprise's projected profile, indicators and "
        "qualifications as of `as_of` (default today) with trace, gaps and next tier; nothing is stored."
    ),
)
async def get_live_evaluation(
    uscc: str,
    target: str,
    request: Request,
    principal: Caller,
    as_of: Annotated[dt.date | None, IsoDayText] = None,
    year: int | None = Query(default=None, ge=1990, le=2100),
    review: bool = False,
) -> Response:
    db: Database = request.app.state.db
    key = _key(uscc)
    ensure_may_read_details(principal, uscc=key, district_code=await _district(db, key))
    a = await on_stored_data(db, context(request), key, target, as_of, year, review)
    if a is None:
        raise _enterprise_not_found()
    return assessment_response(a)
