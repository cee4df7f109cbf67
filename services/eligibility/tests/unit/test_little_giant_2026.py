"""little-giant-2026 (工信部企业〔2026〕2号), domain-rules §8, with its re-review (复核) variant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2025"
P = "years.2024"
AS_OF = date(2026, 6, 1)


def _a(run: Run, firm: dict, review: bool = False) -> Any:
    return run("little_giant", firm, as_of=AS_OF, review=review)


def test_base_firm_is_eligible_with_growth_exactly_5_percent(
    run: Run, lg26_firm: dict, line: Callable[..., Any]
) -> None:
    a = _a(run, lg26_firm)
    assert (a.ruleset.id, a.result.value, a.missing) == ("little-giant-2026", "eligible", ())
    growth = line(a, "growth")
    assert (str(growth.value), growth.passed) == ("0.05", True)


@pytest.mark.parametrize(
    ("changes", "key", "passed"),
    [
        ({f"{Y}.operating_revenue": "5512.49"}, "growth", False),
        ({"years.2023.operating_revenue": "5000.01"}, "growth", False),
        ({"enterprise.niche_market_since": "2023-01-01"}, "niche", True),
        ({"enterprise.niche_market_since": "2023-01-02"}, "niche", False),
        ({f"{Y}.operating_revenue": "5000", "years.2023.operating_revenue": "4000"}, "revenue", True),
        ({f"{Y}.operating_revenue": "4999.99", "years.2023.operating_revenue": "4000"}, "revenue", False),
        ({f"{Y}.main_business_revenue": "4961.25"}, "share", True),
        ({f"{Y}.main_business_revenue": "4961.24"}, "share", False),
        ({f"{Y}.total_liabilities": "3000.01"}, "debt", False),
        ({f"{Y}.rd_expense": "699.99"}, "rd", False),
        ({f"{P}.rd_expense": "156", f"{Y}.rd_expense": "1044"}, "rd", True),
        ({f"{P}.rd_expense": "155.99", f"{Y}.rd_expense": "1044.01"}, "rd", False),
        ({f"{Y}.ip_class_i_self_developed": 3}, "ip", False),
        (
            {
                f"{Y}.ip_class_i_self_developed": 3,
                "awards": [{"kind": "st_award", "level": "national", "rank": 3, "year": 2023}],
            },
            "ip",
            True,
        ),
        (
            {
                f"{Y}.ip_class_i_self_developed": 3,
                "awards": [{"kind": "st_award", "level": "provincial", "rank": 1, "year": 2024}],
            },
            "ip",
            False,
        ),
        ({f"{Y}.market_share_pct": "9.99"}, "market", False),
        ({f"{Y}.market_share_pct": "9.99", f"{Y}.market_rank_domestic": 3}, "market", True),
        ({f"{Y}.market_share_pct": "9.99", f"{Y}.market_rank_domestic": 4}, "market", False),
        ({"enterprise.main_product": {"six_foundations": False, "key_chain_link": True}}, "field", True),
        ({"enterprise.main_product": {"six_foundations": False, "key_chain_link": False}}, "field", False),
        ({f"{Y}.development_score": "59.99"}, "development_score", False),
    ],
)
def test_conditions_at_their_boundaries(
    run: Run,
    lg26_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    changes: dict,
    key: str,
    passed: bool,
) -> None:
    a = _a(run, tweak(lg26_firm, changes))
    assert line(a, key).passed is passed
    assert a.result.value == ("eligible" if passed else "not_eligible")


def test_review_skips_growth(run: Run, lg26_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(lg26_firm, {"years.2023.operating_revenue": "6000"})
    assert _a(run, firm).result.value == "not_eligible"
    reviewed = _a(run, firm, review=True)
    assert reviewed.result.value == "eligible"
    assert all(t.key != "growth" for t in reviewed.trace)


@pytest.mark.parametrize(
    ("this_year", "last_year", "eligible"), [("59", "60", True), ("60", "10", True), ("59.99", "59.99", False)]
)
def test_review_accepts_the_development_score_of_either_year(
    run: Run, lg26_firm: dict, tweak: Callable[..., dict], this_year: str, last_year: str, eligible: bool
) -> None:
    firm = tweak(lg26_firm, {f"{Y}.development_score": this_year, f"{P}.development_score": last_year})
    assert _a(run, firm, review=True).result.value == ("eligible" if eligible else "not_eligible")
    assert _a(run, firm).result.value == ("eligible" if this_year == "60" else "not_eligible")
