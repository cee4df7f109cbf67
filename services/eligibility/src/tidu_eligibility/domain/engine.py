"""The rule engine: pick the rule set, evaluate it, explain the answer.

    engine = Engine(load_rulesets())              # once, at start: load, validate, compile
    assessment = engine.evaluate("srdi", as_of=date(2026, 6, 1), inputs=data)
    assessment.to_dict()                          # JSON-ready

``target`` is a rule-set id (``srdi-2022``: that id's version for ``as_of``, even after its end date,
as a 复核 of an earlier cohort needs) or a tier (``size``, ``pool``, ``innovative``, ``srdi``,
``little_giant``: the rule set in force on ``as_of``; a district's pool rule set for its district).
The data year defaults to ``as_of.year - 1`` (上年度). ``explain=False`` skips the trace, the gaps
and the next tier (batch runs); the result, score and missing inputs are the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

from . import innovative, little_giant_2022, little_giant_2026, pool, size_class, srdi_2022, srdi_2026
from .evaluation import Ctx
from .gaps import analyse
from .inputs import Inputs, parse_inputs
from .ladder import next_tier
from .program import Compiled, ProgramLookup
from .result import Assessment, Result
from .ruleset_loader import Catalog, load_rulesets
from .ruleset_schema import TIERS, RuleSet

Builder = Callable[[RuleSet, ProgramLookup], Compiled]

BUILDERS: Final[Mapping[str, Builder]] = {
    "size_class": lambda rs, _: size_class.build(rs),
    "innovative": innovative.build,
    "srdi_2022": srdi_2022.build,
    "little_giant_2022": little_giant_2022.build,
    "srdi_2026": srdi_2026.build,
    "little_giant_2026": little_giant_2026.build,
    "pool": pool.build,
}


class Engine:
    """Compiled rule sets of a catalog; build once, evaluate many times (thread-safe: no shared state
    changes after construction)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._compiled: dict[tuple[str, int], Compiled] = {
            (rs.id, rs.version): BUILDERS[rs.evaluator](rs, self.program) for rs in catalog.rulesets
        }

    def program(self, ruleset_id: str, as_of: date) -> Compiled:
        rs = self.catalog.by_id(ruleset_id, as_of)
        return self._compiled[(rs.id, rs.version)]

    def compiled(self, ruleset: RuleSet) -> Compiled:
        """The compiled form of one of the catalog's rule sets (for batch evaluators that walk it)."""
        return self._compiled[(ruleset.id, ruleset.version)]

    def select(self, target: str, as_of: date, district: str | None = None) -> RuleSet:
        if target in TIERS:
            return self.catalog.by_tier(target, as_of, district)
        return self.catalog.by_id(target, as_of)

    def evaluate(
        self,
        target: str,
        as_of: date,
        year: int | None = None,
        inputs: Inputs | Mapping[str, Any] | None = None,
        *,
        review: bool = False,
        explain: bool = True,
    ) -> Assessment:
        parsed = parse_inputs(inputs if inputs is not None else {})
        ruleset = self.select(target, as_of, parsed.enterprise.district_code)
        program = self._compiled[(ruleset.id, ruleset.version)]
        data_year = as_of.year - 1 if year is None else year
        ctx = Ctx(parsed, as_of, data_year, review=review, explain=explain)
        if not ruleset.in_force(as_of):
            ctx.note(
                f"{ruleset.id} v{ruleset.version} ended on {ruleset.effective_to}: applied as asked "
                "(e.g. a re-review of a cohort recognised under it)"
            )
        outcome = program.run(ctx)
        result = Result.of(outcome.decision)
        return Assessment(
            ruleset=ruleset.ref,
            as_of=as_of,
            year=data_year,
            review=review,
            result=result,
            score=None if outcome.score is None else outcome.score.score,
            size_class=outcome.size_class,
            trace=tuple(line for line in ctx.trace if line is not None),
            missing=tuple(ctx.missing),
            gaps=analyse(program, ctx, outcome) if explain else (),
            next_tier=next_tier(parsed, as_of, ruleset.tier, result, self.catalog) if explain else None,
            notes=tuple(ctx.notes),
        )


@functools.cache
def default_engine() -> Engine:
    """The engine over the packaged rule sets, built on first use."""
    return Engine(load_rulesets())


def evaluate(
    target: str,
    as_of: date,
    year: int | None = None,
    inputs: Inputs | Mapping[str, Any] | None = None,
    *,
    review: bool = False,
    explain: bool = True,
) -> Assessment:
    """Evaluate with the packaged rule sets (see ``Engine.evaluate``)."""
    return default_engine().evaluate(target, as_of, year, inputs, review=review, explain=explain)
