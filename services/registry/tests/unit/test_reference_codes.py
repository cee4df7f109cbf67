"""GB/T 4754-2017 industry codes and GB/T 2260 districts."""

from __future__ import annotations

import pytest

from tidu_registry.domain import industry
from tidu_registry.domain.districts import District, Districts, is_within, new_district, parse_districts_csv
from tidu_registry.domain.errors import DomainValidationError


@pytest.mark.parametrize("code", ["C", "C38", "C382", "C3825", "A01", "A0511", "K7010", "G53", "I6510", "S96", "T97"])
def test_well_formed_industry_codes(code: str) -> None:
    assert industry.validate(code) == code


@pytest.mark.parametrize(("raw", "expected"), [("c3825", "C3825"), (" C3825 ", "C3825"), ("Ｃ３８２５", "C3825")])
def test_industry_codes_are_normalised(raw: str, expected: str) -> None:
    assert industry.validate(raw) == expected


@pytest.mark.parametrize(
    "code",
    ["X12", "U01", "C1", "C38255", "CC38", "C38A", "", "3825", "C-38"],
)
def test_malformed_industry_codes_are_shape_errors(code: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        industry.validate(code)
    assert caught.value.codes == ("industry_code_shape",)
    assert caught.value.violations[0].field == "industry_code"


def test_a_code_without_its_section_letter_is_refused_with_the_full_code_suggested() -> None:
    _, violation = industry.check("3825")
    assert violation is not None
    assert "C3825" in violation.message_zh
    assert "C3825" in violation.message_en


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("A05", True),
        ("A06", False),  # first division of B
        ("B06", True),
        ("B12", True),
        ("B13", False),
        ("C13", True),
        ("C43", True),
        ("C44", False),
        ("C06", False),
        ("G60", True),
        ("G61", False),
        ("K70", True),
        ("K71", False),
        ("S97", False),
        ("T97", True),
        ("T98", False),
        ("A00", False),
    ],
)
def test_the_division_must_belong_to_the_section(code: str, ok: bool) -> None:
    _, violation = industry.check(code)
    if ok:
        assert violation is None
    else:
        assert violation is not None
        assert violation.code == "industry_code_division"
        assert code[1:3] in violation.message_zh


def test_every_division_from_01_to_97_has_exactly_one_section() -> None:
    for division in range(1, 98):
        owners = [s for s, divisions in industry.SECTION_DIVISIONS.items() if division in divisions]
        assert len(owners) == 1, division
        assert industry.section_of(division) == owners[0]
    assert industry.section_of(98) is None
    assert set(industry.SECTION_NAMES) == set(industry.SECTION_DIVISIONS)


def test_industry_problem_keeps_its_tuple_form() -> None:
    assert industry.industry_problem("C3825") is None
    problem = industry.industry_problem("C06")
    assert problem is not None
    assert problem[0] == "industry_code_division"


# --- districts -----------------------------------------------------------------------------------


def test_the_shipped_districts_hold_chongqing_and_the_named_regions(districts: Districts) -> None:
    assert districts.get("500113") == District("500113", "巴南区", "重庆市", "district")
    assert districts.contains("500114")
    assert "360102" in districts
    assert districts.get("500000") is not None
    assert len(districts) == len(districts.all()) == 42


@pytest.mark.parametrize("raw", ["500113", " 500113 ", 500113, 500113.0])
def test_known_district_codes_pass_whatever_their_cell_type(districts: Districts, raw: object) -> None:
    assert districts.check(raw) == ("500113", None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("999999", "unknown_district"),
        ("500199", "unknown_district"),
        ("50011", "district_code_shape"),
        ("5001a3", "district_code_shape"),
    ],
)
def test_unknown_or_malformed_district_codes(districts: Districts, raw: str, code: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        districts.validate(raw)
    assert caught.value.codes == (code,)
    assert caught.value.violations[0].field == "district_code"


def test_operators_extend_the_registry_without_changing_the_shipped_one(districts: Districts) -> None:
    added = new_district("510107", "武侯区", "四川省", "district")
    extended = districts.extended([added])
    assert extended.contains("510107")
    assert not districts.contains("510107")
    assert len(extended) == len(districts) + 1


def test_an_operator_district_is_checked_naming_every_problem() -> None:
    with pytest.raises(DomainValidationError) as caught:
        new_district("51010", "", "四川省", "village")
    assert caught.value.fields == ("code", "name", "kind")


def test_region_membership_follows_the_code_hierarchy(districts: Districts) -> None:
    assert is_within("500113", "500000")
    assert is_within("500229", "500000")  # a county of the municipality
    assert not is_within("360102", "500000")
    assert is_within("360102", "360100")
    assert is_within("360102", "360000")
    assert is_within("500113", "500113")
    assert not is_within("500114", "500113")
    assert [d.code for d in districts.within("360000")] == ["360000", "360100", "360102"]


def test_the_csv_parser_skips_comments_and_a_bom() -> None:
    text = "\ufeff# operator additions\ncode,name,province,kind\n510107,武侯区,四川省,district\n"
    assert parse_districts_csv(text) == [District("510107", "武侯区", "四川省", "district")]
