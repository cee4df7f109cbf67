"""Running scheduled jobs now (operators), e.g. after a data correction or in tests."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tidu_registry import access
from tidu_registry.domain.errors import Violation
from tidu_registry.problems import validation_problem
from tidu_registry.routes.common import QueryDay, get_db
from tidu_registry.schemas import NoticeRunOut
from tidu_registry.use_cases.qualifications import publish_notices
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.post(
    "/jobs/qualification-notices",
    response_model=NoticeRunOut,
    summary="到期提醒 Publish qualification.expiring / .expired notices due today (idempotent)",
)
async def qualification_notices(request: Request, principal: CurrentPrincipal, today: QueryDay = None) -> NoticeRunOut:
    access.ensure_operator(principal)
    if today is not None and not request.app.state.settings.allows_injected_today:
        raise validation_problem(
            [Violation("today", "not_allowed", "生产环境不能指定日期", "today may be given outside production only")]
        )
    async with request.app.state.notice_lease.held():
        run = await publish_notices(get_db(request), today=today)
    return NoticeRunOut(today=run.today, expiring=run.expiring, expired=run.expired)
