"""Condition nodes: checks on measures, flags, levels, qualifications and awards, combined with
Kleene all / any / at-least / when.

Nodes are built once per rule set (thresholds bound from its parameters) and evaluated many times;
each evaluation stores its value in ``ctx.outcomes`` so that gap analysis can see which checks
failed, and appends a trace line when ``ctx.explain``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from .evaluation import Ctx
from .inputs import QUALIFICATION_LABELS, RD_INSTITUTION_LEVELS, YEAR_FIELDS
from .measures import Boundary, Measure, input_label
from .quantity import OP_SYMBOLS, Q
from .result import Read, TraceLine
from .ruleset_schema import AwardSpec, Parameter, QualificationSpec
from .tri import Tri, and_, at_least, or_
from .wording import show_threshold

UNFIXABLE = 1000  # weight of a check no input change can pass (a scope, a bracket, an award)


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a failing check needs when no single number says it (a qualification, an award …)."""

    key: str
    zh: str
    en: str


Fix = tuple[int, tuple[Boundary | Requirement, ...]]  # (checks no change can pass, what is needed)
NO_FIX: Fix = (0, ())


class Node(Protocol):
    key: str
    zh: str
    en: str
    clause: str

    def evaluate(self, ctx: Ctx) -> Tri: ...

    def walk(self) -> Iterator[Node]: ...

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]: ...

    def fix(self, ctx: Ctx) -> Fix: ...


def label(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def _line(
    ctx: Ctx,
    node: Node,
    passed: Tri,
    *,
    reads: tuple[Read, ...] = (),
    value: Any = None,
    threshold: str | None = None,
    note: str | None = None,
) -> None:
    ctx.add(
        TraceLine(
            key=node.key,
            kind="check",
            label=label(node.zh, node.en),
            clause=node.clause,
            condition=ctx.condition,
            reads=reads,
            value=value,
            threshold=threshold,
            passed=passed,
            note=note,
        )
    )


class _Atom:
    """Shared behaviour of leaf checks."""

    __slots__ = ()

    def walk(self) -> Iterator[Node]:
        yield self  # type: ignore[misc]

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]:
        return ()

    def requirement(self) -> Requirement:
        node: Any = self
        return Requirement(node.key, node.zh, node.en)

    def fix(self, ctx: Ctx) -> Fix:
        if ctx.outcomes.get(id(self)) is not False:
            return NO_FIX
        options = self.candidates(ctx)
        if options:
            return 0, options[0]
        return UNFIXABLE, (self.requirement(),)


@dataclass(frozen=True, slots=True, eq=False)
class Compare(_Atom):
    key: str
    zh: str
    en: str
    clause: str
    measure: Measure
    op: str
    threshold: Decimal  # as the rule states it (display)
    t: Decimal  # as compared (a compound growth compares its ratio with (1+g)^n)
    lever: bool = True  # False for bracket selectors and ceilings: no change is recommended

    def evaluate(self, ctx: Ctx) -> Tri:
        e = self.measure.evaluate(ctx)
        result = e.value.test(self.op, self.t)
        ctx.outcomes[id(self)] = result
        if e.note:
            ctx.note(e.note)
        if ctx.explain:
            value = self.measure.display(e.value) if isinstance(e.value, Q) else None
            _line(ctx, self, result, reads=e.reads, value=value, threshold=self.describe(), note=e.note)
        return result

    def describe(self) -> str:
        return f"{OP_SYMBOLS[self.op]} {show_threshold(self.threshold, self.measure.unit)}"

    def requirement(self) -> Requirement:
        return Requirement(self.key, f"{self.zh} {self.describe()}", f"{self.en} {self.describe()}")

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]:
        if not self.lever:
            return ()
        found = self.measure.boundaries(ctx, self.op, self.t)
        return (found,) if found else ()


def compare(key: str, zh: str, en: str, measure: Measure, op: str, param: Parameter, *, lever: bool = True) -> Compare:
    threshold: Decimal = param.value
    return Compare(key, zh, en, param.clause, measure, op, threshold, measure.transform(threshold), lever)


@dataclass(frozen=True, slots=True, eq=False)
class Flag(_Atom):
    """An input that must be true (an enterprise flag, a yearly flag, a product flag, a qualification)."""

    key: str
    zh: str
    en: str
    clause: str
    name: str

    def evaluate(self, ctx: Ctx) -> Tri:
        value, read = ctx.lookup(self.name)
        ctx.outcomes[id(self)] = value
        if ctx.explain:
            _line(ctx, self, value, reads=(read,), value=value, threshold="true")
        return value

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]:
        value, read = ctx.fork(ctx.inputs).lookup(self.name)
        if value is not False:
            return ()
        zh, en, _ = input_label(self.name)
        return ((Boundary(read.input, read.year, False, True, None, "", zh, en),),)


@dataclass(frozen=True, slots=True, eq=False)
class LevelAtLeast(_Atom):
    """``rd_institution_level`` (data year) at or above a level."""

    key: str
    zh: str
    en: str
    clause: str
    minimum: str

    def evaluate(self, ctx: Ctx) -> Tri:
        level, read = ctx.read("rd_institution_level", ctx.year)
        result = None if level is None else _rank(level) >= _rank(self.minimum)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=(read,), value=level, threshold=f"≥ {self.minimum}")
        return result

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]:
        level = ctx.inputs.value("rd_institution_level", ctx.year)
        if level is None or _rank(level) >= _rank(self.minimum):
            return ()
        spec = YEAR_FIELDS["rd_institution_level"]
        return ((Boundary("rd_institution_level", ctx.year, level, self.minimum, None, "", spec.zh, spec.en),),)


def _rank(level: str) -> int:
    return RD_INSTITUTION_LEVELS.index(level)


def level_at_least(key: str, zh: str, en: str, param: Parameter) -> LevelAtLeast:
    return LevelAtLeast(key, zh, en, param.clause, param.value)


@dataclass(frozen=True, slots=True, eq=False)
class Held(_Atom):
    """A valid qualification on the assessment date."""

    key: str
    zh: str
    en: str
    clause: str
    spec: QualificationSpec

    def evaluate(self, ctx: Ctx) -> Tri:
        result, read = ctx.held(self.spec)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=(read,), value=read.value, threshold=self.spec.describe())
        return result

    def requirement(self) -> Requirement:
        zh = "或".join(QUALIFICATION_LABELS[k][0] for k in self.spec.kinds)
        en = " or ".join(QUALIFICATION_LABELS[k][1] for k in self.spec.kinds)
        levels = "" if self.spec.levels is None else f" ({'/'.join(self.spec.levels)})"
        return Requirement(self.key, f"取得有效的{zh}认定{levels}", f"obtain a valid {en} recognition{levels}")


def held(key: str, zh: str, en: str, param: Parameter) -> Held:
    return Held(key, zh, en, param.clause, param.value)


@dataclass(frozen=True, slots=True, eq=False)
class Won(_Atom):
    """An award of a kind and level within the window of years (ranked within a limit)."""

    key: str
    zh: str
    en: str
    clause: str
    spec: AwardSpec

    def evaluate(self, ctx: Ctx) -> Tri:
        result, read = ctx.won(self.spec)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=(read,), value=read.value, threshold=self.spec.describe())
        return result


def won(key: str, zh: str, en: str, param: Parameter) -> Won:
    return Won(key, zh, en, param.clause, param.value)


@dataclass(frozen=True, slots=True, eq=False)
class TextIs(_Atom):
    """An enterprise text field equal to a value (the registering district)."""

    key: str
    zh: str
    en: str
    clause: str
    name: str
    expected: str

    def evaluate(self, ctx: Ctx) -> Tri:
        value, read = ctx.read_enterprise(self.name)
        result = None if value is None else value == self.expected
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=(read,), value=value, threshold=f"= {self.expected}")
        return result


@dataclass(frozen=True, slots=True, eq=False)
class PrefixIn(_Atom):
    """An enterprise code starting with one of some prefixes (an industry scope)."""

    key: str
    zh: str
    en: str
    clause: str
    name: str
    prefixes: tuple[str, ...]

    def evaluate(self, ctx: Ctx) -> Tri:
        value, read = ctx.read_enterprise(self.name)
        result = None if value is None else value.upper().startswith(self.prefixes)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=(read,), value=value, threshold="starts with " + " | ".join(self.prefixes))
        return result


@dataclass(frozen=True, slots=True, eq=False)
class Computed(_Atom):
    """A check computed by a function of the context returning (result, reads, value, threshold).

    Used for a check that another rule set decides (an SME by ``size-2011``); ``delegate`` names that
    rule set, so that tools walking the compiled rules (the batch evaluator) know what it computes.
    """

    key: str
    zh: str
    en: str
    clause: str
    compute: Callable[[Ctx], tuple[Tri, tuple[Read, ...], Any, str]]
    delegate: str | None = None

    def evaluate(self, ctx: Ctx) -> Tri:
        index = len(ctx.trace)
        if ctx.explain:
            ctx.trace.append(None)
        result, reads, value, threshold = self.compute(ctx)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            _line(ctx, self, result, reads=reads, value=value, threshold=threshold)
            ctx.trace[index] = ctx.trace.pop()
        return result


# --- combinations ---------------------------------------------------------------------------------


class _Composite:
    __slots__ = ()
    children: tuple[Node, ...]
    key: str
    zh: str
    en: str
    clause: str

    def walk(self) -> Iterator[Node]:
        yield self  # type: ignore[misc]
        for child in self.children:
            yield from child.walk()

    def candidates(self, ctx: Ctx) -> tuple[tuple[Boundary, ...], ...]:
        return ()

    def _evaluate(self, ctx: Ctx, combine: Callable[[list[Tri]], Tri], threshold: str) -> Tri:
        index = len(ctx.trace)
        if ctx.explain:
            ctx.trace.append(None)
        values = [child.evaluate(ctx) for child in self.children]
        result = combine(values)
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            ctx.trace[index] = TraceLine(
                key=self.key,
                kind="check",
                label=label(self.zh, self.en),
                clause=self.clause,
                condition=ctx.condition,
                threshold=threshold,
                passed=result,
            )
        return result


@dataclass(frozen=True, slots=True, eq=False)
class AllOf(_Composite):
    key: str
    zh: str
    en: str
    clause: str
    children: tuple[Node, ...]

    def evaluate(self, ctx: Ctx) -> Tri:
        return self._evaluate(ctx, and_, "all of")

    def fix(self, ctx: Ctx) -> Fix:
        if ctx.outcomes.get(id(self)) is not False:
            return NO_FIX
        weight, needs = 0, []
        for child in self.children:
            w, n = child.fix(ctx)
            weight += w
            needs.extend(n)
        return weight, tuple(needs)


@dataclass(frozen=True, slots=True, eq=False)
class AnyOf(_Composite):
    key: str
    zh: str
    en: str
    clause: str
    children: tuple[Node, ...]

    def evaluate(self, ctx: Ctx) -> Tri:
        return self._evaluate(ctx, or_, "any of")

    def fix(self, ctx: Ctx) -> Fix:
        if ctx.outcomes.get(id(self)) is not False:
            return NO_FIX
        fixes = [child.fix(ctx) for child in self.children]
        return min(fixes, key=lambda f: (f[0], len(f[1])))


@dataclass(frozen=True, slots=True, eq=False)
class AtLeast(_Composite):
    key: str
    zh: str
    en: str
    clause: str
    count: int
    children: tuple[Node, ...]

    def evaluate(self, ctx: Ctx) -> Tri:
        return self._evaluate(ctx, lambda values: at_least(self.count, values), f"at least {self.count} of")

    def fix(self, ctx: Ctx) -> Fix:
        if ctx.outcomes.get(id(self)) is not False:
            return NO_FIX
        holding = sum(1 for child in self.children if ctx.outcomes.get(id(child)) is True)
        failing = sorted(
            (child.fix(ctx) for child in self.children if ctx.outcomes.get(id(child)) is False),
            key=lambda f: (f[0], len(f[1])),
        )[: self.count - holding]
        return sum(f[0] for f in failing), tuple(n for f in failing for n in f[1])


@dataclass(frozen=True, slots=True, eq=False)
class When(_Composite):
    """``then`` applies only when ``guard`` holds (a revenue bracket); a false guard fails it unread."""

    key: str
    zh: str
    en: str
    clause: str
    guard: Node
    then: Node

    @property
    def children(self) -> tuple[Node, ...]:  # type: ignore[override]
        return (self.guard, self.then)

    def evaluate(self, ctx: Ctx) -> Tri:
        index = len(ctx.trace)
        if ctx.explain:
            ctx.trace.append(None)
        guard = self.guard.evaluate(ctx)
        result = False if guard is False else and_((guard, self.then.evaluate(ctx)))
        ctx.outcomes[id(self)] = result
        if ctx.explain:
            ctx.trace[index] = TraceLine(
                key=self.key,
                kind="check",
                label=label(self.zh, self.en),
                clause=self.clause,
                condition=ctx.condition,
                threshold="applies when the guard holds",
                passed=result,
                note="not applicable" if guard is False else None,
            )
        return result

    def fix(self, ctx: Ctx) -> Fix:
        if ctx.outcomes.get(id(self)) is not False:
            return NO_FIX
        if ctx.outcomes.get(id(self.guard)) is False:
            return UNFIXABLE, (Requirement(self.guard.key, self.guard.zh, self.guard.en),)
        return self.then.fix(ctx)


@dataclass(frozen=True, slots=True, eq=False)
class Info(_Atom):
    """A recorded input shown in the trace that decides nothing ("checked by hand")."""

    key: str
    zh: str
    en: str
    clause: str
    names: tuple[str, ...]
    note: str

    def evaluate(self, ctx: Ctx) -> Tri:
        ctx.note(f"{self.en}: {self.note}")
        if ctx.explain:
            reads = tuple(Read(n, ctx.year, ctx.inputs.value(n, ctx.year)) for n in self.names)
            ctx.add(
                TraceLine(
                    key=self.key,
                    kind="info",
                    label=label(self.zh, self.en),
                    clause=self.clause,
                    condition=self.key,
                    reads=reads,
                    note=self.note,
                )
            )
        return None
