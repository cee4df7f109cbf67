"""Routes of statistics and of the deadline scheduler."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tidu_finance_match.domain.decision_stats import Dimension, Granularity
from tidu_finance_match.routes.deps import CtxDep, DbDep
from tidu_finance_match.schemas import SweepIn, SweepOut
from tidu_finance_match.serialize import json_response
from tidu_finance_match.use_cases.deadlines import sweep
from tidu_finance_match.use_cases.statistics import StatsQuery, statistics
from tidu_shared.auth import CurrentPrincipal, Role
from tidu_shared.errors import FieldProblem, ProblemError
from tidu_shared.outbox import utcnow
from tidu_shared.query_types import IsoDayText
from tidu_shared.settings import Environment

router = APIRouter(prefix="/v1", tags=["statistics and operations 统计·运维"])


def _dimensions(values: list[str]) -> list[Dimension]:
    out: list[Dimension] = []
    problems = []
    for raw in values:
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                dim = Dimension(part)
            except ValueError:
                problems.append(
                    FieldProblem(
                        "by",
                        "enum",
                        f"不支持的统计维度：{part}（可选 product、institution、district、tier、period）",
                        f"unknown dimension {part!r}",
                    )
                )
                continue
            if dim not in out:
                out.append(dim)
    if problems:
        raise ProblemError(
            422, "validation_failed", "请求数据有误", "统计维度不合法", "invalid dimensions", errors=problems
        )
    return out


@router.get(
    "/statistics",
    summary="融资统计 Enterprises served, demands, amounts requested/granted/disbursed, decision times",
)
async def get_statistics(
    principal: CurrentPrincipal,
    ctx: CtxDep,
    db: DbDep,
    by: Annotated[
        list[str], Query(description="product | institution | district | tier | period (repeat or comma-separate)")
    ] = ["period"],  # noqa: B006
    date_from: Annotated[
        date | None, IsoDayText, Query(alias="from", description="demands from this day (China time)")
    ] = None,
    date_to: Annotated[date | None, IsoDayText, Query(alias="to", description="up to and including this day")] = None,
    granularity: Granularity = Granularity.MONTH,
    district: str | None = Query(default=None, pattern=r"^\d{6}$"),
) -> Response:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ProblemError(422, "validation_failed", "请求数据有误", "起始日期晚于截止日期", "from is after to")
    q = StatsQuery(by=_dimensions(by), date_from=date_from, date_to=date_to, granularity=granularity, district=district)
    return json_response(await statistics(ctx, db, principal, q))


@router.post(
    "/scheduler/sweep",
    response_model=SweepOut,
    summary="执行一次时限巡检 Run the deadline sweep now (operators, admins; `now` outside production only)",
)
async def run_sweep(principal: CurrentPrincipal, ctx: CtxDep, db: DbDep, body: SweepIn | None = None) -> Response:
    if principal.role not in (Role.operator, Role.admin):
        raise ProblemError(403, "role_not_allowed", "无权访问", "只有经信委或管理员可以执行巡检", "not allowed")
    now = utcnow()
    if body is not None and body.now is not None:
        if ctx.settings.environment == Environment.production:
            raise ProblemError(
                422,
                "now_not_allowed",
                "请求数据有误",
                "生产环境不能指定巡检时间",
                "`now` cannot be injected in production",
            )
        if body.now.tzinfo is None:
            raise ProblemError(422, "validation_failed", "请求数据有误", "时间须带时区", "now needs a UTC offset")
        now = body.now
    report = await sweep(ctx, db, now)
    return json_response(
        {
            "now": now.isoformat(),
            "reminders": report.reminders,
            "escalations": report.escalations,
            "failures": report.failures,
            "failed_demands": report.failed_demands,
        }
    )
