"""``GET /v1/changes?after=CURSOR``: the registry's events for systems that do not use Kafka.

The feed serves the ``changes`` table — the same events (ids and bytes) the outbox publishes on
``tidu.registry.enterprises`` — in the order ``(txid, id)``. On PostgreSQL ``txid`` is the writing
transaction's id and only rows of transactions older than every transaction still in progress are
served (``pg_snapshot_xmin``): ids are taken at insert time while transactions commit in any order, so
reading by id alone could pass over a row that commits later. On SQLite (one writer) ``txid`` is 0 and
the id order is the commit order. The cursor is ``"<txid>.<id>"`` of the last event served; a reader
resumes with it and never sees an event twice or misses one.

Each reader sees what it may: the city and admins everything, an operator its district's events (the
district the enterprise had when the event happened), an enterprise its own, a commissioner the
events of the enterprises assigned to it now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.domain.errors import Violation
from tidu_registry.models import changes, enterprises
from tidu_registry.problems import validation_problem
from tidu_shared.auth import Principal, Role

CH = changes.c
MAX_LIMIT = 1000
_XMIN = text("(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)")


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: str


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return (-1, 0)
    txid, sep, row_id = cursor.partition(".")
    if not sep or not txid.isdigit() or not row_id.isdigit():
        raise validation_problem([Violation("after", "invalid_cursor", "游标无效", "invalid cursor")])
    return int(txid), int(row_id)


def visibility(principal: Principal) -> list[ColumnElement[bool]]:
    if principal.is_city:
        return []
    if principal.role == Role.operator:
        return [CH.district_code == principal.district]
    if principal.role == Role.enterprise:
        return [CH.uscc == principal.uscc]
    if principal.role == Role.commissioner:
        mine = select(enterprises.c.uscc).where(enterprises.c.commissioner_id == principal.sub)
        return [CH.uscc.in_(mine)]
    raise access.role_not_allowed(principal)


async def read(session: AsyncSession, principal: Principal, *, after: str | None, limit: int) -> FeedPage:
    position = parse_cursor(after)
    conds = [tuple_(CH.txid, CH.id) > tuple_(*position), *visibility(principal)]
    if session.bind.dialect.name == "postgresql":
        conds.append(CH.txid < _XMIN)
    rows = (
        await session.execute(select(CH.txid, CH.id, CH.payload).where(*conds).order_by(CH.txid, CH.id).limit(limit))
    ).all()
    if not rows:
        return FeedPage([], after or "0.0")
    return FeedPage([orjson.loads(r.payload) for r in rows], f"{rows[-1].txid}.{rows[-1].id}")
