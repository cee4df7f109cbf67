"""Exact quantities: a known value as an exact quotient n/d, an unknown one as bounds.

A ratio such as R&D / revenue is kept as the pair (rd, revenue) and compared with a threshold t by
``rd >= t * revenue``: Decimal products and sums of the inputs are exact (the context traps Inexact,
so they can never round silently), so a value exactly on a threshold is on it (63 is exactly 3% of
2100), however the quotient would round. Division happens only to display a value.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Final

from .tri import Tri

EXACT: Final = Context(prec=80, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
DISPLAY: Final = Context(prec=40, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

OPS: Final = ("ge", "gt", "le", "lt")
OP_SYMBOLS: Final = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


class Q:
    """A known value n/d, d > 0, both Decimal."""

    __slots__ = ("d", "n")

    def __init__(self, n: Decimal, d: Decimal = ONE) -> None:
        self.n = n
        self.d = d

    def cmp(self, t: Decimal) -> int:
        """-1, 0, 1 as n/d is below, on or above t, exactly."""
        rhs = t if self.d == ONE else EXACT.multiply(t, self.d)
        n = self.n
        return (n > rhs) - (n < rhs)

    def test(self, op: str, t: Decimal) -> bool:
        c = self.cmp(t)
        if op == "ge":
            return c >= 0
        if op == "le":
            return c <= 0
        if op == "gt":
            return c > 0
        return c < 0

    def decimal(self, places: int = 6) -> Decimal:
        """The value for display: exact when it has at most ``places`` decimals, else rounded."""
        value = self.n if self.d == ONE else DISPLAY.divide(self.n, self.d)
        return plain(value.quantize(Decimal(1).scaleb(-places), context=DISPLAY))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Q) and EXACT.multiply(self.n, other.d) == EXACT.multiply(other.n, self.d)

    def __hash__(self) -> int:
        return hash(self.decimal(12))

    def __repr__(self) -> str:
        return f"Q({self.n}/{self.d})"


class Span:
    """An unknown value known only to lie in [lo, hi]; None is an open (infinite) end."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: Q | None = None, hi: Q | None = None) -> None:
        self.lo = lo
        self.hi = hi

    def test(self, op: str, t: Decimal) -> Tri:
        lo, hi = self.lo, self.hi
        if op == "ge":
            if lo is not None and lo.cmp(t) >= 0:
                return True
            if hi is not None and hi.cmp(t) < 0:
                return False
        elif op == "gt":
            if lo is not None and lo.cmp(t) > 0:
                return True
            if hi is not None and hi.cmp(t) <= 0:
                return False
        elif op == "le":
            if hi is not None and hi.cmp(t) <= 0:
                return True
            if lo is not None and lo.cmp(t) > 0:
                return False
        else:  # lt
            if hi is not None and hi.cmp(t) < 0:
                return True
            if lo is not None and lo.cmp(t) >= 0:
                return False
        return None

    def __repr__(self) -> str:
        return f"Span({self.lo!r}, {self.hi!r})"


ANY: Final = Span()
Value = Q | Span


def test(value: Value, op: str, t: Decimal) -> Tri:
    return value.test(op, t)


def plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(ONE)
    return value.normalize()


def round_up(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_CEILING, context=DISPLAY)


def round_down(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_FLOOR, context=DISPLAY)


def fmt(value: Decimal) -> str:
    """A Decimal as plain text (no exponent)."""
    return format(plain(value), "f")


def fmt_pct(ratio: Decimal) -> str:
    """0.035 -> '3.5%'."""
    return fmt(ratio * 100) + "%"
