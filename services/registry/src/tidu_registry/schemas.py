"""Request and response schemas of the registry service.

Requests forbid unknown fields. Fields whose rules live in the domain (indicator figures,
qualifications) are typed loosely here — a number may come as a JSON number or a string — so that the
domain names every violation of a request at once, instead of stopping at the first mistyped value.
Money is in 万元, returned as decimal strings (never floats).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from tidu_registry.domain.indicators import INDICATOR_SPECS
from tidu_registry.domain.values import Kind

_IN = ConfigDict(extra="forbid", str_strip_whitespace=True)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
# Dates a request may carry: beyond these, date arithmetic (terms, "the next day") would overflow.
Day = Annotated[dt.date, Field(ge=EARLIEST, le=LATEST)]
Scalar = str | int | float | bool | None
SourceIn = Literal["operator", "external", "self_declared"] | None


class ContactIn(BaseModel):
    model_config = _IN

    name: str = Field(max_length=100, description="联系人姓名")
    role: str | None = Field(default=None, max_length=100, description="职务")
    phone: str | None = Field(default=None, max_length=40, description="电话（手机或带区号固话）")
    email: str | None = Field(default=None, max_length=200)


class ContactOut(BaseModel):
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None


class _ProfileFields(BaseModel):
    model_config = _IN

    independent_legal_person: bool | None = Field(default=None, description="具有独立法人资格")
    niche_market_since: dt.date | None = Field(default=None, description="进入细分市场日期")
    main_product: str | None = Field(default=None, max_length=500, description="主导产品")
    strategic_emerging: bool | None = Field(default=None, description="主导产品属于战略性新兴产业")
    six_foundations: bool | None = Field(default=None, description="主导产品属于工业“六基”")
    key_chain_link: bool | None = Field(default=None, description="补短板/锻长板/填空白")
    supplies_chain_leader: bool | None = Field(default=None, description="为链主企业配套")
    own_brand: bool | None = Field(default=None, description="拥有自主品牌")
    legal_rep_name: str | None = Field(default=None, max_length=100, description="法定代表人")
    legal_rep_id_number: str | None = Field(
        default=None, max_length=40, description="法定代表人身份证件号码（保存完整号码，所有响应中脱敏）"
    )
    legal_rep_phone: str | None = Field(default=None, max_length=40, description="法定代表人电话（响应中脱敏）")
    contacts: list[ContactIn] | None = Field(default=None, max_length=20, description="企业联系人")


class EnterpriseIn(_ProfileFields):
    """企业入库 Register an enterprise."""

    uscc: str = Field(max_length=40, description="统一社会信用代码 (18 characters; case and padding are normalised)")
    name: str = Field(min_length=2, max_length=200, description="企业名称")
    district_code: str = Field(max_length=6, description="GB/T 2260 区县代码, e.g. 500113")
    industry_code: str = Field(max_length=5, description="GB/T 4754-2017 行业代码, e.g. C3825")
    established_on: dt.date = Field(description="成立日期")


class EnterprisePatch(_ProfileFields):
    """档案变更: the fields given change (``null`` clears an optional field); masked values sent back
    mean "unchanged"."""

    uscc: str | None = Field(default=None, max_length=40, description="may be given, cannot change")
    name: str | None = Field(default=None, min_length=2, max_length=200)
    district_code: str | None = Field(default=None, max_length=6)
    industry_code: str | None = Field(default=None, max_length=5)
    established_on: dt.date | None = None
    source: SourceIn = Field(default=None, description="operators: operator (default) or external")


class EnterpriseOut(BaseModel):
    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    independent_legal_person: bool | None = None
    niche_market_since: dt.date | None = None
    main_product: str | None = None
    strategic_emerging: bool | None = None
    six_foundations: bool | None = None
    key_chain_link: bool | None = None
    supplies_chain_leader: bool | None = None
    own_brand: bool | None = None
    legal_rep_name: str | None = None
    legal_rep_id_number: str | None = Field(default=None, description="脱敏 masked")
    legal_rep_phone: str | None = Field(default=None, description="脱敏 masked")
    contacts: list[ContactOut] = Field(default_factory=list)
    size_class: str | None = Field(default=None, description="latest data year's size class (size-2011)")
    size_class_year: int | None = None
    pool_stage: str | None = Field(default=None, description="reserve | cultivating | promoting")
    commissioner_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    as_of: dt.date | None = Field(default=None, description="set when the record is shown as it stood on a date")


class StatementOut(BaseModel):
    field: str
    old: Any = None
    new: Any = None
    who: str
    when: dt.datetime
    source: str
    year: int | None = None


class EnterpriseSummary(BaseModel):
    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    size_class: str | None = None
    size_class_year: int | None = None
    pool_stage: str | None = None
    commissioner_id: str | None = None


class SearchPage(BaseModel):
    items: list[EnterpriseSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


# --- indicators ----------------------------------------------------------------------------------


def _unit(spec: Any) -> str:
    return f"（{spec.unit}）" if spec.unit else ""


IndicatorsIn: type[BaseModel] = create_model(
    "IndicatorsIn",
    __config__=_IN,
    __doc__="年度指标填报: every §3 field of the year (absent: not reported). Money in 万元, best as a decimal string.",
    source=(SourceIn, Field(default=None, description="operators: operator (default) or external")),
    **{spec.name: (Scalar, Field(default=None, description=f"{spec.zh}{_unit(spec)}")) for spec in INDICATOR_SPECS},
)

_OUT_TYPES: dict[Kind, Any] = {Kind.INT: int | None, Kind.DECIMAL: str | None, Kind.BOOL: bool | None}

IndicatorsOut: type[BaseModel] = create_model(
    "IndicatorsOut",
    uscc=(str, ...),
    year=(int, ...),
    source=(str | None, None),
    reported_by=(str | None, None),
    reported_at=(dt.datetime | None, None),
    version=(int | None, None),
    restated=(bool | None, Field(default=None, description="set on PUT: the year had been reported before")),
    **{
        spec.name: (_OUT_TYPES.get(spec.kind, str | None), Field(default=None, description=f"{spec.zh}{_unit(spec)}"))
        for spec in INDICATOR_SPECS
    },
)


# --- qualifications ------------------------------------------------------------------------------


class QualificationIn(BaseModel):
    """认定 a recognition granted by an authority (vocabulary: domain-rules.md §3)."""

    model_config = _IN

    kind: str | None = Field(default=None, description="high_tech | tech_sme | innovative_sme | srdi_sme | …")
    level: str | None = Field(default=None, description="national | provincial | city | district")
    document_no: str | None = Field(default=None, max_length=200, description="认定文号")
    granted_on: str | None = Field(default=None, description="认定日期 YYYY-MM-DD")
    expires_on: str | None = Field(default=None, description="有效期至 (default: 3 years)")


class RenewalIn(BaseModel):
    model_config = _IN

    reviewed_on: Day = Field(description="复核日期")
    expires_on: Day | None = Field(default=None, description="new expiry (default: 3 more years)")
    document_no: str | None = Field(default=None, max_length=200)


class RevocationIn(BaseModel):
    model_config = _IN

    revoked_on: Day
    reason: str = Field(max_length=2000, description="撤销原因")


class QualificationOut(BaseModel):
    id: str
    uscc: str
    kind: str
    kind_zh: str
    level: str
    document_no: str
    granted_on: dt.date
    expires_on: dt.date | None = Field(description="current expiry (after renewals)")
    original_expires_on: dt.date | None
    renewals: list[dict[str, Any]]
    revocation: dict[str, Any] | None
    periods: list[dict[str, Any]]
    valid_on: dt.date
    valid: bool = Field(description="valid on valid_on")


class LadderStepOut(BaseModel):
    start: dt.date
    end: dt.date | None
    tier: str | None
    labels: list[str]


# --- pool ----------------------------------------------------------------------------------------


class PoolMoveIn(BaseModel):
    model_config = _IN

    to_stage: Literal["reserve", "cultivating", "promoting"] | None = Field(description="null: leave the pool")
    reason: str = Field(min_length=1, max_length=2000, description="调整理由")
    effective_on: Day | None = Field(default=None, description="default today")


class PoolMoveOut(BaseModel):
    from_stage: str | None
    to_stage: str | None
    effective_on: dt.date
    reason_kind: str
    reason_text: str
    assessment_id: str | None = None
    recommended_tier: str | None = None
    decided_by: str
    recorded_at: dt.datetime


class WhiteListIn(BaseModel):
    model_config = _IN

    list_code: str = Field(max_length=64, description="白名单 code, e.g. 'srdi-finance-2025'")
    effective_from: Day
    effective_to: Day | None = None
    reason: str = Field(max_length=2000)


class WhiteListEndIn(BaseModel):
    model_config = _IN

    effective_to: Day


class WhiteListOut(BaseModel):
    id: str
    uscc: str
    list_code: str
    effective_from: dt.date
    effective_to: dt.date | None
    reason: str
    decided_by: str
    effective: bool | None = None


class PoolOut(BaseModel):
    uscc: str
    stage: str | None
    moves: list[PoolMoveOut]
    white_list: list[WhiteListOut]


# --- commissioners and plans ---------------------------------------------------------------------


class CommissionerIn(BaseModel):
    model_config = _IN

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@:-]+$", description="the token's sub")
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    district_code: str = Field(max_length=6)


class CommissionerPatch(BaseModel):
    model_config = _IN

    name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class CommissionerOut(BaseModel):
    id: str
    name: str
    phone: str | None
    email: str | None
    organisation: str | None
    district_code: str
    active: bool


class AssignmentIn(BaseModel):
    model_config = _IN

    commissioner_id: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)


class AssignmentOut(BaseModel):
    commissioner_id: str
    assigned_at: dt.datetime
    ended_at: dt.datetime | None
    assigned_by: str
    reason: str | None


class EnterpriseCommissionerOut(BaseModel):
    uscc: str
    current: CommissionerOut | None
    history: list[AssignmentOut]


PlanStatus = Literal["planned", "in_progress", "done", "cancelled"]


class GoalIn(BaseModel):
    model_config = _IN

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    target_tier: str | None = Field(default=None, max_length=40, description="e.g. srdi_sme")
    due_on: Day | None = None
    status: PlanStatus = "planned"


class GoalPatch(BaseModel):
    model_config = _IN

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    target_tier: str | None = Field(default=None, max_length=40)
    due_on: Day | None = None
    status: PlanStatus | None = None


class ActionIn(BaseModel):
    model_config = _IN

    title: str = Field(min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=100, description="who does it (department, person)")
    due_on: Day | None = None
    status: PlanStatus = "planned"


class ActionPatch(BaseModel):
    model_config = _IN

    title: str | None = Field(default=None, min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=100)
    due_on: Day | None = None
    status: PlanStatus | None = None


class ActionOut(BaseModel):
    id: str
    title: str
    owner: str | None
    due_on: dt.date | None
    status: str
    completed_on: dt.date | None
    overdue: bool


class GoalOut(BaseModel):
    id: str
    title: str
    description: str | None
    target_tier: str | None
    due_on: dt.date | None
    status: str
    overdue: bool
    actions: list[ActionOut]


class PlanOut(BaseModel):
    uscc: str
    goals: list[GoalOut]


class Created(BaseModel):
    id: str


# --- districts, imports, jobs, feed --------------------------------------------------------------


class DistrictIn(BaseModel):
    model_config = _IN

    code: str = Field(max_length=6)
    name: str = Field(max_length=100)
    province: str = Field(max_length=100)
    kind: str = Field(max_length=30, description="district | county | county_city | city | …")


class DistrictOut(BaseModel):
    code: str
    name: str
    province: str
    kind: str


class ImportOut(BaseModel):
    id: str
    repeated: bool = Field(description="the same content was uploaded before: its report, nothing changed")
    filename: str | None
    uploaded_by: str
    uploaded_at: dt.datetime
    outcome: dict[str, int]
    report: dict[str, Any]


class NoticeRunOut(BaseModel):
    today: dt.date
    expiring: int
    expired: int


class ChangesOut(BaseModel):
    events: list[dict[str, Any]] = Field(description="CloudEvents 1.0, as published on tidu.registry.enterprises")
    next_cursor: str = Field(description="pass as ?after= to resume")
