"""Events produced by the finance-match service, on ``tidu.finance.demands`` keyed by demand id.
The workflow events are added here by the finance-match service; ``financing.failed`` is the
融资难 path the whistle service consumes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import FINANCE_DEMANDS

FINANCING_FAILED = "tidu.finance.financing.failed.v1"


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


register(
    FINANCING_FAILED,
    topic=FINANCE_DEMANDS,
    model=FinancingFailed,
    producer="finance",
    description="A financing demand failed (融资难): raise a financing issue.",
)
