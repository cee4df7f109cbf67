"""USCC (统一社会信用代码, GB 32100) validation, per domain-rules §11.

18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``; position 1 the
registering authority (1-9, A, N, Y), 2 the entity type, 3-8 a GB/T 2260
region, 9-17 the organisation code, 18 a check character: weights
3^(i-1) mod 31 for i = 1..17, check = (31 − Σ value·weight mod 31) mod 31.
Codes beginning with A, N or Y are accepted (python-stdnum rejects them).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_AUTHORITIES = frozenset("123456789ANY")


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return value.strip().upper()


def is_valid_uscc(value: str) -> bool:
    if not isinstance(value, str):
        return False
    code = normalize_uscc(value)
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    if code[0] not in _AUTHORITIES or not code[2:8].isdigit():
        return False
    return check_character(code[:17]) == code[17]
