"""The cultivation pool (培育库) and the white list (白名单)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from tidu_registry import access
from tidu_registry.clock import today_cn
from tidu_registry.models import enterprises, white_list_entries
from tidu_registry.queries import pool_move_rows
from tidu_registry.routes.common import QueryDay, get_db, normalise, readable
from tidu_registry.schemas import Created, PoolMoveIn, PoolOut, WhiteListEndIn, WhiteListIn, WhiteListOut
from tidu_registry.search import region_condition
from tidu_registry.use_cases import pool as cases
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["pool"])
W = white_list_entries.c


def _white(row: Any, on: dt.date) -> dict[str, Any]:
    d = dict(row._mapping)
    d["effective"] = row.effective_from <= on and (row.effective_to is None or on <= row.effective_to)
    return d


@router.get("/enterprises/{uscc}/pool", response_model=PoolOut, summary="培育库 Stage, moves and white-list entries")
async def get_pool(uscc: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    today = today_cn()
    async with get_db(request).read() as s:
        ent = await readable(s, principal, uscc)
        moves = await pool_move_rows(s, ent.uscc)
        wl = (await s.execute(select(white_list_entries).where(W.uscc == ent.uscc).order_by(W.effective_from))).all()
        return {
            "uscc": ent.uscc,
            "stage": ent.pool_stage,
            "moves": [dict(m._mapping) for m in moves],
            "white_list": [_white(w, today) for w in wl],
        }


@router.post(
    "/enterprises/{uscc}/pool/moves",
    response_model=PoolOut,
    status_code=201,
    summary="入库/调整/出库 Enter, move or leave the pool (to_stage null), with a reason",
)
async def move(uscc: str, body: PoolMoveIn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    await cases.move(
        get_db(request),
        principal,
        normalise(uscc),
        to_stage=body.to_stage,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return await get_pool(uscc, request, principal)


@router.post(
    "/enterprises/{uscc}/white-list",
    response_model=Created,
    status_code=201,
    summary="列入白名单 Put on a white list with effective dates",
)
async def add_white_list(uscc: str, body: WhiteListIn, request: Request, principal: CurrentPrincipal) -> Created:
    entry_id = await cases.add_to_white_list(get_db(request), principal, normalise(uscc), **body.model_dump())
    return Created(id=entry_id)


@router.post("/white-list/{entry_id}/end", status_code=204, summary="白名单到期 End a white-list entry on a date")
async def end_white_list(
    entry_id: str, body: WhiteListEndIn, request: Request, principal: CurrentPrincipal
) -> Response:
    await cases.end_white_list(get_db(request), principal, entry_id, effective_to=body.effective_to)
    return Response(status_code=204)


@router.get("/white-list", response_model=list[WhiteListOut], summary="白名单 Entries effective on a date")
async def white_list(
    request: Request,
    principal: CurrentPrincipal,
    list_code: str | None = None,
    on: QueryDay = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    access.ensure_operator(principal)
    day = on or today_cn()
    conds = [W.effective_from <= day, (W.effective_to.is_(None)) | (W.effective_to >= day)]
    if list_code is not None:
        conds.append(W.list_code == list_code)
    district = access.district_scope(principal)
    stmt = select(white_list_entries).join(enterprises, enterprises.c.uscc == W.uscc).where(*conds)
    if district is not None:
        stmt = stmt.where(region_condition(enterprises.c.district_code, district))
    async with get_db(request).read() as s:
        rows = (await s.execute(stmt.order_by(W.list_code, W.uscc).limit(min(max(limit, 1), 5000)))).all()
    return [_white(r, day) for r in rows]
