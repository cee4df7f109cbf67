"""Matching: reasons, every failing gate, needs-data, ranking, and the demo catalogue."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tidu_finance_match.domain.catalogue import DecimalRange
from tidu_finance_match.domain.enterprise import (
    AssessmentResult,
    AssessmentSummary,
    CreditStanding,
    Qualification,
    enterprise_facts,
)
from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.gates import FAIL, PASS, UNKNOWN, Gates
from tidu_finance_match.domain.matching import (
    MatchStatus,
    RankingWeights,
    evaluate_product,
    match,
    rematch_product,
    score_components,
)
from tidu_finance_match.domain.vocabulary import CollateralKind, ProductKind, Purpose, Urgency

D = Decimal
AS_OF = date(2025, 6, 1)


def codes(items) -> list[str]:
    return [i.product_code for i in items]


# --- the demo catalogue against realistic enterprises ---------------------------------------------


def test_srdi_manufacturer_working_capital(make, catalogue):
    """A 专精特新 manufacturer in 巴南 (also 高新), small, AA, asks 800万 for 24 months, no security."""
    out = match(make.demand(), make.snapshot(), catalogue.products, AS_OF)
    assert codes(out.matched) == [
        "srdi-loan",  # tier-exclusive first, then by score
        "srdi-growth-fund",
        "srdi-board",
        "business-value-credit",
        "knowledge-value-credit",
    ]
    assert [m.rank for m in out.matched] == [1, 2, 3, 4, 5]
    assert [m.tier_exclusive for m in out.matched] == [True, True, True, False, False]
    assert out.needs_data == ()
    missed = {m.product_code: [r.code for r in m.failed] for m in out.not_matched}
    assert missed == {
        "little-giant-loan": ["qualifications_any"],
        "chain-loan": ["requires_confirmed_receivable"],
        "tech-upgrade-loan": ["collateral", "purpose_any"],
        "ip-pledge-loan": ["collateral"],
        "renewal-without-repayment": ["requires_existing_loan"],
        "bridge-fund": ["requires_existing_loan"],
        "policy-guarantee": ["collateral"],
    }


def test_reasons_say_why_a_product_matches(make, catalogue):
    out = match(make.demand(), make.snapshot(), catalogue.products, AS_OF)
    srdi = next(m for m in out.matched if m.product_code == "srdi-loan")
    assert [r.code for r in srdi.reasons] == [
        "min_amount",
        "qualifications_any",
        "max_debt_ratio_pct",
        "min_credit_grade",
    ]
    assert all(r.status is PASS for r in srdi.reasons)
    debt = srdi.reasons[2]
    assert debt.required == D("70") and debt.actual == D("52.00")
    assert debt.message_zh == "2024年资产负债率 52%，不高于 70%"
    assert debt.message_en == "debt ratio (2024) 52% ≤ 70%"
    credit = srdi.reasons[3]
    assert (credit.required, credit.actual) == ("B", "AA")


def test_restricting_kinds_turns_other_kinds_into_a_failing_gate(make, catalogue):
    demand = make.demand(product_kinds={ProductKind.LOAN})
    out = match(demand, make.snapshot(), catalogue.products, AS_OF)
    assert codes(out.matched) == ["srdi-loan", "business-value-credit", "knowledge-value-credit"]
    fund = next(m for m in out.not_matched if m.product_code == "srdi-growth-fund")
    assert [r.code for r in fund.failed] == ["product_kind"]
    assert fund.failed[0].actual == "equity_fund"


def test_little_giant_upgrading_with_a_mortgage(make, catalogue):
    snap = make.snapshot(
        qualifications=(Qualification("little_giant", date(2023, 7, 1), date(2026, 6, 30), level="national"),),
        assessments=(
            AssessmentSummary(
                "size-2011", AssessmentResult.ELIGIBLE, datetime(2025, 3, 1, tzinfo=UTC), size_class="medium"
            ),
        ),
        credit=CreditStanding("A+"),
    )
    demand = make.demand(
        amount=D("3000"),
        term_months=D("60"),
        purpose=Purpose.TECHNICAL_UPGRADE,
        collateral_offered={CollateralKind.MORTGAGE},
        product_kinds={ProductKind.LOAN},
    )
    out = match(demand, snap, catalogue.products, AS_OF)
    assert codes(out.matched) == ["little-giant-loan", "srdi-loan", "tech-upgrade-loan", "business-value-credit"]
    tech = next(m for m in out.matched if m.product_code == "tech-upgrade-loan")
    assert {r.code for r in tech.reasons} >= {"industry_prefix", "collateral", "purpose_any"}


def test_young_firm_without_data_gets_no_match_and_needs_data_listed(make, catalogue):
    snap = make.snapshot(
        uscc=make.uscc_b,
        district_code="500114",
        industry_code="I6510",
        established_on=date(2024, 9, 1),
        indicators=None,
        qualifications=(),
        assessments=(),
        credit=None,
    )
    demand = make.demand(uscc=make.uscc_b, amount=D("50"), has_existing_loan=None)
    out = match(demand, snap, catalogue.products, AS_OF)
    assert out.matched == ()
    needs = {m.product_code: m for m in out.needs_data}
    assert set(needs) == {"renewal-without-repayment", "bridge-fund"}
    assert needs["renewal-without-repayment"].missing == ("size_class", "has_existing_loan")
    assert needs["renewal-without-repayment"].status is MatchStatus.NEEDS_DATA
    bvc = next(m for m in out.not_matched if m.product_code == "business-value-credit")
    assert [r.code for r in bvc.failed] == ["min_years_established"]
    assert [r.code for r in bvc.unknown] == ["min_operating_revenue", "min_credit_grade"]
    assert bvc.missing == ("operating_revenue", "credit_grade")


def test_unknown_never_passes_silently(make):
    product = make.product(gates=Gates(min_credit_grade="BBB"))
    out = match(make.demand(), make.snapshot(credit=None), [product], AS_OF)
    assert out.matched == ()
    assert codes(out.needs_data) == ["p-test"]
    assert out.needs_data[0].unknown[0].status is UNKNOWN


def test_a_product_failing_several_gates_lists_each(make, catalogue):
    snap = make.snapshot(
        district_code="510104",
        industry_code="F5191",
        established_on=date(2024, 12, 1),
        indicators=make.indicators(operating_revenue=D("120")),
        credit=CreditStanding("CC"),
    )
    out = match(make.demand(amount=D("30")), snap, catalogue.products, AS_OF)
    bvc = next(m for m in out.not_matched if m.product_code == "business-value-credit")
    assert [(r.code, r.required, r.actual) for r in bvc.failed] == [
        ("min_amount", D("50"), D("30")),
        ("region_prefix", ("50",), "510104"),
        ("industry_prefix", ("C", "I65", "M"), "F5191"),
        ("min_years_established", 2, 0),
        ("min_operating_revenue", D("500"), D("120")),
        ("min_credit_grade", "B", "CC"),
    ]
    assert all(r.status is FAIL for r in bvc.failed)
    assert bvc.unknown == ()
    messages = [r.message_zh for r in bvc.failed]
    assert "需求金额 30 万元低于产品起点 50 万元" in messages
    assert "2024年营业收入 120 万元，低于要求的 500 万元" in messages
    assert "信用评级 CC，低于要求的 B" in messages
    assert all(r.as_dict()["message_en"] for r in bvc.failed)


def test_validity_window_closes_a_product(make):
    product = make.product(valid_to=date(2025, 5, 31))
    out = match(make.demand(), make.snapshot(), [product], AS_OF)
    assert [r.code for r in out.not_matched[0].failed] == ["validity"]
    assert "停办" in out.not_matched[0].failed[0].message_zh


def test_demand_of_another_enterprise_is_refused(make, catalogue):
    with pytest.raises(DomainError) as err:
        match(make.demand(uscc=make.uscc_b), make.snapshot(), catalogue.products, AS_OF)
    assert err.value.code == "enterprise_mismatch"


# --- ranking -------------------------------------------------------------------------------------


def test_exclusive_products_rank_first_even_with_a_worse_fit(make):
    exclusive = make.product(
        "excl",
        gates=Gates(qualifications_any=("srdi_sme",)),
        amount=DecimalRange(D("10"), D("200")),  # covers only a quarter of 800
        rate_pct=DecimalRange(D("5.5"), D("6.5")),
    )
    general = make.product("gen", amount=DecimalRange(D("10"), D("5000")), rate_pct=DecimalRange(D("3"), D("3.5")))
    out = match(make.demand(), make.snapshot(), [general, exclusive], AS_OF)
    assert codes(out.matched) == ["excl", "gen"]
    assert out.matched[0].score < out.matched[1].score
    flat = match(
        make.demand(), make.snapshot(), [general, exclusive], AS_OF, weights=RankingWeights(exclusive_first=False)
    )
    assert codes(flat.matched) == ["gen", "excl"]


def test_fit_orders_within_a_tier_and_ties_break_by_code(make):
    full = make.product("b-full", amount=DecimalRange(D("10"), D("1000")))
    partial = make.product("a-partial", amount=DecimalRange(D("10"), D("400")))
    twin = make.product("a-full", amount=DecimalRange(D("10"), D("1000")))
    out = match(make.demand(), make.snapshot(), [partial, full, twin], AS_OF)
    assert codes(out.matched) == ["a-full", "b-full", "a-partial"]
    amount_fit = {m.product_code: m.components[0] for m in out.matched}
    assert amount_fit["a-partial"].value == pytest.approx(0.5)
    assert "50%" in amount_fit["a-partial"].basis_zh


def test_term_and_rate_fit(make):
    short = make.product("short", term_months=DecimalRange(D("3"), D("12")))
    cheap = make.product("cheap", rate_pct=DecimalRange(D("2.5"), D("3.5")))
    dear = make.product("dear", rate_pct=DecimalRange(D("6"), D("7")))
    out = match(make.demand(), make.snapshot(), [short, cheap, dear], AS_OF)
    assert codes(out.matched) == ["cheap", "short", "dear"]
    comps = {m.product_code: {c.name: c for c in m.components} for m in out.matched}
    assert comps["short"]["term_fit"].value == pytest.approx(0.5)  # 12 of 24 months
    assert comps["cheap"]["rate"].value == pytest.approx((8 - 3) / 8)
    assert comps["dear"]["rate"].basis_zh == "年利率区间中值 6.5%"


def test_decision_speed_counts_more_when_urgent(make):
    fast = make.product("fast", institution_code="quick-bank")
    slow = make.product("a-slow", institution_code="slow-bank")
    speed = {"quick-bank": timedelta(hours=12), "slow-bank": timedelta(hours=180)}
    normal = match(make.demand(), make.snapshot(), [slow, fast], AS_OF, decision_speed=speed)
    urgent = match(make.demand(urgency=Urgency.URGENT), make.snapshot(), [slow, fast], AS_OF, decision_speed=speed)
    assert codes(normal.matched) == codes(urgent.matched) == ["fast", "a-slow"]

    def gap(out):
        return out.matched[0].score - out.matched[1].score

    assert gap(urgent) > gap(normal) > 0
    speed_c = {c.name: c for c in urgent.matched[0].components}["speed"]
    assert speed_c.weight == pytest.approx(0.4)
    assert speed_c.value == pytest.approx(1 - 12 / 240)


def test_score_breakdown_adds_up(make, catalogue):
    out = match(make.demand(), make.snapshot(), catalogue.products, AS_OF)
    for m in out.matched:
        comps = m.components
        assert [c.name for c in comps] == ["amount_fit", "term_fit", "rate", "speed"]
        assert sum(c.contribution for c in comps) == pytest.approx(m.score, abs=1e-4)
        assert all(0 <= c.value <= 1 for c in comps)
        assert all(c.as_dict()["basis_zh"] and c.as_dict()["basis_en"] for c in comps)
    board = next(m for m in out.matched if m.product_code == "srdi-board")
    assert {c.name: c.value for c in board.components}["amount_fit"] == 0.5  # neutral: no envelope
    guarantee_score, comps = score_components(catalogue.product("policy-guarantee"), make.demand())
    assert {c.name: c.basis_en for c in comps}["rate"] == "mid-point fee 0.75% a year"
    assert 0 < guarantee_score <= 1


def test_weights_from_mapping(make):
    w = RankingWeights.from_mapping({"rate": 0.6, "speed_multiplier_by_urgency": {"urgent": 3.0}})
    assert w.rate == 0.6 and w.speed_multiplier_by_urgency["urgent"] == 3.0
    assert w.speed_multiplier_by_urgency["normal"] == 1.0
    with pytest.raises(DomainError):
        RankingWeights.from_mapping({"rates": 1})
    with pytest.raises(DomainError):
        RankingWeights(amount_fit=-1)


def test_evaluate_product_for_rematching(make, catalogue):
    facts = enterprise_facts(make.snapshot(), AS_OF)
    ev = evaluate_product(catalogue.product("tech-upgrade-loan"), facts, make.demand())
    assert ev.status is MatchStatus.NOT_MATCHED
    assert [r.code for r in ev.failed] == ["collateral", "purpose_any"]
    assert [r.code for r in ev.passed] == ["min_amount", "industry_prefix"]


def test_rematch_a_changed_product_against_open_demands(make, catalogue):
    facts = enterprise_facts(make.snapshot(), AS_OF)
    demands = [
        make.demand(demand_id="small", amount=D("50")),
        make.demand(demand_id="big", amount=D("800")),
        make.demand(demand_id="mortgage", amount=D("800"), collateral_offered={"mortgage"}),
    ]
    product = catalogue.product("srdi-loan")
    changed = dataclasses.replace(product, amount=DecimalRange(D("40"), D("3000")))
    before = {c.demand_id: c.status for c in rematch_product(product, [(d, facts) for d in demands])}
    after = rematch_product(changed, [(d, facts) for d in demands])
    assert before == {"small": "not_matched", "big": "matched", "mortgage": "matched"}
    assert {c.demand_id: c.status for c in after} == {"small": "matched", "big": "matched", "mortgage": "matched"}
    assert after[0].passed[0].code == "min_amount"
    assert rematch_product(product, [(demands[0], facts)])[0].failed[0].code == "min_amount"


def test_matching_a_thousand_products_accounts_for_every_product(make, catalogue):
    """Speed is measured in bench/ (finance_bench), never asserted here."""
    products = [dataclasses.replace(p, code=f"{p.code}-{i}") for i in range(84) for p in catalogue.products][:1000]
    demand, snap = make.demand(has_existing_loan=True), make.snapshot()
    out = match(demand, snap, products, AS_OF)
    assert len(out.matched) + len(out.needs_data) + len(out.not_matched) == 1000
    assert len({m.product.code for m in out.matched}) == len(out.matched)
