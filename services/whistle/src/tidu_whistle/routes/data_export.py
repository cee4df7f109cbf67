"""``GET /v1/enterprises/{uscc}/data-export``: everything whistle holds about one enterprise (its
projected profile, its issues with their departments and timelines, its ratings), for the
enterprise itself, operators of its district and admins (``tidu_shared.data_export``). Identity and
mobile numbers written into free text (titles, descriptions, notes) are masked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from tidu_shared.auth import CurrentPrincipal
from tidu_shared.data_export import (
    EXPORT_PATH,
    ensure_may_ask,
    ensure_may_export,
    export_document,
    masked_fields,
    row_dict,
)
from tidu_shared.outbox import utcnow
from tidu_whistle.models import EnterpriseProfile, IssueDepartment, IssueRow, TimelineRow
from tidu_whistle.routes.deps import DbDep

router = APIRouter(tags=["data export 数据导出"])

_FREE_TEXT = ("title", "description", "note", "attachments")


@router.get(
    EXPORT_PATH,
    summary="企业数据导出 Everything whistle holds about the enterprise (itself, its operators, admins)",
    responses={403: {"description": "无权访问 not allowed"}, 404: {"description": "企业不存在 not found"}},
)
async def export_enterprise_data(uscc: str, principal: CurrentPrincipal, db: DbDep) -> dict[str, Any]:
    code = uscc.strip().upper()
    ensure_may_ask(principal, code)
    async with db.read() as s:
        profile = await s.get(EnterpriseProfile, code)
        issues = list(
            (
                await s.execute(
                    select(IssueRow)
                    .where(IssueRow.enterprise_uscc == code)
                    .order_by(IssueRow.submitted_at, IssueRow.id)
                )
            ).scalars()
        )
        district = profile.district_code if profile is not None else (issues[0].district if issues else None)
        ensure_may_export(principal, uscc=code, district_code=district)
        ids = [i.id for i in issues]
        departments = (
            list((await s.execute(select(IssueDepartment).where(IssueDepartment.issue_id.in_(ids)))).scalars())
            if ids
            else []
        )
        steps = (
            list(
                (
                    await s.execute(
                        select(TimelineRow)
                        .where(TimelineRow.issue_id.in_(ids))
                        .order_by(TimelineRow.issue_id, TimelineRow.seq)
                    )
                ).scalars()
            )
            if ids
            else []
        )
    by_issue: dict[str, dict[str, Any]] = {}
    for issue in issues:
        item = masked_fields(row_dict(issue), *_FREE_TEXT)
        item["departments"] = []
        item["timeline"] = []
        by_issue[issue.id] = item
    for d in departments:
        by_issue[d.issue_id]["departments"].append({"department": d.department, "role": d.role})
    for step in steps:
        by_issue[step.issue_id]["timeline"].append(masked_fields(row_dict(step, exclude=("issue_id",)), *_FREE_TEXT))
    sections = {
        "profile": row_dict(profile) if profile is not None else None,
        "issues": list(by_issue.values()),
        "ratings": [
            {"issue_id": i.id, "rating": i.rating, "flagged_for_review": i.flagged_for_review}
            for i in issues
            if i.rating is not None
        ],
    }
    return export_document("whistle", code, sections, utcnow())
