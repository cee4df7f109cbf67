"""Rule sets: list, one version with its parameters and citations, upload a new version (admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from tidu_eligibility.domain.result import jsonable
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.domain.ruleset_schema import RuleSet
from tidu_eligibility.routes.common import Caller, context, json_response
from tidu_eligibility.routes.evaluations import RULES_VERSION_HEADER
from tidu_eligibility.rulebook import Entry, RuleBook
from tidu_eligibility.schemas import RuleSetOut, RuleSetSummaryOut, RuleSetUploadOut
from tidu_eligibility.use_cases.rulesets import upload_ruleset
from tidu_shared.auth import Role, require_roles
from tidu_shared.errors import ProblemError
from tidu_shared.query_types import IsoDayText

router = APIRouter(prefix="/v1/rulesets", tags=["rule sets"])


def summary(e: Entry, today: dt.date) -> dict[str, Any]:
    rs = e.ruleset
    return {
        "id": rs.id,
        "version": rs.version,
        "title": rs.title,
        "tier": rs.tier,
        "evaluator": rs.evaluator,
        "effective_from": rs.effective_from,
        "effective_to": rs.effective_to,
        "document": rs.document,
        "district": rs.district,
        "origin": e.origin,
        "in_force": rs.in_force(today),
        "closed_by": e.closed_by,
        "uploaded_by": e.uploaded_by,
        "uploaded_at": e.uploaded_at,
    }


def detail(book: RuleBook, rs: RuleSet, today: dt.date) -> dict[str, Any]:
    return {
        **summary(book.entry(rs), today),
        "notes": list(rs.notes),
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "value": jsonable(p.value),
                "citation": p.citation,
                "unit": p.unit,
                "unconfirmed": p.unconfirmed,
                "note": p.note,
            }
            for p in rs.parameters.values()
        ],
        "versions": [summary(book.entry(v), today) for v in book.versions(rs.id)],
    }


@router.get("", response_model=list[RuleSetSummaryOut], summary="规则集列表 Rule sets and their versions")
async def list_rulesets(request: Request, principal: Caller) -> Any:
    ctx = context(request)
    today = ctx.today()
    entries = sorted(ctx.book.entries, key=lambda e: (e.ruleset.id, e.ruleset.version))
    return [summary(e, today) for e in entries]


@router.get(
    "/{ruleset_id}",
    response_model=RuleSetOut,
    summary="规则集（含参数与出处）A rule set's version on a date, with parameters and citations",
)
async def get_ruleset(
    ruleset_id: str,
    request: Request,
    principal: Caller,
    as_of: Annotated[
        dt.date | None, IsoDayText, Query(description="the version that applies on this date; default today")
    ] = None,
    version: int | None = Query(default=None, ge=1, description="or a version number"),
) -> Response:
    ctx = context(request)
    book = ctx.book
    today = ctx.today()
    if version is not None:
        found = [rs for rs in book.versions(ruleset_id) if rs.version == version]
        if not found:
            raise ProblemError(404, "ruleset_not_found", "未找到", "规则集或版本不存在", "no such rule set version")
        rs = found[0]
    else:
        try:
            rs = book.catalog.by_id(ruleset_id, as_of or today)
        except RuleSetNotFound as exc:
            raise ProblemError(404, "ruleset_not_found", "未找到", "该日期没有可适用的规则集版本", str(exc)) from None
    return json_response(detail(book, rs, today), headers={RULES_VERSION_HEADER: f"{rs.id}@{rs.version}"})


@router.post(
    "",
    status_code=201,
    response_model=RuleSetUploadOut,
    summary="上传规则集新版本（管理员）Upload a rule-set version (YAML or JSON body)",
    description=(
        "The body is a rule-set file (YAML, or JSON with `Content-Type: application/json`). It is validated "
        "by the rule engine's schema (422 naming the field otherwise), must be numbered above the id's "
        "existing versions (409), and applies from its `effective_from`: open earlier versions of the id "
        "are closed the day before."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
    dependencies=[require_roles(Role.admin)],
)
async def post_ruleset(request: Request, principal: Caller) -> Response:
    ctx = context(request)
    body = await request.body()
    new, closed = await upload_ruleset(
        request.app.state.db, ctx, principal, body, request.headers.get("content-type", "application/yaml")
    )
    today = ctx.today()
    rs = new.ruleset
    return json_response(
        {"ruleset": summary(new, today), "closed": [summary(e, today) for e in closed]},
        status_code=201,
        headers={"Location": f"/v1/rulesets/{rs.id}?version={rs.version}"},
    )
