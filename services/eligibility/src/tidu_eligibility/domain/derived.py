"""Derived values of domain-rules §3: ratios, growth, compound growth, years in niche, years registered.

Each quotient comes in two forms: ``*_q`` returns the exact quotient (``Q``) that the rules compare
with thresholds, the plain form returns a Decimal for display and for callers outside the engine.
Both return None when the value is undetermined: a missing input, or a denominator that is zero or
missing (and, for growth, a base that is not positive: growth from a loss has no meaningful sign).
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal

from .quantity import EXACT, ONE, ZERO, Q

_SQRT: Context = Context(prec=50)


def ratio_q(numerator: Decimal | None, denominator: Decimal | None) -> Q | None:
    if numerator is None or denominator is None or denominator <= ZERO:
        return None
    return Q(numerator, denominator)


def growth_q(value: Decimal | None, previous: Decimal | None) -> Q | None:
    """X(Y)/X(Y-1) - 1 as (X(Y) - X(Y-1)) / X(Y-1)."""
    if value is None or previous is None or previous <= ZERO:
        return None
    return Q(EXACT.subtract(value, previous), previous)


def average_growth_q(value: Decimal | None, previous: Decimal | None, before: Decimal | None) -> Q | None:
    """Mean of the growth in Y and in Y-1: (x/p - 1 + p/q - 1) / 2 = (x q + p^2 - 2 p q) / (2 p q)."""
    if value is None or previous is None or before is None or previous <= ZERO or before <= ZERO:
        return None
    pq = EXACT.multiply(previous, before)
    numerator = EXACT.subtract(
        EXACT.add(EXACT.multiply(value, before), EXACT.multiply(previous, previous)), EXACT.multiply(2, pq)
    )
    return Q(numerator, EXACT.multiply(2, pq))


def compound_ratio_q(value: Decimal | None, base: Decimal | None) -> Q | None:
    """X(Y) / X(Y-2): compound growth over 2 years is at least g exactly when this is at least (1+g)^2."""
    if value is None or base is None or base <= ZERO:
        return None
    return Q(value, base)


def compound_threshold(growth: Decimal, years: int = 2) -> Decimal:
    """(1 + g)^years, exact: the ratio X(Y)/X(Y-years) that a compound growth of g needs."""
    factor = EXACT.add(ONE, growth)
    result = ONE
    for _ in range(years):
        result = EXACT.multiply(result, factor)
    return result


def compound_growth_from_ratio(ratio: Q, years: int = 2) -> Decimal:
    """(X(Y)/X(Y-years))^(1/years) - 1 for display (50 significant digits)."""
    quotient = _SQRT.divide(ratio.n, ratio.d)
    exponent = _SQRT.divide(ONE, Decimal(years))
    root = quotient.sqrt(context=_SQRT) if years == 2 else _SQRT.power(quotient, exponent)
    return _SQRT.subtract(root, ONE)


def _value(q: Q | None) -> Decimal | None:
    return None if q is None else q.decimal(12)


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    return _value(ratio_q(numerator, denominator))


def growth(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    return _value(growth_q(value, previous))


def average_growth(value: Decimal | None, previous: Decimal | None, before: Decimal | None) -> Decimal | None:
    return _value(average_growth_q(value, previous, before))


def compound_growth(value: Decimal | None, base: Decimal | None, years: int = 2) -> Decimal | None:
    q = compound_ratio_q(value, base)
    return None if q is None else compound_growth_from_ratio(q, years)


def whole_years(start: date, end: date) -> int:
    """Whole years from start to end (end exclusive of a partial last year); never negative."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def years_in_niche(since: date | None, year: int) -> int | None:
    """Whole years from ``niche_market_since`` to the end of year Y (2016-01-01 -> 9 at the end of 2024)."""
    return None if since is None else whole_years(since, date(year + 1, 1, 1))


def years_registered(established_on: date | None, as_of: date) -> int | None:
    """Whole years from ``established_on`` to the assessment date."""
    return None if established_on is None else whole_years(established_on, as_of)


def last_years(year: int, count: int) -> tuple[int, ...]:
    """The data year and the ``count - 1`` years before it, newest first ("近2年", "last 3 years")."""
    return tuple(year - i for i in range(count))
