"""Request and response schemas of the whistle service."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tidu_whistle.domain.model import Urgency

# -- requests -----------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentIn(_In):
    """附件元数据（文件本身在对象存储中） Attachment metadata only."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size_bytes: int = Field(gt=0, le=20 * 1024 * 1024)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, max_length=1000)


class IssueIn(_In):
    """企业吹哨 Raise an issue. ``enterprise_uscc`` defaults to the token's enterprise (a
    commissioner must name it); ``district`` defaults to the enterprise's registered district."""

    enterprise_uscc: str | None = Field(default=None, min_length=18, max_length=18)
    category: str = Field(min_length=1, max_length=32, examples=["land"])
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=5000)
    urgency: Urgency = Urgency.NORMAL
    district: str | None = Field(default=None, pattern=r"^\d{6}$")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class ActionIn(_In):
    """An action on an issue. Which fields matter depends on the action:

    - ``note``: reason / result / comment (required for request_extension, refuse_extension,
      resolve, return, transfer, reopen, comment);
    - ``department`` / ``co_departments``: route, transfer (department codes such as ``500113-jrb``);
    - ``working_days``: request_extension (asked), approve_extension (granted; default = asked);
    - ``rating``: rate (1–5; ``note`` is the comment) — or use ``POST /v1/issues/{id}/rating``.
    """

    note: str | None = Field(default=None, max_length=2000)
    department: str | None = Field(default=None, max_length=40)
    co_departments: list[str] | None = Field(default=None, max_length=20)
    working_days: int | None = Field(default=None, ge=1, le=60)
    rating: int | None = Field(default=None, ge=1, le=5)


class RatingIn(_In):
    """评价 Rate a resolution (the enterprise only)."""

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class RoutingRuleIn(_In):
    """A new version of the routing rule for (category, district). ``lead`` / ``co``: a kind
    (``ghzy``, placed in the issue's district) or a department code (``500000-ghzy``)."""

    lead: str | None = Field(default=None, max_length=40)
    co: list[str] = Field(default_factory=list, max_length=20)
    to_triage: bool = False
    retired: bool = Field(default=False, description="withdraw the override: the next source applies again")
    reason: str = Field(min_length=1, max_length=1000)
    effective_from: dt.datetime | None = Field(default=None, description="default: now")


# -- responses ----------------------------------------------------------------------------


class DepartmentOut(BaseModel):
    code: str
    name: str


class DeadlineOut(BaseModel):
    start: dt.datetime
    working_days: int
    due_date: dt.date
    due: dt.datetime
    calendar_fallback: bool
    fallback_years: list[int]


class DeadlinesOut(BaseModel):
    """Working-day deadlines (China's official calendar, 调休 respected). When a day past the
    calendar data was counted Monday–Friday, ``calendar_fallback`` is true and ``notice`` says so."""

    dispatch: DeadlineOut | None = None
    check_in: DeadlineOut | None = None
    resolution: DeadlineOut | None = None
    current: DeadlineOut | None = Field(default=None, description="the earliest running deadline")
    overdue: bool = False
    calendar_fallback: bool = False
    fallback_years: list[int] = Field(default_factory=list)
    notice: str | None = None


class ActorOut(BaseModel):
    role: str
    id: str
    department: str | None = None


class TimelineEntryOut(BaseModel):
    seq: int
    action: str
    event: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    actor: ActorOut
    note: str | None
    previous_lead: str | None
    lead_department: str | None
    co_departments: list[str]
    working_days: int | None = None
    rating: int | None = None


class DuplicateOut(BaseModel):
    issue_id: str
    title: str
    state: str
    submitted_at: dt.datetime


class RoutingOut(BaseModel):
    source: str
    lead: str | None
    co: list[str]
    rule_id: str | None = None
    rule_revision: int | None = None
    triage_reason: str | None = None


class IssueOut(BaseModel):
    id: str
    enterprise_uscc: str
    enterprise_name: str | None = None
    category: str
    category_name: str
    district: str
    district_name: str | None = None
    title: str
    description: str
    urgency: str
    attachments: list[dict[str, Any]]
    state: str
    state_name: str
    version: int
    lead_department: DepartmentOut | None
    co_departments: list[DepartmentOut]
    deadlines: DeadlinesOut
    submitted_at: dt.datetime
    updated_at: dt.datetime
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    pending_extension_days: int | None
    extensions_granted: int
    escalation_level: int
    reopen_count: int
    rating: int | None
    flagged_for_review: bool
    source: str
    permitted_actions: list[str] = Field(description="actions the caller may try now")
    timeline: list[TimelineEntryOut] | None = None
    possible_duplicates: list[DuplicateOut] | None = Field(
        default=None, description="on creation: open issues of the same enterprise and category (30 days)"
    )
    routing: RoutingOut | None = Field(default=None, description="on creation: how it was routed")


class IssueListItem(BaseModel):
    id: str
    enterprise_uscc: str
    category: str
    district: str
    title: str
    urgency: str
    state: str
    version: int
    lead_department: str | None
    co_departments: list[str]
    due_date: dt.date | None
    overdue: bool
    submitted_at: dt.datetime
    updated_at: dt.datetime


class IssuePage(BaseModel):
    items: list[IssueListItem]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page")


class QueueItem(IssueListItem):
    role: Literal["lead", "co"]


class QueueOut(BaseModel):
    department: DepartmentOut
    as_of: dt.datetime
    items: list[QueueItem]


class RoutingRuleOut(BaseModel):
    rule_id: str
    category: str
    district: str
    lead: str | None
    co: list[str]
    to_triage: bool
    retired: bool
    effective_from: dt.datetime
    revision: int
    changed_by: str
    reason: str


class RoutingRuleView(BaseModel):
    """A (category, district) pair: where it routes now, and the history of its rule."""

    category: str
    district: str
    decision: RoutingOut | None = Field(default=None, description="for a concrete district: where issues go now")
    current: RoutingRuleOut | None
    history: list[RoutingRuleOut]


class SweepOut(BaseModel):
    now: dt.datetime
    examined: int
    reminders: int
    breaches: int
    escalations: int
    auto_closed: int
    skipped: int
    lease_holder: str


class EnterpriseProfileOut(BaseModel):
    """吹哨服务看到的企业档案（来自企业库事件） Enterprise profile as known to whistle"""

    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    registered_at: dt.datetime
    updated_at: dt.datetime
    commissioner_id: str | None = None
    commissioner_name: str | None = None


class DistributionOut(BaseModel):
    count: int
    median: float | None
    p90: float | None


class FiguresOut(BaseModel):
    """Definitions: ``domain/statistics.py`` (cohort by acceptance date; on-time rate = closed on
    time ÷ (closed + open and overdue now); stage durations in elapsed hours, type-7 percentiles)."""

    accepted: int
    closed: int
    withdrawn: int
    closure_rate: float | None
    closed_on_time: int
    overdue_now: int
    on_time_rate: float | None
    check_in_hours: DistributionOut = Field(description="routed → checked in")
    handling_hours: DistributionOut = Field(description="checked in → resolved")
    assignments: int
    returns: int
    transfers: int
    escalations: int
    return_rate: float | None
    transfer_rate: float | None
    ratings: int
    mean_rating: float | None
    satisfaction_rate: float | None = Field(description="share of ratings >= 4")


class GroupOut(BaseModel):
    key: str
    name: str | None = None
    figures: FiguresOut


class RankOut(BaseModel):
    rank: int
    department: str
    name: str | None = None
    figures: FiguresOut


class StatisticsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    as_of: dt.datetime
    start: dt.date | None = Field(default=None, serialization_alias="from")
    end: dt.date | None = Field(default=None, serialization_alias="to", description="exclusive")
    granularity: str
    group_by: str
    district: str | None = Field(default=None, description="the scope: a region, or null for everything visible")
    total: FiguresOut
    groups: list[GroupOut]
    ranking: list[RankOut] = Field(description="departments, best first (on-time, closure, satisfaction)")
