"""Statistics over the issues a caller may see, computed on request from the issues and their
timelines with ``domain.statistics`` (a district operator: its region; the city operator and
admins: everything; others may not ask)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from tidu_shared.auth import Principal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.db import Database
from tidu_whistle.access import visible_clause
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.model import TimelineEntry
from tidu_whistle.domain.reference import Reference
from tidu_whistle.domain.statistics import Granularity, GroupFigures, compute_statistics, summarize
from tidu_whistle.domain.working_days import start_of_day
from tidu_whistle.models import IssueRow, TimelineRow
from tidu_whistle.problems import invalid_field, role_not_allowed
from tidu_whistle.records import entry_from_row, issue_from_row
from tidu_whistle.schemas import FiguresOut, GroupOut, RankOut, StatisticsOut


class GroupBy(StrEnum):
    DEPARTMENT = "department"
    CATEGORY = "category"
    DISTRICT = "district"
    PERIOD = "period"


def _name(group_by: GroupBy, key: str, reference: Reference) -> str | None:
    try:
        if group_by is GroupBy.DEPARTMENT:
            return reference.department_name(key)
        if group_by is GroupBy.CATEGORY:
            return reference.category(key).zh
        if group_by is GroupBy.DISTRICT:
            return reference.region(key).name
    except DomainError:
        return None
    return None


def _groups(group_by: GroupBy, groups: tuple[GroupFigures, ...], reference: Reference) -> list[GroupOut]:
    return [
        GroupOut(
            key=g.key, name=_name(group_by, g.key, reference), figures=FiguresOut.model_validate(asdict(g.figures))
        )
        for g in groups
    ]


async def statistics(
    db: Database,
    ctx: WhistleContext,
    principal: Principal,
    *,
    group_by: GroupBy,
    start: date | None,
    end: date | None,
    granularity: Granularity,
    district: str | None,
    category: str | None,
    as_of: datetime | None = None,
) -> StatisticsOut:
    if principal.role not in (TokenRole.operator, TokenRole.admin):
        raise role_not_allowed("只有经信委操作员或管理员可以查看统计", "operators and admins read statistics")
    if start is not None and end is not None and end <= start:
        raise invalid_field("to", "end_before_start", "结束日期应晚于开始日期", "to must be after from")
    now = as_of or ctx.now()
    q = select(IssueRow).where(visible_clause(principal), IssueRow.accepted_at.is_not(None))
    if district:
        q = q.where(IssueRow.district == district)
    if category:
        q = q.where(IssueRow.category == category)
    if start is not None:  # the cohort is by Shanghai date: a generous UTC prefilter
        q = q.where(IssueRow.accepted_at >= start_of_day(start) - timedelta(days=1))
    if end is not None:
        q = q.where(IssueRow.accepted_at < start_of_day(end) + timedelta(days=1))
    ids = q.with_only_columns(IssueRow.id).scalar_subquery()
    async with db.read() as s:
        rows = list(await s.scalars(q))
        timeline_rows = await s.scalars(select(TimelineRow).where(TimelineRow.issue_id.in_(ids)))
        entries: dict[str, list[TimelineEntry]] = {}
        for t in timeline_rows:
            entries.setdefault(t.issue_id, []).append(entry_from_row(t))
    reference = ctx.reference
    summaries = [
        summarize(
            issue_from_row(r),
            entries.get(r.id, []),
            coordinator=reference.coordinator_for(r.district) if r.district in reference.regions else None,
        )
        for r in rows
    ]
    report = compute_statistics(summaries, as_of=now, granularity=granularity, start=start, end=end)
    chosen = {
        GroupBy.DEPARTMENT: report.by_department,
        GroupBy.CATEGORY: report.by_category,
        GroupBy.DISTRICT: report.by_district,
        GroupBy.PERIOD: report.by_period,
    }[group_by]
    return StatisticsOut(
        as_of=report.as_of,
        start=start,
        end=end,
        granularity=str(granularity),
        group_by=str(group_by),
        district=district,
        total=FiguresOut.model_validate(asdict(report.total)),
        groups=_groups(group_by, chosen, reference),
        ranking=[
            RankOut(
                rank=r.rank,
                department=r.department,
                name=_name(GroupBy.DEPARTMENT, r.department, reference),
                figures=FiguresOut.model_validate(asdict(r.figures)),
            )
            for r in report.ranking
        ],
    )
