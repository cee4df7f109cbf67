"""What every router needs: the database, the service context, the catalogue, If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from tidu_finance_match.catalogue_store import LoadedCatalogue
from tidu_finance_match.context import FinanceContext
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_ctx(request: Request) -> FinanceContext:
    return request.app.state.finance  # type: ignore[no-any-return]


DbDep = Annotated[Database, Depends(get_db)]
CtxDep = Annotated[FinanceContext, Depends(get_ctx)]


async def if_match(
    value: Annotated[
        str | None,
        Header(alias="If-Match", description='the version read (ETag), e.g. "3"; stale → 412'),
    ] = None,
) -> int | None:
    if value is None or value.strip() in ("", "*"):
        return None
    m = _ETAG.match(value)
    if m is None:
        raise ProblemError(
            400,
            "invalid_if_match",
            "请求头有误",
            'If-Match 应为记录版本号，如 "3"',
            'If-Match must be a version, e.g. "3"',
        )
    return int(m.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


async def catalogue_of(ctx: FinanceContext, db: Database) -> LoadedCatalogue:
    async with db.read() as s:
        return await ctx.catalogue.get(s)
