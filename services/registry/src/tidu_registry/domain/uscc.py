"""统一社会信用代码 (USCC, GB 32100-2015): normalisation, validation and generation.

Layout (domain-rules §11): 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z);
position 1 the registering authority (1-9, A, N, Y), 2 the entity type, 3-8 the GB/T 2260 region,
9-17 the organisation code, 18 the check character. The check character comes from python-stdnum's
``stdnum.cn.uscc.calc_check_digit``; stdnum's own ``validate`` is not used because it rejects
authorities A, N and Y.

Decisions:

- input is trimmed (also of full-width spaces, BOM and zero-width spaces), full-width characters are
  folded to half-width (NFKC), letters upper-cased and spaces inside the code dropped (codes are often
  copied from licences printed in groups); other separators such as ``-`` are errors (``uscc_charset``);
- checks run in a fixed order and the first failing one is reported: length, alphabet, authority,
  digits in positions 2-8 (reported as ``uscc_charset``), check character;
- the organisation code's own GB 11714 check digit (position 17) is not verified: codes of 个体工商户
  and others carry registration numbers there. :func:`make_uscc` does produce a correct one.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from stdnum.cn.uscc import calc_check_digit

from tidu_registry.domain.errors import DomainValidationError, Violation

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AUTHORITIES = frozenset("123456789ANY")
FORBIDDEN_LETTERS = frozenset("IOSVZ")
LENGTH = 18

_ALPHABET_SET = frozenset(ALPHABET)
_DIGITS = frozenset("0123456789")
_DROP = str.maketrans("", "", " \t\r\n\u3000\ufeff\u200b\xa0")


class UsccError(DomainValidationError):
    """An invalid USCC; ``code`` is the machine code of the single violation."""

    def __init__(self, violation: Violation) -> None:
        super().__init__([violation])
        self.code = violation.code
        self.violation = violation


def normalise(raw: str) -> str:
    """Fold full-width characters to half-width, drop whitespace and upper-case. Never raises."""
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    return text.translate(_DROP).upper()


def check(raw: object, field: str = "uscc") -> tuple[str, Violation | None]:
    """The normalised code and the first violation found (``None`` when valid). Cheap: no exceptions."""
    code = normalise(raw) if isinstance(raw, str) else normalise(str(raw))
    return code, _violation(code, field)


def validate(raw: object, field: str = "uscc") -> str:
    """The normalised code, or :class:`UsccError` with ``uscc_length``, ``uscc_charset``,
    ``uscc_authority`` or ``uscc_check_char``."""
    code, violation = check(raw, field)
    if violation is not None:
        raise UsccError(violation)
    return code


def is_valid(raw: object) -> bool:
    return check(raw)[1] is None


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    return calc_check_digit(first17)


def _violation(code: str, field: str) -> Violation | None:
    if len(code) != LENGTH:
        return Violation(
            field,
            "uscc_length",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
            f"a USCC has 18 characters, this one has {len(code)}",
        )
    if not _ALPHABET_SET.issuperset(code):
        position, char = next((i, c) for i, c in enumerate(code, start=1) if c not in _ALPHABET_SET)
        hint_zh = "（不使用字母 I、O、S、V、Z）" if char in FORBIDDEN_LETTERS else ""
        hint_en = " (the letters I, O, S, V and Z are never used)" if char in FORBIDDEN_LETTERS else ""
        return Violation(
            field,
            "uscc_charset",
            f"统一社会信用代码第{position}位“{char}”不是允许的字符{hint_zh}",
            f"character {position} of the USCC, {char!r}, is not allowed{hint_en}",
        )
    if code[0] not in AUTHORITIES:
        return Violation(
            field,
            "uscc_authority",
            f"统一社会信用代码第1位（登记管理部门代码）应为1-9、A、N或Y，实际为“{code[0]}”",
            f"character 1 of the USCC (registering authority) must be 1-9, A, N or Y, not {code[0]!r}",
        )
    if not _DIGITS.issuperset(code[1:8]):
        return Violation(
            field,
            "uscc_charset",
            "统一社会信用代码第2-8位（机构类别和行政区划码）应为数字",
            "characters 2-8 of the USCC (entity type and region code) must be digits",
        )
    expected = calc_check_digit(code[:17])
    if code[17] != expected:
        return Violation(
            field,
            "uscc_check_char",
            f"统一社会信用代码校验码错误：第18位应为“{expected}”，实际为“{code[17]}”",
            f"wrong USCC check character: expected {expected!r}, found {code[17]!r}",
        )
    return None


def _organisation_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters plus their check digit (X for 10, 0 for 11)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body8, weights, strict=True))
    digit = 11 - total % 11
    return body8 + ("X" if digit == 10 else "0" if digit == 11 else str(digit))


def make_uscc(seed: int | str | None = None, region: str = "500113", authority: str = "9", kind: str = "1") -> str:
    """A valid USCC for tests, demo data and benchmarks.

    Without a seed the organisation code is random (31^8 bodies: a collision among a thousand codes
    has odds of about one in a million). Integer seeds 0 … 99,999,999 map one-to-one onto the
    organisation code's eight digits, so ``make_uscc(i)`` for distinct ``i`` gives distinct codes; other
    seeds (strings, larger integers) are hashed into that range. ``kind`` is the entity type
    (position 2), ``region`` positions 3-8.
    """
    if authority not in AUTHORITIES:
        raise ValueError(f"authority must be one of 1-9, A, N, Y, not {authority!r}")
    if len(kind) != 1 or not kind.isdigit() or len(region) != 6 or not region.isdigit():
        raise ValueError("kind (entity type) is one digit and region six digits")
    if seed is None:
        body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    elif isinstance(seed, int) and 0 <= seed < 10**8:
        body = f"{seed:08d}"
    else:
        body = f"{int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], 'big') % 10**8:08d}"
    first17 = authority + kind + region + _organisation_code(body)
    return first17 + calc_check_digit(first17)
