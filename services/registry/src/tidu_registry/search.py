"""Enterprise search: filters, keyset pagination on ``(sort key, uscc)``, and the indexes it relies on.

Filters (all optional, combined with AND): a district or region (GB/T 2260: ``500113``; ``500000``
is all of 重庆市), an industry-code prefix (``C38``), the latest size class, a qualification valid on a
date, the pool stage, the commissioner, and a substring of the name.

Decisions (measured in bench/registry_bench.py over 1,000,000 enterprises):

- every filter column has an index ``(column, uscc)`` (partial where the column is mostly empty) and
  the industry prefix is a range (``code >= 'C38' AND code < 'C38~'``), so a filter with the default
  sort walks one index range in order and stops after a page;
- pages are keyset pages: the cursor holds the last row's sort key and USCC, and the next page starts
  after ``(key, uscc)`` (a row-value comparison both SQLite and PostgreSQL serve from the index); no
  OFFSET, no total count;
- "valid on a date" reads ``qualification_periods`` (the domain's validity periods, renewals and
  revocations applied) through an ``IN`` subquery over its ``(kind, start_on, end_on, uscc)`` index;
- district-scoped lists (what a district operator always sees) have ``(district, name, uscc)`` and
  ``(district, established_on, uscc)`` indexes, so each sort order is an index walk;
- broad ranges (a region such as 500000, an industry section or division) are given to SQLite as an
  expression (``_unindexed``) so that it walks the sort order's index and filters, instead of reading
  a tenth of the table or more through the range and sorting it;
- name substring: ``LIKE '%…%'`` (``ILIKE`` on PostgreSQL). On PostgreSQL the migration adds a
  ``pg_trgm`` GIN index when the extension is available, which serves patterns of three or more
  characters. On SQLite the match scans the covering ``(name, uscc)`` index in name order (the
  default sort when ``q`` is given): a common substring stops after one page, a rare one reads the
  whole index (a few hundred ms at a million names; see the bench).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.clock import today_cn
from tidu_registry.domain.districts import is_within
from tidu_registry.domain.errors import Violation
from tidu_registry.models import enterprises, qualification_periods
from tidu_registry.problems import validation_problem
from tidu_shared.auth import Principal, Role

E = enterprises.c
QP = qualification_periods.c

SortKey = Literal["uscc", "name", "established_on"]
Order = Literal["asc", "desc"]
SORT_COLUMNS: dict[str, Any] = {"uscc": E.uscc, "name": E.name, "established_on": E.established_on}
SUMMARY_COLUMNS = (
    E.uscc,
    E.name,
    E.district_code,
    E.industry_code,
    E.established_on,
    E.size_class,
    E.size_class_year,
    E.pool_stage,
    E.commissioner_id,
)
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SearchFilters:
    district: str | None = None
    industry: str | None = None
    size_class: str | None = None
    qualification: str | None = None
    valid_on: dt.date | None = None
    pool_stage: str | None = None
    commissioner_id: str | None = None
    name: str | None = None
    uscc: str | None = None  # an enterprise's own scope


def region_condition(column: Any, region: str) -> ColumnElement[bool]:
    """``column`` (a district code) lies in ``region`` (GB/T 2260 nesting, as ``districts.is_within``)."""
    if region.endswith("0000"):
        prefix = region[:2]
    elif region.endswith("00"):
        prefix = region[:4]
    else:
        return column == region  # type: ignore[no-any-return]
    return and_(column >= prefix, column < prefix + ":")  # ':' follows '9'


def prefix_condition(column: Any, prefix: str) -> ColumnElement[bool]:
    return and_(column >= prefix, column < prefix + "~")  # '~' follows every digit and letter


def _unindexed(column: Any) -> Any:
    """``column || ''``: the same values, but SQLite's planner no longer reads the column's index. For
    broad ranges (a region, a section's industries) walking the sort order's index and filtering is
    far cheaper than reading a tenth of the table through the range and sorting it; SQLite (without
    STAT4 statistics) guesses otherwise. PostgreSQL's planner has the statistics and gets no hint."""
    return column.concat("")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


BROAD_INDUSTRY_PREFIX = 3  # a section letter or a two-digit division: a tenth of the register or more


def conditions(f: SearchFilters, *, dialect: str) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    sqlite = dialect == "sqlite"
    if f.uscc is not None:
        conds.append(E.uscc == f.uscc)
    if f.district is not None:
        broad = sqlite and f.district.endswith("00")
        conds.append(region_condition(_unindexed(E.district_code) if broad else E.district_code, f.district))
    if f.industry is not None:
        broad = sqlite and len(f.industry) <= BROAD_INDUSTRY_PREFIX
        conds.append(prefix_condition(_unindexed(E.industry_code) if broad else E.industry_code, f.industry))
    if f.size_class is not None:
        conds.append(E.size_class == f.size_class)
    if f.pool_stage is not None:
        conds.append(E.pool_stage == f.pool_stage)
    if f.commissioner_id is not None:
        conds.append(E.commissioner_id == f.commissioner_id)
    if f.qualification is not None:
        on = f.valid_on or today_cn()
        holders = select(QP.uscc).where(
            QP.kind == f.qualification, QP.start_on <= on, or_(QP.end_on.is_(None), QP.end_on >= on)
        )
        conds.append(E.uscc.in_(holders))
    if f.name:
        pattern = f"%{_like_escape(f.name)}%"
        like = E.name.ilike(pattern, escape="\\") if dialect == "postgresql" else E.name.like(pattern, escape="\\")
        conds.append(like)
    return conds


# --- cursors -------------------------------------------------------------------------------------


def encode_cursor(sort: str, order: str, key: Any, uscc: str) -> str:
    value = key.isoformat() if isinstance(key, dt.date) else key
    raw = json.dumps([sort, order, value, uscc], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> Exception:
    return validation_problem([Violation("cursor", "invalid_cursor", "分页游标无效", "invalid cursor")])


def decode_cursor(cursor: str, sort: str, order: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        c_sort, c_order, key, uscc = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _bad_cursor() from None
    if (c_sort, c_order) != (sort, order) or not isinstance(uscc, str) or not isinstance(key, str):
        raise _bad_cursor()
    if sort == "established_on":
        try:
            return dt.date.fromisoformat(key), uscc
        except ValueError:
            raise _bad_cursor() from None
    return key, uscc


# --- the query -----------------------------------------------------------------------------------


def search_statement(
    f: SearchFilters, *, sort: str, order: str, limit: int, after: tuple[Any, str] | None, dialect: str
) -> Select[Any]:
    key = SORT_COLUMNS[sort]
    conds = conditions(f, dialect=dialect)
    if after is not None:
        if sort == "uscc":
            conds.append(E.uscc > after[1] if order == "asc" else E.uscc < after[1])
        else:
            pair, bound = tuple_(key, E.uscc), tuple_(*after)
            conds.append(pair > bound if order == "asc" else pair < bound)
    ordering = [key.asc(), E.uscc.asc()] if order == "asc" else [key.desc(), E.uscc.desc()]
    if sort == "uscc":
        ordering = ordering[:1]
    return select(*SUMMARY_COLUMNS).where(*conds).order_by(*ordering).limit(limit + 1)


async def search(
    session: AsyncSession,
    f: SearchFilters,
    *,
    sort: str = "uscc",
    order: str = "asc",
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of enterprise summaries and the cursor of the next page (``None``: last page)."""
    after = decode_cursor(cursor, sort, order) if cursor else None
    dialect = session.bind.dialect.name
    stmt = search_statement(f, sort=sort, order=order, limit=limit, after=after, dialect=dialect)
    rows = (await session.execute(stmt)).all()
    items = [dict(r._mapping) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(sort, order, last[sort], last["uscc"])
    return items, next_cursor


# --- who sees what -------------------------------------------------------------------------------


def scoped(principal: Principal, f: SearchFilters) -> SearchFilters:
    """``f`` narrowed to what ``principal`` may see (403 when it asks for more)."""
    if principal.is_city:
        return f
    if principal.role == Role.operator:
        own = principal.district or ""
        if f.district is not None and not is_within(f.district, own):
            raise access.other_district()
        return f if f.district is not None else replace(f, district=own)
    if principal.role == Role.enterprise:
        return replace(f, uscc=principal.uscc)
    if principal.role == Role.commissioner:
        if f.commissioner_id is not None and f.commissioner_id != principal.sub:
            raise access.not_assigned()
        return replace(f, commissioner_id=principal.sub)
    raise access.role_not_allowed(principal)
