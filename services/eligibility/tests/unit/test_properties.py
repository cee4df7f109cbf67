"""Monotonicity of the packaged rule sets (the real YAMLs under tidu_eligibility/rulesets): for
every rule set, on generated firms, holding every other input fixed,

* raising R&D expense (this year's, hence the R&D ratio and the R&D sums) never lowers the score
  (its least and its most points) and never turns a verdict from eligible to not eligible;
* raising R&D staff never does either;
* lowering total liabilities (hence the debt ratio) never does either.

Verdicts are ordered not eligible < undetermined < eligible."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.result import Assessment, Result
from tidu_eligibility.domain.ruleset_loader import load_rulesets

ENGINE = Engine(load_rulesets())
# Each rule set on a day it is in force, with the data year before it.
RULESETS = {
    "innovative-2022": date(2025, 6, 1),
    "srdi-2022": date(2025, 6, 1),
    "little-giant-2022": date(2025, 6, 1),
    "srdi-2026": date(2026, 6, 1),
    "little-giant-2026": date(2026, 6, 1),
    "pool-qianjiang-2022": date(2025, 6, 1),
    "size-2011": date(2025, 6, 1),
}
RANK = {Result.NOT_ELIGIBLE: 0, Result.UNDETERMINED: 1, Result.ELIGIBLE: 2}


def _pct(lo: int, hi: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=lo, max_value=hi).map(lambda v: Decimal(v) / 100)


QUALIFIED = [
    {"kind": kind, "level": "provincial", "granted_on": "2024-01-01", "expires_on": "2027-12-31"}
    for kind in ("innovative_sme", "srdi_sme")
]


@st.composite
def firms(draw: st.DrawFn, data_year: int) -> dict[str, Any]:
    """A firm with every input the rule sets read, around their thresholds: revenue 5百万-3亿 元
    (万元 500-30000), R&D 0-12% of it, debt 10-95% of assets, growth -10%..+30% a year, holding
    创新型 and 专精特新 qualifications (or not)."""
    revenue = Decimal(draw(st.integers(min_value=500, max_value=30_000)))
    assets = Decimal(draw(st.integers(min_value=500, max_value=40_000)))
    employees = draw(st.integers(min_value=5, max_value=1200))
    years: dict[int, dict[str, Any]] = {}
    for offset in range(3):
        this = revenue / (1 + draw(_pct(-10, 30))) ** offset
        years[data_year - offset] = {
            "operating_revenue": str(this.quantize(Decimal("0.01"))),
            "main_business_revenue": str((this * draw(_pct(50, 100))).quantize(Decimal("0.01"))),
            "rd_expense": str((this * draw(_pct(0, 12))).quantize(Decimal("0.01"))),
            "equity_financing": str(draw(st.sampled_from([0, 0, 500, 3000]))),
            "development_score": str(draw(st.integers(min_value=40, max_value=100))),
        }
    years[data_year].update(
        {
            "total_assets": str(assets),
            "total_liabilities": str((assets * draw(_pct(10, 95))).quantize(Decimal("0.01"))),
            "employees": employees,
            "rd_staff": draw(st.integers(min_value=0, max_value=employees // 2)),
            "net_profit": str((revenue * draw(_pct(-5, 20))).quantize(Decimal("0.01"))),
            "ip_class_i": draw(st.integers(min_value=0, max_value=6)),
            "ip_class_i_self_developed": draw(st.integers(min_value=0, max_value=6)),
            "ip_class_i_high_value": draw(st.integers(min_value=0, max_value=2)),
            "ip_class_ii": draw(st.integers(min_value=0, max_value=15)),
            "digital_level": draw(st.integers(min_value=1, max_value=4)),
            "quality_cert": draw(st.booleans()),
            "quality_award_provincial": draw(st.booleans()),
            "standards_drafted": draw(st.booleans()),
            "foreign_product_cert": draw(st.booleans()),
            "rd_institution_level": draw(st.sampled_from(["none", "city", "provincial", "national"])),
            "market_share_pct": str(draw(st.integers(min_value=0, max_value=60))),
            "market_rank_domestic": draw(st.integers(min_value=1, max_value=30)),
            "srdi_local_score": draw(st.integers(min_value=0, max_value=10)),
        }
    )
    return {
        "enterprise": {
            "industry_code": draw(st.sampled_from(["C3825", "C3983", "I6510"])),
            "district_code": "500114",  # 黔江区: the district rule set applies too
            "established_on": draw(st.sampled_from(["2008-05-01", "2020-03-01", "2023-09-01"])),
            "independent_legal_person": True,
            "niche_market_since": draw(st.sampled_from(["2010-01-01", "2019-06-01", "2022-03-01"])),
            "own_brand": draw(st.booleans()),
            "main_product": {
                "key_chain_link": draw(st.booleans()),
                "six_foundations": draw(st.booleans()),
                "strategic_emerging": draw(st.booleans()),
            },
        },
        "years": years,
        "qualifications": QUALIFIED if draw(st.integers(0, 3)) else [],
    }


def _evaluate(ruleset_id: str, inputs: dict[str, Any]) -> Assessment:
    return ENGINE.evaluate(ruleset_id, RULESETS[ruleset_id], None, inputs, explain=False)


def _with(inputs: dict[str, Any], year: int, field: str, value: Any) -> dict[str, Any]:
    years = {y: dict(v) for y, v in inputs["years"].items()}
    years[year][field] = value
    return {**inputs, "years": years}


def _not_worse(before: Assessment, after: Assessment) -> None:
    assert RANK[after.result] >= RANK[before.result], (before.result, after.result)
    if before.score is not None:
        assert after.score is not None
        assert after.score.points_min >= before.score.points_min
        assert after.score.points_max >= before.score.points_max


def _data_year(ruleset_id: str) -> int:
    return RULESETS[ruleset_id].year - 1


property_settings = settings(max_examples=30, deadline=None)


@pytest.mark.parametrize("ruleset_id", sorted(RULESETS))
@property_settings
@given(data=st.data(), more=st.integers(min_value=1, max_value=100_000).map(lambda v: Decimal(v) / 10))
def test_raising_rd_expense_never_lowers_the_score_or_the_verdict(
    ruleset_id: str, data: st.DataObject, more: Decimal
) -> None:
    year = _data_year(ruleset_id)
    firm = data.draw(firms(year))
    raised = _with(firm, year, "rd_expense", str(Decimal(firm["years"][year]["rd_expense"]) + more))
    _not_worse(_evaluate(ruleset_id, firm), _evaluate(ruleset_id, raised))


@pytest.mark.parametrize("ruleset_id", sorted(RULESETS))
@property_settings
@given(data=st.data(), more=st.integers(min_value=1, max_value=300))
def test_raising_rd_staff_never_lowers_the_score_or_the_verdict(
    ruleset_id: str, data: st.DataObject, more: int
) -> None:
    year = _data_year(ruleset_id)
    firm = data.draw(firms(year))
    staff = firm["years"][year]["rd_staff"]
    employees = firm["years"][year]["employees"]
    raised = _with(firm, year, "rd_staff", min(staff + more, employees))
    _not_worse(_evaluate(ruleset_id, firm), _evaluate(ruleset_id, raised))


@pytest.mark.parametrize("ruleset_id", sorted(RULESETS))
@property_settings
@given(data=st.data(), share=st.integers(min_value=0, max_value=99))
def test_lowering_debt_never_lowers_the_score_or_the_verdict(ruleset_id: str, data: st.DataObject, share: int) -> None:
    year = _data_year(ruleset_id)
    firm = data.draw(firms(year))
    liabilities = Decimal(firm["years"][year]["total_liabilities"])
    lowered = _with(firm, year, "total_liabilities", str(liabilities * share / 100))
    _not_worse(_evaluate(ruleset_id, firm), _evaluate(ruleset_id, lowered))
