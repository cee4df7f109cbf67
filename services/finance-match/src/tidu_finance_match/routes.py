"""HTTP routes of the finance-match service."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tidu_finance_match.models import EnterpriseProfile
from tidu_finance_match.schemas import EnterpriseProfileOut
from tidu_shared.auth import CurrentPrincipal, ensure_may_read_enterprise
from tidu_shared.db import Database
from tidu_shared.errors import not_found

router = APIRouter(prefix="/v1", tags=["finance-match"])


@router.get(
    "/enterprises/{uscc}",
    response_model=EnterpriseProfileOut,
    summary="企业档案投影 Enterprise profile projection",
)
async def get_enterprise(uscc: str, request: Request, principal: CurrentPrincipal) -> EnterpriseProfile:
    db: Database = request.app.state.db
    key = uscc.strip().upper()
    async with db.read() as s:
        row = await s.get(EnterpriseProfile, key)
    if row is None:
        raise not_found("enterprise_not_found", "企业", "enterprise")
    ensure_may_read_enterprise(principal, uscc=row.uscc, district_code=row.district_code)
    return row
