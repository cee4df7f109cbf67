"""Every gate below, at and above its threshold, and unknown when its data is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tidu_finance_match.domain import gates as g
from tidu_finance_match.domain.enterprise import (
    AssessmentResult,
    AssessmentSummary,
    CreditStanding,
    EnterpriseFacts,
    Qualification,
    enterprise_facts,
    whole_years_between,
)
from tidu_finance_match.domain.gates import FAIL, GATE_CODES, PASS, UNKNOWN, GateResult
from tidu_finance_match.domain.vocabulary import CollateralKind, ProductKind, Purpose

D = Decimal
AS_OF = date(2025, 6, 1)


@pytest.fixture
def facts_for(make):
    def build(**snapshot_changes) -> EnterpriseFacts:
        return enterprise_facts(make.snapshot(**snapshot_changes), AS_OF)

    return build


@pytest.fixture
def facts(facts_for) -> EnterpriseFacts:
    return facts_for()


@pytest.fixture
def demand(make):
    return make.demand()


def indicators_facts(make, facts_for, **ind):
    return facts_for(indicators=make.indicators(**ind))


def assert_messages(r: GateResult, *fragments: str) -> None:
    zh, en = r.message_zh, r.message_en
    assert zh and en
    for f in fragments:
        assert f in zh, (f, zh)
        assert f in en, (f, en)


# --- product-side --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "status"), [(D("99.99"), FAIL), (D("100"), PASS), (D("100.01"), PASS), (D("5000"), PASS)]
)
def test_min_amount(make, facts, amount, status):
    r = g.gate_min_amount(D("100"), facts, make.demand(amount=amount))
    assert (r.code, r.status, r.required, r.actual) == ("min_amount", status, D("100"), amount)
    assert_messages(r, "100")


@pytest.mark.parametrize(
    ("window", "status"),
    [
        ((date(2025, 6, 2), None), FAIL),
        ((date(2025, 6, 1), None), PASS),
        ((None, date(2025, 6, 1)), PASS),
        ((None, date(2025, 5, 31)), FAIL),
        ((date(2025, 1, 1), date(2025, 12, 31)), PASS),
    ],
)
def test_validity(facts, demand, window, status):
    r = g.gate_validity(window, facts, demand)
    assert r.status is status
    assert r.actual == "2025-06-01"
    assert r.message_zh and r.message_en


def test_product_kind_only_applies_when_the_demand_restricts_kinds(make, facts):
    assert g.gate_product_kind(ProductKind.LOAN, facts, make.demand()) is None
    restricted = make.demand(product_kinds={"loan", "guarantee"})
    assert g.gate_product_kind(ProductKind.LOAN, facts, restricted).status is PASS
    r = g.gate_product_kind(ProductKind.EQUITY_FUND, facts, restricted)
    assert r.status is FAIL
    assert r.required == ["guarantee", "loan"]
    assert "股权投资" in r.message_zh


# --- profile -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("district", "prefixes", "status"),
    [
        ("500113", ("50",), PASS),
        ("500113", ("500113",), PASS),
        ("500113", ("500114", "5001"), PASS),
        ("510100", ("50",), FAIL),
        ("500114", ("500113",), FAIL),
        (None, ("50",), UNKNOWN),
    ],
)
def test_region_prefix(facts_for, demand, district, prefixes, status):
    r = g.gate_region_prefix(prefixes, facts_for(district_code=district), demand)
    assert r.status is status
    if status is UNKNOWN:
        assert r.missing == ("district_code",)
    else:
        assert district in r.message_zh


@pytest.mark.parametrize(
    ("industry", "prefixes", "status"),
    [
        ("C3825", ("C",), PASS),
        ("I6510", ("C", "I65", "M"), PASS),
        ("I6410", ("I65",), FAIL),
        ("M7320", ("M",), PASS),
        ("F5191", ("C",), FAIL),
        ("", ("C",), UNKNOWN),
    ],
)
def test_industry_prefix(facts_for, demand, industry, prefixes, status):
    r = g.gate_industry_prefix(prefixes, facts_for(industry_code=industry), demand)
    assert r.status is status


@pytest.mark.parametrize(
    ("granted", "expires", "status"),
    [
        (date(2023, 1, 1), date(2025, 5, 31), FAIL),  # expired the day before
        (date(2023, 1, 1), date(2025, 6, 1), PASS),  # expires on the day: still valid (inclusive)
        (date(2025, 6, 1), date(2028, 5, 31), PASS),  # granted on the day
        (date(2025, 6, 2), date(2028, 6, 1), FAIL),  # granted the day after
        (date(2023, 1, 1), None, PASS),  # no expiry recorded
    ],
)
def test_qualifications_any_validity_window(facts_for, demand, granted, expires, status):
    facts = facts_for(qualifications=(Qualification("srdi_sme", granted, expires),))
    r = g.gate_qualifications_any(("srdi_sme", "little_giant"), facts, demand)
    assert r.status is status


def test_qualifications_any_explains_a_lapsed_title(facts_for, demand):
    facts = facts_for(qualifications=(Qualification("little_giant", date(2021, 7, 1), date(2024, 6, 30)),))
    r = g.gate_qualifications_any(("little_giant",), facts, demand)
    assert r.status is FAIL
    assert r.required == ("little_giant",)
    assert r.actual == ()
    assert "2024-06-30" in r.message_zh and "到期" in r.message_zh
    assert "expired on 2024-06-30" in r.message_en


def test_qualifications_any_pass_names_the_title_held(facts, demand):
    r = g.gate_qualifications_any(("tech_sme", "high_tech"), facts, demand)
    assert r.status is PASS
    assert r.actual == ("high_tech",)
    assert "高新技术企业" in r.message_zh and "2025-10-31" in r.message_zh


def test_qualifications_are_never_unknown(facts_for, demand):
    r = g.gate_qualifications_any(("srdi_sme",), facts_for(qualifications=()), demand)
    assert r.status is FAIL


def _assessment(rule_set: str, result: str, day: int = 1, size: str | None = None) -> AssessmentSummary:
    return AssessmentSummary(rule_set, AssessmentResult(result), datetime(2025, 3, day, tzinfo=UTC), size_class=size)


@pytest.mark.parametrize(
    ("results", "status"),
    [
        ({"srdi-2022": "eligible"}, PASS),
        ({"srdi-2022": "not_eligible", "srdi-2026": "eligible"}, PASS),
        ({"srdi-2022": "not_eligible", "srdi-2026": "not_eligible"}, FAIL),
        ({"srdi-2022": "not_eligible", "srdi-2026": "undetermined"}, UNKNOWN),
        ({"srdi-2022": "not_eligible"}, UNKNOWN),  # srdi-2026 never assessed
    ],
)
def test_eligible_any(facts_for, demand, results, status):
    facts = facts_for(assessments=tuple(_assessment(rs, res) for rs, res in results.items()))
    r = g.gate_eligible_any(("srdi-2022", "srdi-2026"), facts, demand)
    assert r.status is status
    if status is UNKNOWN:
        assert all(m.startswith("assessment:") for m in r.missing)


def test_eligible_any_reads_the_latest_assessment(facts_for, demand):
    facts = facts_for(
        assessments=(_assessment("srdi-2022", "eligible", day=1), _assessment("srdi-2022", "not_eligible", day=20))
    )
    assert g.gate_eligible_any(("srdi-2022",), facts, demand).status is FAIL


@pytest.mark.parametrize(
    ("size", "status"), [("micro", PASS), ("small", PASS), ("medium", PASS), ("large", FAIL), (None, UNKNOWN)]
)
def test_size_class_any(facts_for, demand, size, status):
    assessments = () if size is None else (_assessment("size-2011", "eligible", size=size),)
    r = g.gate_size_class_any(("micro", "small", "medium"), facts_for(assessments=assessments), demand)
    assert r.status is status
    if status is UNKNOWN:
        assert r.missing == ("size_class",)


def test_size_class_unknown_when_size_assessment_undetermined_and_latest_wins(facts_for, demand):
    und = facts_for(assessments=(_assessment("size-2011", "undetermined"),))
    assert g.gate_size_class_any(("small",), und, demand).status is UNKNOWN
    two = facts_for(
        assessments=(
            _assessment("size-2011", "eligible", day=1, size="small"),
            _assessment("size-2011", "eligible", day=9, size="medium"),
        )
    )
    assert g.gate_size_class_any(("small",), two, demand).status is FAIL


@pytest.mark.parametrize(
    ("established", "status", "years"),
    [
        (date(2023, 6, 2), FAIL, 1),  # one day short of 2 whole years
        (date(2023, 6, 1), PASS, 2),  # exactly 2 years
        (date(2020, 1, 1), PASS, 5),
        (None, UNKNOWN, None),
    ],
)
def test_min_years_established(facts_for, demand, established, status, years):
    r = g.gate_min_years_established(2, facts_for(established_on=established), demand)
    assert (r.status, r.actual) == (status, years)


def test_whole_years_counts_leap_day_birthdays():
    assert whole_years_between(date(2020, 2, 29), date(2022, 2, 28)) == 1
    assert whole_years_between(date(2020, 2, 29), date(2022, 3, 1)) == 2
    assert whole_years_between(date(2025, 6, 2), date(2025, 6, 1)) == 0


# --- indicators ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue", "status"), [(D("499.99"), FAIL), (D("500"), PASS), (D("500.01"), PASS), (None, UNKNOWN)]
)
def test_min_operating_revenue(make, facts_for, demand, revenue, status):
    r = g.gate_min_operating_revenue(D("500"), indicators_facts(make, facts_for, operating_revenue=revenue), demand)
    assert (r.code, r.status, r.actual) == ("min_operating_revenue", status, revenue)
    assert "2024" in r.message_zh
    if revenue is not None:
        assert_messages(r, f"{revenue.normalize():f}", "500")
    else:
        assert r.missing == ("operating_revenue",)


def test_min_operating_revenue_unknown_without_any_indicators(facts_for, demand):
    r = g.gate_min_operating_revenue(D("500"), facts_for(indicators=None), demand)
    assert r.status is UNKNOWN


@pytest.mark.parametrize(
    ("liabilities", "status", "shown"),
    [
        (D("3499.5"), PASS, D("69.99")),  # 69.99%
        (D("3500"), PASS, D("70.00")),  # exactly 70%
        (D("3500.5"), FAIL, D("70.01")),  # 70.01%
        (D("3500.01"), FAIL, D("70.01")),  # 70.0002%: shown rounded up, never as "70"
    ],
)
def test_max_debt_ratio(make, facts_for, demand, liabilities, status, shown):
    facts = indicators_facts(make, facts_for, total_assets=D("5000"), total_liabilities=liabilities)
    r = g.gate_max_debt_ratio_pct(D("70"), facts, demand)
    assert (r.status, r.actual) == (status, shown)
    assert "70" in r.message_zh


@pytest.mark.parametrize(
    ("assets", "liabilities", "missing"),
    [
        (D("0"), D("10"), ("total_assets",)),
        (None, D("10"), ("total_assets",)),
        (D("100"), None, ("total_liabilities",)),
    ],
)
def test_max_debt_ratio_unknown(make, facts_for, demand, assets, liabilities, missing):
    facts = indicators_facts(make, facts_for, total_assets=assets, total_liabilities=liabilities)
    r = g.gate_max_debt_ratio_pct(D("70"), facts, demand)
    assert (r.status, r.missing) == (UNKNOWN, missing)


@pytest.mark.parametrize(
    ("rd", "status"), [(D("249.5"), FAIL), (D("250"), PASS), (D("250.5"), PASS)]
)  # on revenue 5000: 4.99 %, 5 %, 5.01 %
def test_min_rd_ratio(make, facts_for, demand, rd, status):
    facts = indicators_facts(make, facts_for, operating_revenue=D("5000"), rd_expense=rd)
    r = g.gate_min_rd_ratio_pct(D("5"), facts, demand)
    assert r.status is status


def test_min_rd_ratio_zero_revenue_is_unknown_not_zero(make, facts_for, demand):
    facts = indicators_facts(make, facts_for, operating_revenue=D("0"), rd_expense=D("10"))
    r = g.gate_min_rd_ratio_pct(D("3"), facts, demand)
    assert (r.status, r.missing) == (UNKNOWN, ("operating_revenue",))


@pytest.mark.parametrize(("count", "status"), [(0, FAIL), (1, PASS), (2, PASS), (None, UNKNOWN)])
def test_min_ip_class_i(make, facts_for, demand, count, status):
    r = g.gate_min_ip_class_i(1, indicators_facts(make, facts_for, ip_class_i=count), demand)
    assert r.status is status


@pytest.mark.parametrize(("count", "status"), [(2, FAIL), (3, PASS), (4, PASS), (None, UNKNOWN)])
def test_min_ip_class_ii(make, facts_for, demand, count, status):
    r = g.gate_min_ip_class_ii(3, indicators_facts(make, facts_for, ip_class_ii=count), demand)
    assert r.status is status


@pytest.mark.parametrize(
    ("i", "ii", "status"),
    [
        (0, 1, FAIL),  # 1 < 2
        (1, 1, PASS),  # 2 = 2
        (2, 1, PASS),
        (2, None, PASS),  # class I alone reaches the minimum: the missing count cannot change it
        (1, None, UNKNOWN),
        (None, None, UNKNOWN),
    ],
)
def test_min_ip_class_i_or_ii(make, facts_for, demand, i, ii, status):
    r = g.gate_min_ip_class_i_or_ii(2, indicators_facts(make, facts_for, ip_class_i=i, ip_class_ii=ii), demand)
    assert r.status is status
    assert r.message_zh and r.message_en


@pytest.mark.parametrize(
    ("grade", "status"),
    [("CCC", FAIL), ("B-", FAIL), ("B", PASS), ("b+", PASS), ("BB", PASS), ("AAA", PASS), (None, UNKNOWN)],
)
def test_min_credit_grade(facts_for, demand, grade, status):
    credit = CreditStanding(grade) if grade else None
    r = g.gate_min_credit_grade("B", facts_for(credit=credit), demand)
    assert r.status is status
    if status is UNKNOWN:
        assert r.missing == ("credit_grade",)
        assert "授权" in r.message_zh


# --- demand --------------------------------------------------------------------------------------


def test_collateral(make, facts):
    with_mortgage = make.demand(collateral_offered={"mortgage", "equipment"})
    r = g.gate_collateral(CollateralKind.MORTGAGE, facts, with_mortgage)
    assert r.status is PASS
    assert r.actual == ("equipment", "mortgage")
    r = g.gate_collateral(CollateralKind.IP_PLEDGE, facts, with_mortgage)
    assert r.status is FAIL and "知识产权质押" in r.message_zh


def test_confirmed_receivable(make, facts):
    assert g.gate_requires_confirmed_receivable(True, facts, make.demand()).status is FAIL
    offered = make.demand(collateral_offered={CollateralKind.RECEIVABLES})
    assert g.gate_requires_confirmed_receivable(True, facts, offered).status is PASS


@pytest.mark.parametrize(("has", "status"), [(True, PASS), (False, FAIL), (None, UNKNOWN)])
def test_existing_loan(make, facts, has, status):
    assert g.gate_requires_existing_loan(True, facts, make.demand(has_existing_loan=has)).status is status


@pytest.mark.parametrize(
    ("purpose", "status"),
    [(Purpose.TECHNICAL_UPGRADE, PASS), (Purpose.EQUIPMENT, PASS), (Purpose.WORKING_CAPITAL, FAIL)],
)
def test_purpose_any(make, facts, purpose, status):
    allowed = (Purpose.TECHNICAL_UPGRADE, Purpose.DIGITAL_TRANSFORMATION, Purpose.EQUIPMENT)
    r = g.gate_purpose_any(allowed, facts, make.demand(purpose=purpose))
    assert r.status is status
    assert r.actual == purpose.value


# --- general -------------------------------------------------------------------------------------


def test_every_gate_code_renders_in_both_languages_for_every_status(make, facts_for):
    """A product with every gate, against a complete and an empty enterprise, renders every message."""
    product = make.product(
        gates=g.Gates(
            region_prefix=("50",),
            industry_prefix=("C",),
            qualifications_any=("srdi_sme",),
            eligible_any=("srdi-2026",),
            size_class_any=("small",),
            min_years_established=2,
            min_operating_revenue=D("500"),
            max_debt_ratio_pct=D("70"),
            min_rd_ratio_pct=D("3"),
            min_ip_class_i=1,
            min_ip_class_ii=1,
            min_ip_class_i_or_ii=1,
            min_credit_grade="B",
            requires_confirmed_receivable=True,
            requires_existing_loan=True,
            purpose_any=(Purpose.WORKING_CAPITAL,),
        ),
        collateral=CollateralKind.MORTGAGE,
        valid_from=date(2025, 1, 1),
    )
    demand = make.demand(product_kinds={"loan"}, has_existing_loan=None)
    seen: set[str] = set()
    for facts in (
        facts_for(),
        facts_for(
            district_code=None,
            industry_code=None,
            indicators=None,
            credit=None,
            established_on=None,
            assessments=(),
            qualifications=(),
        ),
    ):
        for r in g.evaluate_gates(product.checks, facts, demand):
            seen.add(r.code)
            d = r.as_dict()
            assert d["message_zh"] and d["message_en"] and d["status"] in ("pass", "fail", "unknown")
    assert seen == set(GATE_CODES)


def test_compile_checks_follows_collateral_implications(make):
    receivable = make.product(collateral=CollateralKind.RECEIVABLES)
    assert "gate_requires_confirmed_receivable" in [c.fn.__name__ for c in receivable.checks]
    renewal = make.product(collateral=CollateralKind.AS_EXISTING)
    assert "gate_requires_existing_loan" in [c.fn.__name__ for c in renewal.checks]
    unsecured = make.product(collateral=CollateralKind.NONE)
    assert "gate_collateral" not in [c.fn.__name__ for c in unsecured.checks]


def test_equal_gates_share_a_check_key(make):
    a = make.product("a", gates=g.Gates(min_operating_revenue=D("500")))
    b = make.product("b", gates=g.Gates(min_operating_revenue=D("500.0")))
    c = make.product("c", gates=g.Gates(min_operating_revenue=D("501")))
    key = {p.code: next(ch.key for ch in p.checks if ch.fn is g.gate_min_operating_revenue) for p in (a, b, c)}
    assert key["a"] == key["b"] != key["c"]


INDICATOR_CASES = [
    {},
    {"operating_revenue": D("4200.5"), "total_liabilities": D("2999.99"), "rd_expense": D("12.345")},
    {"operating_revenue": D("500"), "total_assets": D("1000"), "total_liabilities": D("520")},
    {"operating_revenue": None, "total_assets": None},
    {"operating_revenue": D("0"), "total_assets": D("0"), "rd_expense": None},
    None,  # no indicators at all
]
THRESHOLDS = [D("0"), D("1"), D("5"), D("5.0"), D("5.2"), D("6.19"), D("6.2"), D("52"), D("52.0"), D("60")]
THRESHOLDS += [D("100"), D("500"), D("500.00"), D("4200"), D("4200.5"), D("4201"), D("8000")]


@pytest.mark.parametrize("batch_of", sorted(g.BATCHES, key=lambda fn: fn.__name__), ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("indicators", INDICATOR_CASES)
def test_many_thresholds_at_once_give_what_the_gate_gives_one_by_one(make, facts_for, demand, batch_of, indicators):
    """Matching evaluates these gates for all of a catalogue's thresholds in one call."""
    facts = facts_for(indicators=None if indicators is None else make.indicators(**indicators))
    params = tuple(THRESHOLDS)
    at_once = g.BATCHES[batch_of](params, facts, demand)
    one_by_one = [batch_of(t, facts, demand) for t in params]
    assert repr(at_once) == repr(one_by_one)
    assert [r.as_dict() for r in at_once] == [r.as_dict() for r in one_by_one]
    assert [type(r) for r in at_once] == [GateResult] * len(params)


def test_facts_pick_the_longest_valid_qualification(facts_for):
    facts = facts_for(
        qualifications=(
            Qualification("srdi_sme", date(2022, 1, 1), date(2025, 12, 31)),
            Qualification("srdi_sme", date(2024, 1, 1), date(2027, 1, 1)),
            Qualification("little_giant", date(2020, 1, 1), date(2023, 1, 1)),
        )
    )
    assert facts.valid_qualifications["srdi_sme"].expires_on == date(2027, 1, 1)
    assert "little_giant" in facts.lapsed_qualifications
    assert facts.as_of + timedelta(0) == AS_OF


def test_snapshot_unchanged_by_fact_derivation(make):
    snap = make.snapshot()
    before = replace(snap)
    enterprise_facts(snap, AS_OF)
    assert snap == before


def test_revoked_qualification_stops_counting_on_the_day(make, demand):
    revoked = Qualification("srdi_sme", date(2023, 1, 1), date(2026, 1, 1), revoked_on=date(2025, 6, 1))
    snap = make.snapshot(qualifications=(revoked,))
    on_the_day = enterprise_facts(snap, date(2025, 6, 1))
    r = g.gate_qualifications_any(("srdi_sme",), on_the_day, demand)
    assert r.status is FAIL and "到期" not in r.message_zh  # revoked, not expired
    the_day_before = enterprise_facts(snap, date(2025, 5, 31))
    assert g.gate_qualifications_any(("srdi_sme",), the_day_before, demand).status is PASS


def test_size_class_from_an_assessment_tagged_size(facts_for, demand):
    tagged = AssessmentSummary(
        "size-sme-2011", AssessmentResult.ELIGIBLE, datetime(2025, 3, 1, tzinfo=UTC), size_class="micro", tier="size"
    )
    other = AssessmentSummary(
        "srdi-2026", AssessmentResult.ELIGIBLE, datetime(2025, 4, 1, tzinfo=UTC), size_class=None, tier="srdi"
    )
    r = g.gate_size_class_any(("micro",), facts_for(assessments=(tagged, other)), demand)
    assert r.status is PASS
