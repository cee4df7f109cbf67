"""pool-qianjiang-2022 (黔江区 2022-2025 plan), domain-rules §9."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

Run = Callable[..., Any]
Y = "years.2023"
AS_OF = date(2024, 6, 1)


def _a(run: Run, firm: dict, target: str = "pool-qianjiang-2022") -> Any:
    return run(target, firm, as_of=AS_OF, year=2023)


def test_worked_example_4_two_of_three(run: Run, pool_firm: dict, line: Callable[..., Any]) -> None:
    a = _a(run, pool_firm, "pool")
    assert (a.ruleset.id, a.result.value, a.missing) == ("pool-qianjiang-2022", "eligible", ())
    assert line(a, "items.revenue").passed is True
    assert line(a, "items.growth.revenue").passed is False
    assert Decimal("0.029") < line(a, "items.growth.revenue").value < Decimal("0.03")  # "3%" in the example
    assert str(line(a, "items.growth.net_profit").value) == "0.01"
    assert line(a, "items.growth").passed is False
    assert (str(line(a, "items.debt").value), line(a, "items.debt").passed) == ("0.6", True)
    assert (str(line(a, "rd.ratio").value), line(a, "rd.ratio").passed) == ("0.025", True)
    assert line(a, "sme").value == "small"


@pytest.mark.parametrize(
    ("changes", "key", "passed"),
    [
        ({"enterprise.district_code": "500113"}, "registered", False),
        ({"enterprise.established_on": "2022-06-01"}, "registered", True),
        ({"enterprise.established_on": "2022-06-02"}, "registered", False),
        ({"enterprise.independent_legal_person": False}, "legal_person", False),
        ({f"{Y}.employees": "1000", f"{Y}.operating_revenue": "40000", f"{Y}.rd_expense": "1000"}, "sme", False),
        ({"enterprise.industry_code": "F5131"}, "scope", False),
        ({"enterprise.industry_code": "I6510"}, "scope", True),
        ({f"{Y}.rd_expense": "50"}, "rd", True),
        ({f"{Y}.rd_expense": "49.99"}, "rd", False),
        ({f"{Y}.operating_revenue": "1000", f"{Y}.rd_expense": "20"}, "rd", True),
        ({f"{Y}.operating_revenue": "999.99", f"{Y}.rd_expense": "20"}, "rd", False),
        ({f"{Y}.operating_revenue": "1999.99", f"{Y}.rd_expense": "40"}, "items", False),
        ({f"{Y}.total_liabilities": "800"}, "items", True),
        ({f"{Y}.total_liabilities": "800.01"}, "items", False),
        ({f"{Y}.net_profit": "110"}, "items.growth", True),
        ({f"{Y}.net_profit": "109.99"}, "items.growth", False),
    ],
)
def test_conditions_at_their_boundaries(
    run: Run,
    pool_firm: dict,
    tweak: Callable[..., dict],
    line: Callable[..., Any],
    changes: dict,
    key: str,
    passed: bool,
) -> None:
    a = _a(run, tweak(pool_firm, changes))
    assert line(a, key).passed is passed


def test_net_profit_from_a_loss_is_undetermined(
    run: Run, pool_firm: dict, tweak: Callable[..., dict], line: Callable[..., Any]
) -> None:
    a = _a(run, tweak(pool_firm, {"years.2022.net_profit": "-20"}))
    check = line(a, "items.growth.net_profit")
    assert (check.passed, check.value) == (None, None)
    assert "not positive" in check.note
    assert a.result.value == "eligible"  # revenue and debt already make 2 of 3


def test_tier_pool_only_for_the_district(engine: Any, pool_firm: dict, tweak: Callable[..., dict]) -> None:
    from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound

    with pytest.raises(RuleSetNotFound):
        engine.evaluate("pool", AS_OF, 2023, tweak(pool_firm, {"enterprise.district_code": "500113"}))
    with pytest.raises(RuleSetNotFound):
        engine.evaluate("pool", date(2026, 1, 1), 2024, pool_firm)
