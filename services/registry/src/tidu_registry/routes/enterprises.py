"""Enterprises: registration, profile, history (as_of), districts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.exc import OperationalError

from tidu_registry import access
from tidu_registry.domain.districts import District
from tidu_registry.queries import (
    enterprise_as_of,
    enterprise_or_404_inline,
    enterprise_view,
    history,
    known_districts,
    scope_of,
)
from tidu_registry.routes.common import READERS, QueryDay, get_db, normalise, readable
from tidu_registry.schemas import DistrictIn, DistrictOut, EnterpriseIn, EnterpriseOut, EnterprisePatch, StatementOut
from tidu_registry.use_cases import enterprises as cases
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["enterprises"])


@router.post(
    "/enterprises",
    status_code=201,
    response_model=EnterpriseOut,
    summary="企业入库 Register an enterprise",
    responses={409: {"description": "已登记 already registered"}, 422: {"description": "校验失败 invalid"}},
)
async def register_enterprise(
    body: EnterpriseIn, request: Request, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    data = body.model_dump()
    data["contacts"] = data["contacts"] or []
    ent = await cases.register_enterprise(get_db(request), principal, data)
    response.headers["Location"] = f"/v1/enterprises/{ent.uscc}"
    response.headers["ETag"] = str(ent.version)
    return enterprise_view(ent)


@router.get(
    "/enterprises/{uscc}",
    response_model=EnterpriseOut,
    summary="企业档案 Enterprise profile (as_of: as it stood at the end of that day)",
    dependencies=[sensitive_read("identity", "phone")],
)
async def get_enterprise(
    uscc: str, request: Request, response: Response, principal: CurrentPrincipal, as_of: QueryDay = None
) -> dict[str, Any]:
    db = get_db(request)
    if as_of is None:
        # The current profile by key: read on the event loop's thread where the database allows it
        # (SQLite; see Database.inline_read), the same checks as ``readable``.
        try:
            with db.inline_read() as inline:
                if inline is not None:
                    if principal.role not in READERS:
                        raise access.role_not_allowed(principal)
                    ent = enterprise_or_404_inline(inline, normalise(uscc))
                    access.ensure_may_read(principal, scope_of(ent))
                    response.headers["ETag"] = str(ent.version)
                    return enterprise_view(ent)
        except OperationalError:
            pass  # locked (a checkpoint): read as below, waiting for it
    async with db.read() as s:
        ent = await readable(s, principal, uscc)
        if as_of is not None:
            return await enterprise_as_of(s, ent, as_of)
        response.headers["ETag"] = str(ent.version)
        return enterprise_view(ent)


@router.patch(
    "/enterprises/{uscc}",
    response_model=EnterpriseOut,
    summary="档案变更 Change the profile (If-Match: version for optimistic locking)",
)
async def change_enterprise(
    uscc: str,
    body: EnterprisePatch,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    if_match: str | None = Header(default=None),
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    source = changes.pop("source", None)
    version = None
    if if_match is not None:
        tag = if_match.strip().strip('"').removeprefix("W/").strip('"')
        version = int(tag) if tag.isdigit() else -1
    ent = await cases.change_profile(
        get_db(request), principal, normalise(uscc), changes, source=source, if_match=version
    )
    response.headers["ETag"] = str(ent.version)
    return enterprise_view(ent)


@router.get(
    "/enterprises/{uscc}/history",
    response_model=list[StatementOut],
    summary="变更记录 Every statement: field, old, new, who, when, source (sensitive values masked)",
    dependencies=[sensitive_read("identity", "phone")],
)
async def enterprise_history(
    uscc: str,
    request: Request,
    principal: CurrentPrincipal,
    year: int | None = None,
    field: str | None = None,
    profile_only: bool = False,
) -> list[dict[str, Any]]:
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        return await history(s, ent.uscc, year=year, profile_only=profile_only, field=field)


@router.get("/districts", response_model=list[DistrictOut], summary="区县代码 GB/T 2260 districts known here")
async def list_districts(request: Request, principal: CurrentPrincipal) -> list[dict[str, str]]:
    async with get_db(request).read() as s:
        known = await known_districts(s)
    return [_district(d) for d in known.all()]


@router.post(
    "/districts", status_code=201, response_model=DistrictOut, summary="新增区县代码 Add a district (city/admin)"
)
async def add_district(body: DistrictIn, request: Request, principal: CurrentPrincipal) -> dict[str, str]:
    return await cases.add_district(get_db(request), principal, body.model_dump())


def _district(d: District) -> dict[str, str]:
    return {"code": d.code, "name": d.name, "province": d.province, "kind": d.kind}
