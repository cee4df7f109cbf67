"""Parsing the input dict (domain-rules §3)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from tidu_eligibility.domain.inputs import InputError, Qualification, parse_inputs


def test_parses_every_section() -> None:
    inputs = parse_inputs(
        {
            "enterprise": {
                "uscc": "91110108551385082Q",
                "industry_code": "C3825",
                "established_on": "2019-05-01",
                "main_product": {"text": "传感器", "strategic_emerging": True},
                "own_brand": False,
            },
            "years": {"2024": {"operating_revenue": "3000.5", "ip_class_i": 2, "quality_cert": True}},
            "qualifications": [{"kind": "high_tech", "level": "national", "granted_on": "2023-01-01"}],
            "awards": [{"kind": "st_award", "level": "provincial", "rank": 2, "year": 2023}],
        }
    )
    assert inputs.enterprise.established_on == date(2019, 5, 1)
    assert inputs.enterprise.main_product.strategic_emerging is True
    assert inputs.enterprise.main_product.six_foundations is None  # absent = unknown
    assert inputs.value("operating_revenue", 2024) == D("3000.5")
    assert inputs.value("net_profit", 2024) is None
    assert inputs.value("operating_revenue", 2023) is None
    assert inputs.qualifications[0].expires_on is None
    assert inputs.awards[0].rank == 2


def test_years_as_a_list_of_rows() -> None:
    inputs = parse_inputs({"years": [{"year": 2024, "rd_expense": 10}, {"year": 2023, "rd_expense": 8}]})
    assert inputs.value("rd_expense", 2023) == D(8)


def test_a_float_is_read_through_its_shortest_repr() -> None:
    inputs = parse_inputs({"years": {2024: {"operating_revenue": 2400.1}}})
    assert inputs.value("operating_revenue", 2024) == D("2400.1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"years": {2024: {"rd_expenses": 1}}}, "years[2024]: unknown field(s) rd_expenses"),
        ({"enterprise": {"established_on": "2019-13-01"}}, "enterprise.established_on"),
        ({"years": {2024: {"operating_revenue": "abc"}}}, "years[2024].operating_revenue"),
        ({"years": {2024: {"operating_revenue": -1}}}, "years[2024].operating_revenue"),
        ({"years": {2024: {"ip_class_i": "1.5"}}}, "years[2024].ip_class_i"),
        ({"years": {2024: {"digital_level": 5}}}, "years[2024].digital_level"),
        ({"years": {2024: {"rd_institution_level": "county"}}}, "years[2024].rd_institution_level"),
        ({"years": {2024: {"quality_cert": "yes"}}}, "years[2024].quality_cert"),
        ({"qualifications": [{"kind": "hero", "granted_on": "2020-01-01"}]}, "qualifications[0].kind"),
        ({"qualifications": [{"kind": "high_tech"}]}, "qualifications[0].granted_on"),
        ({"awards": [{"kind": "st_award", "level": "city", "year": 2023}]}, "awards[0].level"),
        ({"enterprise": {"main_product": {"laozihao": True}}}, "enterprise.main_product"),
        ({"extra": 1}, "inputs: unknown field(s) extra"),
    ],
)
def test_errors_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(InputError, match=re.escape(field)):
        parse_inputs(data)


def test_net_profit_may_be_negative() -> None:
    assert parse_inputs({"years": {2024: {"net_profit": -5}}}).value("net_profit", 2024) == D(-5)


@pytest.mark.parametrize(
    ("day", "valid"),
    [(date(2022, 12, 31), False), (date(2023, 1, 1), True), (date(2025, 12, 31), True), (date(2026, 1, 1), False)],
)
def test_a_qualification_is_valid_from_grant_through_expiry_inclusive(day: date, valid: bool) -> None:
    q = Qualification(kind="high_tech", granted_on=date(2023, 1, 1), expires_on=date(2025, 12, 31))
    assert q.valid_on(day) is valid
