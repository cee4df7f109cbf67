"""A compiled rule set: prerequisites, conditions, an optional score with direct alternatives.

    decision = all(prerequisites) and all(conditions) [and (score passes or any alternative)]

Every rule set but ``size-2011`` is a Program; its evaluator module builds it once from the rule
set's parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from .conditions import AnyOf, Flag, Info, Node
from .evaluation import Ctx, check_input_name
from .result import TraceLine
from .ruleset_schema import GroupSpec, Parameter, RuleSet, RuleSetError
from .scoring import ScoreEval, Scoring
from .tri import Tri, and_, or_


@dataclass(frozen=True, slots=True, eq=False)
class Block:
    kind: str  # prerequisite | condition | alternative
    node: Node


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: Tri
    score: ScoreEval | None = None
    scored: Tri = None  # the score-or-alternatives part, where the rule set scores
    size_class: str | None = None


class Compiled(Protocol):
    ruleset: RuleSet

    def run(self, ctx: Ctx) -> Outcome: ...


ProgramLookup = Callable[[str, date], Compiled]  # (rule-set id, as_of) -> compiled rule set


@dataclass(frozen=True, eq=False)
class Program:
    ruleset: RuleSet
    prerequisites: tuple[Block, ...] = ()
    conditions: tuple[Block, ...] = ()
    scoring: Scoring | None = None
    alternatives: tuple[Block, ...] = ()
    records: tuple[Info, ...] = ()
    review_conditions: tuple[Block, ...] | None = None  # used instead of conditions in a 复核

    def blocks(self, ctx: Ctx) -> tuple[Block, ...]:
        conditions = self.conditions
        if ctx.review and self.review_conditions is not None:
            conditions = self.review_conditions
        return (*self.prerequisites, *conditions)

    def run(self, ctx: Ctx) -> Outcome:
        if ctx.review and self.review_conditions is None:
            ctx.note("this rule set has no separate re-review (复核) rules: the full conditions apply")
        values = [evaluate_block(ctx, block) for block in self.blocks(ctx)]
        score_eval: ScoreEval | None = None
        scored: Tri = None
        if self.scoring is not None:
            ctx.condition = "score"
            score_eval = self.scoring.evaluate(ctx)
            alternatives = [evaluate_block(ctx, block) for block in self.alternatives]
            scored = or_([score_eval.score.passed, *alternatives])
            if ctx.explain:
                ctx.add(
                    TraceLine(
                        key="score_or_alternative",
                        kind="condition",
                        label="得分达标或满足直通条件 / score reaches the pass mark, or a direct condition holds",
                        clause=self.scoring.clause,
                        condition="score_or_alternative",
                        threshold="any of",
                        passed=scored,
                    )
                )
            values.append(scored)
        for record in self.records:
            ctx.condition = record.key
            record.evaluate(ctx)
        ctx.condition = None
        return Outcome(and_(values), score_eval, scored)


def evaluate_block(ctx: Ctx, block: Block) -> Tri:
    ctx.condition = block.node.key
    index = len(ctx.trace)
    result = block.node.evaluate(ctx)
    if ctx.explain:
        line = ctx.trace[index]
        assert line is not None
        ctx.trace[index] = dataclasses.replace(line, kind=block.kind)
    return result


# --- helpers the evaluators share -----------------------------------------------------------------


def flags_any(key: str, zh: str, en: str, param: Parameter, ruleset: RuleSet) -> Node:
    """A list parameter of input names: true when any of them is."""
    names: tuple[str, ...] = param.value
    for name in names:
        problem = check_input_name(name)
        if problem:
            raise RuleSetError(ruleset.source, f"parameters.{param.name}.value", problem)
    flags = tuple(Flag(f"{key}.{name}", zh, en, param.clause, name) for name in names)
    if len(flags) == 1:
        return Flag(key, zh, en, param.clause, names[0])
    return AnyOf(key, zh, en, param.clause, flags)


def check_names(ruleset: RuleSet, param: str, names: tuple[str, ...]) -> None:
    for name in names:
        problem = check_input_name(name)
        if problem:
            raise RuleSetError(ruleset.source, f"parameters.{param}.value", problem)


def groups(ruleset: RuleSet, expected: tuple[str, ...]) -> tuple[GroupSpec, ...]:
    specs: tuple[GroupSpec, ...] = ruleset.value("groups")
    if tuple(g.key for g in specs) != expected:
        raise RuleSetError(ruleset.source, "parameters.groups.value", f"expected the groups {', '.join(expected)}")
    return specs


def check_level(ruleset: RuleSet, param: str, allowed: tuple[str, ...]) -> None:
    if ruleset.value(param) not in allowed:
        raise RuleSetError(ruleset.source, f"parameters.{param}.value", f"expected one of {', '.join(allowed)}")
