"""What a batch run evaluates, and the evaluation of one chunk (run off the event loop, in a
worker thread: building the engine inputs from raw rows and calling the domain's
:func:`~tidu_eligibility.domain.batch.assess_batch`).

The plan of a run: its targets for every enterprise in scope, and a district's own rule sets only
for the enterprises of that district (the event-driven path applies the same rule).

- a rule-set id: that id (if it is a district's own rule set: for that district's enterprises);
- a tier: the tier — the engine picks the rule set in force per enterprise (a district's pool rule
  set for its district; enterprises for which the tier has no rule set are counted, not assessed);
- neither: every rule set in force on the run's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tidu_eligibility.assessing import Outcome
from tidu_eligibility.domain.batch import BatchResult, assess_batch
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.inputs import InputError
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.rulebook import RuleBook
from tidu_eligibility.snapshots import EnterpriseData, assemble


@dataclass(frozen=True, slots=True)
class Plan:
    general: tuple[str, ...]  # targets (ids or a tier) for every enterprise in scope
    local: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (district, rule-set ids) of districts' own rule sets
    labels: tuple[str, ...] = ()  # id@version of the rule sets the plan can apply on its date


def plan_for(book: RuleBook, kind: str, target: str | None, as_of: dt.date) -> Plan:
    """Raises RuleSetNotFound when nothing applies."""
    if kind == "ruleset":
        assert target is not None
        rs = book.catalog.by_id(target, as_of)
        label = (f"{rs.id}@{rs.version}",)
        if rs.district is not None:
            return Plan((), ((rs.district, (rs.id,)),), label)
        return Plan((rs.id,), (), label)
    if kind == "tier":
        assert target is not None
        chosen = [rs for rs in book.all_in_force(as_of) if rs.tier == target]
        if not chosen:
            raise RuleSetNotFound(f"no {target} rule set in force on {as_of.isoformat()}")
        return Plan((target,), (), tuple(f"{rs.id}@{rs.version}" for rs in chosen))
    in_force = book.all_in_force(as_of)
    if not in_force:
        raise RuleSetNotFound(f"no rule set in force on {as_of.isoformat()}")
    local: dict[str, list[str]] = {}
    for rs in in_force:
        if rs.district is not None:
            local.setdefault(rs.district, []).append(rs.id)
    return Plan(
        tuple(rs.id for rs in in_force if rs.district is None),
        tuple((d, tuple(ids)) for d, ids in sorted(local.items())),
        tuple(f"{rs.id}@{rs.version}" for rs in in_force),
    )


@dataclass
class ChunkEvaluation:
    enterprises: dict[str, EnterpriseData]
    outcomes: list[Outcome] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # enterprises whose projection the engine rejects
    unassessed: int = 0  # enterprises no target applied to


def _assess(
    engine: Engine, targets: Sequence[str], as_of: dt.date, year: int, group: Sequence[EnterpriseData]
) -> tuple[list[BatchResult], list[str]]:
    try:
        return assess_batch(engine, targets, as_of, year, [d.inputs for d in group]), []
    except (InputError, ArithmeticError, ValueError):
        # rare (the registry validates what it publishes): assess one by one, set the offenders aside
        results: list[BatchResult] = []
        bad: list[str] = []
        for d in group:
            try:
                results += assess_batch(engine, targets, as_of, year, [d.inputs])
            except (InputError, ArithmeticError, ValueError):
                bad.append(d.uscc)
        return results, bad


def evaluate_chunk(
    book: RuleBook,
    plan: Plan,
    as_of: dt.date,
    year: int,
    profiles: Sequence[Any],
    years: Sequence[Any],
    quals: Sequence[Any],
) -> ChunkEvaluation:
    data = assemble(profiles, years, quals)
    out = ChunkEvaluation({d.uscc: d for d in data})
    results: list[BatchResult] = []
    if plan.general:
        got, bad = _assess(book.engine, plan.general, as_of, year, data)
        results += got
        out.invalid += bad
    for district, ids in plan.local:
        group = [d for d in data if d.district_code == district]
        if group:
            got, bad = _assess(book.engine, ids, as_of, year, group)
            results += got
            out.invalid += [u for u in bad if u not in out.invalid]
    tiers = _tiers(book)
    assessed: set[str] = set()
    for r in results:
        assessed.add(r.uscc)
        out.outcomes.append(
            Outcome(
                uscc=r.uscc,
                ruleset_id=r.ruleset_id,
                ruleset_version=r.ruleset_version,
                tier=tiers[r.ruleset_id],
                result=r.result,
                score=None if r.score is None else int(r.score),
                size_class=r.size_class,
                missing=tuple(r.missing),
            )
        )
    out.unassessed = sum(1 for d in data if d.uscc not in assessed and d.uscc not in out.invalid)
    return out


def _tiers(book: RuleBook) -> Mapping[str, str]:
    return {rs.id: rs.tier for rs in book.catalog.rulesets}
