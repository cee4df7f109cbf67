"""Evaluate a compiled rule set over a frame: the engine's semantics, one numpy pass per node.

The engine's compiled rule sets are plain data — condition nodes, measures, indicators, band tables —
and this module walks the same objects, so a rule set an operator edits is evaluated by both from
the same parameters. Each node gives an int8 column of three-valued results (``exact.F/U/T``); each
indicator its least and most points; each read of an input that is missing records a *site* (the
input's name and the rows that read it while it was missing), in the engine's order of reads, so
that ``missing`` comes out as the engine's ``ctx.missing``: every input read and not had, in the
order first read. Reads that the engine makes only on some rows (the inputs of a revenue bracket
whose guard holds; cascade steps below one that holds; the size measures of the firm's industry
category) are recorded only on those rows.

A node, measure or indicator type this module does not know raises ``Unsupported``; the caller then
leaves the rule set to the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .. import size_class as size_mod
from ..bands import BandTable, Cascade
from ..conditions import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Computed,
    Flag,
    Held,
    Info,
    LevelAtLeast,
    PrefixIn,
    TextIs,
    When,
    Won,
)
from ..derived import last_years
from ..inputs import QUALIFICATION_KINDS, RD_INSTITUTION_LEVELS, YEAR_FIELDS
from ..measures import (
    AverageGrowth,
    CompoundGrowth,
    Field,
    FlagCount,
    Growth,
    NicheYears,
    Ratio,
    RegisteredYears,
    YearsTotal,
)
from ..program import Compiled, Program
from ..ruleset_schema import AwardSpec, QualificationSpec
from ..scoring import (
    BandIndicator,
    BestOfIndicator,
    CascadeIndicator,
    InputPointsIndicator,
    LevelIndicator,
    Scoring,
)
from .exact import (
    I8,
    SCALE,
    Arr,
    AvgGrowthVal,
    Bool,
    ConstVal,
    IntVal,
    RatioVal,
    T,
    U,
    VVal,
    band_bounds,
    test,
    tri_all,
    tri_any,
    tri_at_least,
)
from .exact import F as FALSE
from .frame import DateCol, FlagCol, Frame, LevelCol, NumCol, TextCol

I32 = npt.NDArray[np.int32]
SIZE_CLASSES: Final = size_mod.CLASSES  # micro, small, medium, large
_PER_SCALE: Final = Fraction(1, SCALE)
_ONE: Final = Fraction(1)


class Unsupported(Exception):
    """The rule set uses something this evaluator does not implement: use the engine."""


@dataclass(frozen=True, slots=True)
class Columns:
    """What one rule set decided for every row of a frame (only ``rows`` are meaningful)."""

    decision: I8  # F / U / T
    score: npt.NDArray[np.int32] | None  # points where least == most, else -1; None: the rule set does not score
    size_class: npt.NDArray[np.int8] | None  # index in SIZE_CLASSES, -1 open; None: not a size rule set
    missing_code: I32  # index in missing_table
    missing_table: list[tuple[str, ...]]


ProgramLookup = Callable[[str, date], Compiled]


class VCtx:
    """The evaluation context over columns: frame, dates, the rows being evaluated, read sites."""

    def __init__(self, frame: Frame, as_of: date, year: int, review: bool, rows: Bool, programs: ProgramLookup) -> None:
        self.frame = frame
        self.n = frame.n
        self.as_of = as_of
        self.year = year
        self.review = review
        self.rows = rows
        self.active = rows
        self.programs = programs
        self.sites: list[tuple[str, Bool]] = []
        self._held: dict[tuple[Any, ...], tuple[I8, list[tuple[str, Bool]]]] = {}

    @contextmanager
    def only(self, rows: Bool) -> Iterator[None]:
        """Reads inside happen on ``rows`` only (within the current active rows)."""
        saved = self.active
        self.active = saved & rows
        try:
            yield
        finally:
            self.active = saved

    def _site(self, key: str, missing: Bool) -> None:
        m = missing & self.active
        if m.any():
            self.sites.append((key, m))

    # --- reads ------------------------------------------------------------------------------------

    def read(self, name: str, year: int) -> NumCol | FlagCol | LevelCol:
        col = self.frame.year_col(name, year)
        self._site(f"{name}@{year}", ~col.known)
        return col

    def read_num(self, name: str, year: int) -> NumCol:
        col = self.read(name, year)
        if not isinstance(col, NumCol):
            raise Unsupported(f"{name} is not a number")
        return col

    def read_enterprise(self, name: str) -> TextCol | DateCol | FlagCol:
        col = self.frame.enterprise.get(name)
        if col is None:
            raise Unsupported(f"enterprise field {name}")
        self._site(name, ~col.known)
        return col

    def lookup(self, name: str) -> NumCol | FlagCol | LevelCol | TextCol | DateCol:
        """Ctx.lookup: a yearly field (data year), an enterprise flag, main_product.<flag>, qualification.<kind>."""
        if name in YEAR_FIELDS:
            return self.read(name, self.year)
        if name.startswith("qualification."):
            kind = name.split(".", 1)[1]
            if kind not in QUALIFICATION_KINDS:
                raise Unsupported(name)
            return FlagCol(self.held(QualificationSpec((kind,), None), any_level=True))
        return self.read_enterprise(name)

    def lookup_flag(self, name: str) -> I8:
        col = self.lookup(name)
        if not isinstance(col, FlagCol):
            raise Unsupported(f"{name} is not a flag")
        return col.tri

    def held(self, spec: QualificationSpec, *, any_level: bool = False) -> I8:
        """Ctx.held: a valid qualification of the kinds (and levels) on the assessment date; a matching one
        without a level, where a level is required, leaves it open and is listed as missing."""
        key = (spec.kinds, spec.levels, any_level)
        if key not in self._held:
            q = self.frame.qualifications
            day = self.as_of.toordinal()
            match = q.kind_in(spec.kinds) & (q.granted <= day) & (day <= q.expires)
            if any_level or spec.levels is None:
                found, unknown = match, np.zeros(len(match), np.bool_)
            else:
                found = match & q.level_in(spec.levels)
                unknown = match & (q.level < 0)
            self._held[key] = self._listed(q.row, q.pos, found, unknown, "qualifications[{}].level")
        out, sites = self._held[key]
        for name, rows in sites:
            self._site(name, rows)
        return out

    def won(self, spec: AwardSpec) -> I8:
        """Ctx.won: an award of the kind and levels in the window (ranked within max_rank); one whose rank is
        not recorded, where a rank limit applies, leaves it open and is listed as missing."""
        key = ("award", spec)
        if key not in self._held:
            a = self.frame.awards
            window = last_years(self.year, spec.window_years)
            match = np.array(
                [k == spec.kind and lv in spec.levels for k, lv in zip(a.kind, a.level, strict=True)], np.bool_
            )
            if len(match):
                match &= np.isin(a.year, window)
            if spec.max_rank is None:
                found, unknown = match, np.zeros(len(match), np.bool_)
            else:
                found = match & (a.rank >= 1) & (a.rank <= spec.max_rank)
                unknown = match & (a.rank < 0)
            self._held[key] = self._listed(a.row, a.pos, found, unknown, "awards[{}].rank")
        out, sites = self._held[key]
        for name, rows in sites:
            self._site(name, rows)
        return out

    def _listed(
        self, row: npt.NDArray[np.int64], pos: npt.NDArray[np.int64], found: Bool, unknown: Bool, name: str
    ) -> tuple[I8, list[tuple[str, Bool]]]:
        """Per enterprise: T if any entry is found, else U if any is unknown, else F; and the unknown entries
        as missing-input sites, by their index in the enterprise's list (the engine's order)."""
        out = np.full(self.n, FALSE, np.int8)
        out[row[unknown]] = U
        out[row[found]] = T
        sites = []
        for p in np.unique(pos[unknown]).tolist():
            rows = np.zeros(self.n, np.bool_)
            rows[row[unknown & (pos == p)]] = True
            sites.append((name.format(p), rows))
        return out, sites

    # --- missing ----------------------------------------------------------------------------------

    def missing(self) -> tuple[I32, list[tuple[str, ...]]]:
        """Per row, the index of its missing tuple (the inputs read and not had, in the order first read)."""
        seen: dict[str, Bool] = {}
        effective: list[tuple[str, Bool]] = []
        for key, m in self.sites:
            before = seen.get(key)
            if before is None:
                seen[key] = m
                first = m
            else:
                first = m & ~before
                seen[key] = before | m
            if first.any():
                effective.append((key, first))
        if not effective:
            return np.zeros(self.n, np.int32), [()]
        words = []
        for start in range(0, len(effective), 63):
            word = np.zeros(self.n, np.uint64)
            for bit, (_, m) in enumerate(effective[start : start + 63]):
                word |= m.astype(np.uint64) << np.uint64(bit)
            words.append(word)
        if len(words) == 1:
            uniques, inverse = np.unique(words[0], return_inverse=True)
            patterns = [[int(u)] for u in uniques.tolist()]
        else:
            stacked = np.stack(words, axis=1)
            uniques2, inverse = np.unique(stacked, axis=0, return_inverse=True)
            patterns = [[int(w) for w in row] for row in uniques2.tolist()]
        table: list[tuple[str, ...]] = []
        for pattern in patterns:
            names = []
            for w, word in enumerate(pattern):
                bit = 0
                while word:
                    if word & 1:
                        names.append(effective[w * 63 + bit][0])
                    word >>= 1
                    bit += 1
            table.append(tuple(names))
        return inverse.reshape(-1).astype(np.int32), table


# --- measures -------------------------------------------------------------------------------------


def _domain(name: str) -> tuple[ConstVal | None, ConstVal | None]:
    spec = YEAR_FIELDS[name]
    return (None if spec.lo is None else ConstVal(spec.lo)), (None if spec.hi is None else ConstVal(spec.hi))


def _positive(col: NumCol) -> Bool:
    return col.known & (col.v.i > 0)


def measure(m: Any, ctx: VCtx) -> VVal:
    n = ctx.n
    everywhere = np.ones(n, np.bool_)
    if isinstance(m, Field):
        col = ctx.read_num(m.name, ctx.year - m.offset)
        lo, hi = _domain(m.name)
        return VVal(col.known, IntVal(col.v, _PER_SCALE), lo, everywhere, hi, everywhere)
    if isinstance(m, Ratio):
        year = ctx.year - m.offset
        num = ctx.read_num(m.numerator, year)
        den = ctx.read_num(m.denominator, year)
        usable = den.known & (den.v.i != 0)
        known = num.known & usable
        value = RatioVal(num.v, den.v)
        spec = YEAR_FIELDS[m.numerator]
        lo = hi = None
        if spec.lo is not None:
            lo = RatioVal(Arr(np.full(n, int(spec.lo * SCALE), np.int64)), den.v)
        if spec.hi is not None:
            hi = RatioVal(Arr(np.full(n, int(spec.hi * SCALE), np.int64)), den.v)
        bounded = ~num.known & usable
        return VVal(known, value, lo, bounded, hi, bounded)
    if isinstance(m, Growth):
        x = ctx.read_num(m.name, ctx.year)
        p = ctx.read_num(m.name, ctx.year - 1)
        return VVal(x.known & _positive(p), RatioVal(Arr(x.v.i - p.v.i), p.v))
    if isinstance(m, AverageGrowth):
        x = ctx.read_num(m.name, ctx.year)
        p = ctx.read_num(m.name, ctx.year - 1)
        q = ctx.read_num(m.name, ctx.year - 2)
        return VVal(x.known & _positive(p) & _positive(q), AvgGrowthVal(x.v, p.v, q.v))
    if isinstance(m, CompoundGrowth):
        x = ctx.read_num(m.name, ctx.year)
        base = ctx.read_num(m.name, ctx.year - m.years)
        return VVal(x.known & _positive(base), RatioVal(x.v, base.v))
    if isinstance(m, YearsTotal):
        total = np.zeros(n, np.int64)
        unknown = np.zeros(n, np.int64)
        for year in last_years(ctx.year, m.years):
            col = ctx.read_num(m.name, year)
            if col.v.maxabs * m.years >= 2**62:
                raise Unsupported("sum beyond int64")
            total += np.where(col.known, col.v.i, 0)
            unknown += ~col.known
        unit = _PER_SCALE / m.years if m.average else _PER_SCALE
        known = unknown == 0
        lo_bound = YEAR_FIELDS[m.name].lo
        if lo_bound is None:
            return VVal(known, IntVal(Arr(total), unit))
        lo = IntVal(Arr(total + int(lo_bound * SCALE) * unknown), unit)
        return VVal(known, IntVal(Arr(total), unit), lo, ~known)
    if isinstance(m, NicheYears):
        col = ctx.read_enterprise("niche_market_since")
        assert isinstance(col, DateCol)
        years = np.maximum(ctx.year + 1 - col.year - (col.md > 101), 0).astype(np.int64)
        return VVal(col.known, IntVal(Arr(years), _ONE), ConstVal(Decimal(0)), ~col.known)
    if isinstance(m, RegisteredYears):
        col = ctx.read_enterprise("established_on")
        assert isinstance(col, DateCol)
        as_md = ctx.as_of.month * 100 + ctx.as_of.day
        years = np.maximum(ctx.as_of.year - col.year - (as_md < col.md), 0).astype(np.int64)
        return VVal(col.known, IntVal(Arr(years), _ONE), ConstVal(Decimal(0)), ~col.known)
    if isinstance(m, FlagCount):
        count = np.zeros(n, np.int64)
        unknown = np.zeros(n, np.int64)
        for name in m.names:
            tri = ctx.lookup_flag(name)
            count += tri == T
            unknown += tri == U
        known = unknown == 0
        return VVal(
            known,
            IntVal(Arr(count), _ONE),
            IntVal(Arr(count), _ONE),
            ~known,
            IntVal(Arr(count + unknown), _ONE),
            ~known,
        )
    raise Unsupported(f"measure {type(m).__name__}")


# --- condition nodes ------------------------------------------------------------------------------


def node(x: Any, ctx: VCtx) -> I8:
    n = ctx.n
    if isinstance(x, Compare):
        return test(measure(x.measure, ctx), x.op, x.t, ctx.active)
    if isinstance(x, Flag):
        return ctx.lookup_flag(x.name)
    if isinstance(x, LevelAtLeast):
        col = ctx.read("rd_institution_level", ctx.year)
        assert isinstance(col, LevelCol)
        out = np.where(col.rank >= RD_INSTITUTION_LEVELS.index(x.minimum), np.int8(T), np.int8(FALSE))
        out[col.rank < 0] = U
        return out.astype(np.int8)
    if isinstance(x, Held):
        return ctx.held(x.spec)
    if isinstance(x, Won):
        return ctx.won(x.spec)
    if isinstance(x, TextIs):
        col = ctx.read_enterprise(x.name)
        if not isinstance(col, TextCol):
            raise Unsupported(f"{x.name} is not text")
        return col.map(lambda v: T if v == x.expected else FALSE, np.int8, U)
    if isinstance(x, PrefixIn):
        col = ctx.read_enterprise(x.name)
        if not isinstance(col, TextCol):
            raise Unsupported(f"{x.name} is not text")
        return col.map(lambda v: T if v.upper().startswith(x.prefixes) else FALSE, np.int8, U)
    if isinstance(x, Computed):
        delegate = getattr(x, "delegate", None)
        if delegate is None:
            raise Unsupported(f"computed check {x.key}")
        program = ctx.programs(delegate, ctx.as_of)
        if not isinstance(program, size_mod.SizeProgram):
            raise Unsupported(f"computed check {x.key} by {delegate}")
        return classify(program, ctx)[0]
    if isinstance(x, AllOf):
        return tri_all([node(c, ctx) for c in x.children], n)
    if isinstance(x, AnyOf):
        return tri_any([node(c, ctx) for c in x.children], n)
    if isinstance(x, AtLeast):
        return tri_at_least(x.count, [node(c, ctx) for c in x.children], n)
    if isinstance(x, When):
        guard = node(x.guard, ctx)
        with ctx.only(guard != FALSE):
            then = node(x.then, ctx)
        return np.where(guard == FALSE, np.int8(FALSE), np.minimum(guard, then)).astype(np.int8)
    raise Unsupported(f"node {type(x).__name__}")


# --- indicators and the score ---------------------------------------------------------------------

Points = tuple[I32, I32]


def _table_bounds(value: VVal, table: BandTable, rows: Bool) -> Points:
    return band_bounds(value, table.compare, table.thresholds, table.points, table.else_points, rows)


def _step_holds(step: Any, values: dict[str, Any]) -> I8:
    """Cascade.step_holds: any input at least ``at_least`` (true counts as 1); unknown if one is missing."""
    n = len(next(iter(values.values())).known)
    holds = np.zeros(n, np.bool_)
    unknown = np.zeros(n, np.bool_)
    for name in step.inputs:
        col = values[name]
        if isinstance(col, FlagCol):
            t = col.tri
            if Decimal(1) >= step.at_least:
                holds |= t == T
            if Decimal(0) >= step.at_least:
                holds |= t == FALSE
            unknown |= t == U
        elif isinstance(col, NumCol):
            holds |= col.known & (IntVal(col.v, _PER_SCALE).cmp(step.at_least, col.known) >= 0)
            unknown |= ~col.known
        else:
            raise Unsupported(f"cascade input {name}")
    out = np.full(n, FALSE, np.int8)
    out[unknown] = U
    out[holds] = T
    return out


def indicator(ind: Any, ctx: VCtx) -> Points:
    n = ctx.n
    rows = ctx.active
    if isinstance(ind, BandIndicator):
        return _table_bounds(measure(ind.measure, ctx), ind.compared, rows)
    if isinstance(ind, BestOfIndicator):
        lo = hi = None
        for m, table in ind.parts:
            a, b = _table_bounds(measure(m, ctx), table, rows)
            lo = a if lo is None else np.maximum(lo, a)
            hi = b if hi is None else np.maximum(hi, b)
        assert lo is not None and hi is not None
        return lo, hi
    if isinstance(ind, CascadeIndicator):
        cascade: Cascade = ind.cascade
        values: dict[str, Any] = {}
        going = np.ones(n, np.bool_)  # rows where no earlier step holds
        least = np.full(n, np.iinfo(np.int32).max, np.int32)
        most = np.full(n, np.iinfo(np.int32).min, np.int32)
        for step in cascade.steps:
            with ctx.only(going):
                for name in step.inputs:
                    if name not in values:
                        values[name] = ctx.lookup(name)
            holds = _step_holds(step, values)
            possible = going & (holds != FALSE)
            least[possible] = np.minimum(least[possible], step.points)
            most[possible] = np.maximum(most[possible], step.points)
            going = going & (holds != T)
        least[going] = np.minimum(least[going], cascade.else_points)
        most[going] = np.maximum(most[going], cascade.else_points)
        return least, most
    if isinstance(ind, LevelIndicator):
        col = ctx.read("rd_institution_level", ctx.year)
        assert isinstance(col, LevelCol)
        table = ind.table.points
        by_rank = np.array([table.get(level, 0) for level in RD_INSTITUTION_LEVELS], np.int32)
        if set(table) != set(RD_INSTITUTION_LEVELS):
            raise Unsupported("level table without every level")
        points = by_rank[np.maximum(col.rank, 0)]
        missing = col.rank < 0
        lo = np.where(missing, min(table.values()), points).astype(np.int32)
        hi = np.where(missing, max(table.values()), points).astype(np.int32)
        return lo, hi
    if isinstance(ind, InputPointsIndicator):
        col = ctx.read_num(ind.name, ctx.year)
        v = col.v.i
        whole = np.where(v >= 0, v // SCALE, -((-v) // SCALE))  # int(Decimal): towards zero
        points = np.minimum(whole, ind.maximum).astype(np.int32)
        lo = np.where(col.known, points, 0).astype(np.int32)
        hi = np.where(col.known, points, ind.maximum).astype(np.int32)
        return lo, hi
    raise Unsupported(f"indicator {type(ind).__name__}")


def _reaches(lo: I32, hi: I32, minimum: int | None) -> I8:
    out = np.full(len(lo), U, np.int8)
    if minimum is None:
        out[:] = T
        return out
    out[hi < minimum] = FALSE
    out[lo >= minimum] = T
    return out


def score(scoring: Scoring, ctx: VCtx) -> tuple[I32, I32, I8]:
    results = [indicator(ind, ctx) for ind in scoring.indicators]
    n = ctx.n
    keys = [g.key for g in scoring.groups]
    los = {k: np.zeros(n, np.int32) for k in keys}
    his = {k: np.zeros(n, np.int32) for k in keys}
    for ind, (lo, hi) in zip(scoring.indicators, results, strict=True):
        if ind.group not in los:
            raise Unsupported(f"indicator {ind.key} in an unknown group")
        los[ind.group] += lo
        his[ind.group] += hi
    passed = [_reaches(los[g.key], his[g.key], g.minimum) for g in scoring.groups]
    lo = sum((los[k] for k in keys), np.zeros(n, np.int32))
    hi = sum((his[k] for k in keys), np.zeros(n, np.int32))
    return lo, hi, tri_all([_reaches(lo, hi, scoring.pass_mark), *passed], n)


# --- size class -----------------------------------------------------------------------------------


def classify(program: size_mod.SizeProgram, ctx: VCtx) -> tuple[I8, npt.NDArray[np.int8]]:
    """SizeProgram.classify over the rows: (sme, size class index or -1)."""
    n = ctx.n
    col = ctx.read_enterprise("industry_code")
    if not isinstance(col, TextCol):
        raise Unsupported("industry_code is not text")
    categories = sorted({program.category(code) for code in col.uniques} - {size_mod.OUTSIDE})
    number = {c: i for i, c in enumerate(categories)}
    cat = col.map(lambda code: number.get(program.category(code), -1), np.int32, -1)
    sme = np.full(n, U, np.int8)
    cls = np.full(n, -1, np.int8)
    for category in categories:
        rows = cat == number[category]
        if not (rows & ctx.active).any():
            continue
        spec = program.tables[category].value
        with ctx.only(rows):
            values = {
                m: measure(Field(size_mod.MEASURE_FIELDS[m]), ctx)
                for m in dict.fromkeys((*spec.sme_if_any, *spec.medium_if_all))
            }
            active = ctx.active
            is_sme = tri_any([test(values[m], "lt", t, active) for m, t in spec.sme_if_any.items()], n)
            medium = tri_all([test(values[m], "ge", t, active) for m, t in spec.medium_if_all.items()], n)
            small = tri_all([test(values[m], "ge", t, active) for m, t in spec.small_if_all.items()], n)
        sme[rows] = is_sme[rows]
        # _possible: the classes the three answers allow; a class only when exactly one is possible
        large = is_sme != T
        could_sme = is_sme != FALSE
        med = could_sme & (medium != FALSE)
        below = could_sme & (medium != T)
        sm = below & (small != FALSE)
        mic = below & (small != T)
        count = large.astype(np.int8) + med + sm + mic
        one = rows & (count == 1)
        pick = np.where(mic, 0, np.where(sm, 1, np.where(med, 2, 3))).astype(np.int8)
        cls[one] = pick[one]
    return sme, cls


# --- programs -------------------------------------------------------------------------------------


def evaluate(
    program: Compiled, frame: Frame, as_of: date, year: int, review: bool, rows: Bool, programs: ProgramLookup
) -> Columns:
    """The decision, score, size class and missing inputs of every row in ``rows``."""
    ctx = VCtx(frame, as_of, year, review, rows, programs)
    if isinstance(program, size_mod.SizeProgram):
        sme, cls = classify(program, ctx)
        code, table = ctx.missing()
        return Columns(sme, None, cls, code, table)
    if not isinstance(program, Program):
        raise Unsupported(f"program {type(program).__name__}")
    n = frame.n
    conditions = program.conditions
    if review and program.review_conditions is not None:
        conditions = program.review_conditions
    values = [node(block.node, ctx) for block in (*program.prerequisites, *conditions)]
    points = None
    if program.scoring is not None:
        lo, hi, passed = score(program.scoring, ctx)
        alternatives = [node(block.node, ctx) for block in program.alternatives]
        values.append(tri_any([passed, *alternatives], n))
        points = np.where(lo == hi, lo, -1).astype(np.int32)
    for record in program.records:
        if not isinstance(record, Info):
            raise Unsupported(f"record {type(record).__name__}")
    code, table = ctx.missing()
    return Columns(tri_all(values, n), points, None, code, table)
