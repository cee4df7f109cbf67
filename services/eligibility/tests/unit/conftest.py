"""Shared fixtures of the eligibility unit tests: the engine over the packaged rule sets, base firms
that pass each rule set, and small helpers to change one input and read a trace line.

Test modules do not import each other (pytest runs with --import-mode=importlib): everything shared
is a fixture here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.result import Assessment, TraceLine
from tidu_eligibility.domain.ruleset_loader import load_rulesets

Data = dict[str, Any]


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_rulesets())


@pytest.fixture(scope="session")
def run(engine: Engine) -> Callable[..., Assessment]:
    """run(target, inputs, as_of=..., year=None, review=False, explain=True)."""

    def _run(
        target: str,
        inputs: Data,
        as_of: date = date(2025, 6, 1),
        year: int | None = None,
        review: bool = False,
        explain: bool = True,
    ) -> Assessment:
        return engine.evaluate(target, as_of, year, inputs, review=review, explain=explain)

    return _run


def _set(data: Data, path: str, value: Any) -> Data:
    """A deep copy with the dotted path set ("years.2024.rd_expense"); value DELETE removes it."""
    result = copy.deepcopy(data)
    node: Any = result
    parts = path.split(".")
    for part in parts[:-1]:
        key: Any = int(part) if part.isdigit() and isinstance(node, dict) and int(part) in node else part
        node = node.setdefault(key, {})
    last: Any = int(parts[-1]) if parts[-1].isdigit() and int(parts[-1]) in node else parts[-1]
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return result


DELETE = object()


@pytest.fixture(scope="session")
def tweak() -> Callable[..., Data]:
    """tweak(inputs, {"years.2024.rd_expense": "149.99", ...}) -> changed deep copy."""

    def _tweak(data: Data, changes: dict[str, Any]) -> Data:
        for path, value in changes.items():
            data = _set(data, path, value)
        return data

    return _tweak


@pytest.fixture(scope="session")
def delete() -> object:
    return DELETE


@pytest.fixture(scope="session")
def line() -> Callable[[Assessment, str], TraceLine]:
    """The first trace line with a key."""

    def _line(assessment: Assessment, key: str) -> TraceLine:
        for trace_line in assessment.trace:
            if trace_line.key == key:
                return trace_line
        raise AssertionError(f"no trace line {key!r} in {[t.key for t in assessment.trace]}")

    return _line


# --- base firms: each passes its rule set with known points -------------------------------------------


@pytest.fixture
def innovative_firm() -> Data:
    """domain-rules §12 example 2 (data year 2024): score 90, no direct condition."""
    return {
        "enterprise": {"industry_code": "C3825", "main_product": {"strategic_emerging": True}},
        "years": {
            2024: {
                "operating_revenue": "3000",
                "main_business_revenue": "2400",
                "rd_expense": "120",
                "total_assets": "1000",
                "total_liabilities": "300",
                "ip_class_i": 2,
                "ip_class_i_self_developed": 2,
                "ip_class_i_high_value": 0,
                "ip_class_ii": 0,
                "rd_institution_level": "none",
                "equity_financing": "0",
            },
            2023: {"main_business_revenue": "2000", "equity_financing": "0"},
            2022: {"equity_financing": "0"},
        },
    }


@pytest.fixture
def srdi22_firm() -> Data:
    """Passes srdi-2022 (data year 2024) with score 72 = 20 + 23 + 10 + 19, no alternative."""
    return {
        "enterprise": {
            "industry_code": "C3825",
            "niche_market_since": "2016-01-01",
            "own_brand": True,
            "main_product": {"key_chain_link": True},
        },
        "years": {
            2024: {
                "operating_revenue": "5000",
                "main_business_revenue": "4500",
                "rd_expense": "250",
                "employees": "100",
                "rd_staff": "15",
                "net_profit": "400",
                "total_assets": "4000",
                "total_liabilities": "2000",
                "digital_level": 3,
                "quality_cert": True,
                "quality_award_provincial": False,
                "standards_drafted": False,
                "ip_class_i_high_value": 0,
                "ip_class_i_self_developed": 1,
                "ip_class_i": 1,
                "ip_class_ii": 3,
                "rd_institution_level": "city",
                "srdi_local_score": 10,
                "equity_financing": "0",
            },
            2023: {
                "operating_revenue": "4000",
                "main_business_revenue": "4000",
                "rd_expense": "200",
                "equity_financing": "0",
            },
            2022: {"main_business_revenue": "4000"},
        },
    }


@pytest.fixture
def lg22_firm() -> Data:
    """Passes little-giant-2022 (data year 2024, revenue bracket ≥ 1亿)."""
    return {
        "enterprise": {
            "industry_code": "C3825",
            "niche_market_since": "2015-01-01",
            "own_brand": True,
            "main_product": {"key_chain_link": True, "six_foundations": False},
        },
        "years": {
            2024: {
                "operating_revenue": "20000",
                "main_business_revenue": "18000",
                "rd_expense": "800",
                "total_assets": "10000",
                "total_liabilities": "5000",
                "quality_cert": True,
                "foreign_product_cert": False,
                "digital_level": 3,
                "market_share_pct": "15",
                "rd_institution_level": "provincial",
                "ip_class_i": 3,
                "employees": "200",
                "rd_staff": "40",
                "equity_financing": "0",
            },
            2023: {
                "operating_revenue": "18000",
                "main_business_revenue": "16000",
                "rd_expense": "600",
                "equity_financing": "0",
            },
            2022: {"main_business_revenue": "15000"},
        },
        "qualifications": [
            {"kind": "srdi_sme", "level": "provincial", "granted_on": "2023-01-01", "expires_on": "2025-12-31"}
        ],
    }


@pytest.fixture
def srdi26_firm() -> Data:
    """Passes srdi-2026 (as of 2026-06-01, data year 2025)."""
    return {
        "enterprise": {"industry_code": "C3825", "niche_market_since": "2018-01-01"},
        "years": {
            2025: {
                "operating_revenue": "3000",
                "main_business_revenue": "2700",
                "rd_expense": "150",
                "total_assets": "2000",
                "total_liabilities": "1000",
                "ip_class_i": 2,
                "rd_institution_level": "city",
                "equity_financing": "0",
                "development_score": "70",
                "market_share_pct": "5",
                "market_rank_domestic": 8,
            },
            2024: {"operating_revenue": "2500", "rd_expense": "120", "equity_financing": "0"},
        },
        "qualifications": [
            {"kind": "innovative_sme", "level": "provincial", "granted_on": "2025-03-01", "expires_on": "2028-02-29"}
        ],
    }


@pytest.fixture
def lg26_firm() -> Data:
    """Passes little-giant-2026 (as of 2026-06-01, data year 2025); compound growth exactly 5%."""
    return {
        "enterprise": {
            "industry_code": "C3825",
            "niche_market_since": "2018-01-01",
            "main_product": {"six_foundations": True, "key_chain_link": False},
        },
        "years": {
            2025: {
                "operating_revenue": "5512.5",
                "main_business_revenue": "5000",
                "rd_expense": "700",
                "total_assets": "4000",
                "total_liabilities": "3000",
                "ip_class_i_self_developed": 4,
                "market_share_pct": "10",
                "market_rank_domestic": 5,
                "development_score": "60",
            },
            2024: {"operating_revenue": "5200", "rd_expense": "500", "development_score": "55"},
            2023: {"operating_revenue": "5000"},
        },
        "qualifications": [
            {"kind": "srdi_sme", "level": "provincial", "granted_on": "2024-01-01", "expires_on": "2026-12-31"}
        ],
    }


@pytest.fixture
def pool_firm() -> Data:
    """domain-rules §12 example 4: 黔江区, data year 2023, as of 2024-06-01, registered 3 years."""
    return {
        "enterprise": {
            "industry_code": "C3825",
            "district_code": "500114",
            "established_on": "2021-06-01",
            "independent_legal_person": True,
        },
        "years": {
            2023: {
                "operating_revenue": "2500",
                "rd_expense": "62.5",
                "total_assets": "1000",
                "total_liabilities": "600",
                "net_profit": "102",
                "employees": "50",
            },
            2022: {"operating_revenue": "2430", "net_profit": "100"},
            2021: {"operating_revenue": "2360", "net_profit": "100"},
        },
    }
