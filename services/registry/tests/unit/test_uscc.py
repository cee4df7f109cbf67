"""统一社会信用代码: normalisation, each error code, authorities A/N/Y, generation, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from tidu_registry.domain import uscc
from tidu_registry.domain.errors import DomainValidationError

VALID = ["91110108551385082Q", "91110000600037341L", "91130600738737199K"]


@pytest.mark.parametrize("code", VALID)
def test_published_examples_are_valid(code: str) -> None:
    assert uscc.validate(code) == code
    assert uscc.is_valid(code)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110108551385082q", "91110108551385082Q"),
        ("  91110108551385082Q\t", "91110108551385082Q"),
        (" 91110108551385082q \n", "91110108551385082Q"),
        ("\ufeff91110108551385082Q", "91110108551385082Q"),
        ("９１１１０１０８５５１３８５０８２Ｑ", "91110108551385082Q"),  # full-width
        ("\u300091110108551385082Q\u3000", "91110108551385082Q"),  # ideographic spaces
        ("9111 0108 5513 8508 2Q", "91110108551385082Q"),  # grouped as printed on a licence
    ],
)
def test_lower_case_padded_and_full_width_input_is_normalised(raw: str, expected: str) -> None:
    assert uscc.normalise(raw) == expected
    assert uscc.validate(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("9111010855138508", "uscc_length"),  # 16 characters
        ("911101085513850822Q", "uscc_length"),  # 19 characters
        ("", "uscc_length"),
        ("91110108551385O82Q", "uscc_charset"),  # O is never used
        ("9111010855138508IQ", "uscc_charset"),  # I
        ("91110108551385S82Q", "uscc_charset"),  # S
        ("9111010855138508VQ", "uscc_charset"),  # V
        ("Z1110108551385082Q", "uscc_charset"),  # Z, even in the authority's place
        ("91110108-551385082", "uscc_charset"),  # separators other than spaces are not dropped
        ("9A110108551385082Q", "uscc_charset"),  # position 2 (entity type) is a digit
        ("911101A8551385082Q", "uscc_charset"),  # positions 3-8 (region) are digits
        ("B1110108551385082Q", "uscc_authority"),  # B is in the alphabet but no authority
        ("01110108551385082Q", "uscc_authority"),
        ("91110108551385082A", "uscc_check_char"),
        ("91110108551385083Q", "uscc_check_char"),
    ],
)
def test_each_error_has_its_code_and_both_messages(raw: str, code: str) -> None:
    with pytest.raises(uscc.UsccError) as caught:
        uscc.validate(raw)
    error = caught.value
    assert error.code == code
    assert isinstance(error, DomainValidationError)
    assert isinstance(error, ValueError)
    assert [v.code for v in error.violations] == [code]
    assert error.violation.field == "uscc"
    assert "统一社会信用代码" in error.message_zh
    assert error.message_en


def test_check_character_message_names_the_expected_character() -> None:
    with pytest.raises(uscc.UsccError) as caught:
        uscc.validate("91110108551385082A")
    assert "“Q”" in caught.value.message_zh


def test_forbidden_letter_message_says_why() -> None:
    with pytest.raises(uscc.UsccError) as caught:
        uscc.validate("91110108551385O82Q")
    assert "I、O、S、V、Z" in caught.value.message_zh
    assert "15" in caught.value.message_en


def test_check_reports_instead_of_raising_and_names_the_field() -> None:
    code, violation = uscc.check("91110108551385082a", field="enterprise_uscc")
    assert code == "91110108551385082A"
    assert violation is not None
    assert (violation.field, violation.code) == ("enterprise_uscc", "uscc_check_char")
    assert uscc.check("91110108551385082q") == ("91110108551385082Q", None)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_a_n_y_are_accepted_with_a_correct_check_character(authority: str) -> None:
    first17 = authority + "1500113MA5U7AB12"
    code = first17 + uscc.check_character(first17)
    assert code[-1] == stdnum_uscc.calc_check_digit(first17)
    assert not stdnum_uscc.is_valid(code)  # the library alone refuses these
    assert uscc.validate(code) == code
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    with pytest.raises(uscc.UsccError) as caught:
        uscc.validate(wrong)
    assert caught.value.code == "uscc_check_char"


@pytest.mark.parametrize("authority", ["1", "5", "9", "A", "N", "Y"])
def test_make_uscc_accepts_every_authority(authority: str) -> None:
    code = uscc.make_uscc(7, authority=authority, region="500114", kind="2")
    assert uscc.is_valid(code)
    assert code[0] == authority
    assert code[1:8] == "2500114"


def test_make_uscc_is_deterministic_per_seed_and_distinct_across_seeds() -> None:
    assert uscc.make_uscc(42) == uscc.make_uscc(42)
    assert uscc.make_uscc("acme") == uscc.make_uscc("acme")
    codes = {uscc.make_uscc(i) for i in range(5000)}
    assert len(codes) == 5000
    assert uscc.make_uscc() != uscc.make_uscc()  # random without a seed


def test_make_uscc_builds_a_correct_organisation_code_check_digit() -> None:
    # 91110108551385082Q: organisation code 55138508-2; the same body gives the same code.
    assert uscc.make_uscc(55138508, region="110108") == "91110108551385082Q"


def test_make_uscc_refuses_impossible_parts() -> None:
    with pytest.raises(ValueError, match="authority"):
        uscc.make_uscc(1, authority="B")
    with pytest.raises(ValueError, match="region"):
        uscc.make_uscc(1, region="5001")


@given(st.one_of(st.integers(min_value=0), st.text(max_size=20)), st.sampled_from(sorted(uscc.AUTHORITIES)))
def test_property_make_uscc_always_validates(seed: int | str, authority: str) -> None:
    assert uscc.is_valid(uscc.make_uscc(seed, authority=authority))


# Replacement characters: the alphabet plus the forbidden letters and a few others. Lower-case
# letters are left out on purpose: normalisation upper-cases them, so "q" for "Q" is the same code.
_REPLACEMENTS = st.sampled_from(sorted(set(uscc.ALPHABET) | set("IOSVZ-#_")))


@given(st.integers(min_value=0, max_value=10**8 - 1), st.integers(min_value=0, max_value=17), _REPLACEMENTS)
def test_property_changing_any_single_character_makes_a_code_invalid(
    seed: int, position: int, replacement: str
) -> None:
    code = uscc.make_uscc(seed)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not uscc.is_valid(changed)


@given(st.integers(min_value=0, max_value=10**8 - 1), st.text(alphabet=" \t\u3000", max_size=3))
def test_property_case_and_padding_never_change_the_verdict(seed: int, pad: str) -> None:
    code = uscc.make_uscc(seed)
    assert uscc.validate(pad + code.lower() + pad) == code
