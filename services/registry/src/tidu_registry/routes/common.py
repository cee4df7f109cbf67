"""What the route modules share: the database, path normalisation, loading an enterprise that the
caller may read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Query, Request
from pydantic import BeforeValidator
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.domain import uscc as uscc_rules
from tidu_registry.models import Enterprise
from tidu_registry.queries import enterprise_or_404, scope_of
from tidu_registry.schemas import EARLIEST, LATEST
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database

READERS = frozenset({Role.admin, Role.operator, Role.enterprise, Role.commissioner})


def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def normalise(uscc: str) -> str:
    return uscc_rules.normalise(uscc)


async def readable(s: AsyncSession, principal: Principal, uscc: str) -> Enterprise:
    """The enterprise, if ``principal`` may read it (403 for roles that read nothing here, 404 for an
    unknown enterprise or another enterprise's, 403 for another district or an unassigned one)."""
    if principal.role not in READERS:
        raise access.role_not_allowed(principal)
    ent = await enterprise_or_404(s, normalise(uscc))
    access.ensure_may_read(principal, scope_of(ent))
    return ent


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic would read a number such as ``0.0`` as a Unix time (1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("日期格式应为 YYYY-MM-DD | date must be YYYY-MM-DD")
    return value


# A date in a query string (as_of, valid_on, today …): bounded so that date arithmetic never overflows,
# and written as a date (found by tests/fuzz: ``?on=0.0`` was taken as 1970-01-01).
QueryDay = Annotated[dt.date | None, BeforeValidator(_iso_day), Query(ge=EARLIEST, le=LATEST)]
