"""Raw value parsing shared by the API and the bulk import."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tidu_registry.domain.values import (
    FieldSpec,
    Kind,
    ValueParseError,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_fields,
    parse_int,
    plain_decimal,
    to_plain,
)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-01",
        " 2024-03-01 ",
        "20240301",
        "2024/3/1",
        "2024.03.01",
        "2024年3月1日",
        "2024-03-01 00:00:00",
        datetime(2024, 3, 1),
        date(2024, 3, 1),
        "２０２４－０３－０１",
    ],
)
def test_dates_in_the_shapes_people_and_spreadsheets_write(raw: object) -> None:
    assert parse_date(raw) == date(2024, 3, 1)


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "yesterday", "2024/13/1", datetime(2024, 3, 1, 9, 30), 45000, "1/3/2024"]
)
def test_not_dates(raw: object) -> None:
    with pytest.raises(ValueParseError) as caught:
        parse_date(raw)
    assert caught.value.code == "invalid_date"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        (" -12.5 ", Decimal("-12.5")),
        (1234.56, Decimal("1234.56")),  # an XLSX float keeps its short form
        (0.1, Decimal("0.1")),
        (7, Decimal(7)),
        (Decimal("3.000000"), Decimal("3")),
        ("1.2300000000", Decimal("1.23")),  # trailing zeros are not extra precision
    ],
)
def test_decimals(raw: object, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "invalid_number"),
        ("NaN", "invalid_number"),
        ("Infinity", "invalid_number"),
        (True, "invalid_number"),
        ("0.1234567", "too_many_decimals"),
        ("1000000000000", "number_too_large"),
    ],
)
def test_not_decimals(raw: object, code: str) -> None:
    with pytest.raises(ValueParseError) as caught:
        parse_decimal(raw)
    assert caught.value.code == code


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (12.0, 12), ("1,200", 1200), ("12.0", 12), (Decimal(5), 5)])
def test_integers(raw: object, expected: int) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 12.5, "x", False])
def test_not_integers(raw: object) -> None:
    with pytest.raises(ValueParseError):
        parse_int(raw)


@pytest.mark.parametrize("raw", [True, 1, "true", "TRUE", "yes", "Y", "1", "是", "有", "√"])
def test_true_flags(raw: object) -> None:
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", [False, 0, "false", "No", "n", "0", "否", "无", "×"])
def test_false_flags(raw: object) -> None:
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["maybe", 2, "是的"])
def test_not_flags(raw: object) -> None:
    with pytest.raises(ValueParseError):
        parse_bool(raw)


def test_plain_values_have_one_spelling_per_value() -> None:
    assert plain_decimal(Decimal("1234.50")) == "1234.5"
    assert plain_decimal(Decimal("1E+2")) == "100"
    assert plain_decimal(Decimal("-0.00")) == "0"
    assert to_plain({"d": date(2024, 1, 2), "n": [Decimal("1.0")]}) == {"d": "2024-01-02", "n": ["1"]}


def test_parse_fields_names_every_problem_and_blank_means_unreported() -> None:
    specs = (
        FieldSpec("a", Kind.INT, "甲", required=True),
        FieldSpec("b", Kind.DECIMAL, "乙", minimum=0),
        FieldSpec("c", Kind.DECIMAL, "丙", minimum=0, maximum=100),
        FieldSpec("d", Kind.TEXT, "丁", max_length=3),
        FieldSpec("e", Kind.CHOICE, "戊", choices=("x", "y")),
        FieldSpec("f", Kind.DATE, "己"),
        FieldSpec("g", Kind.INT, "庚", minimum=1),
    )
    values, violations = parse_fields(specs, {"a": " ", "b": "-1", "c": "101", "d": "abcd", "e": "z", "g": 0})
    assert [(v.field, v.code) for v in violations] == [
        ("a", "required"),
        ("b", "negative_value"),
        ("c", "out_of_range"),
        ("d", "too_long"),
        ("e", "invalid_choice"),
        ("g", "below_minimum"),
    ]
    assert values["f"] is None
    assert all(v.message_zh and v.message_en for v in violations)
