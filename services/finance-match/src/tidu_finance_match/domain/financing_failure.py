"""When a demand takes the 融资难 path: a financing issue raised for the whistle service.

:func:`assess_financing_failure` looks at one demand's match outcome, its cases
(one per pushed product) and their first-response deadlines, and returns a
:class:`FinancingFailure` when the enterprise is left without financing, else
``None``. Reasons, checked in this order:

``none_matched``
    No product matched. Products that only *need data* are listed
    (``needs_data_products``) so whoever handles the issue can help complete
    the data; they do not stop the issue, since nothing can be pushed.
``all_declined``
    Every case that was pushed and not withdrawn by the enterprise was declined
    (at least one declined). A demand whose cases were all withdrawn is not a
    failure.
``deadline_lapsed``
    At least one institution let the first-response deadline lapse and no
    institution has accepted (no case accepted, granted or disbursed). While
    any institution has accepted, lapses are escalated per case
    (:mod:`deadlines`) but the demand is not a 融资难 case.

A closed demand (withdrawn or fulfilled, ``demand_open=False``) never raises.
The result carries a ``dedupe_key`` (``demand_id:reason``): the use case
raises each (demand, reason) once, however often it re-assesses (a lapsed
demand later declined everywhere raises ``all_declined`` as a second issue,
which the whistle service may merge).

The reason codes are those of the ``tidu.finance.financing.failed.v1``
contract (``tidu_shared.contracts.finance.FinancingFailed``); ``summary_zh`` and
``details_zh`` (one line per product: why it failed) fill its ``summary`` and
``details``. The issue category is ``financing`` of
``shared/data/issue_categories.yaml`` (lead department 金融办).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tidu_finance_match.domain.deadlines import ResponseDeadline
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.matching import MatchOutcome
from tidu_finance_match.domain.workflow import (
    AWAITING_RESPONSE,
    DECLINE_REASON_ZH,
    POSITIVE_STATES,
    CaseState,
    MatchCase,
)

ISSUE_CATEGORY = "financing"


class FailureReason(StrEnum):
    NONE_MATCHED = "none_matched"
    ALL_DECLINED = "all_declined"
    DEADLINE_LAPSED = "deadline_lapsed"


@dataclass(frozen=True, slots=True)
class FinancingFailure:
    demand_id: str
    uscc: str
    reason: FailureReason
    detected_at: datetime
    dedupe_key: str
    summary_zh: str
    summary_en: str
    category: str = ISSUE_CATEGORY
    products: tuple[str, ...] = ()
    """none_matched: none; all_declined: the declined products; deadline_lapsed: the lapsed ones."""
    decline_reasons: tuple[tuple[str, str], ...] = ()
    """(product code, reason code) of declined cases."""
    needs_data_products: tuple[str, ...] = ()
    details_zh: tuple[str, ...] = ()
    """One line per product, in Chinese: why it failed (for the issue's details)."""


def assess_financing_failure(
    *,
    demand: Demand,
    outcome: MatchOutcome,
    cases: Sequence[MatchCase],
    deadlines: Mapping[str, ResponseDeadline],
    now: datetime,
    demand_open: bool = True,
) -> FinancingFailure | None:
    """Decide whether the demand takes the 融资难 path now. ``deadlines`` is keyed by product code."""
    if not demand_open:
        return None
    amount = f"{demand.amount.normalize():f}"

    def failure(
        reason: FailureReason,
        zh: str,
        en: str,
        products: tuple[str, ...] = (),
        decline_reasons: tuple[tuple[str, str], ...] = (),
        details: tuple[str, ...] = (),
    ) -> FinancingFailure:
        return FinancingFailure(
            demand_id=demand.demand_id,
            uscc=demand.uscc,
            reason=reason,
            detected_at=now,
            dedupe_key=f"{demand.demand_id}:{reason.value}",
            summary_zh=zh,
            summary_en=en,
            products=products,
            decline_reasons=decline_reasons,
            needs_data_products=outcome.needs_data_codes,
            details_zh=details,
        )

    if not outcome.matched:
        extra_zh = f"；{len(outcome.needs_data)} 个产品待补充资料" if outcome.needs_data else ""
        extra_en = f"; {len(outcome.needs_data)} need more data" if outcome.needs_data else ""
        details = tuple(
            f"{m.product_name}：{'；'.join(r.message_zh for r in m.failed)}" for m in outcome.not_matched
        ) + tuple(f"{m.product_name}：待补充 {'、'.join(m.missing)}" for m in outcome.needs_data)
        return failure(
            FailureReason.NONE_MATCHED,
            f"融资需求 {amount} 万元未匹配到任何金融产品{extra_zh}",
            f"financing demand of {amount} 万元 matched no product{extra_en}",
            details=details,
        )

    live = [c for c in cases if c.state is not CaseState.WITHDRAWN]
    if not live:
        return None
    declined = [c for c in live if c.state is CaseState.DECLINED]
    decline_reasons = tuple((c.product_code, c.decline_reason.value) for c in declined if c.decline_reason is not None)
    if len(declined) == len(live):
        reasons_zh = "、".join(sorted({DECLINE_REASON_ZH[c.decline_reason] for c in declined if c.decline_reason}))
        return failure(
            FailureReason.ALL_DECLINED,
            f"融资需求 {amount} 万元被全部 {len(declined)} 家匹配产品拒绝（{reasons_zh}）",
            f"financing demand of {amount} 万元 declined by all {len(declined)} matched products",
            products=tuple(c.product_code for c in declined),
            decline_reasons=decline_reasons,
            details=tuple(_decline_line(c) for c in declined),
        )

    if any(c.state in POSITIVE_STATES for c in live):
        return None
    lapsed = tuple(
        c.product_code
        for c in live
        if c.state in AWAITING_RESPONSE and c.product_code in deadlines and now > deadlines[c.product_code].due_at
    )
    if lapsed:
        return failure(
            FailureReason.DEADLINE_LAPSED,
            f"融资需求 {amount} 万元有 {len(lapsed)} 家机构超过首次响应时限未答复，且无机构受理",
            f"financing demand of {amount} 万元: {len(lapsed)} institution(s) let the response deadline lapse "
            "and none accepted",
            products=lapsed,
            decline_reasons=decline_reasons,
            details=tuple(f"{code}：超过首次响应时限未答复" for code in lapsed)
            + tuple(_decline_line(c) for c in declined),
        )
    return None


def _decline_line(case: MatchCase) -> str:
    reason = DECLINE_REASON_ZH[case.decline_reason] if case.decline_reason is not None else "未说明原因"
    note = f"（{case.decline_note}）" if case.decline_note else ""
    return f"{case.product_code}：机构拒绝，{reason}{note}"
