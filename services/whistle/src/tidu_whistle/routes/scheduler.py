"""``/v1/scheduler/sweep``: run the SLA sweep now (operators, admins)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BeforeValidator

from tidu_shared.auth import CurrentPrincipal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.errors import ProblemError
from tidu_whistle.problems import invalid_field, role_not_allowed
from tidu_whistle.routes.deps import CtxDep
from tidu_whistle.scheduler import SlaScheduler, SweepBusy
from tidu_whistle.schemas import SweepOut

router = APIRouter(prefix="/v1/scheduler", tags=["ops"])


def _iso_instant(value: object) -> object:
    """Only ISO 8601 text: pydantic would read a number such as ``0.84`` as a Unix time (found by tests/fuzz)."""
    if isinstance(value, str) and not re.match(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("时间应为 ISO 8601 格式，如 2025-09-26T10:00:00+08:00 | now must be ISO 8601")
    return value


@router.post(
    "/sweep",
    response_model=SweepOut,
    summary="立即执行时限巡检 Run the SLA sweep now",
    description=(
        "Reminders, breaches (sla_breached + escalation) and auto-close, as the background scheduler does. "
        "`now` (ISO 8601 with offset) judges deadlines at another instant — refused in production "
        "(TIDU_ENVIRONMENT=production). `full=true` evaluates every open issue, not only those due. "
        "409 `sweep_in_progress` when another replica holds the lease."
    ),
)
async def sweep_now(
    request: Request,
    principal: CurrentPrincipal,
    ctx: CtxDep,
    now: Annotated[
        dt.datetime | None, BeforeValidator(_iso_instant), Query(description="only outside production")
    ] = None,
    full: bool = False,
) -> SweepOut:
    if principal.role not in (TokenRole.operator, TokenRole.admin):
        raise role_not_allowed("只有经信委操作员或管理员可以执行巡检", "operators and admins run the sweep")
    if now is not None:
        if ctx.production:
            raise ProblemError(
                403,
                "clock_injection_forbidden",
                "不允许",
                "生产环境不能指定巡检时间",
                "now cannot be set in production",
            )
        if now.tzinfo is None:
            raise invalid_field("now", "naive_datetime", "时间须带时区，如 2025-10-09T10:00:00+08:00", "add an offset")
    scheduler: SlaScheduler = request.app.state.scheduler
    try:
        report = await scheduler.run_once(now=now, full=full)
    except SweepBusy as busy:
        raise ProblemError(
            409,
            "sweep_in_progress",
            "巡检进行中",
            "另一实例正在执行时限巡检，请稍后重试",
            f"another replica holds the sweep lease ({busy.holder})",
            headers={"Retry-After": "5"},
        ) from None
    return SweepOut(
        now=report.now,
        examined=report.examined,
        reminders=report.reminders,
        breaches=report.breaches,
        escalations=report.escalations,
        auto_closed=report.auto_closed,
        skipped=report.skipped,
        lease_holder=scheduler.lease.holder,
    )
