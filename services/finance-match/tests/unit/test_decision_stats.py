"""Decision-time percentiles and financing statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tidu_finance_match.domain import workflow as wf
from tidu_finance_match.domain.decision_stats import (
    DecisionKey,
    Dimension,
    FinancingRecord,
    Granularity,
    aggregate,
    decision_times,
    p50_by_institution,
    percentile,
    period_key,
    record_of,
)
from tidu_finance_match.domain.workflow import Actor, ActorRole

D = Decimal
T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
SYSTEM = Actor(ActorRole.SYSTEM, "matcher")


def test_percentile_interpolates():
    assert percentile([1.0, 3.0], 0.5) == 2.0
    assert percentile([5.0], 0.9) == 5.0
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == pytest.approx(5.5)
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile(values, 0.0) == 1.0 and percentile(values, 1.0) == 10.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match="within"):
        percentile([1.0], 1.5)


@pytest.fixture
def cases(make, catalogue):
    out = []
    hours = {"srdi-loan": [1, 2, 3, 4, 10], "little-giant-loan": [24, 48], "business-value-credit": [6]}
    n = 0
    for code, hs in hours.items():
        product = catalogue.product(code)
        actor = Actor(ActorRole.INSTITUTION, "o", scope=product.institution_code)
        for h in hs:
            n += 1
            case = wf.push(make.demand(demand_id=f"d{n}"), product, at=T0, actor=SYSTEM).case
            out.append(wf.accept(case, at=T0 + timedelta(hours=h), actor=actor).case)
    open_case = wf.push(make.demand(demand_id="open"), catalogue.product("srdi-loan"), at=T0, actor=SYSTEM).case
    withdrawn = wf.withdraw(
        wf.push(make.demand(demand_id="gone"), catalogue.product("srdi-loan"), at=T0, actor=SYSTEM).case,
        at=T0 + timedelta(hours=1),
        actor=Actor(ActorRole.ENTERPRISE, "u", scope=make.uscc_a),
    ).case
    return [*out, open_case, withdrawn]


def test_decision_times_per_product(cases):
    by_product = decision_times(cases, by=DecisionKey.PRODUCT)
    srdi = by_product["srdi-loan"]
    assert (srdi.decided, srdi.open) == (5, 1)
    assert srdi.p50 == timedelta(hours=3)
    assert srdi.p90 == timedelta(hours=4 + 0.6 * 6)
    assert by_product["business-value-credit"].p90 == timedelta(hours=6)


def test_decision_times_per_institution(cases):
    by_inst = decision_times(cases, by="institution")
    assert by_inst["demo-ccb"].decided == 6  # srdi-loan and business-value-credit
    assert by_inst["demo-rcb"].p50 == timedelta(hours=36)
    assert p50_by_institution(cases) == {"demo-ccb": timedelta(hours=3.5), "demo-rcb": timedelta(hours=36)}


def rec(demand_id, uscc, day, requested, **kw) -> FinancingRecord:
    return FinancingRecord(demand_id=demand_id, uscc=uscc, demand_date=day, requested_amount=D(requested), **kw)


@pytest.fixture
def records():
    return [
        # one demand pushed to two products: its 800 counts once per district, once per product
        rec("d1", "A", date(2025, 1, 15), "800", district_code="500113", tier="srdi_sme",
            product_code="srdi-loan", institution_code="demo-ccb", granted_amount=D("600"), disbursed_amount=D("600")),
        rec("d1", "A", date(2025, 1, 15), "800", district_code="500113", tier="srdi_sme",
            product_code="knowledge-value-credit", institution_code="demo-rcb"),
        rec("d2", "B", date(2025, 2, 3), "300", district_code="500113", tier="innovative_sme",
            product_code="business-value-credit", institution_code="demo-ccb", granted_amount=D("300")),
        rec("d3", "C", date(2025, 4, 20), "50", district_code="500114", tier=None),  # matched nothing
    ]  # fmt: skip


def test_aggregate_by_district_counts_each_demand_once(records):
    rows = {r.key: r for r in aggregate(records, by=[Dimension.DISTRICT])}
    bn = rows[("500113",)]
    assert (bn.enterprises, bn.enterprises_financed, bn.demands, bn.cases) == (2, 1, 2, 3)
    assert (bn.requested, bn.granted, bn.disbursed) == (D("1100"), D("900"), D("600"))
    qj = rows[("500114",)]
    assert (qj.demands, qj.cases, qj.requested, qj.granted) == (1, 0, D("50"), D("0"))


def test_aggregate_by_product_and_institution(records):
    by_product = {r.key: r for r in aggregate(records, by=["product"])}
    assert by_product[("srdi-loan",)].requested == D("800")
    assert by_product[("knowledge-value-credit",)].requested == D("800")
    assert by_product[(None,)].demands == 1
    assert [r.key for r in aggregate(records, by=["product"])][-1] == (None,)  # None sorts last
    by_inst = {r.key: r for r in aggregate(records, by=[Dimension.INSTITUTION])}
    assert by_inst[("demo-ccb",)].granted == D("900")


def test_aggregate_by_tier_and_quarter(records):
    rows = aggregate(records, by=["tier", "period"], granularity=Granularity.QUARTER)
    keys = [r.key for r in rows]
    assert keys == [("innovative_sme", "2025Q1"), ("srdi_sme", "2025Q1"), (None, "2025Q2")]
    months = {r.key for r in aggregate(records, by=["period"])}
    assert months == {("2025-01",), ("2025-02",), ("2025-04",)}


def test_period_keys_and_record_of(make, catalogue):
    assert period_key(date(2025, 12, 31), "quarter") == "2025Q4"
    assert period_key(date(2025, 3, 1), "year") == "2025"
    case = wf.push(make.demand(), catalogue.product("srdi-loan"), at=T0, actor=SYSTEM).case
    r = record_of(case, demand_date=date(2025, 6, 2), district_code="500113", tier="srdi_sme")
    assert (r.product_code, r.institution_code, r.requested_amount, r.granted_amount) == (
        "srdi-loan",
        "demo-ccb",
        D("800"),
        None,
    )
