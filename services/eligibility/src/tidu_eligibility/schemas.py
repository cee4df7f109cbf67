"""Request and response schemas of the eligibility service.

Requests forbid unknown fields. The input values of an evaluation (``enterprise``, ``indicators``,
``qualifications``, ``awards``) are checked by the engine against the data dictionary
(domain-rules §3): an unknown or misspelt field is a 422 naming it. The evaluation response is
the engine's assessment as JSON (``EvaluationOut`` documents it); decimals are exact strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Tier = Literal["size", "pool", "innovative", "srdi", "little_giant"]
ResultValue = Literal["eligible", "not_eligible", "undetermined"]


def _one_target(ruleset: str | None, tier: str | None, required: bool) -> None:
    if ruleset is not None and tier is not None:
        raise ValueError("ruleset 与 tier 只能指定其一 | give either ruleset or tier, not both")
    if required and ruleset is None and tier is None:
        raise ValueError("须指定 ruleset 或 tier | give ruleset or tier")


# --- enterprises ----------------------------------------------------------------------------------------


class MainProductOut(BaseModel):
    text: str | None = None
    strategic_emerging: bool | None = None
    six_foundations: bool | None = None
    key_chain_link: bool | None = None
    supplies_chain_leader: bool | None = None
    time_honoured_brand: bool | None = None


class EnterpriseProfileOut(BaseModel):
    """资格评估服务看到的企业档案（来自企业库事件） Enterprise profile as known to eligibility"""

    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    registered_at: dt.datetime
    updated_at: dt.datetime
    independent_legal_person: bool | None = None
    niche_market_since: dt.date | None = None
    own_brand: bool | None = None
    main_product: MainProductOut | None = None


# --- evaluations ----------------------------------------------------------------------------------------


class EvaluationIn(BaseModel):
    """评估请求（what-if）：规则集或梯度、评估日期、数据年度和输入数据（字段名同 domain-rules §3）"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "ruleset": "innovative-2022",
                    "as_of": "2025-06-01",
                    "year": 2024,
                    "enterprise": {"industry_code": "C3825", "main_product": {"strategic_emerging": True}},
                    "indicators": {
                        "2024": {
                            "operating_revenue": "3000",
                            "main_business_revenue": "2400",
                            "rd_expense": "120",
                            "total_assets": "1000",
                            "total_liabilities": "300",
                            "ip_class_i_self_developed": 2,
                        },
                        "2023": {"main_business_revenue": "2000"},
                    },
                    "qualifications": [],
                    "awards": [],
                }
            ]
        },
    )

    ruleset: str | None = Field(default=None, max_length=64, description="rule-set id, e.g. srdi-2026")
    tier: Tier | None = Field(default=None, description="or a tier: the rule set in force on as_of")
    as_of: dt.date | None = Field(default=None, description="assessment date; default today (China time)")
    year: int | None = Field(default=None, ge=1990, le=2100, description="data year; default as_of's year − 1")
    review: bool = Field(default=False, description="复核 variant where the rule set has one")
    explain: bool = Field(default=True, description="false: result, score, size class and missing only")
    enterprise: dict[str, Any] = Field(default_factory=dict, description="domain-rules §3 enterprise fields")
    indicators: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='yearly indicators by year: {"2025": {...}, "2024": {...}}; 万元'
    )
    qualifications: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    awards: list[dict[str, Any]] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _target(self) -> EvaluationIn:
        _one_target(self.ruleset, self.tier, required=True)
        return self


class RuleSetRefOut(BaseModel):
    id: str
    version: int
    title: str
    tier: str
    effective_from: dt.date
    effective_to: dt.date | None
    citation: str = Field(description="the document the rule set implements")


class ReadOut(BaseModel):
    input: str
    year: int | None
    value: Any


class TraceLineOut(BaseModel):
    key: str
    kind: str = Field(
        description="prerequisite | condition | check | direct | indicator | group | score | class | info"
    )
    label: str
    clause: str = Field(description="the clause (citation) the line implements")
    condition: str | None
    reads: list[ReadOut] = Field(description="inputs read, with their year")
    value: Any = Field(description="the computed value (ratio, growth …)")
    threshold: str | None = Field(description="threshold or band compared with")
    points: int | None
    points_range: list[int] | None
    passed: bool | None
    note: str | None


class GroupScoreOut(BaseModel):
    key: str
    label: str
    points: int | None
    points_min: int
    points_max: int
    maximum: int
    minimum: int | None
    passed: bool | None


class ScoreOut(BaseModel):
    points: int | None
    points_min: int
    points_max: int
    pass_mark: int
    passed: bool | None
    groups: list[GroupScoreOut]


class ChangeOut(BaseModel):
    input: str
    year: int | None
    current: Any
    required: Any
    delta: str | None
    unit: str
    message_zh: str
    message_en: str


class GapOut(BaseModel):
    kind: str = Field(description="prerequisite | condition | alternative | score | margin")
    key: str
    label: str
    clause: str
    message_zh: str
    message_en: str
    options: list[ChangeOut] = Field(description="any ONE of these changes passes")
    all_of: list[ChangeOut]
    plan: dict[str, Any] | None = Field(description="for a failing score: the cheapest indicators to raise")
    qualifications: list[str]


class NextTierOut(BaseModel):
    tier: str
    label_zh: str
    label_en: str
    held: str | None
    ruleset_id: str | None
    reason_zh: str
    reason_en: str


class EvaluationOut(BaseModel):
    """评估结果：结论、得分、解释（trace）、缺失输入、差距与下一梯度。Header ``X-Rules-Version: id@version``."""

    ruleset: RuleSetRefOut
    as_of: dt.date
    year: int
    review: bool
    result: ResultValue
    score: ScoreOut | None = Field(description="where the rule set scores, else null")
    size_class: str | None = Field(description="size-2011 only: micro | small | medium | large")
    trace: list[TraceLineOut]
    missing: list[str] = Field(description="inputs read and not given, e.g. main_business_revenue@2023")
    gaps: list[GapOut]
    next_tier: NextTierOut | None
    notes: list[str]


# --- rule sets ------------------------------------------------------------------------------------------


class RuleSetSummaryOut(BaseModel):
    id: str
    version: int
    title: str
    tier: str
    evaluator: str
    effective_from: dt.date
    effective_to: dt.date | None
    document: str
    district: str | None
    origin: Literal["packaged", "file", "uploaded"]
    in_force: bool = Field(description="in force today (China time)")
    closed_by: str | None = Field(description="the uploaded version that closed this one (id@version)")
    uploaded_by: str | None
    uploaded_at: dt.datetime | None


class ParameterOut(BaseModel):
    name: str
    type: str
    value: Any
    citation: str
    unit: str | None
    unconfirmed: bool
    note: str | None


class RuleSetOut(RuleSetSummaryOut):
    notes: list[str]
    parameters: list[ParameterOut]
    versions: list[RuleSetSummaryOut]


class RuleSetUploadOut(BaseModel):
    ruleset: RuleSetSummaryOut
    closed: list[RuleSetSummaryOut] = Field(description="earlier versions this one closed")


# --- assessments ----------------------------------------------------------------------------------------


class LatestAssessmentOut(BaseModel):
    ruleset_id: str
    ruleset_version: int
    tier: str
    result: ResultValue
    score: int | None
    size_class: str | None
    as_of: dt.date
    data_year: int
    assessment_id: str
    assessed_at: dt.datetime


class AssessmentOut(BaseModel):
    id: str
    uscc: str
    district_code: str | None
    ruleset_id: str
    ruleset_version: int
    tier: str
    as_of: dt.date
    data_year: int
    result: ResultValue
    previous_result: ResultValue | None
    score: int | None
    size_class: str | None
    missing: list[str]
    trigger: str = Field(description="event | batch")
    trigger_ref: str | None = Field(description="the registry event id or the batch run id")
    created_at: dt.datetime


class AssessmentDetailOut(AssessmentOut):
    inputs: dict[str, Any] | None = Field(
        description="the projection values the assessment used, each with the registry event it came from"
    )


class AssessmentPage(BaseModel):
    items: list[AssessmentOut]
    next_cursor: str | None


class EnterpriseAssessmentsOut(BaseModel):
    uscc: str
    latest: list[LatestAssessmentOut] = Field(description="the latest assessment per rule set")
    history: AssessmentPage | None = Field(
        description="every stored assessment, newest first (null for commissioners, departments, institutions)"
    )


class CandidateOut(BaseModel):
    uscc: str
    name: str | None
    district_code: str | None
    industry_code: str | None
    ruleset_id: str
    ruleset_version: int
    score: int | None
    as_of: dt.date
    data_year: int
    assessment_id: str
    assessed_at: dt.datetime


class CandidatePage(BaseModel):
    ruleset_id: str
    tier: str
    as_of: dt.date
    district_code: str | None
    items: list[CandidateOut]
    next_cursor: str | None


# --- batch runs -----------------------------------------------------------------------------------------


class BatchRunIn(BaseModel):
    """批量重评：规则集或梯度（都不给 = 当日有效的全部规则集），范围（区县、行业代码前缀或全部），评估日期"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ruleset": "srdi-2026", "district": "500113", "as_of": "2026-06-01"}]},
    )

    ruleset: str | None = Field(default=None, max_length=64)
    tier: Tier | None = None
    district: str | None = Field(default=None, pattern=r"^\d{6}$", description="GB/T 2260 code; none = all")
    industry_prefix: str | None = Field(
        default=None, pattern=r"^[A-Ta-t]\d{0,4}$", description="GB/T 4754 prefix, e.g. C38"
    )
    as_of: dt.date | None = Field(default=None, description="default today (China time)")
    year: int | None = Field(default=None, ge=1990, le=2100, description="data year; default as_of's year − 1")
    publish: bool = Field(default=True, description="publish assessment.completed / candidate.recommended events")

    @model_validator(mode="after")
    def _target(self) -> BatchRunIn:
        _one_target(self.ruleset, self.tier, required=False)
        if self.industry_prefix is not None:
            self.industry_prefix = self.industry_prefix.upper()
        return self


class BatchRunOut(BaseModel):
    id: str
    status: Literal["queued", "running", "completed", "failed", "interrupted"]
    target_kind: Literal["ruleset", "tier", "all"]
    target: str | None
    rulesets: list[str] = Field(description="id@version of the rule sets, resolved when the run was created")
    district: str | None
    industry_prefix: str | None
    as_of: dt.date
    data_year: int
    publish: bool
    total: int = Field(description="enterprises in scope when the run was created")
    done: int
    percent: float
    rate: float | None = Field(description="enterprises per second")
    eta_s: float | None = Field(description="seconds left at that rate")
    elapsed_s: float
    resumable: bool
    counts: dict[str, Any] = Field(description="running counts per rule set")
    summary: dict[str, Any] | None = Field(description="when completed: counts by result and changes")
    error: str | None
    requested_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
