"""The Open311 GeoReport v2 read view over the issues a caller may see (mapping rules in
``domain/open311.py``): services.json, requests.json, requests/{id}.json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from tidu_shared.auth import Principal
from tidu_shared.db import Database
from tidu_whistle.access import ensure_not_institution, ensure_visible, visibility, visible_clause
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.model import IssueState
from tidu_whistle.domain.open311 import (
    MAX_RESULTS,
    open311_request,
    open311_services,
    open311_status,
    parse_requests_query,
    select_requests,
)
from tidu_whistle.models import IssueRow
from tidu_whistle.problems import issue_not_found
from tidu_whistle.records import issue_from_row
from tidu_whistle.store import current_departments, profile_of


def _media_url(row: IssueRow) -> str | None:
    for attachment in row.attachments or []:
        if attachment.get("url"):
            return str(attachment["url"])
    return None


def _states_for(statuses: tuple[str, ...]) -> list[str]:
    return [str(s) for s in IssueState if open311_status(s) in statuses]


def services(ctx: WhistleContext, principal: Principal) -> list[dict[str, Any]]:
    ensure_not_institution(principal)
    return open311_services(ctx.reference)


async def requests(
    db: Database, ctx: WhistleContext, principal: Principal, params: Mapping[str, str]
) -> list[dict[str, Any]]:
    ensure_not_institution(principal)
    query = parse_requests_query(params, ctx.now())
    q = select(IssueRow).where(visible_clause(principal))
    if query.service_request_ids:
        q = q.where(IssueRow.id.in_(query.service_request_ids))
    else:
        if query.service_codes:
            q = q.where(IssueRow.category.in_(query.service_codes))
        if query.statuses:
            q = q.where(IssueRow.state.in_(_states_for(query.statuses)))
        if query.start is not None:
            q = q.where(IssueRow.submitted_at >= query.start)
        if query.end is not None:
            q = q.where(IssueRow.submitted_at <= query.end)
    q = q.order_by(IssueRow.submitted_at.desc(), IssueRow.id.desc()).limit(MAX_RESULTS)
    async with db.read() as s:
        rows = {r.id: r for r in await s.scalars(q)}
    chosen = select_requests([issue_from_row(r) for r in rows.values()], query)
    return [open311_request(i, ctx.reference, media_url=_media_url(rows[i.id])) for i in chosen]


async def request(db: Database, ctx: WhistleContext, principal: Principal, issue_id: str) -> list[dict[str, Any]]:
    ensure_not_institution(principal)
    async with db.read() as s:
        row = await s.get(IssueRow, issue_id)
        if row is None:
            raise issue_not_found()
        profile = await profile_of(s, row.enterprise_uscc)
        departments = await current_departments(s, issue_id)
    commissioner = profile.commissioner_id if profile is not None else None
    ensure_visible(visibility(principal, row, commissioner_id=commissioner, departments=departments))
    return [open311_request(issue_from_row(row), ctx.reference, media_url=_media_url(row))]
