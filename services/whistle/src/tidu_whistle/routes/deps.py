"""What every route takes from the app: the database and the whistle context; If-Match parsing."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from tidu_shared.db import Database
from tidu_whistle.context import WhistleContext
from tidu_whistle.problems import if_match_required, invalid_if_match


async def _db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def _ctx(request: Request) -> WhistleContext:
    return request.app.state.whistle  # type: ignore[no-any-return]


DbDep = Annotated[Database, Depends(_db)]
CtxDep = Annotated[WhistleContext, Depends(_ctx)]

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int:
    """``"3"``, ``W/"3"`` or ``3`` → 3. Missing → 428; anything else (``*`` included) → 400."""
    if value is None or not value.strip():
        raise if_match_required()
    match = _ETAG.match(value.strip())
    if match is None:
        raise invalid_if_match(value)
    return int(match.group(1))


async def _if_match(
    if_match: Annotated[
        str | None,
        Header(description='The issue\'s ETag (its version), e.g. "3". Missing: 428; stale: 412.'),
    ] = None,
) -> int:
    return parse_if_match(if_match)


IfMatchDep = Annotated[int, Depends(_if_match)]
