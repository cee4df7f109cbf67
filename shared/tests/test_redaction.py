"""What logs and the audit log mask: resident identity numbers (with a birth date) and mobile
phones — not enterprise codes (USCCs of digits only look alike but carry no birth date), and an
audit row's subject keeps a USCC as it is so that admins can query the log by it."""

from __future__ import annotations

import pytest

from tidu_shared.audit import _subject
from tidu_shared.logs import looks_like_identity_number, redact

IDENTITY = "500101199001011233"  # MOD 11-2 check character 3
USCC_DIGITS = "91500113379239408X"  # a USCC of digits only: "13379239" is no birth date


def test_identity_numbers_and_mobiles_are_masked_in_any_text() -> None:
    text = f"法人 {IDENTITY} 电话 13812345678。"
    assert redact(text) == "法人 500101********1233 电话 138****5678。"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("500101199001011233", True),
        ("50010120001231123X", True),
        ("500101199013011233", False),  # month 13
        ("500101199001321233", False),  # day 32
        ("500101170001011233", False),  # year 1700
        (USCC_DIGITS, False),
        ("5001011990010112331", False),  # 19 digits: part of something longer
    ],
)
def test_only_text_with_a_birth_date_is_taken_for_an_identity_number(text: str, masked: bool) -> None:
    assert (redact(text) != text) is masked


def test_the_check_character_tells_an_identity_number() -> None:
    assert looks_like_identity_number(IDENTITY)
    assert not looks_like_identity_number("500101199001011234")  # wrong check character
    assert not looks_like_identity_number(USCC_DIGITS)


def test_an_audit_subject_keeps_a_uscc_and_masks_personal_numbers() -> None:
    assert _subject({"uscc": USCC_DIGITS}) == USCC_DIGITS
    assert _subject({"uscc": "91500118MA5U7W3E2L"}) == "91500118MA5U7W3E2L"
    # A path that names a person's number (an identity number put where a USCC goes) stays masked.
    assert _subject({"uscc": IDENTITY}) == "500101********1233"
    assert _subject({"commissioner_id": "13812345678"}) == "138****5678"
