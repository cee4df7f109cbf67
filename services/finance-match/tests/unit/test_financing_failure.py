"""When the 融资难 path triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tidu_finance_match.domain import workflow as wf
from tidu_finance_match.domain.deadlines import first_response_deadline
from tidu_finance_match.domain.financing_failure import FailureReason, assess_financing_failure
from tidu_finance_match.domain.matching import match
from tidu_finance_match.domain.workflow import Actor, ActorRole

T0 = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Chongqing
SYSTEM = Actor(ActorRole.SYSTEM, "matcher")


def inst(code: str) -> Actor:
    return Actor(ActorRole.INSTITUTION, f"officer@{code}", scope=code)


@pytest.fixture
def setup(make, catalogue):
    demand = make.demand(product_kinds={"loan"})
    outcome = match(demand, make.snapshot(), catalogue.products, T0.date())
    assert outcome.matched_codes == ("srdi-loan", "business-value-credit", "knowledge-value-credit")
    cases = {code: wf.push(demand, catalogue.product(code), at=T0, actor=SYSTEM).case for code in outcome.matched_codes}
    deadlines = {code: first_response_deadline(T0, 3) for code in cases}  # due Thursday 23:59:59 CST
    return demand, outcome, cases, deadlines


def decline(case, hours, reason="credit"):
    return wf.decline(case, at=T0 + timedelta(hours=hours), actor=inst(case.institution_code), reason=reason).case


def test_no_match(make, catalogue):
    snap = make.snapshot(qualifications=(), district_code="510104", credit=None)
    demand = make.demand(has_existing_loan=None)
    outcome = match(demand, snap, catalogue.products, T0.date())
    assert outcome.matched == ()
    f = assess_financing_failure(demand=demand, outcome=outcome, cases=[], deadlines={}, now=T0)
    assert f is not None
    assert (f.reason, f.category, f.dedupe_key) == (FailureReason.NONE_MATCHED, "financing", "dm-1:none_matched")
    assert f.needs_data_products == outcome.needs_data_codes != ()
    assert "未匹配" in f.summary_zh and "待补充资料" in f.summary_zh
    assert (
        "专精特新贷：须持有以下任一有效资质：专精特新中小企业、专精特新“小巨人”企业、创新型中小企业；企业未持有"
        in f.details_zh
    )
    assert any(line.startswith("转贷应急周转资金：待补充 ") for line in f.details_zh)


def test_all_declined(setup):
    demand, outcome, cases, deadlines = setup
    declined = [decline(c, 5, r) for c, r in zip(cases.values(), ["credit", "collateral", "credit"], strict=True)]
    f = assess_financing_failure(demand=demand, outcome=outcome, cases=declined, deadlines=deadlines, now=T0)
    assert f is not None and f.reason is FailureReason.ALL_DECLINED
    assert set(f.products) == set(cases)
    assert sorted(r for _, r in f.decline_reasons) == ["collateral", "credit", "credit"]
    assert "信用原因" in f.summary_zh
    assert "srdi-loan：机构拒绝，信用原因" in f.details_zh


def test_withdrawn_cases_do_not_count_and_all_withdrawn_is_no_failure(setup, make):
    demand, outcome, cases, deadlines = setup
    ent = Actor(ActorRole.ENTERPRISE, "u", scope=make.uscc_a)
    c1, c2, c3 = cases.values()
    mixed = [decline(c1, 5), decline(c2, 5), wf.withdraw(c3, at=T0 + timedelta(hours=6), actor=ent).case]
    f = assess_financing_failure(demand=demand, outcome=outcome, cases=mixed, deadlines=deadlines, now=T0)
    assert f is not None and f.reason is FailureReason.ALL_DECLINED and len(f.products) == 2
    gone = [wf.withdraw(c, at=T0 + timedelta(hours=1), actor=ent).case for c in cases.values()]
    assert assess_financing_failure(demand=demand, outcome=outcome, cases=gone, deadlines=deadlines, now=T0) is None


def test_pending_within_deadline_is_no_failure(setup):
    demand, outcome, cases, deadlines = setup
    c1, c2, c3 = cases.values()
    now = T0 + timedelta(days=1)
    assert (
        assess_financing_failure(
            demand=demand, outcome=outcome, cases=[decline(c1, 5), c2, c3], deadlines=deadlines, now=now
        )
        is None
    )


def test_deadline_lapsed_without_any_acceptance(setup):
    demand, outcome, cases, deadlines = setup
    c1, c2, c3 = cases.values()
    due = deadlines["srdi-loan"].due_at
    current = [decline(c1, 5), wf.view(c2, at=T0 + timedelta(hours=1), actor=inst(c2.institution_code)).case, c3]
    assert assess_financing_failure(demand=demand, outcome=outcome, cases=current, deadlines=deadlines, now=due) is None
    f = assess_financing_failure(
        demand=demand, outcome=outcome, cases=current, deadlines=deadlines, now=due + timedelta(seconds=1)
    )
    assert f is not None and f.reason is FailureReason.DEADLINE_LAPSED
    assert set(f.products) == {"business-value-credit", "knowledge-value-credit"}
    assert f.decline_reasons == (("srdi-loan", "credit"),)
    assert f.details_zh[0] == "business-value-credit：超过首次响应时限未答复"


def test_an_acceptance_keeps_a_lapse_off_the_financing_path(setup):
    demand, outcome, cases, deadlines = setup
    c1, c2, c3 = cases.values()
    accepted = wf.accept(c1, at=T0 + timedelta(hours=3), actor=inst(c1.institution_code)).case
    later = T0 + timedelta(days=10)
    assert (
        assess_financing_failure(
            demand=demand, outcome=outcome, cases=[accepted, c2, c3], deadlines=deadlines, now=later
        )
        is None
    )


def test_closed_demand_never_raises(setup):
    demand, outcome, cases, deadlines = setup
    declined = [decline(c, 5) for c in cases.values()]
    assert (
        assess_financing_failure(
            demand=demand, outcome=outcome, cases=declined, deadlines=deadlines, now=T0, demand_open=False
        )
        is None
    )
    assert Decimal(demand.amount) == Decimal("800")
