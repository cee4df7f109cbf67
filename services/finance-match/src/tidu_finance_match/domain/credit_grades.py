"""Credit grades and their order.

The scale is the ten-step one Chinese credit platforms and rating agencies use
for enterprises, best first::

    AAA > AA > A > BBB > BB > B > CCC > CC > C > D

A grade may carry a ``+`` or ``-`` modifier (``AA+``, ``A-``; full-width ``＋``/``－``
accepted). A modifier orders within its base grade (``AA+ > AA > AA-``) and
never crosses into the next base grade (``AA- > A+``). Consequently a minimum of
``B`` is *not* met by ``B-``. ``D`` (default) takes no modifier.

Grades are compared by :func:`grade_rank`: an int, higher is better. Input is
case-insensitive and trimmed; anything else raises ``DomainError`` with code
``invalid_credit_grade``.
"""

from __future__ import annotations

from functools import lru_cache

from tidu_finance_match.domain.errors import DomainError

BASE_GRADES: tuple[str, ...] = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")
"""Base grades, best first."""

_BASE_RANK = {grade: (len(BASE_GRADES) - 1 - i) for i, grade in enumerate(BASE_GRADES)}
_MODIFIER = {"+": 1, "": 0, "-": -1}


@lru_cache(maxsize=256)
def normalize_grade(grade: str) -> str:
    """Canonical spelling of a grade (``" aa＋ "`` → ``"AA+"``); raises on anything off the scale."""
    if not isinstance(grade, str):
        raise DomainError("invalid_credit_grade", f"credit grade must be text, got {grade!r}", grade=grade)
    text = grade.strip().upper().replace("＋", "+").replace("－", "-").replace("−", "-")
    base, modifier = (text[:-1], text[-1]) if text[-1:] in ("+", "-") else (text, "")
    if base not in _BASE_RANK or (base == "D" and modifier):
        raise DomainError(
            "invalid_credit_grade",
            f"unknown credit grade {grade!r}; expected one of {', '.join(BASE_GRADES)} (optionally + or -)",
            grade=grade,
        )
    return base + modifier


@lru_cache(maxsize=256)
def grade_rank(grade: str) -> int:
    """Comparable rank of a grade: higher is better. ``D`` → 1, ``AAA+`` → 29."""
    text = normalize_grade(grade)
    base, modifier = (text[:-1], text[-1]) if text[-1] in "+-" else (text, "")
    return _BASE_RANK[base] * 3 + 1 + _MODIFIER[modifier]


def meets_minimum(actual: str, minimum: str) -> bool:
    """True when ``actual`` is at least as good as ``minimum``."""
    return grade_rank(actual) >= grade_rank(minimum)


def is_valid_grade(grade: str) -> bool:
    try:
        normalize_grade(grade)
    except DomainError:
        return False
    return True
