"""The enterprise profile: validation of the whole profile, masking, updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tidu_registry.domain.districts import Districts
from tidu_registry.domain.enterprise import (
    Contact,
    EnterpriseProfile,
    check_id_number,
    check_phone,
    check_profile,
    mask_id_number,
    mask_phone,
    masked_record,
    parse_profile,
    profile_from_record,
    strip_masked,
    update_profile,
)
from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.uscc import make_uscc

ProfileData = Callable[..., dict[str, Any]]


def violations_of(data: dict[str, Any], districts: Districts, today: date) -> list[tuple[str, str]]:
    with pytest.raises(DomainValidationError) as caught:
        parse_profile(data, districts=districts, today=today)
    return [(v.field, v.code) for v in caught.value.violations]


def test_a_complete_profile_is_parsed_and_normalised(
    profile_data: ProfileData, districts: Districts, today: date
) -> None:
    code = make_uscc(1)
    profile = parse_profile(
        profile_data(
            uscc=f" {code.lower()} ", industry_code="c3825", own_brand="是", legal_rep_phone="+86 138-1234-5678"
        ),
        districts=districts,
        today=today,
    )
    assert profile.uscc == code
    assert profile.industry_code == "C3825"
    assert profile.established_on == date(2018, 4, 1)
    assert profile.own_brand is True
    assert profile.legal_rep_phone == "13812345678"
    assert profile.contacts == (Contact("李四", "财务总监", "02361234567", "li@example.cn"),)


def test_only_the_identifying_fields_are_required(districts: Districts, today: date) -> None:
    profile = parse_profile(
        {
            "uscc": make_uscc(2),
            "name": "某某公司",
            "district_code": "500114",
            "industry_code": "I65",
            "established_on": "2020-01-01",
        },
        districts=districts,
        today=today,
    )
    assert profile.own_brand is None  # unknown, not "no"
    assert profile.contacts == ()


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"uscc": None}, "uscc", "required"),
        ({"uscc": "91110108551385082A"}, "uscc", "uscc_check_char"),
        ({"name": ""}, "name", "required"),
        ({"name": "某"}, "name", "too_short"),
        ({"name": "某" * 201}, "name", "too_long"),
        ({"district_code": "999999"}, "district_code", "unknown_district"),
        ({"district_code": "5001"}, "district_code", "district_code_shape"),
        ({"industry_code": "X12"}, "industry_code", "industry_code_shape"),
        ({"industry_code": "C06"}, "industry_code", "industry_code_division"),
        ({"established_on": None}, "established_on", "required"),
        ({"established_on": "2018-02-30"}, "established_on", "invalid_date"),
        ({"established_on": "2025-06-02"}, "established_on", "date_in_future"),
        ({"niche_market_since": "2030-01-01"}, "niche_market_since", "date_in_future"),
        ({"own_brand": "perhaps"}, "own_brand", "invalid_boolean"),
        ({"legal_rep_id_number": "12345"}, "legal_rep_id_number", "id_number_shape"),
        ({"legal_rep_id_number": "5001**********1234"}, "legal_rep_id_number", "masked_value"),
        ({"legal_rep_phone": "12345"}, "legal_rep_phone", "phone_invalid"),
        ({"contacts": [{"name": "王五", "phone": "999"}]}, "contacts[0].phone", "phone_invalid"),
        ({"contacts": [{"name": "王五", "email": "not-mail"}]}, "contacts[0].email", "email_invalid"),
        ({"contacts": [{"phone": "13812345678"}]}, "contacts[0].name", "required"),
        ({"contacts": "李四"}, "contacts", "invalid_contacts"),
        ({"contacts": [{"name": "x"}] * 21}, "contacts", "too_many_contacts"),
    ],
)
def test_each_profile_rule(
    profile_data: ProfileData, districts: Districts, today: date, over: dict[str, Any], field: str, code: str
) -> None:
    assert violations_of(profile_data(**over), districts, today) == [(field, code)]


def test_the_establishment_date_may_be_today(profile_data: ProfileData, districts: Districts, today: date) -> None:
    assert parse_profile(profile_data(established_on=today), districts=districts, today=today).established_on == today


def test_all_violations_are_named_at_once_in_field_order(
    profile_data: ProfileData, districts: Districts, today: date
) -> None:
    data = profile_data(
        uscc="91110108551385082A",
        name="",
        district_code="999999",
        industry_code="X12",
        established_on="2999-01-01",
        legal_rep_phone="1",
        contacts=[{"name": "", "email": "x"}],
    )
    assert violations_of(data, districts, today) == [
        ("uscc", "uscc_check_char"),
        ("name", "required"),
        ("district_code", "unknown_district"),
        ("industry_code", "industry_code_shape"),
        ("established_on", "date_in_future"),
        ("legal_rep_phone", "phone_invalid"),
        ("contacts[0].name", "required"),
        ("contacts[0].email", "email_invalid"),
    ]


def test_a_resident_id_with_a_wrong_check_digit_is_refused(
    profile_data: ProfileData, districts: Districts, today: date, make_ric: Callable[[str], str]
) -> None:
    good = make_ric("50010119800101123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert violations_of(profile_data(legal_rep_id_number=bad), districts, today) == [
        ("legal_rep_id_number", "id_number_check_digit")
    ]


@pytest.mark.parametrize("number", ["E12345678", "H1234567801", "G12345678"])
def test_other_identity_documents_start_with_a_letter(number: str) -> None:
    assert check_id_number(number) == (number, None)


def test_a_resident_id_with_an_impossible_birth_date_is_refused(make_ric: Callable[[str], str]) -> None:
    _, violation = check_id_number(make_ric("50010119801301123"))
    assert violation is not None
    assert violation.code == "id_number_invalid"


def test_a_resident_id_ending_in_x_is_accepted_in_either_case() -> None:
    # Check digit X: search a sequence number whose check digit is X.
    from stdnum.cn import ric

    first17 = next(f"5001011980010112{i}" for i in range(10) if ric.calc_check_digit(f"5001011980010112{i}0") == "X")
    assert check_id_number(first17 + "x") == (first17 + "X", None)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("023-61234567", "02361234567"),
        ("(023) 6123 4567", "02361234567"),
    ],
)
def test_phones_are_stored_as_digits(raw: str, stored: str) -> None:
    assert check_phone(raw) == (stored, None)


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "61234567", "abc"])
def test_not_phones(raw: str) -> None:
    assert check_phone(raw)[1] is not None


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("500101199001011234") == "5001**********1234"
    assert mask_id_number("E12345678") == "E******78"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("02361234567") == "023****4567"
    assert mask_phone("1234") == "**34"


def test_every_response_view_masks_the_legal_representatives_number_and_phone(
    make_profile: Callable[..., EnterpriseProfile],
) -> None:
    profile = make_profile()
    record = masked_record(profile)
    assert record["legal_rep_id_number"] == "5001**********" + profile.legal_rep_id_number[-4:]  # type: ignore[index]
    assert record["legal_rep_phone"] == "138****5678"
    assert record["contacts"][0]["phone"] == "023****4567"  # the contacts' phones too
    assert record["contacts"][0]["name"] == "李四" and record["contacts"][0]["email"] == "li@example.cn"
    assert profile.to_record()["legal_rep_phone"] == "13812345678"  # storage keeps the numbers
    assert profile.to_record()["contacts"][0]["phone"] == "02361234567"


def test_record_round_trip(make_profile: Callable[..., EnterpriseProfile]) -> None:
    profile = make_profile()
    assert profile_from_record(profile.to_record()) == profile


def test_update_applies_changes_and_revalidates_the_whole_profile(
    make_profile: Callable[..., EnterpriseProfile], districts: Districts, today: date
) -> None:
    profile = make_profile()
    updated = update_profile(
        profile, {"name": "重庆新名称有限公司", "own_brand": False}, districts=districts, today=today
    )
    assert (updated.name, updated.own_brand, updated.uscc) == ("重庆新名称有限公司", False, profile.uscc)
    with pytest.raises(DomainValidationError) as caught:
        update_profile(profile, {"district_code": "999999", "rd": 1}, districts=districts, today=today)
    assert caught.value.codes == ("unknown_district",)


def test_a_masked_value_sent_back_means_unchanged(
    make_profile: Callable[..., EnterpriseProfile], districts: Districts, today: date
) -> None:
    profile = make_profile()
    shown = masked_record(profile)
    updated = update_profile(profile, {**shown, "name": "重庆改名有限公司"}, districts=districts, today=today)
    assert updated.legal_rep_id_number == profile.legal_rep_id_number
    assert updated.legal_rep_phone == profile.legal_rep_phone
    assert strip_masked(shown)[1] == frozenset({"legal_rep_id_number", "legal_rep_phone"})


def test_contacts_sent_back_masked_keep_their_stored_phones(
    make_profile: Callable[..., EnterpriseProfile], districts: Districts, today: date
) -> None:
    profile = make_profile(
        contacts=[{"name": "李四", "phone": "02361234567"}, {"name": "王五", "phone": "13900001111"}]
    )
    shown = masked_record(profile)
    assert [c["phone"] for c in shown["contacts"]] == ["023****4567", "139****1111"]
    assert update_profile(profile, shown, districts=districts, today=today) == profile
    # Same name at another position (the first contact removed): still the stored phone.
    updated = update_profile(profile, {"contacts": shown["contacts"][1:]}, districts=districts, today=today)
    assert [(c.name, c.phone) for c in updated.contacts] == [("王五", "13900001111")]
    # A new full phone replaces; a contact renamed in place keeps its stored phone.
    renamed = [{**shown["contacts"][0], "name": "李四新"}, {**shown["contacts"][1], "phone": "13900002222"}]
    updated = update_profile(profile, {"contacts": renamed}, districts=districts, today=today)
    assert [(c.name, c.phone) for c in updated.contacts] == [("李四新", "02361234567"), ("王五", "13900002222")]


@pytest.mark.parametrize(
    "contacts",
    [
        [{"name": "李四", "phone": "023****9999"}],  # masks no stored phone
        [{"name": "李四", "phone": "023****4567"}, {"name": "赵六", "phone": "023****4567"}],  # a new contact
    ],
)
def test_a_masked_contact_phone_standing_for_nothing_is_refused(
    make_profile: Callable[..., EnterpriseProfile], districts: Districts, today: date, contacts: list[Any]
) -> None:
    with pytest.raises(DomainValidationError) as caught:
        update_profile(make_profile(), {"contacts": contacts}, districts=districts, today=today)
    assert caught.value.codes == ("masked_value",)
    assert "请填写完整号码" in caught.value.violations[0].message_zh


def test_a_registration_with_a_masked_contact_phone_is_refused(
    profile_data: Callable[..., dict[str, Any]], districts: Districts, today: date
) -> None:
    _, violations = check_profile(
        profile_data(contacts=[{"name": "李四", "phone": "023****4567"}]), districts=districts, today=today
    )
    assert [(v.field, v.code) for v in violations] == [("contacts[0].phone", "masked_value")]


def test_the_uscc_cannot_change(
    make_profile: Callable[..., EnterpriseProfile], districts: Districts, today: date
) -> None:
    profile = make_profile()
    assert update_profile(profile, {"uscc": profile.uscc.lower()}, districts=districts, today=today) == profile
    with pytest.raises(DomainValidationError) as caught:
        update_profile(profile, {"uscc": make_uscc(99)}, districts=districts, today=today)
    assert caught.value.codes == ("immutable_field",)
