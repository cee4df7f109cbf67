"""Events produced by the finance-match service, on ``tidu.finance.demands`` keyed by demand id.

- ``demand.submitted``   an enterprise (or an operator on its behalf) stated a financing demand;
  the match outcome in summary.
- ``demand.pushed``      a matched product's institution was sent the demand (a case opened). Sent
  only with the enterprise's consent to share its data with matched institutions, so it carries
  the enterprise's name and codes. An institution's system filters on ``institution_code``.
- ``case.<fact>``        one step of a case (demand × product) of the institution workflow:
  viewed, accepted, declined, credit_granted, disbursed, withdrawn.
- ``case.reminder_due`` / ``case.response_overdue``  the first-response deadline (in working days)
  is near / has lapsed (escalated to the financial office, 金融办).
- ``demand.withdrawn`` / ``demand.financed``  the demand closed.
- ``financing.failed``   the 融资难 path the whistle service consumes (raised once per demand).

Money in 万元 as decimal strings; rates in percent a year; times ISO 8601 with an offset.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import FINANCE_DEMANDS

SOURCE = "/tidu/finance"

FINANCING_FAILED = "tidu.finance.financing.failed.v1"
DEMAND_SUBMITTED = "tidu.finance.demand.submitted.v1"
DEMAND_PUSHED = "tidu.finance.demand.pushed.v1"
DEMAND_WITHDRAWN = "tidu.finance.demand.withdrawn.v1"
DEMAND_FINANCED = "tidu.finance.demand.financed.v1"
CASE_REMINDER_DUE = "tidu.finance.case.reminder_due.v1"
CASE_RESPONSE_OVERDUE = "tidu.finance.case.response_overdue.v1"

# The past tense of every workflow action an institution or the enterprise takes on a case.
CASE_FACTS: tuple[str, ...] = ("viewed", "accepted", "declined", "credit_granted", "disbursed", "withdrawn")


def case_event_type(fact: str) -> str:
    """``"declined"`` → ``tidu.finance.case.declined.v1``."""
    return f"tidu.finance.case.{fact}.v1"


class FinancingFailed(Contract):
    """A demand found no financing: every matched product declined, none matched, or the
    institutions let the first-response deadline lapse. The whistle service raises a
    ``financing`` issue for the enterprise's district."""

    demand_id: str
    uscc: str
    district_code: str
    reason: str = Field(description="all_declined | none_matched | deadline_lapsed")
    amount: Decimal = Field(description="万元 requested")
    term_months: int | None = None
    purpose: str | None = None
    summary: str = Field(description="中文 summary for the issue description")
    details: list[str] = Field(default_factory=list, description="per product: why it failed")
    failed_at: dt.datetime


class DemandSubmitted(Contract):
    demand_id: str
    uscc: str
    district_code: str
    amount: Decimal = Field(description="万元 requested")
    term_months: Decimal | None = None
    purpose: str
    urgency: str = Field(description="low | normal | high | urgent")
    match_status: str = Field(description="matched | needs_data | not_matched")
    matched_products: list[str] = Field(default_factory=list, description="ranked, best first")
    needs_data_products: list[str] = Field(default_factory=list)
    shared_with_institutions: bool = Field(description="the enterprise consented to share with matched institutions")
    submitted_by: str
    submitted_at: dt.datetime


class DemandPushed(Contract):
    """A case opened: the demand was sent to the institution of a matched product."""

    case_id: str
    demand_id: str
    product_code: str
    product_name: str
    institution_code: str
    uscc: str
    enterprise_name: str
    district_code: str
    industry_code: str | None = None
    amount: Decimal = Field(description="万元 requested")
    term_months: Decimal | None = None
    purpose: str
    urgency: str
    collateral_offered: list[str] = Field(default_factory=list)
    score: float = Field(description="ranking score in [0, 1]")
    reasons: list[str] = Field(default_factory=list, description="中文: why the product matches, one per gate")
    consent_id: str | None = None
    pushed_at: dt.datetime
    first_response_due_at: dt.datetime
    calendar_fallback: bool = False


class CaseTransition(Contract):
    """One step of a case (the same shape for every action)."""

    case_id: str
    demand_id: str
    product_code: str
    institution_code: str
    uscc: str
    district_code: str
    action: str = Field(description="view | accept | decline | grant_credit | disburse | withdraw")
    from_state: str
    to_state: str
    version: int = Field(description="the case version this step produced")
    actor_role: str
    actor_id: str
    at: dt.datetime
    decline_reason: str | None = Field(default=None, description="credit | collateral | documents | policy | other")
    note: str | None = None
    granted_amount: Decimal | None = Field(default=None, description="万元")
    rate_pct: Decimal | None = None
    term_months: Decimal | None = None
    granted_on: dt.date | None = None
    disbursed_amount: Decimal | None = Field(default=None, description="万元")
    disbursed_on: dt.date | None = None
    decision_seconds: float | None = Field(default=None, description="pushed → first accept/decline")


class CaseDeadline(Contract):
    """A case's first-response deadline: a reminder (due day) or the lapse (escalation)."""

    case_id: str
    demand_id: str
    product_code: str
    institution_code: str
    uscc: str
    district_code: str
    kind: str = Field(description="reminder | escalation")
    pushed_at: dt.datetime
    working_days: int
    due_at: dt.datetime
    escalate_to: str | None = Field(default=None, description="the department told of a lapse (金融办)")
    calendar_fallback: bool = False
    at: dt.datetime


class DemandClosed(Contract):
    demand_id: str
    uscc: str
    district_code: str
    status: str = Field(description="withdrawn | financed")
    reason: str | None = None
    cases_withdrawn: list[str] = Field(default_factory=list, description="case ids withdrawn with the demand")
    at: dt.datetime


register(
    FINANCING_FAILED,
    topic=FINANCE_DEMANDS,
    model=FinancingFailed,
    producer="finance",
    description="A financing demand failed (融资难): raise a financing issue.",
)
register(
    DEMAND_SUBMITTED,
    topic=FINANCE_DEMANDS,
    model=DemandSubmitted,
    producer="finance",
    description="A financing demand was stated and matched (融资需求提交).",
)
register(
    DEMAND_PUSHED,
    topic=FINANCE_DEMANDS,
    model=DemandPushed,
    producer="finance",
    description="A matched product's institution was sent the demand (推送至金融机构).",
)
register(
    DEMAND_WITHDRAWN,
    topic=FINANCE_DEMANDS,
    model=DemandClosed,
    producer="finance",
    description="The enterprise withdrew its demand (企业撤回需求).",
)
register(
    DEMAND_FINANCED,
    topic=FINANCE_DEMANDS,
    model=DemandClosed,
    producer="finance",
    description="Money was disbursed for the demand (已放款).",
)
for _fact in CASE_FACTS:
    register(
        case_event_type(_fact),
        topic=FINANCE_DEMANDS,
        model=CaseTransition,
        producer="finance",
        description=f"A case was {_fact.replace('_', ' ')} (机构对接流程).",
    )
register(
    CASE_REMINDER_DUE,
    topic=FINANCE_DEMANDS,
    model=CaseDeadline,
    producer="finance",
    description="An institution's first-response deadline is today (首次响应提醒).",
)
register(
    CASE_RESPONSE_OVERDUE,
    topic=FINANCE_DEMANDS,
    model=CaseDeadline,
    producer="finance",
    description="An institution let the first-response deadline lapse; escalated (超时升级).",
)


# --- one example per type (merged into tidu_shared.contracts.examples.EXAMPLES) ---------------------

_DEMAND = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c"
_CASE = "a7e4c1d2-0b9f-4c3e-8d6a-2f1e0b9c8d7a"
_USCC = "91500113MA5U7LXX3F"
_PUSHED = "2026-06-01T09:30:00+08:00"


def _case_example(fact: str) -> dict[str, object]:
    steps = {
        "viewed": ("view", "pushed", "viewed", 2),
        "accepted": ("accept", "viewed", "accepted", 3),
        "declined": ("decline", "viewed", "declined", 3),
        "credit_granted": ("grant_credit", "accepted", "credit_granted", 4),
        "disbursed": ("disburse", "credit_granted", "disbursed", 5),
        "withdrawn": ("withdraw", "pushed", "withdrawn", 2),
    }
    action, from_state, to_state, version = steps[fact]
    example: dict[str, object] = {
        "case_id": _CASE,
        "demand_id": _DEMAND,
        "product_code": "srdi-loan",
        "institution_code": "demo-ccb",
        "uscc": _USCC,
        "district_code": "500113",
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "version": version,
        "actor_role": "enterprise" if fact == "withdrawn" else "institution",
        "actor_id": "loan-officer-7",
        "at": "2026-06-02T15:00:00+08:00",
    }
    if fact in ("accepted", "declined"):
        example["decision_seconds"] = 106200.0
    if fact == "declined":
        example.update(decline_reason="collateral", note="抵押物评估值不足")
    if fact == "credit_granted":
        example.update(granted_amount="450", rate_pct="3.85", term_months="12", granted_on="2026-06-05")
    if fact == "disbursed":
        example.update(disbursed_amount="450", disbursed_on="2026-06-08")
    if fact == "withdrawn":
        example["note"] = "已通过其他渠道融资"
    return example


def _deadline_example(kind: str) -> dict[str, object]:
    return {
        "case_id": _CASE,
        "demand_id": _DEMAND,
        "product_code": "srdi-loan",
        "institution_code": "demo-ccb",
        "uscc": _USCC,
        "district_code": "500113",
        "kind": kind,
        "pushed_at": _PUSHED,
        "working_days": 3,
        "due_at": "2026-06-04T23:59:59+08:00",
        "escalate_to": "jrb" if kind == "escalation" else None,
        "calendar_fallback": False,
        "at": "2026-06-04T09:00:00+08:00" if kind == "reminder" else "2026-06-05T00:01:00+08:00",
    }


EXAMPLES: dict[str, dict[str, object]] = {
    DEMAND_SUBMITTED: {
        "demand_id": _DEMAND,
        "uscc": _USCC,
        "district_code": "500113",
        "amount": "500",
        "term_months": "12",
        "purpose": "working_capital",
        "urgency": "normal",
        "match_status": "matched",
        "matched_products": ["srdi-loan", "srdi-board", "business-value-credit"],
        "needs_data_products": ["renewal-without-repayment"],
        "shared_with_institutions": True,
        "submitted_by": "enterprise-user-1",
        "submitted_at": _PUSHED,
    },
    DEMAND_PUSHED: {
        "case_id": _CASE,
        "demand_id": _DEMAND,
        "product_code": "srdi-loan",
        "product_name": "专精特新贷",
        "institution_code": "demo-ccb",
        "uscc": _USCC,
        "enterprise_name": "重庆示例精密机械有限公司",
        "district_code": "500113",
        "industry_code": "C3484",
        "amount": "500",
        "term_months": "12",
        "purpose": "working_capital",
        "urgency": "normal",
        "collateral_offered": [],
        "score": 0.7481,
        "reasons": ["持有有效资质：专精特新中小企业（有效期至 2028-04-30）", "2025年资产负债率 52%，不高于 70%"],
        "consent_id": "c2d4e6f8-1a3b-4c5d-8e9f-0a1b2c3d4e5f",
        "pushed_at": _PUSHED,
        "first_response_due_at": "2026-06-04T23:59:59+08:00",
        "calendar_fallback": False,
    },
    DEMAND_WITHDRAWN: {
        "demand_id": _DEMAND,
        "uscc": _USCC,
        "district_code": "500113",
        "status": "withdrawn",
        "reason": "已通过其他渠道融资",
        "cases_withdrawn": [_CASE],
        "at": "2026-06-03T10:00:00+08:00",
    },
    DEMAND_FINANCED: {
        "demand_id": _DEMAND,
        "uscc": _USCC,
        "district_code": "500113",
        "status": "financed",
        "reason": "srdi-loan 已放款",
        "cases_withdrawn": [],
        "at": "2026-06-08T16:00:00+08:00",
    },
    **{case_event_type(fact): _case_example(fact) for fact in CASE_FACTS},
    CASE_REMINDER_DUE: _deadline_example("reminder"),
    CASE_RESPONSE_OVERDUE: _deadline_example("escalation"),
}
"""One example per finance event type but ``financing.failed`` (kept in ``contracts.examples``)."""
