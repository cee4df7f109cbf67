"""srdi-2026 (工信部企业〔2026〕2号), domain-rules §8."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2025"
P = "years.2024"
AS_OF = date(2026, 6, 1)


def _a(run: Run, firm: dict) -> Any:
    return run("srdi", firm, as_of=AS_OF)


def test_base_firm_is_eligible(run: Run, srdi26_firm: dict, line: Callable[..., Any]) -> None:
    a = _a(run, srdi26_firm)
    assert (a.ruleset.id, a.year, a.result.value, a.missing) == ("srdi-2026", 2025, "eligible", ())
    market = line(a, "market")
    assert (market.kind, market.passed) == ("info", None)


def test_worked_example_3_needs_the_prerequisite_not_a_number(
    run: Run, srdi26_firm: dict, tweak: Callable[..., dict]
) -> None:
    a = _a(run, tweak(srdi26_firm, {"qualifications": []}))
    assert a.result.value == "not_eligible"
    assert [g.kind for g in a.gaps] == ["prerequisite"]
    assert a.gaps[0].qualifications == ("innovative_sme", "tech_sme")
    assert a.gaps[0].options == () and a.gaps[0].all_of == ()
    assert "科技型中小企业" in a.gaps[0].message_zh


def test_tech_sme_meets_the_prerequisite(run: Run, srdi26_firm: dict, tweak: Callable[..., dict]) -> None:
    firm = tweak(
        srdi26_firm, {"qualifications": [{"kind": "tech_sme", "granted_on": "2026-01-01", "expires_on": "2026-12-31"}]}
    )
    assert _a(run, firm).result.value == "eligible"


@pytest.mark.parametrize(
    ("changes", "key", "passed"),
    [
        ({"enterprise.niche_market_since": "2023-01-01"}, "niche", True),
        ({"enterprise.niche_market_since": "2023-01-02"}, "niche", False),
        (
            {f"{Y}.operating_revenue": "1500", f"{Y}.main_business_revenue": "1500", f"{Y}.rd_expense": "100"},
            "revenue",
            True,
        ),
        (
            {f"{Y}.operating_revenue": "1499.99", f"{Y}.main_business_revenue": "1499.99", f"{Y}.rd_expense": "100"},
            "revenue",
            False,
        ),
        (
            {
                f"{Y}.operating_revenue": "1499.99",
                f"{Y}.main_business_revenue": "1499.99",
                f"{Y}.rd_expense": "100",
                f"{Y}.equity_financing": "1000",
                f"{P}.equity_financing": "1000",
            },
            "revenue",
            True,
        ),
        (
            {
                f"{Y}.operating_revenue": "1499.99",
                f"{Y}.main_business_revenue": "1499.99",
                f"{Y}.rd_expense": "100",
                f"{Y}.equity_financing": "1000",
                f"{P}.equity_financing": "999.99",
            },
            "revenue",
            False,
        ),
        ({f"{Y}.main_business_revenue": "2400"}, "share", True),
        ({f"{Y}.main_business_revenue": "2399.99"}, "share", False),
        ({f"{Y}.total_liabilities": "1600"}, "debt", True),
        ({f"{Y}.total_liabilities": "1600.01"}, "debt", False),
        ({f"{Y}.rd_expense": "100", f"{Y}.operating_revenue": "3000"}, "rd", True),
        ({f"{Y}.rd_expense": "99.99"}, "rd", False),
        ({f"{Y}.rd_expense": "90", f"{Y}.operating_revenue": "3000"}, "rd", False),
        ({f"{P}.rd_expense": "100"}, "rd", True),
        ({f"{P}.rd_expense": "99.99"}, "rd", False),
        ({f"{P}.operating_revenue": "4000", f"{P}.rd_expense": "120"}, "rd", True),
        ({f"{P}.operating_revenue": "4000.01", f"{P}.rd_expense": "120"}, "rd", False),
        ({f"{Y}.ip_class_i": 1}, "ip", True),
        ({f"{Y}.ip_class_i": 0}, "ip", False),
        ({f"{Y}.ip_class_i": 0, f"{Y}.rd_institution_level": "provincial"}, "ip", True),
        (
            {f"{Y}.ip_class_i": 0, "awards": [{"kind": "st_award", "level": "provincial", "rank": 3, "year": 2023}]},
            "ip",
            True,
        ),
        (
            {f"{Y}.ip_class_i": 0, "awards": [{"kind": "st_award", "level": "national", "rank": 4, "year": 2025}]},
            "ip",
            False,
        ),
        ({f"{Y}.development_score": "50"}, "development_score", True),
        ({f"{Y}.development_score": "49.99"}, "development_score", False),
    ],
)
def test_conditions_at_their_boundaries(
    run: Run,
    srdi26_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    changes: dict,
    key: str,
    passed: bool,
) -> None:
    a = _a(run, tweak(srdi26_firm, changes))
    assert line(a, key).passed is passed
    assert a.result.value == ("eligible" if passed else "not_eligible")


def test_market_position_is_recorded_not_checked(
    run: Run, srdi26_firm: dict, tweak: Callable[..., dict], delete: object
) -> None:
    a = _a(run, tweak(srdi26_firm, {f"{Y}.market_share_pct": delete, f"{Y}.market_rank_domestic": delete}))
    assert (a.result.value, a.missing) == ("eligible", ())
