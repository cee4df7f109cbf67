"""Property: a decision made with missing inputs is never contradicted by filling them in.

For random firms: evaluate with every input, then with a random subset removed. Whenever the partial
evaluation answers eligible or not_eligible, the full one gives the same answer (domain-rules §2:
undetermined is the only answer allowed to change when data arrives). A firm with every input is
decided unless a denominator is zero.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.ruleset_loader import load_rulesets

ENGINE = Engine(load_rulesets())
TARGETS = [
    ("size-2011", date(2025, 6, 1)),
    ("innovative-2022", date(2025, 6, 1)),
    ("srdi-2022", date(2025, 6, 1)),
    ("little-giant-2022", date(2025, 6, 1)),
    ("srdi-2026", date(2026, 6, 1)),
    ("little-giant-2026", date(2026, 6, 1)),
    ("pool-qianjiang-2022", date(2025, 6, 1)),
]
MONEY = st.one_of(
    st.sampled_from([0, 50, 100, 300, 500, 1000, 1200, 1500, 2000, 3000, 5000, 6000, 8000, 10000, 20000, 40000]),
    st.integers(min_value=1, max_value=30000),
)
POSITIVE = st.one_of(st.sampled_from([100, 1000, 2000, 5000, 10000]), st.integers(min_value=1, max_value=30000))
FLAG = st.booleans()
YEAR_ROW = st.fixed_dictionaries(
    {
        "employees": st.integers(min_value=1, max_value=2500),
        "rd_staff": st.integers(min_value=0, max_value=500),
        "operating_revenue": POSITIVE,
        "main_business_revenue": MONEY,
        "net_profit": st.integers(min_value=-2000, max_value=5000),
        "total_assets": POSITIVE,
        "total_liabilities": MONEY,
        "rd_expense": MONEY,
        "equity_financing": MONEY,
        "ip_class_i": st.integers(min_value=0, max_value=5),
        "ip_class_i_self_developed": st.integers(min_value=0, max_value=5),
        "ip_class_i_high_value": st.integers(min_value=0, max_value=2),
        "ip_class_ii": st.integers(min_value=0, max_value=3),
        "digital_level": st.integers(min_value=0, max_value=4),
        "quality_cert": FLAG,
        "quality_award_provincial": FLAG,
        "standards_drafted": FLAG,
        "foreign_product_cert": FLAG,
        "rd_institution_level": st.sampled_from(["none", "below_city", "city", "provincial", "national"]),
        "market_share_pct": st.integers(min_value=0, max_value=30),
        "market_rank_domestic": st.integers(min_value=1, max_value=10),
        "development_score": st.integers(min_value=30, max_value=90),
        "srdi_local_score": st.integers(min_value=0, max_value=15),
    }
)
FIRM = st.fixed_dictionaries(
    {
        "enterprise": st.fixed_dictionaries(
            {
                "industry_code": st.sampled_from(["C3825", "I6510", "F5131", "M7310", "G5311"]),
                "district_code": st.sampled_from(["500114", "500113"]),
                "established_on": st.dates(min_value=date(2015, 1, 1), max_value=date(2024, 12, 31)),
                "independent_legal_person": FLAG,
                "niche_market_since": st.dates(min_value=date(2012, 1, 1), max_value=date(2024, 12, 31)),
                "own_brand": FLAG,
                "main_product": st.fixed_dictionaries(
                    {
                        "strategic_emerging": FLAG,
                        "six_foundations": FLAG,
                        "key_chain_link": FLAG,
                        "supplies_chain_leader": FLAG,
                    }
                ),
            }
        ),
        "years": st.fixed_dictionaries({2024: YEAR_ROW, 2023: YEAR_ROW, 2022: YEAR_ROW}),
        "qualifications": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["srdi_sme", "innovative_sme", "tech_sme", "high_tech"]),
                    "level": st.sampled_from(["provincial", "city", "national"]),
                    "granted_on": st.just(date(2023, 1, 1)),
                    "expires_on": st.just(date(2026, 12, 31)),
                }
            ),
            max_size=2,
        ),
        "awards": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.just("st_award"),
                    "level": st.sampled_from(["national", "provincial"]),
                    "rank": st.integers(min_value=1, max_value=8),
                    "year": st.integers(min_value=2020, max_value=2024),
                }
            ),
            max_size=1,
        ),
    }
)


def _paths(firm: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [("enterprise", k) for k in firm["enterprise"] if k != "main_product"]
    paths += [("enterprise", "main_product", k) for k in firm["enterprise"]["main_product"]]
    paths += [("years", y, k) for y, row in firm["years"].items() for k in row]  # type: ignore[misc]
    return paths


def _without(firm: dict[str, Any], removed: list[tuple[Any, ...]]) -> dict[str, Any]:
    result = copy.deepcopy(firm)
    for path in removed:
        node = result
        for part in path[:-1]:
            node = node[part]
        node.pop(path[-1], None)
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(firm=FIRM, data=st.data())
def test_a_decision_with_missing_inputs_stands_when_they_arrive(firm: dict[str, Any], data: st.DataObject) -> None:
    paths = _paths(firm)
    removed = data.draw(st.lists(st.sampled_from(paths), max_size=8, unique=True))
    partial_firm = _without(firm, removed)
    for target, as_of in TARGETS:
        full = ENGINE.evaluate(target, as_of, 2024, firm, explain=False)
        partial = ENGINE.evaluate(target, as_of, 2024, partial_firm, explain=False)
        if partial.result.value != "undetermined":
            assert partial.result == full.result, (target, removed)
        if full.result.value == "undetermined" and target != "size-2011":
            assert full.missing == (), (target, full.missing)
