"""Exact comparisons over columns: scaled integers, quotients and the three-valued logic as arrays.

Every number of a frame is an exact integer: a decimal input times ``SCALE`` (10^6, so 万元 to the
yuan and beyond), a count, a number of years. A measure is then one of

- ``IntVal``: v · unit (a field, a sum over years, an average, a count of flags, whole years);
- ``RatioVal``: n / d with d > 0 (a ratio, a growth as (x − p) / p, a compound ratio x / base);
- ``AvgGrowthVal``: (x q + p² − 2 p q) / (2 p q), the mean of two growths;

and a threshold t = a / b (an exact fraction of the rule set's Decimal) is compared by the sign of
b·n − a·d, never by dividing. Products that fit in int64 are computed there; the others (average
growth multiplies two amounts) in float64 with a bound on the rounding error, and the rows whose
estimate is within that bound of zero (a value on or next to the threshold) again in Python
integers. So a value exactly on a threshold is on it, as in the engine.

Three-valued results are int8 codes ordered so that Kleene logic is arithmetic: ``F`` = 0, ``U`` = 1
(undetermined), ``T`` = 2; and = minimum, or = maximum.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt

Bool = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

SCALE: Final = 10**6  # decimal inputs are stored as value · SCALE, exactly
F: Final = 0
U: Final = 1
T: Final = 2

_INT64_SAFE: Final = 2**62  # |products| below this cannot overflow int64 in b·n − a·d
_FLOAT_EXACT: Final = 2**53
_MARGIN: Final = 2.0**-44  # float estimate decided when |estimate| > margin · Σ|terms| (true error < 2^-49)


def tri_of(holds: Bool, known: Bool | None = None) -> I8:
    """T where holds, F where not, U where not known."""
    out = np.where(holds, np.int8(T), np.int8(F)).astype(np.int8, copy=False)
    if known is not None:
        out[~known] = U
    return out


def tri_all(values: Sequence[I8], n: int) -> I8:
    if not values:
        return np.full(n, T, np.int8)
    out = values[0].copy()
    for v in values[1:]:
        np.minimum(out, v, out=out)
    return out


def tri_any(values: Sequence[I8], n: int) -> I8:
    if not values:
        return np.full(n, F, np.int8)
    out = values[0].copy()
    for v in values[1:]:
        np.maximum(out, v, out=out)
    return out


def tri_at_least(count: int, values: Sequence[I8], n: int) -> I8:
    known = np.zeros(n, np.int32)
    possible = np.zeros(n, np.int32)
    for v in values:
        known += v == T
        possible += v != F
    out = np.full(n, U, np.int8)
    out[possible < count] = F
    out[known >= count] = T
    return out


class Arr:
    """An int64 column with its float64 view (exact below 2^53) and largest magnitude, computed once."""

    __slots__ = ("_f", "_maxabs", "i")

    def __init__(self, i: I64) -> None:
        self.i = i
        self._f: F64 | None = None
        self._maxabs: int | None = None

    @property
    def f(self) -> F64:
        if self._f is None:
            self._f = self.i.astype(np.float64)
        return self._f

    @property
    def maxabs(self) -> int:
        if self._maxabs is None:
            self._maxabs = int(np.abs(self.i).max()) if len(self.i) else 0
        return self._maxabs


def _fraction(t: Decimal | Fraction | int) -> tuple[int, int]:
    q = t if isinstance(t, Fraction) else Fraction(t)
    return q.numerator, q.denominator


def exact_sign(terms: Sequence[tuple[int, tuple[Arr, ...]]], mask: Bool) -> I8:
    """sign(Σ c · Π factors) per row: exact on the rows of ``mask`` (others: unspecified)."""
    n = len(mask)
    if any(abs(c) >= _FLOAT_EXACT for c, _ in terms):
        undecided = mask.copy()
        sign = np.zeros(n, np.int8)
    else:
        estimate = np.zeros(n, np.float64)
        magnitude = np.zeros(n, np.float64)
        for c, factors in terms:
            product = factors[0].f * float(c)
            for factor in factors[1:]:
                product = product * factor.f
            estimate += product
            magnitude += np.abs(product)
        sign = np.sign(estimate).astype(np.int8)
        undecided = mask & (np.abs(estimate) <= magnitude * _MARGIN)
    rows = np.flatnonzero(undecided)
    if len(rows):
        columns = [(c, [f.i[rows].tolist() for f in factors]) for c, factors in terms]
        for k, row in enumerate(rows.tolist()):
            total = 0
            for c, values in columns:
                product = c
                for v in values:
                    product *= v[k]
                total += product
            sign[row] = (total > 0) - (total < 0)
    return sign


class IntVal:
    """v · unit, v an exact int64 column, unit a positive fraction."""

    __slots__ = ("unit", "v")

    def __init__(self, v: Arr, unit: Fraction) -> None:
        self.v = v
        self.unit = unit

    def cmp(self, t: Decimal | Fraction, mask: Bool) -> I8:
        target = Fraction(t) / self.unit
        v = self.v.i
        if target.denominator == 1:
            k = target.numerator
            if k > _INT64_SAFE:
                return np.full(len(v), -1, np.int8)
            if k < -_INT64_SAFE:
                return np.full(len(v), 1, np.int8)
            return (v > k).astype(np.int8) - (v < k).astype(np.int8)
        floor = target.numerator // target.denominator
        if floor >= _INT64_SAFE:
            return np.full(len(v), -1, np.int8)
        if floor < -_INT64_SAFE:
            return np.full(len(v), 1, np.int8)
        return np.where(v > floor, np.int8(1), np.int8(-1)).astype(np.int8, copy=False)


class ConstVal:
    """The same exact value on every row (an input's domain bound)."""

    __slots__ = ("value",)

    def __init__(self, value: Decimal | Fraction) -> None:
        self.value = Fraction(value)

    def cmp(self, t: Decimal | Fraction, mask: Bool) -> I8:
        t = Fraction(t)
        return np.full(len(mask), (self.value > t) - (self.value < t), np.int8)


class RatioVal:
    """n / d with d > 0 on the rows where the value is known."""

    __slots__ = ("d", "n")

    def __init__(self, n: Arr, d: Arr) -> None:
        self.n = n
        self.d = d

    def cmp(self, t: Decimal | Fraction, mask: Bool) -> I8:
        a, b = _fraction(t)
        if self.n.maxabs * b < _INT64_SAFE and abs(a) * self.d.maxabs < _INT64_SAFE:
            lhs = self.n.i * b
            rhs = self.d.i * a
            return (lhs > rhs).astype(np.int8) - (lhs < rhs).astype(np.int8)
        return exact_sign(((b, (self.n,)), (-a, (self.d,))), mask)


class AvgGrowthVal:
    """(x q + p² − 2 p q) / (2 p q), p, q > 0: the mean of the growth in Y (x / p − 1) and in Y−1 (p / q − 1)."""

    __slots__ = ("p", "q", "x")

    def __init__(self, x: Arr, p: Arr, q: Arr) -> None:
        self.x = x
        self.p = p
        self.q = q

    def cmp(self, t: Decimal | Fraction, mask: Bool) -> I8:
        # x q + p² − 2 p q  vs  2 t p q   <=>   b x q + b p² − (2b + 2a) p q  vs  0
        a, b = _fraction(t)
        return exact_sign(((b, (self.x, self.q)), (b, (self.p, self.p)), (-(2 * b + 2 * a), (self.p, self.q))), mask)


Exact = IntVal | ConstVal | RatioVal | AvgGrowthVal


class VVal:
    """A measure over the rows: exact (``q``) where ``known``, else within [lo, hi] (None: open end).

    ``lo_has`` / ``hi_has`` say on which unknown rows that end is bounded.
    """

    __slots__ = ("hi", "hi_has", "known", "lo", "lo_has", "q")

    def __init__(
        self,
        known: Bool,
        q: Exact | None,
        lo: Exact | None = None,
        lo_has: Bool | None = None,
        hi: Exact | None = None,
        hi_has: Bool | None = None,
    ) -> None:
        self.known = known
        self.q = q
        self.lo = lo
        self.lo_has = lo_has if lo is not None else None
        self.hi = hi
        self.hi_has = hi_has if hi is not None else None

    @property
    def _q(self) -> Exact:
        assert self.q is not None
        return self.q


def _op(c: I8, op: str) -> Bool:
    if op == "ge":
        return c >= 0
    if op == "le":
        return c <= 0
    if op == "gt":
        return c > 0
    return c < 0


def test(value: VVal, op: str, t: Decimal | Fraction, rows: Bool) -> I8:
    """Q.test / Span.test per row (rows: where the answer is needed)."""
    n = len(rows)
    out = np.full(n, U, np.int8)
    known = value.known & rows
    if value.q is not None and known.any():
        hit = _op(value.q.cmp(t, known), op)
        out[known & hit] = T
        out[known & ~hit] = F
    unknown = rows & ~value.known
    if not unknown.any():
        return out
    lo_c = hi_c = None
    lo_on = hi_on = None
    if value.lo is not None:
        assert value.lo_has is not None
        lo_on = unknown & value.lo_has
        lo_c = value.lo.cmp(t, lo_on) if lo_on.any() else None
    if value.hi is not None:
        assert value.hi_has is not None
        hi_on = unknown & value.hi_has
        hi_c = value.hi.cmp(t, hi_on) if hi_on.any() else None
    # the same order of checks as Span.test: the "holds" end first, then the "fails" end
    if op in ("ge", "gt"):
        yes = lo_on & _op(lo_c, op) if lo_c is not None and lo_on is not None else None
        no = hi_on & ~_op(hi_c, op) if hi_c is not None and hi_on is not None else None
    else:
        yes = hi_on & _op(hi_c, op) if hi_c is not None and hi_on is not None else None
        no = lo_on & ~_op(lo_c, op) if lo_c is not None and lo_on is not None else None
    if no is not None:
        if yes is not None:
            no &= ~yes
        out[no] = F
    if yes is not None:
        out[yes] = T
    return out


def band_points(
    value: Exact, compare: str, thresholds: Sequence[Decimal], points: Sequence[int], else_points: int, rows: Bool
) -> npt.NDArray[np.int32]:
    """BandTable.points_for per row: the points of the first band whose threshold the value reaches."""
    out = np.full(len(rows), else_points, np.int32)
    for threshold, p in reversed(list(zip(thresholds, points, strict=True))):
        out[rows & _op(value.cmp(threshold, rows), compare)] = p
    return out


def band_bounds(
    value: VVal, compare: str, thresholds: Sequence[Decimal], points: Sequence[int], else_points: int, rows: Bool
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """BandTable.bounds per row: (least, most) points."""
    n = len(rows)
    least = np.full(n, else_points, np.int32)
    most = np.full(n, points[0], np.int32)
    known = rows & value.known
    if value.q is not None and known.any():
        p = band_points(value.q, compare, thresholds, points, else_points, known)
        least[known] = p[known]
        most[known] = p[known]
    unknown = rows & ~value.known
    if unknown.any():
        worst, worst_has, best, best_has = (
            (value.lo, value.lo_has, value.hi, value.hi_has)
            if compare == "ge"
            else (value.hi, value.hi_has, value.lo, value.lo_has)
        )
        if worst is not None and worst_has is not None:
            on = unknown & worst_has
            if on.any():
                least[on] = band_points(worst, compare, thresholds, points, else_points, on)[on]
        if best is not None and best_has is not None:
            on = unknown & best_has
            if on.any():
                most[on] = band_points(best, compare, thresholds, points, else_points, on)[on]
    return least, most
