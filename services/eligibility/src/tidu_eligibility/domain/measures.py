"""Measures: the values rules compare (a field, a ratio, growth, sums, years in niche …).

A measure evaluates to an exact ``Q`` when its inputs are known, else to a ``Span`` of the values
the missing inputs allow (a sum with a missing year is at least the known part; a ratio with a
missing numerator is at least 0). It also knows its *lever* — the one input a firm can change to
move it (the numerator of a ratio, this year's value of a growth or a sum) — and the value that
input needs to put the measure on a threshold: ``boundaries`` (for gaps and margins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from .derived import (
    average_growth_q,
    compound_growth_from_ratio,
    compound_threshold,
    growth_q,
    last_years,
    whole_years,
    years_in_niche,
)
from .evaluation import Ctx
from .inputs import ENTERPRISE_FLAGS, MAIN_PRODUCT_LABELS, QUALIFICATION_LABELS, YEAR_FIELDS, FieldSpec
from .quantity import ANY, DISPLAY, EXACT, ONE, ZERO, Q, Span, Value, plain, round_down, round_up
from .result import Read
from .wording import WHOLE_UNITS

_FINE: Final = Decimal("0.0001")  # a lever value found by division is rounded to 1 yuan, towards passing


@dataclass(frozen=True, slots=True)
class Eval:
    value: Value
    reads: tuple[Read, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Boundary:
    """The value one input needs (towards passing) to put a measure on a threshold."""

    input: str
    year: int | None
    current: Any
    value: Any
    delta: Decimal | None  # in ``unit``; None for flags and levels
    unit: str
    label_zh: str
    label_en: str
    context_zh: str = ""
    context_en: str = ""


def input_label(name: str) -> tuple[str, str, str]:
    """(zh, en, unit) of an input name as rule data names it."""
    if name in YEAR_FIELDS:
        spec = YEAR_FIELDS[name]
        return spec.zh, spec.en, spec.unit
    if name in ENTERPRISE_FLAGS:
        return (*ENTERPRISE_FLAGS[name], "")
    if name.startswith("main_product."):
        return (*MAIN_PRODUCT_LABELS[name.split(".", 1)[1]], "")
    if name.startswith("qualification."):
        return (*QUALIFICATION_LABELS[name.split(".", 1)[1]], "")
    return name, name, ""


def _domain(spec: FieldSpec) -> Span:
    return Span(None if spec.lo is None else Q(spec.lo), None if spec.hi is None else Q(spec.hi))


_DOMAINS: Final = {name: _domain(spec) for name, spec in YEAR_FIELDS.items()}


def to_passing_side(value: Decimal, op: str, unit: str, *, exact: bool = True) -> Decimal | None:
    """The lever value itself, or the nearest value past it that passes (whole units, strict ops)."""
    whole = unit in WHOLE_UNITS
    if op in ("ge", "gt"):
        if whole:
            up = Decimal(math.ceil(value))
            return up + 1 if op == "gt" and up == value else up
        if op == "gt":
            return None
        return value if exact else round_up(value, _FINE)
    if whole:
        down = Decimal(math.floor(value))
        return down - 1 if op == "lt" and down == value else down
    if op == "lt":
        return None
    return value if exact else round_down(value, _FINE)


def _boundary(
    name: str, year: int, current: Decimal, value: Decimal | None, zh: str = "", en: str = ""
) -> Boundary | None:
    if value is None:
        return None
    lo = YEAR_FIELDS[name].lo
    if lo is not None and value < lo:
        value = lo
    spec = YEAR_FIELDS[name]
    return Boundary(name, year, current, plain(value), plain(value - current), spec.unit, spec.zh, spec.en, zh, en)


@dataclass(frozen=True, slots=True)
class Field:
    """A yearly input in the data year (or ``offset`` years before it)."""

    name: str
    offset: int = 0

    @property
    def unit(self) -> str:
        return YEAR_FIELDS[self.name].unit

    @property
    def label(self) -> tuple[str, str]:
        spec = YEAR_FIELDS[self.name]
        return spec.zh, spec.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        value, read = ctx.read(self.name, ctx.year - self.offset)
        return Eval(_DOMAINS[self.name] if value is None else Q(value), (read,))

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        year = ctx.year - self.offset
        current = ctx.inputs.value(self.name, year)
        if current is None:
            return None
        b = _boundary(self.name, year, current, to_passing_side(t, op, self.unit))
        return None if b is None else (b,)


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator / denominator in one year; lever: the numerator at this denominator."""

    numerator: str
    denominator: str
    zh: str
    en: str
    offset: int = 0
    unit: str = "ratio"

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        year = ctx.year - self.offset
        n, rn = ctx.read(self.numerator, year)
        d, rd = ctx.read(self.denominator, year)
        reads = (rn, rd)
        if d is None:
            return Eval(ANY, reads)
        if d == ZERO:
            return Eval(ANY, reads, f"{self.denominator}@{year} is 0: the ratio is undetermined")
        if n is None:
            dom = _DOMAINS[self.numerator]
            lo = None if dom.lo is None else Q(dom.lo.n, d)
            hi = None if dom.hi is None else Q(dom.hi.n, d)
            return Eval(Span(lo, hi), reads)
        return Eval(Q(n, d), reads)

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        year = ctx.year - self.offset
        n = ctx.inputs.value(self.numerator, year)
        d = ctx.inputs.value(self.denominator, year)
        if n is None or d is None or d <= ZERO:
            return None
        zh, en, _ = input_label(self.denominator)
        unit = YEAR_FIELDS[self.numerator].unit
        b = _boundary(
            self.numerator,
            year,
            n,
            to_passing_side(EXACT.multiply(t, d), op, unit),
            f"（按当前{zh}）",
            f" at the current {en}",
        )
        return None if b is None else (b,)


@dataclass(frozen=True, slots=True)
class Growth:
    """X(Y)/X(Y-1) - 1; lever: X(Y)."""

    name: str
    zh: str
    en: str
    unit: str = "ratio"

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        x, rx = ctx.read(self.name, ctx.year)
        p, rp = ctx.read(self.name, ctx.year - 1)
        reads = (rx, rp)
        q = growth_q(x, p)
        if q is not None:
            return Eval(q, reads)
        note = None if p is None or p > ZERO else f"{self.name}@{ctx.year - 1} is not positive: growth undetermined"
        return Eval(ANY, reads, note)

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        x = ctx.inputs.value(self.name, ctx.year)
        p = ctx.inputs.value(self.name, ctx.year - 1)
        if x is None or p is None or p <= ZERO:
            return None
        required = EXACT.multiply(EXACT.add(ONE, t), p)
        b = _boundary(
            self.name,
            ctx.year,
            x,
            to_passing_side(required, op, YEAR_FIELDS[self.name].unit),
            f"（相对{ctx.year - 1}年）",
            f" against {ctx.year - 1}",
        )
        return None if b is None else (b,)


@dataclass(frozen=True, slots=True)
class AverageGrowth:
    """Mean of the growth in Y and in Y-1; lever: X(Y)."""

    name: str
    zh: str
    en: str
    unit: str = "ratio"

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        y = ctx.year
        x, rx = ctx.read(self.name, y)
        p, rp = ctx.read(self.name, y - 1)
        q, rq = ctx.read(self.name, y - 2)
        reads = (rx, rp, rq)
        value = average_growth_q(x, p, q)
        if value is not None:
            return Eval(value, reads)
        bad = [f"{self.name}@{yy}" for v, yy in ((p, y - 1), (q, y - 2)) if v is not None and v <= ZERO]
        note = f"{', '.join(bad)} not positive: growth undetermined" if bad else None
        return Eval(ANY, reads, note)

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        y = ctx.year
        x, p, q = (ctx.inputs.value(self.name, yy) for yy in (y, y - 1, y - 2))
        if x is None or p is None or q is None or p <= ZERO or q <= ZERO:
            return None
        # x q + p^2 - 2 p q >= 2 t p q  <=>  x >= (2 + 2t) p - p^2 / q
        two_p = EXACT.multiply(EXACT.add(2, EXACT.multiply(2, t)), p)
        required = DISPLAY.subtract(two_p, DISPLAY.divide(EXACT.multiply(p, p), q))
        b = _boundary(
            self.name,
            y,
            x,
            to_passing_side(required, op, YEAR_FIELDS[self.name].unit, exact=False),
            f"（{y - 2}、{y - 1}年不变）",
            f" with {y - 2} and {y - 1} as they are",
        )
        return None if b is None else (b,)


@dataclass(frozen=True, slots=True)
class CompoundGrowth:
    """(X(Y)/X(Y-n))^(1/n) - 1, compared exactly as X(Y)/X(Y-n) against (1+g)^n; lever: X(Y)."""

    name: str
    years: int
    zh: str
    en: str
    unit: str = "ratio"

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return compound_threshold(t, self.years)

    def display(self, value: Q) -> Decimal:
        return plain(round_half(compound_growth_from_ratio(value, self.years)))

    def evaluate(self, ctx: Ctx) -> Eval:
        x, rx = ctx.read(self.name, ctx.year)
        base, rb = ctx.read(self.name, ctx.year - self.years)
        reads = (rx, rb)
        if x is None or base is None:
            return Eval(ANY, reads)
        if base <= ZERO:
            return Eval(ANY, reads, f"{self.name}@{ctx.year - self.years} is not positive: growth undetermined")
        return Eval(Q(x, base), reads)

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        x = ctx.inputs.value(self.name, ctx.year)
        base = ctx.inputs.value(self.name, ctx.year - self.years)
        if x is None or base is None or base <= ZERO:
            return None
        required = EXACT.multiply(t, base)
        b = _boundary(
            self.name,
            ctx.year,
            x,
            to_passing_side(required, op, YEAR_FIELDS[self.name].unit),
            f"（相对{ctx.year - self.years}年）",
            f" against {ctx.year - self.years}",
        )
        return None if b is None else (b,)


def round_half(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"), context=DISPLAY)


@dataclass(frozen=True, slots=True)
class YearsTotal:
    """Sum (or mean, ``average=True``) of a field over the data year and the years before; lever: X(Y)."""

    name: str
    years: int
    zh: str
    en: str
    average: bool = False

    @property
    def unit(self) -> str:
        return YEAR_FIELDS[self.name].unit

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        total = ZERO
        unknown = 0
        reads: list[Read] = []
        for year in last_years(ctx.year, self.years):
            value, read = ctx.read(self.name, year)
            reads.append(read)
            if value is None:
                unknown += 1
            else:
                total = EXACT.add(total, value)
        d = Decimal(self.years) if self.average else ONE
        if not unknown:
            return Eval(Q(total, d), tuple(reads))
        lo = YEAR_FIELDS[self.name].lo
        if lo is None:
            return Eval(ANY, tuple(reads))
        return Eval(Span(Q(EXACT.add(total, EXACT.multiply(lo, unknown)), d), None), tuple(reads))

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        values = [ctx.inputs.value(self.name, year) for year in last_years(ctx.year, self.years)]
        if any(v is None for v in values):
            return None
        target = EXACT.multiply(t, self.years) if self.average else t
        others = sum(values[1:], ZERO)
        required = EXACT.subtract(target, others)
        b = _boundary(
            self.name,
            ctx.year,
            values[0],
            to_passing_side(required, op, self.unit),
            "（其他年份不变）",
            " with the other years as they are",
        )
        return None if b is None else (b,)


def shift_years(day: date, years: int) -> date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class NicheYears:
    """Whole years in the niche market at the end of the data year; lever: time."""

    unit: str = "年"
    label: tuple[str, str] = ("从事细分市场年限", "years in the niche market")

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        since, read = ctx.read_enterprise("niche_market_since")
        years = years_in_niche(since, ctx.year)
        return Eval(Span(Q(ZERO), None) if years is None else Q(Decimal(years)), (read,))

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        since = ctx.inputs.enterprise.niche_market_since
        if since is None or op not in ("ge", "gt"):
            return None
        current = years_in_niche(since, ctx.year) or 0
        needed = to_passing_side(t, op, "年")
        assert needed is not None
        more = int(needed) - current
        return (
            Boundary(
                "niche_market_since",
                None,
                since,
                shift_years(since, -more),
                Decimal(more),
                "年",
                "从事细分市场年限",
                "years in the niche market",
                f"（最早以{ctx.year + more}年度数据申请）",
                f" (data year {ctx.year + more} at the earliest)",
            ),
        )


@dataclass(frozen=True, slots=True)
class RegisteredYears:
    """Whole years from registration to the assessment date; lever: time."""

    unit: str = "年"
    label: tuple[str, str] = ("注册年限", "years registered")

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        established, read = ctx.read_enterprise("established_on")
        if established is None:
            return Eval(Span(Q(ZERO), None), (read,))
        return Eval(Q(Decimal(whole_years(established, ctx.as_of))), (read,))

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        established = ctx.inputs.enterprise.established_on
        if established is None or op not in ("ge", "gt"):
            return None
        needed = to_passing_side(t, op, "年")
        assert needed is not None
        more = int(needed) - whole_years(established, ctx.as_of)
        reached = shift_years(established, int(needed))
        return (
            Boundary(
                "established_on",
                None,
                established,
                shift_years(established, -more),
                Decimal(more),
                "年",
                "注册年限",
                "years registered",
                f"（{reached.isoformat()}起满足）",
                f" (met from {reached.isoformat()})",
            ),
        )


@dataclass(frozen=True, slots=True)
class FlagCount:
    """How many of some flags hold; lever: obtaining the missing ones (several inputs)."""

    names: tuple[str, ...]
    zh: str
    en: str
    unit: str = "项"

    @property
    def label(self) -> tuple[str, str]:
        return self.zh, self.en

    def transform(self, t: Decimal) -> Decimal:
        return t

    def display(self, value: Q) -> Decimal:
        return value.decimal()

    def evaluate(self, ctx: Ctx) -> Eval:
        count = unknown = 0
        reads: list[Read] = []
        for name in self.names:
            value, read = ctx.lookup(name)
            reads.append(read)
            if value is None:
                unknown += 1
            elif value:
                count += 1
        if unknown:
            return Eval(Span(Q(Decimal(count)), Q(Decimal(count + unknown))), tuple(reads))
        return Eval(Q(Decimal(count)), tuple(reads))

    def boundaries(self, ctx: Ctx, op: str, t: Decimal) -> tuple[Boundary, ...] | None:
        if op not in ("ge", "gt"):
            return None
        values = [(name, *ctx.lookup(name)) for name in self.names]
        have = sum(1 for _, v, _ in values if v)
        needed = int(to_passing_side(t, op, "件") or 0) - have
        absent = [(name, read) for name, v, read in values if v is False]
        if needed <= 0 or len(absent) < needed:
            return None
        result = []
        for name, read in absent[:needed]:
            zh, en, _ = input_label(name)
            result.append(Boundary(read.input, read.year, False, True, None, "", zh, en))
        return tuple(result)


Measure = (
    Field | Ratio | Growth | AverageGrowth | CompoundGrowth | YearsTotal | NicheYears | RegisteredYears | FlagCount
)
