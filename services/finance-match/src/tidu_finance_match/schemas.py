"""Request and response schemas of the finance-match service.

Requests forbid unknown fields. Money is in 万元 and travels as JSON strings in responses (numbers
are accepted in requests); rates in percent a year; terms in months. Large responses (a match
outcome lists every product) are written directly as JSON; the response models here document them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tidu_finance_match.domain.vocabulary import ProductKind, Purpose, Urgency
from tidu_finance_match.domain.workflow import DeclineReason

OfferableCollateral = Literal["mortgage", "receivables", "ip_pledge", "counter_guarantee", "equipment", "equity_pledge"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterpriseProfileOut(BaseModel):
    """融资对接服务看到的企业档案（来自企业库事件） Enterprise profile as known to finance-match"""

    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    registered_at: dt.datetime
    updated_at: dt.datetime


# --- demands -----------------------------------------------------------------------------------------


class ConsentIn(_Request):
    share_with_institutions: bool = Field(
        default=False, description="同意将需求及企业数据共享给匹配的金融机构 (needed to push to institutions)"
    )
    credit_lookup: bool = Field(default=False, description="同意平台查询企业信用报告 (feeds the credit-grade gate)")


class DemandIn(_Request):
    """融资需求 A financing demand."""

    uscc: str | None = Field(
        default=None, description="统一社会信用代码; an enterprise files for itself, operators/admins name it"
    )
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=4, description="需求金额，万元")
    term_months: Decimal | None = Field(default=None, gt=0, le=600, max_digits=10, decimal_places=4)
    purpose: Purpose
    collateral_offered: list[OfferableCollateral] = Field(default_factory=list, max_length=6)
    urgency: Urgency = Urgency.NORMAL
    product_kinds: list[ProductKind] | None = Field(default=None, min_length=1, max_length=5)
    has_existing_loan: bool | None = Field(default=None, description="有需续贷/转贷的存量贷款; null = not stated")
    note: str | None = Field(default=None, max_length=2000)
    consent: ConsentIn = Field(default_factory=ConsentIn)

    @field_validator("uscc")
    @classmethod
    def _normalise_uscc(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().upper()
        if len(v) != 18:
            raise ValueError("统一社会信用代码应为 18 位 | a USCC has 18 characters")
        return v


class WithdrawIn(_Request):
    reason: str | None = Field(default=None, max_length=1000)


class GateOut(BaseModel):
    code: str = Field(description="the gate: min_operating_revenue, qualifications_any …")
    status: Literal["pass", "fail", "unknown"]
    required: Any
    actual: Any
    missing: list[str] = Field(description="input fields whose absence made the gate unknown")
    message_zh: str
    message_en: str


class ScoreComponentOut(BaseModel):
    name: Literal["amount_fit", "term_fit", "rate", "speed"]
    value: float
    weight: float
    contribution: float
    basis_zh: str
    basis_en: str


class DeadlineOut(BaseModel):
    working_days: int
    due_at: dt.datetime
    remind_at: dt.datetime
    calendar_fallback: bool
    reminded_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    state: Literal["pending", "remind", "lapsed", "met", "met_late"]


class GrantOut(BaseModel):
    amount: str = Field(description="万元")
    rate_pct: str
    term_months: str
    granted_on: dt.date


class DisbursementOut(BaseModel):
    amount: str = Field(description="万元")
    disbursed_on: dt.date


class CaseOut(BaseModel):
    """对接记录 One demand at one pushed product."""

    id: str
    demand_id: str
    product_code: str
    product_name: str | None
    institution_code: str
    state: Literal["pushed", "viewed", "accepted", "declined", "credit_granted", "disbursed", "withdrawn"]
    version: int = Field(description="send as If-Match to act on the case")
    requested_amount: str
    score: float | None
    pushed_at: dt.datetime
    viewed_at: dt.datetime | None
    decided_at: dt.datetime | None
    decline_reason: str | None
    decline_note: str | None
    grant: GrantOut | None
    disbursement: DisbursementOut | None
    withdrawn_at: dt.datetime | None
    deadline: DeadlineOut
    allowed_actions: list[str]


class CaseBriefOut(BaseModel):
    id: str
    state: str
    version: int
    pushed_at: dt.datetime
    first_response_due_at: dt.datetime
    decided_at: dt.datetime | None
    decline_reason: str | None


class MatchedProductOut(BaseModel):
    rank: int
    product_code: str
    product_name: str
    institution_code: str
    kind: str
    tier_exclusive: bool
    score: float
    score_components: list[ScoreComponentOut]
    reasons: list[GateOut] = Field(description="every gate the product passes: why it matches")
    case: CaseBriefOut | None = Field(description="the case, once the product was pushed to its institution")


class NeedsDataOut(BaseModel):
    product_code: str
    product_name: str
    institution_code: str
    kind: str
    missing: list[str]
    unknown: list[GateOut]
    passed: list[GateOut]


class NotMatchedOut(BaseModel):
    product_code: str
    product_name: str
    institution_code: str
    kind: str
    failed: list[GateOut] = Field(description="each failing gate")
    unknown: list[GateOut]


class MatchOut(BaseModel):
    as_of: dt.date
    status: Literal["matched", "needs_data", "not_matched"]
    counts: dict[str, int]
    matched: list[MatchedProductOut]
    needs_data: list[NeedsDataOut]
    not_matched: list[NotMatchedOut]


class ConsentOut(BaseModel):
    id: str
    uscc: str
    share_with_institutions: bool
    credit_lookup: bool
    granted_at: dt.datetime
    granted_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    in_force: bool


class FailureOut(BaseModel):
    reason: Literal["all_declined", "none_matched", "deadline_lapsed"]
    failed_at: dt.datetime


class DemandOut(BaseModel):
    id: str
    uscc: str
    enterprise_name: str | None
    district_code: str
    industry_code: str | None
    tier: str | None
    amount: str = Field(description="万元")
    term_months: str | None
    purpose: str
    collateral_offered: list[str]
    urgency: str
    product_kinds: list[str] | None
    has_existing_loan: bool | None
    note: str | None
    status: Literal["open", "financed", "withdrawn"]
    match_status: Literal["matched", "needs_data", "not_matched"]
    matched_count: int
    needs_data_count: int
    matches: list[dict[str, Any]] = Field(description="stored: product_code, status, score, missing")
    consent: ConsentOut | None
    failure: FailureOut | None
    version: int = Field(description="send as If-Match to withdraw")
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    cases: list[CaseOut]


class DemandCreatedOut(DemandOut):
    match: MatchOut


class DemandPage(BaseModel):
    items: list[DemandOut]
    total: int
    limit: int
    offset: int


# --- workflow ------------------------------------------------------------------------------------


class NoteIn(_Request):
    note: str | None = Field(default=None, max_length=2000)


class DeclineIn(_Request):
    reason: DeclineReason | None = Field(default=None, description="credit | collateral | documents | policy | other")
    note: str | None = Field(default=None, max_length=2000)


class GrantIn(_Request):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=4, description="授信金额，万元")
    rate_pct: Decimal = Field(ge=0, le=100, max_digits=9, decimal_places=4, description="年利率（或费率），%")
    term_months: Decimal = Field(gt=0, le=600, max_digits=10, decimal_places=4)
    granted_on: dt.date | None = None


class DisburseIn(_Request):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=4, description="放款金额，万元")
    disbursed_on: dt.date


class QueueItemOut(CaseOut):
    demand: dict[str, Any] = Field(description="amount, term, purpose, urgency, collateral offered")
    enterprise: dict[str, Any] | None = Field(
        description="the enterprise's data; null when its consent to share is no longer in force"
    )
    consent_in_force: bool
    consent_id: str | None = Field(
        default=None, description="the consent under which the enterprise's data is shown (null: not shown)"
    )


class QueuePage(BaseModel):
    institution_code: str
    items: list[QueueItemOut]
    total: int


# --- catalogue -----------------------------------------------------------------------------------


class ProductOut(BaseModel):
    code: str
    name: str
    kind: str
    institution_code: str
    active: bool
    version: int
    tier_exclusive: bool
    spec: dict[str, Any] = Field(description="the product as in products.yaml: envelopes, gates, validity")
    updated_at: dt.datetime
    updated_by: str


class InstitutionIn(_Request):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["bank", "guarantor", "fund", "equity_market", "government_fund", "other"]
    first_response_working_days: int = Field(default=3, ge=1, le=30)
    notes: str = Field(default="", max_length=2000)


class InstitutionOut(BaseModel):
    code: str
    name: str
    kind: str
    first_response_working_days: int
    notes: str
    products: int


# --- scheduler -----------------------------------------------------------------------------------


class SweepIn(_Request):
    now: dt.datetime | None = Field(
        default=None, description="pretend it is this time (outside production only: tests and drills)"
    )

    @field_validator("now", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        # pydantic would take a number as a Unix time (found by tests/fuzz: {"now": 111} swept as 1970)
        if value is not None and not isinstance(value, str | dt.datetime):
            raise ValueError("时间应为 ISO 8601 文本，如 2025-09-26T10:00:00+08:00 | now must be ISO 8601 text")
        return value


class SweepOut(BaseModel):
    now: dt.datetime
    reminders: int
    escalations: int
    failures: int
    failed_demands: list[str]
