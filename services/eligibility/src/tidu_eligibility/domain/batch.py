"""Assessing many enterprises at once (batch re-assessment): decisions only, no trace or gaps.

This is the interface the batch runs use. The reference implementation below evaluates each
enterprise with :class:`~tidu_eligibility.domain.engine.Engine` (``explain=False``); a faster
implementation may replace the body of :func:`assess_batch` as long as it returns exactly the
same results (the tests compare it with the engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tidu_eligibility.domain.engine import Engine


@dataclass(frozen=True, slots=True)
class BatchResult:
    uscc: str
    ruleset_id: str
    ruleset_version: int
    result: str  # eligible | not_eligible | undetermined
    score: Decimal | None
    size_class: str | None
    missing: tuple[str, ...]


def assess_batch(
    engine: Engine,
    targets: Sequence[str],
    as_of: date,
    year: int | None,
    enterprises: Iterable[Mapping[str, Any]],
) -> list[BatchResult]:
    """Assess every enterprise (an input dict as :func:`parse_inputs` takes, with
    ``enterprise.uscc`` set) under every target (rule-set id or tier). Targets that select no
    rule set for an enterprise (e.g. a district's own pool rule set elsewhere) are skipped."""
    from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound

    out: list[BatchResult] = []
    for data in enterprises:
        uscc = str(data["enterprise"]["uscc"])
        for target in targets:
            try:
                a = engine.evaluate(target, as_of, year, data, explain=False)
            except RuleSetNotFound:
                continue
            points = a.score.points if a.score is not None else None
            out.append(
                BatchResult(
                    uscc=uscc,
                    ruleset_id=a.ruleset.id,
                    ruleset_version=a.ruleset.version,
                    result=str(a.result),
                    score=Decimal(points) if points is not None else None,
                    size_class=a.size_class,
                    missing=a.missing if isinstance(a.missing, tuple) else tuple(a.missing),
                )
            )
    return out
