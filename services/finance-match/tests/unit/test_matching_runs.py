"""One matching run over many products: every product gets the results of its own gates, in gate
order, whichever way the products are passed, however often the same catalogue is matched.

The run evaluates each distinct (gate, threshold) once and reads each product's results by its
check keys (domain/matching.py); these tests hold it to the plain product-by-product reading."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tidu_finance_match.domain import gates as g
from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.enterprise import EnterpriseFacts, enterprise_facts
from tidu_finance_match.domain.gates import FAIL, PASS, UNKNOWN, GateResult, Gates
from tidu_finance_match.domain.matching import MatchOutcome, MatchStatus, match_facts
from tidu_finance_match.domain.vocabulary import ProductKind, Purpose

D = Decimal
AS_OF = date(2025, 6, 1)


def varied(catalogue: Any, n: int, seed: int = 5) -> tuple[Product, ...]:
    """``n`` products: the demo products with thresholds varied, some equal, one written two ways."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        p = rng.choice(catalogue.products)
        gates = dataclasses.replace(
            p.gates,
            min_operating_revenue=rng.choice([None, D("500"), D("500.0"), D("4200"), D("5000")]),
            max_debt_ratio_pct=rng.choice([None, D("40"), D("52"), D("70")]),
            min_years_established=rng.choice([None, 3, 12]),
            region_prefix=rng.choice([(), ("50",), ("500114",)]),
            size_class_any=rng.choice([(), ("small", "medium"), ("micro",)]),
        )
        out.append(dataclasses.replace(p, code=f"{p.code}-{i}", gates=gates))
    return tuple(out)


def product_by_product(products: tuple[Product, ...], facts: EnterpriseFacts, demand: Demand) -> list[str]:
    """The plain reading: each product in order, each check evaluated on first use and shared by
    key, ``None`` (a gate that does not apply) not listed. One line per product."""
    shared: dict[int, GateResult | None] = {}
    lines = []
    for p in products:
        results = []
        for fn, param, key in p.checks:
            if key not in shared:
                shared[key] = fn(param, facts, demand)
            if shared[key] is not None:
                results.append(shared[key])
        statuses = {r.status for r in results}
        status = "not_matched" if FAIL in statuses else "needs_data" if UNKNOWN in statuses else "matched"
        lines.append(f"{p.code} {status} {tuple(results)!r}")
    return lines


def run_lines(out: MatchOutcome) -> list[str]:
    lines = [f"{m.product_code} matched {m.reasons!r}" for m in out.matched]
    lines += [f"{m.product_code} {m.status} {m.results!r}" for m in (*out.needs_data, *out.not_matched)]
    return lines


DEMANDS: list[dict[str, Any]] = [
    {},
    {"product_kinds": {"loan", "guarantee"}},
    {"amount": D("30"), "has_existing_loan": None, "collateral_offered": {"mortgage"}},
    {"purpose": Purpose.EQUITY_GROWTH, "term_months": None, "product_kinds": {"equity_fund"}},
]
SNAPSHOTS: list[dict[str, Any]] = [
    {},
    {"district_code": None, "indicators": None, "credit": None, "assessments": ()},
    {"district_code": "500114", "established_on": date(2024, 1, 1), "qualifications": ()},
]


@pytest.mark.parametrize("demand_kw", DEMANDS)
@pytest.mark.parametrize("snapshot_kw", SNAPSHOTS)
def test_each_product_gets_the_results_of_its_own_gates_in_order(make, catalogue, demand_kw, snapshot_kw):
    products = varied(catalogue, 300)
    demand = make.demand(**demand_kw)
    facts = enterprise_facts(make.snapshot(**snapshot_kw), AS_OF)
    out = match_facts(demand, facts, products)
    assert sorted(run_lines(out)) == sorted(product_by_product(products, facts, demand))
    order = {p.code: i for i, p in enumerate(products)}
    for misses in (out.needs_data, out.not_matched):
        assert [order[m.product_code] for m in misses] == sorted(order[m.product_code] for m in misses)
    assert all(r.status is PASS for m in out.matched for r in m.reasons)
    assert all(m.unknown and not m.failed and m.status is MatchStatus.NEEDS_DATA for m in out.needs_data)
    assert all(m.failed and m.status is MatchStatus.NOT_MATCHED for m in out.not_matched)


def test_the_same_products_match_the_same_however_they_are_passed(make, catalogue):
    products = varied(catalogue, 200, seed=9)
    demand, facts = make.demand(), enterprise_facts(make.snapshot(), AS_OF)
    first = match_facts(demand, facts, products)
    assert len(first.matched) + len(first.needs_data) + len(first.not_matched) == 200
    again = match_facts(demand, facts, products)  # the same tuple: its plan is kept
    as_list = match_facts(demand, facts, list(products))
    as_generator = match_facts(demand, facts, (p for p in products))
    copy = match_facts(demand, facts, tuple(list(products)))
    for other in (again, as_list, as_generator, copy):
        assert run_lines(other) == run_lines(first)
        assert [(m.rank, m.score, m.values) for m in other.matched] == [
            (m.rank, m.score, m.values) for m in first.matched
        ]


def test_many_catalogues_in_turn_each_match_as_product_by_product(make, catalogue):
    """A service reloading its catalogue matches new tuples of products; old ones are let go."""
    demand, facts = make.demand(product_kinds={"loan"}), enterprise_facts(make.snapshot(), AS_OF)
    tuples = [varied(catalogue, 40, seed=s) for s in range(12)]
    for _ in range(2):
        for products in tuples:
            out = match_facts(demand, facts, products)
            assert sorted(run_lines(out)) == sorted(product_by_product(products, facts, demand))


def test_products_with_the_same_threshold_share_one_result(make):
    a = make.product("a", gates=Gates(min_operating_revenue=D("4000")))
    b = make.product("b", gates=Gates(min_operating_revenue=D("4000")))
    c = make.product("c", gates=Gates(min_operating_revenue=D("5000")))
    out = match_facts(make.demand(), enterprise_facts(make.snapshot(), AS_OF), (a, b, c))
    revenue = {m.product_code: next(r for r in m.reasons if r.code == "min_operating_revenue") for m in out.matched}
    assert revenue["a"] is revenue["b"]
    [miss] = out.not_matched
    assert miss.product_code == "c" and miss.failed[0].required == D("5000") and miss.failed[0].actual == D("4200")


def test_equal_thresholds_written_differently_read_as_product_by_product(make):
    """500 and 500.0 are one (gate, threshold): evaluated once, for the first product that has it."""
    products = tuple(
        make.product(code, gates=Gates(min_operating_revenue=D(threshold)))
        for code, threshold in (("a", "500"), ("b", "500.0"), ("c", "500.00"))
    )
    demand, facts = make.demand(), enterprise_facts(make.snapshot(), AS_OF)
    for ordered in (products, products[::-1]):
        out = match_facts(demand, facts, ordered)
        assert sorted(run_lines(out)) == sorted(product_by_product(ordered, facts, demand))
        assert len({id(m.reasons[-1]) for m in out.matched}) == 1


def test_the_kind_gate_is_listed_only_when_the_demand_restricts_kinds(make, catalogue):
    facts = enterprise_facts(make.snapshot(), AS_OF)
    products = catalogue.products
    open_kinds = match_facts(make.demand(), facts, products)
    restricted = match_facts(make.demand(product_kinds={"loan"}), facts, products)
    assert not any(r.code == "product_kind" for m in open_kinds.matched for r in m.reasons)
    assert not any(r.code == "product_kind" for m in open_kinds.not_matched for r in m.results)
    for m in (*restricted.needs_data, *restricted.not_matched):
        [kind] = [r for r in m.results if r.code == "product_kind"]
        assert kind.status is (PASS if m.kind is ProductKind.LOAN else FAIL)
    assert all(m.kind is ProductKind.LOAN for m in restricted.matched)


def _never_applies(_: Any, facts: EnterpriseFacts, demand: Demand) -> GateResult | None:
    return None


def test_a_gate_that_does_not_apply_is_not_listed(make):
    """A gate returning None (does not apply to this demand) is left out of every list."""
    extra = g.make_check(_never_applies, "any")
    products = []
    for code, gates in (
        ("ok", Gates()),
        ("miss", Gates(min_operating_revenue=D("9000"))),
        ("unsure", Gates(size_class_any=("small",))),
    ):
        p = make.product(code, gates=gates)
        checks = (*p.checks, extra)
        object.__setattr__(p, "checks", checks)
        object.__setattr__(p, "check_keys", g.check_keys(checks))
        products.append(p)
    facts = enterprise_facts(make.snapshot(assessments=()), AS_OF)
    out = match_facts(make.demand(), facts, tuple(products))
    assert [m.product_code for m in out.matched] == ["ok"]
    assert [r.code for r in out.matched[0].reasons] == ["min_amount"]
    assert [m.product_code for m in out.not_matched] == ["miss"]
    assert [r.code for r in out.not_matched[0].results] == ["min_amount", "min_operating_revenue"]
    assert [m.product_code for m in out.needs_data] == ["unsure"]
    assert [r.code for r in out.needs_data[0].results] == ["min_amount", "size_class_any"]
    assert out.needs_data[0].missing == ("size_class",)
