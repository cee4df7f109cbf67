"""``/v1/enterprises/{uscc}``: the enterprise projection as the whistle knows it."""

from __future__ import annotations

from fastapi import APIRouter

from tidu_shared.auth import CurrentPrincipal, Role, ensure_may_read_enterprise
from tidu_shared.errors import not_found
from tidu_whistle.models import EnterpriseProfile
from tidu_whistle.routes.deps import DbDep
from tidu_whistle.schemas import EnterpriseProfileOut

router = APIRouter(prefix="/v1", tags=["whistle"])

SEES_COMMISSIONER = frozenset({Role.enterprise, Role.operator, Role.admin})


@router.get(
    "/enterprises/{uscc}",
    response_model=EnterpriseProfileOut,
    summary="企业档案投影 Enterprise profile projection",
)
async def get_enterprise(uscc: str, principal: CurrentPrincipal, db: DbDep) -> EnterpriseProfileOut:
    key = uscc.strip().upper()
    async with db.read() as s:
        row = await s.get(EnterpriseProfile, key)
    if row is None:
        raise not_found("enterprise_not_found", "企业", "enterprise")
    ensure_may_read_enterprise(principal, uscc=row.uscc, district_code=row.district_code)
    out = EnterpriseProfileOut.model_validate(row)
    # the commissioner is shown to the enterprise, the commissioner, operators and admins only
    if principal.role not in SEES_COMMISSIONER and principal.sub != row.commissioner_id:
        out = out.model_copy(update={"commissioner_id": None, "commissioner_name": None})
    return out
