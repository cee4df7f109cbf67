"""GET /v1/candidates: the cultivation candidates — enterprises whose latest assessment under the
rule set in force for a tier (or a named rule set) is ``eligible`` and that hold no valid
qualification of that tier or a higher one on ``as_of`` (for ``size`` and ``pool``: every eligible
enterprise). Without ``tier`` or ``ruleset``: ``srdi``. Operators: their district; city operators and
admins: any or all."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tidu_eligibility.access import candidates_district
from tidu_eligibility.assessing import HELD_AT_OR_ABOVE
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.problems import ruleset_not_found
from tidu_eligibility.queries import candidates
from tidu_eligibility.routes.common import Caller, context, page_size
from tidu_eligibility.schemas import CandidatePage, Tier
from tidu_shared.query_types import IsoDayText

router = APIRouter(prefix="/v1", tags=["candidates"])


@router.get(
    "/candidates",
    response_model=CandidatePage,
    summary="培育候选名单 Eligible enterprises that do not hold the tier",
)
async def get_candidates(
    request: Request,
    principal: Caller,
    tier: Tier | None = Query(default=None, description="the rule set in force for this tier on as_of"),
    ruleset: str | None = Query(default=None, max_length=64, description="or a rule-set id"),
    district: str | None = Query(default=None, pattern=r"^\d{6}$"),
    as_of: Annotated[dt.date | None, IsoDayText, Query(description="default today (China time)")] = None,
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=100, ge=1),
) -> Any:
    ctx = context(request)
    scope = candidates_district(principal, district)
    day = as_of or ctx.today()
    book = ctx.book
    try:
        if ruleset is not None:
            rs = book.catalog.by_id(ruleset, day)
        else:
            rs = book.catalog.by_tier(tier or "srdi", day, scope)
    except RuleSetNotFound as exc:
        raise ruleset_not_found(exc, "ruleset" if ruleset else "tier") from None
    async with request.app.state.db.read() as s:
        rows, next_cursor = await candidates(
            s,
            ruleset_id=rs.id,
            district=scope,
            held_kinds=HELD_AT_OR_ABOVE.get(rs.tier, frozenset()),
            as_of=day,
            cursor=cursor,
            limit=page_size(request, limit),
        )
    return {
        "ruleset_id": rs.id,
        "tier": rs.tier,
        "as_of": day,
        "district_code": scope,
        "items": [dict(r._mapping) for r in rows],
        "next_cursor": next_cursor,
    }
