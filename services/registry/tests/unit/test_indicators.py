"""Yearly indicators: types, units, every validation rule, and several violations at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.indicators import (
    INDICATOR_FIELDS,
    INDICATOR_SPECS,
    YearlyIndicators,
    check_indicators,
    indicators_from_record,
    parse_indicators,
)

IndicatorData = Callable[..., dict[str, Any]]
ESTABLISHED = date(2018, 4, 1)


def codes(data: dict[str, Any], today: date, established_on: date | None = ESTABLISHED) -> list[tuple[str, str]]:
    record, violations = check_indicators(data, established_on=established_on, today=today)
    assert record is None
    return [(v.field, v.code) for v in violations]


def test_a_full_year_is_parsed_with_money_as_decimals(indicator_data: IndicatorData, today: date) -> None:
    year = parse_indicators(indicator_data(), established_on=ESTABLISHED, today=today)
    assert year.year == 2024
    assert year.operating_revenue == Decimal("3000")
    assert year.net_profit == Decimal("180.5")
    assert isinstance(year.employees, int)
    assert year.rd_institution_level == "city"


def test_every_indicator_may_be_unreported(today: date) -> None:
    year = parse_indicators({"year": "2023"}, established_on=ESTABLISHED, today=today)
    assert year == YearlyIndicators(2023)
    assert all(getattr(year, name) is None for name in INDICATOR_FIELDS)


def test_the_field_list_matches_the_record_and_money_is_in_wanyuan() -> None:
    assert tuple(f.name for f in fields(YearlyIndicators))[1:] == INDICATOR_FIELDS
    money = {s.name for s in INDICATOR_SPECS if s.unit == "万元"}
    assert money == {
        "operating_revenue",
        "main_business_revenue",
        "net_profit",
        "total_assets",
        "total_liabilities",
        "rd_expense",
        "equity_financing",
    }


@pytest.mark.parametrize(
    "field",
    [
        "operating_revenue",
        "main_business_revenue",
        "total_assets",
        "total_liabilities",
        "rd_expense",
        "equity_financing",
        "employees",
        "rd_staff",
        "ip_class_i",
        "ip_class_ii",
    ],
)
def test_amounts_and_counts_cannot_be_negative(indicator_data: IndicatorData, today: date, field: str) -> None:
    data = indicator_data(**{field: "-1"})
    found = codes(data, today)
    assert (field, "negative_value") in found


def test_net_profit_may_be_negative(indicator_data: IndicatorData, today: date) -> None:
    assert parse_indicators(
        indicator_data(net_profit="-250.75"), established_on=ESTABLISHED, today=today
    ).net_profit == Decimal("-250.75")


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"rd_staff": 121}, ("rd_staff", "rd_staff_exceeds_employees")),
        ({"main_business_revenue": "3000.01"}, ("main_business_revenue", "main_business_exceeds_operating_revenue")),
        ({"rd_expense": "3000.5"}, ("rd_expense", "rd_expense_exceeds_revenue")),
        ({"ip_class_i_self_developed": 4}, ("ip_class_i_self_developed", "ip_part_exceeds_class_i")),
        ({"ip_class_i_high_value": 4}, ("ip_class_i_high_value", "ip_part_exceeds_class_i")),
        ({"year": 2026}, ("year", "year_in_future")),
        ({"year": 2017}, ("year", "year_before_establishment")),
        ({"year": None}, ("year", "required")),
        ({"year": "2024.5"}, ("year", "invalid_integer")),
        ({"digital_level": 5}, ("digital_level", "out_of_range")),
        ({"market_share_pct": "100.1"}, ("market_share_pct", "out_of_range")),
        ({"market_rank_domestic": 0}, ("market_rank_domestic", "below_minimum")),
        ({"development_score": "101"}, ("development_score", "out_of_range")),
        ({"srdi_local_score": "15.5"}, ("srdi_local_score", "out_of_range")),
        ({"rd_institution_level": "county"}, ("rd_institution_level", "invalid_choice")),
        ({"employees": "12.5"}, ("employees", "invalid_integer")),
        ({"operating_revenue": "3千"}, ("operating_revenue", "invalid_number")),
        ({"quality_cert": "maybe"}, ("quality_cert", "invalid_boolean")),
    ],
)
def test_each_indicator_rule(
    indicator_data: IndicatorData, today: date, over: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert codes(indicator_data(**over), today) == [expected]


def test_boundaries_are_allowed(indicator_data: IndicatorData, today: date) -> None:
    data = indicator_data(
        year=2025,  # the year in progress
        rd_staff=120,
        main_business_revenue="3000",
        rd_expense="3000",
        ip_class_i_self_developed=3,
        ip_class_i_high_value=3,
        digital_level=4,
        market_share_pct="100",
    )
    assert parse_indicators(data, established_on=date(2025, 1, 1), today=today).year == 2025
    assert parse_indicators(indicator_data(year=2018), established_on=ESTABLISHED, today=today).year == 2018


def test_rd_expense_above_revenue_passes_with_the_explanation_flag(indicator_data: IndicatorData, today: date) -> None:
    data = indicator_data(rd_expense="5000", rd_expense_over_revenue_explained="是")
    assert parse_indicators(data, established_on=ESTABLISHED, today=today).rd_expense == Decimal("5000")


def test_a_rule_needs_both_its_inputs(today: date) -> None:
    assert parse_indicators({"year": 2024, "rd_staff": 50}, established_on=ESTABLISHED, today=today).rd_staff == 50
    assert parse_indicators({"year": 2024, "rd_expense": "10"}, established_on=None, today=today).rd_expense == Decimal(
        10
    )


def test_several_violations_are_reported_at_once(indicator_data: IndicatorData, today: date) -> None:
    data = indicator_data(
        year=2030,
        operating_revenue="100",
        main_business_revenue="200",
        rd_expense="150",
        rd_staff=200,
        total_assets="-5",
        digital_level=9,
    )
    with pytest.raises(DomainValidationError) as caught:
        parse_indicators(data, established_on=ESTABLISHED, today=today)
    assert [(v.field, v.code) for v in caught.value.violations] == [
        ("year", "year_in_future"),
        ("total_assets", "negative_value"),
        ("digital_level", "out_of_range"),
        ("rd_staff", "rd_staff_exceeds_employees"),
        ("main_business_revenue", "main_business_exceeds_operating_revenue"),
        ("rd_expense", "rd_expense_exceeds_revenue"),
    ]
    assert all(v.message_zh and v.message_en for v in caught.value.violations)


def test_record_round_trip_is_exact(indicator_data: IndicatorData, today: date) -> None:
    year = parse_indicators(indicator_data(net_profit="0.000001"), established_on=ESTABLISHED, today=today)
    record = year.to_record()
    assert record["net_profit"] == "0.000001"
    assert record["operating_revenue"] == "3000"
    assert indicators_from_record(2024, record) == year
