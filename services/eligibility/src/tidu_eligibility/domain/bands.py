"""Band tables that turn a value into points, built once from rule-set data.

- ``BandTable``: thresholds on one value, best band first, each "≥ t" (or "≤ t" for values where
  lower is better); a value on a boundary takes the higher band.
- ``Cascade``: the first step whose inputs hold wins ("Ⅰ类 high-value ≥ 1 → 20; self-developed Ⅰ类 ≥ 1
  → 15; …"); a step holds when any of its inputs reaches ``at_least`` (true counts as 1).
- ``LevelTable``: points per level of a categorical input (R&D institution level).

Each also gives the bounds of its points when inputs are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .quantity import OP_SYMBOLS, Q, Value, fmt
from .tri import Tri


@dataclass(frozen=True, slots=True)
class BandTable:
    compare: str  # "ge" (higher is better) or "le" (lower is better)
    thresholds: tuple[Decimal, ...]  # best band first
    points: tuple[int, ...]
    else_points: int

    def index(self, value: Q) -> int:
        """Index of the band the value falls in; len(thresholds) for the else band."""
        op = self.compare
        for i, threshold in enumerate(self.thresholds):
            if value.test(op, threshold):
                return i
        return len(self.thresholds)

    def points_at(self, index: int) -> int:
        return self.points[index] if index < len(self.points) else self.else_points

    def points_for(self, value: Q) -> int:
        return self.points_at(self.index(value))

    def bounds(self, value: Value) -> tuple[int, int]:
        """Least and most points a value can earn (a Span: anywhere in its bounds)."""
        if isinstance(value, Q):
            p = self.points_for(value)
            return p, p
        worst_end, best_end = (value.lo, value.hi) if self.compare == "ge" else (value.hi, value.lo)
        least = self.else_points if worst_end is None else self.points_for(worst_end)
        most = self.points[0] if best_end is None else self.points_for(best_end)
        return least, most

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted({*self.points, self.else_points}))

    def mapped(self, transform: Callable[[Decimal], Decimal]) -> BandTable:
        return BandTable(self.compare, tuple(transform(t) for t in self.thresholds), self.points, self.else_points)

    def describe(self, show: Callable[[Decimal], str] = fmt) -> str:
        symbol = OP_SYMBOLS[self.compare]
        steps = [f"{symbol} {show(t)} → {p}" for t, p in zip(self.thresholds, self.points, strict=True)]
        return "; ".join([*steps, f"else {self.else_points}"])


@dataclass(frozen=True, slots=True)
class CascadeStep:
    inputs: tuple[str, ...]
    at_least: Decimal
    points: int


@dataclass(frozen=True, slots=True)
class Cascade:
    steps: tuple[CascadeStep, ...]
    else_points: int

    def step_holds(self, step: CascadeStep, values: Mapping[str, object]) -> Tri:
        unknown = False
        for name in step.inputs:
            value = values[name]
            if value is None:
                unknown = True
                continue
            number = Decimal(int(value)) if isinstance(value, bool) else value
            assert isinstance(number, Decimal)
            if number >= step.at_least:
                return True
        return None if unknown else False

    def bounds(self, values: Mapping[str, object]) -> tuple[int, int]:
        """Least and most points: steps in order, an undecided step may or may not be the one taken."""
        possible: list[int] = []
        for step in self.steps:
            holds = self.step_holds(step, values)
            if holds is True:
                possible.append(step.points)
                return min(possible), max(possible)
            if holds is None:
                possible.append(step.points)
        possible.append(self.else_points)
        return min(possible), max(possible)

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted({*(s.points for s in self.steps), self.else_points}))

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for step in self.steps for name in step.inputs))

    def describe(self) -> str:
        parts = [f"{' or '.join(_at_least(name, s.at_least) for name in s.inputs)} → {s.points}" for s in self.steps]
        return "; ".join([*parts, f"else {self.else_points}"])


@dataclass(frozen=True, slots=True)
class LevelTable:
    points: Mapping[str, int]  # level -> points

    def bounds(self, level: str | None) -> tuple[int, int]:
        if level is None:
            return min(self.points.values()), max(self.points.values())
        p = self.points[level]
        return p, p

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.points.values())))

    def describe(self) -> str:
        return "; ".join(f"{level} → {p}" for level, p in self.points.items())


def _at_least(name: str, at_least: Decimal) -> str:
    flag = name.startswith(("main_product.", "qualification.")) or name in ("own_brand", "independent_legal_person")
    return name if flag and at_least == 1 else f"{name} ≥ {fmt(at_least)}"
