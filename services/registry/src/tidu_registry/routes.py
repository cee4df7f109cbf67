"""HTTP routes of the registry service."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from tidu_shared.auth import CurrentPrincipal, ensure_may_read_enterprise
from tidu_shared.db import Database
from tidu_shared.errors import not_found

from tidu_registry import use_cases
from tidu_registry.domain.enterprise_checks import normalise_uscc
from tidu_registry.models import Enterprise
from tidu_registry.schemas import EnterpriseIn, EnterpriseOut

router = APIRouter(prefix="/v1", tags=["enterprises"])


def _db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


@router.post(
    "/enterprises",
    status_code=201,
    response_model=EnterpriseOut,
    summary="企业入库 Register an enterprise",
    responses={409: {"description": "已登记 already registered"}, 422: {"description": "校验失败 invalid"}},
)
async def register_enterprise(
    body: EnterpriseIn, request: Request, response: Response, principal: CurrentPrincipal
) -> Enterprise:
    ent = await use_cases.register_enterprise(_db(request), principal, body)
    response.headers["Location"] = f"/v1/enterprises/{ent.uscc}"
    return ent


@router.get("/enterprises/{uscc}", response_model=EnterpriseOut, summary="企业档案 Enterprise profile")
async def get_enterprise(uscc: str, request: Request, principal: CurrentPrincipal) -> Enterprise:
    ent = await use_cases.get_enterprise(_db(request), normalise_uscc(uscc))
    if ent is None:
        raise not_found("enterprise_not_found", "企业", "enterprise")
    ensure_may_read_enterprise(principal, uscc=ent.uscc, district_code=ent.district_code)
    return ent
