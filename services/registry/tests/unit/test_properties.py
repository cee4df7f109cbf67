"""Properties of 统一社会信用代码 validation (domain/uscc.py), checked against python-stdnum: every
code built from 17 allowed characters and its computed check character is accepted and comes back
normalised; every single-character change is rejected; case, padding and full-width forms never
change the verdict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from tidu_registry.domain import uscc

ALPHABET = uscc.ALPHABET
authorities = st.sampled_from(sorted(uscc.AUTHORITIES))
digits = st.text(alphabet="0123456789", min_size=7, max_size=7)  # entity type + region
organisations = st.text(alphabet=ALPHABET, min_size=9, max_size=9)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    first17 = draw(authorities) + draw(digits) + draw(organisations)
    return first17 + stdnum_uscc.calc_check_digit(first17)


fast = settings(max_examples=300, deadline=None)


@fast
@given(valid_codes())
def test_a_code_with_its_computed_check_character_is_accepted_as_is(code: str) -> None:
    assert uscc.validate(code) == code
    assert uscc.check(code) == (code, None)
    if code[0].isdigit():
        assert stdnum_uscc.is_valid(code)  # stdnum refuses authorities A, N and Y


@fast
@given(valid_codes(), st.sampled_from(["lower", "pad", "fullwidth", "groups"]))
def test_case_padding_full_width_and_grouping_are_normalised(code: str, form: str) -> None:
    raw = {
        "lower": code.lower(),
        "pad": f" \t\u3000{code}\ufeff \n",
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) for c in code),
        "groups": " ".join(code[i : i + 4] for i in range(0, 18, 4)),
    }[form]
    assert uscc.validate(raw) == code


@fast
@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET + "IOSVZ-_/."))
def test_every_single_character_change_is_rejected(code: str, position: int, replacement: str) -> None:
    if replacement == code[position]:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    _, violation = uscc.check(mutated)
    assert violation is not None
    assert violation.code in {"uscc_charset", "uscc_authority", "uscc_check_char"}
    assert "统一社会信用代码" in violation.message_zh  # a Chinese message for the user
    if mutated[0].isdigit() and mutated[0] != "0":
        assert not stdnum_uscc.is_valid(mutated)


@fast
@given(st.text(alphabet=ALPHABET, min_size=18, max_size=18))
def test_verdict_agrees_with_stdnum_for_numeric_authorities(code: str) -> None:
    if code[0] in "123456789":
        assert uscc.is_valid(code) == stdnum_uscc.is_valid(code)
    if uscc.is_valid(code):
        assert code[17] == stdnum_uscc.calc_check_digit(code[:17])


@fast
@given(st.text(max_size=30))
def test_any_text_gets_a_verdict_and_never_an_exception(raw: str) -> None:
    code, violation = uscc.check(raw)
    assert (violation is None) == uscc.is_valid(raw)
    if violation is None:
        assert len(code) == 18
    else:
        assert violation.code in {"uscc_length", "uscc_charset", "uscc_authority", "uscc_check_char"}


@fast
@given(st.text(alphabet=ALPHABET, min_size=0, max_size=30).filter(lambda s: len(s) != 18))
def test_wrong_lengths_are_reported_as_length(raw: str) -> None:
    _, violation = uscc.check(raw)
    assert violation is not None
    assert violation.code == "uscc_length"
