"""The change feed: the registry's events, resumable by cursor, for systems without Kafka."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from tidu_registry import feed
from tidu_registry.routes.common import get_db
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["changes"])


@router.get(
    "/changes",
    summary="变更流 Events after a cursor (the same CloudEvents as tidu.registry.enterprises)",
)
async def changes(
    request: Request,
    principal: CurrentPrincipal,
    after: str | None = Query(None, max_length=60, description="next_cursor of the previous page"),
    limit: int = Query(100, ge=1, le=feed.MAX_LIMIT),
) -> dict[str, Any]:
    async with get_db(request).read() as s:
        page = await feed.read(s, principal, after=after, limit=limit)
    return {"events": page.events, "next_cursor": page.next_cursor}
