"""Scored rule sets: indicators giving points through band tables, grouped, against a pass mark.

With missing inputs each indicator gives the least and the most points it could earn; a group and
the total are then bounded by the sums, and the score passes, fails or stays open accordingly
(domain-rules §2: a score that cannot reach the pass mark whatever the missing indicators score
fails). Bounds are exact when no missing input feeds two indicators in opposite directions; when
one does (operating revenue missing under both a ratio and a floor) they stay sound but may leave
open an answer an exhaustive search would decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .bands import BandTable, Cascade, LevelTable
from .evaluation import Ctx
from .inputs import Inputs, Qualification
from .measures import Boundary, Measure, input_label
from .quantity import Q
from .result import GroupScore, Read, Score, TraceLine
from .ruleset_schema import GroupSpec, Parameter
from .tri import Tri, and_
from .wording import show_threshold


@dataclass(frozen=True, slots=True)
class Points:
    lo: int
    hi: int
    reads: tuple[Read, ...]
    value: Any = None
    note: str | None = None

    @property
    def known(self) -> int | None:
        return self.lo if self.lo == self.hi else None


@dataclass(frozen=True, slots=True)
class Upgrade:
    """Raising one indicator to ``points`` by ``changes`` (verified)."""

    points: int
    changes: tuple[Boundary, ...]


class Indicator(Protocol):
    key: str
    zh: str
    en: str
    group: str
    clause: str
    improvable: bool

    @property
    def levels(self) -> tuple[int, ...]: ...

    def points(self, ctx: Ctx) -> Points: ...

    def describe(self) -> str: ...

    def upgrades(self, ctx: Ctx) -> list[Upgrade]: ...


def apply(inputs: Inputs, change: Boundary, as_of: Any) -> Inputs:
    """The inputs with one change made."""
    if change.input.startswith("qualification."):
        return inputs.with_qualification(Qualification(kind=change.input.split(".", 1)[1], granted_on=as_of))
    if change.year is not None:
        return inputs.with_year_value(change.input, change.year, change.value)
    return inputs.with_enterprise_value(change.input, change.value)


def _verified(indicator: Indicator, ctx: Ctx, changes: tuple[Boundary, ...]) -> int | None:
    inputs = ctx.inputs
    for change in changes:
        inputs = apply(inputs, change, ctx.as_of)
    return indicator.points(ctx.fork(inputs)).known


def _keep_best(
    found: dict[int, Upgrade], indicator: Indicator, ctx: Ctx, changes: tuple[Boundary, ...], current: int
) -> None:
    points = _verified(indicator, ctx, changes)
    if points is None or points <= current:
        return
    old = found.get(points)
    if old is None or _size(changes) < _size(old.changes):
        found[points] = Upgrade(points, changes)


def _size(changes: tuple[Boundary, ...]) -> tuple[int, Any]:
    deltas = [abs(c.delta) for c in changes if c.delta is not None]
    return len(changes), sum(deltas) if deltas else 0


@dataclass(frozen=True, slots=True, eq=False)
class BandIndicator:
    key: str
    zh: str
    en: str
    group: str
    clause: str
    measure: Measure
    table: BandTable  # as stated
    compared: BandTable  # thresholds as compared (measure.transform)
    improvable: bool = True

    @property
    def levels(self) -> tuple[int, ...]:
        return self.table.levels

    def points(self, ctx: Ctx) -> Points:
        e = self.measure.evaluate(ctx)
        lo, hi = self.compared.bounds(e.value)
        value = self.measure.display(e.value) if ctx.explain and isinstance(e.value, Q) else None
        return Points(lo, hi, e.reads, value, e.note)

    def describe(self) -> str:
        return self.table.describe(lambda t: show_threshold(t, self.measure.unit))

    def upgrades(self, ctx: Ctx) -> list[Upgrade]:
        current = self.points(ctx).known
        if current is None:
            return []
        found: dict[int, Upgrade] = {}
        for threshold, points in zip(self.compared.thresholds, self.compared.points, strict=True):
            if points <= current:
                continue
            changes = self.measure.boundaries(ctx, self.compared.compare, threshold)
            if changes:
                _keep_best(found, self, ctx, changes, current)
        return sorted(found.values(), key=lambda u: u.points)


def band_indicator(
    key: str, zh: str, en: str, group: str, measure: Measure, param: Parameter, *, improvable: bool = True
) -> BandIndicator:
    table: BandTable = param.value
    return BandIndicator(key, zh, en, group, param.clause, measure, table, table.mapped(measure.transform), improvable)


@dataclass(frozen=True, slots=True, eq=False)
class BestOfIndicator:
    """The better of several band tables on several measures (R&D amount or ratio)."""

    key: str
    zh: str
    en: str
    group: str
    clause: str
    parts: tuple[tuple[Measure, BandTable], ...]
    improvable: bool = True

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted({p for _, table in self.parts for p in table.levels}))

    def points(self, ctx: Ctx) -> Points:
        lo = hi = None
        reads: list[Read] = []
        values: list[str] = []
        note = None
        for measure, table in self.parts:
            e = measure.evaluate(ctx)
            a, b = table.bounds(e.value)
            lo = a if lo is None else max(lo, a)
            hi = b if hi is None else max(hi, b)
            reads.extend(r for r in e.reads if r not in reads)
            if ctx.explain and isinstance(e.value, Q):
                values.append(str(measure.display(e.value)))
            note = note or e.note
        assert lo is not None and hi is not None
        return Points(lo, hi, tuple(reads), " | ".join(values) or None, note)

    def describe(self) -> str:
        return " | ".join(table.describe(lambda t, m=m: show_threshold(t, m.unit)) for m, table in self.parts)

    def upgrades(self, ctx: Ctx) -> list[Upgrade]:
        current = self.points(ctx).known
        if current is None:
            return []
        found: dict[int, Upgrade] = {}
        for measure, table in self.parts:
            for threshold, points in zip(table.thresholds, table.points, strict=True):
                if points <= current:
                    continue
                changes = measure.boundaries(ctx, table.compare, threshold)
                if changes:
                    _keep_best(found, self, ctx, changes, current)
        return sorted(found.values(), key=lambda u: u.points)


@dataclass(frozen=True, slots=True, eq=False)
class CascadeIndicator:
    key: str
    zh: str
    en: str
    group: str
    clause: str
    cascade: Cascade
    improvable: bool = True

    @property
    def levels(self) -> tuple[int, ...]:
        return self.cascade.levels

    def points(self, ctx: Ctx) -> Points:
        """Steps are read in order up to the first that holds: the inputs of later steps are not needed."""
        values: dict[str, Any] = {}
        reads: list[Read] = []
        for step in self.cascade.steps:
            for name in step.inputs:
                if name not in values:
                    values[name], read = ctx.lookup(name)
                    reads.append(read)
            if self.cascade.step_holds(step, values) is True:
                break
        for name in self.cascade.input_names:
            values.setdefault(name, False)  # unread: below a step that holds, never consulted
        lo, hi = self.cascade.bounds(values)
        return Points(lo, hi, tuple(reads))

    def describe(self) -> str:
        return self.cascade.describe()

    def upgrades(self, ctx: Ctx) -> list[Upgrade]:
        current = self.points(ctx).known
        if current is None:
            return []
        quiet = ctx.fork(ctx.inputs)
        found: dict[int, Upgrade] = {}
        for step in self.cascade.steps:
            if step.points <= current:
                continue
            for name in step.inputs:
                value, read = quiet.lookup(name)
                zh, en, unit = input_label(name)
                if isinstance(value, bool):
                    if value:
                        continue
                    change = Boundary(read.input, read.year, False, True, None, "", zh, en)
                elif value is None or value >= step.at_least:
                    continue
                else:
                    change = Boundary(read.input, read.year, value, step.at_least, step.at_least - value, unit, zh, en)
                _keep_best(found, self, ctx, (change,), current)
        return sorted(found.values(), key=lambda u: u.points)


@dataclass(frozen=True, slots=True, eq=False)
class LevelIndicator:
    key: str
    zh: str
    en: str
    group: str
    clause: str
    table: LevelTable
    improvable: bool = True

    @property
    def levels(self) -> tuple[int, ...]:
        return self.table.levels

    def points(self, ctx: Ctx) -> Points:
        level, read = ctx.read("rd_institution_level", ctx.year)
        lo, hi = self.table.bounds(level)
        return Points(lo, hi, (read,), level)

    def describe(self) -> str:
        return self.table.describe()

    def upgrades(self, ctx: Ctx) -> list[Upgrade]:
        level = ctx.inputs.value("rd_institution_level", ctx.year)
        if level is None:
            return []
        current = self.table.points[level]
        zh, en, _ = input_label("rd_institution_level")
        found: dict[int, Upgrade] = {}
        for target, points in self.table.points.items():
            if points > current:
                change = Boundary("rd_institution_level", ctx.year, level, target, None, "", zh, en)
                _keep_best(found, self, ctx, (change,), current)
        return sorted(found.values(), key=lambda u: u.points)


@dataclass(frozen=True, slots=True, eq=False)
class InputPointsIndicator:
    """Points recorded as an input (the operator-entered 特色化 score), capped at a maximum."""

    key: str
    zh: str
    en: str
    group: str
    clause: str
    name: str
    maximum: int
    improvable: bool = False

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(self.maximum + 1))

    def points(self, ctx: Ctx) -> Points:
        value, read = ctx.read(self.name, ctx.year)
        if value is None:
            return Points(0, self.maximum, (read,))
        points = min(int(value), self.maximum)
        return Points(points, points, (read,), value)

    def describe(self) -> str:
        return f"recorded points, 0-{self.maximum}"

    def upgrades(self, ctx: Ctx) -> list[Upgrade]:
        return []


@dataclass(frozen=True, slots=True)
class ScoreEval:
    score: Score
    points: tuple[Points, ...]  # per indicator, in order


@dataclass(frozen=True, slots=True, eq=False)
class Scoring:
    indicators: tuple[Indicator, ...]
    groups: tuple[GroupSpec, ...]
    pass_mark: int
    clause: str

    def evaluate(self, ctx: Ctx) -> ScoreEval:
        results = tuple(indicator.points(ctx) for indicator in self.indicators)
        score = self.total(results)
        if ctx.explain:
            self._trace(ctx, results, score)
        for r in results:
            if r.note:
                ctx.note(r.note)
        return ScoreEval(score, results)

    def total(self, results: tuple[Points, ...]) -> Score:
        los = dict.fromkeys(self._group_keys, 0)
        his = dict.fromkeys(self._group_keys, 0)
        for indicator, r in zip(self.indicators, results, strict=True):
            los[indicator.group] += r.lo
            his[indicator.group] += r.hi
        groups = tuple(
            GroupScore(
                key=group.key,
                label=group.label,
                points=los[group.key] if los[group.key] == his[group.key] else None,
                points_min=los[group.key],
                points_max=his[group.key],
                maximum=group.maximum,
                minimum=group.minimum,
                passed=_reaches(los[group.key], his[group.key], group.minimum),
            )
            for group in self.groups
        )
        lo = sum(los.values())
        hi = sum(his.values())
        passed = and_([_reaches(lo, hi, self.pass_mark), *(g.passed for g in groups)])
        return Score(lo if lo == hi else None, lo, hi, self.pass_mark, passed, groups)

    @property
    def _group_keys(self) -> tuple[str, ...]:
        return tuple(g.key for g in self.groups)

    def _trace(self, ctx: Ctx, results: tuple[Points, ...], score: Score) -> None:
        for indicator, r in zip(self.indicators, results, strict=True):
            ctx.add(
                TraceLine(
                    key=indicator.key,
                    kind="indicator",
                    label=f"{indicator.zh} / {indicator.en}",
                    clause=indicator.clause,
                    condition=f"score.{indicator.group}",
                    reads=r.reads,
                    value=r.value,
                    threshold=indicator.describe(),
                    points=r.known,
                    points_range=None if r.known is not None else (r.lo, r.hi),
                    note=r.note,
                )
            )
        for g in score.groups:
            ctx.add(
                TraceLine(
                    key=f"score.{g.key}",
                    kind="group",
                    label=g.label,
                    clause=self.clause,
                    condition="score",
                    threshold=None if g.minimum is None else f"≥ {g.minimum}",
                    points=g.points,
                    points_range=None if g.points is not None else (g.points_min, g.points_max),
                    passed=g.passed,
                )
            )
        ctx.add(
            TraceLine(
                key="score",
                kind="score",
                label="总分 / score",
                clause=self.clause,
                condition="score",
                threshold=f"≥ {self.pass_mark}",
                points=score.points,
                points_range=None if score.points is not None else (score.points_min, score.points_max),
                passed=score.passed,
            )
        )


def _reaches(lo: int, hi: int, minimum: int | None) -> Tri:
    if minimum is None or lo >= minimum:
        return True
    if hi < minimum:
        return False
    return None
