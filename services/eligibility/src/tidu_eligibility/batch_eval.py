"""What a batch run evaluates, and the evaluation of one chunk (run off the event loop, in a
worker thread).

A chunk is evaluated in columns: the projection rows become a ``Frame`` (``Frame.from_columns``:
no per-enterprise input dicts) assessed under the plan's rule sets with the domain's
``assess_columns``; the engine input dict of an enterprise is built only when its result is
recorded (it changed). The answers are the engine's (the domain's equivalence tests, and the
service's own in tests/unit/test_batch_eval_columns.py). A chunk holding an input the engine rejects
is evaluated enterprise by enterprise instead (:func:`~tidu_eligibility.domain.batch.assess_batch`),
the offenders set aside, as before.

The plan of a run: its targets for every enterprise in scope, and a district's own rule sets only
for the enterprises of that district (the event-driven path applies the same rule).

- a rule-set id: that id (if it is a district's own rule set: for that district's enterprises);
- a tier: the tier — the engine picks the rule set in force per enterprise (a district's pool rule
  set for its district; enterprises for which the tier has no rule set are counted, not assessed);
- neither: every rule set in force on the run's date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from tidu_eligibility.assessing import Outcome
from tidu_eligibility.domain.batch import BatchResult, RuleSetResults, assess_batch, assess_columns
from tidu_eligibility.domain.columnar.frame import Frame
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.inputs import YEAR_FIELDS, InputError
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.rulebook import RuleBook
from tidu_eligibility.snapshots import (
    MAIN_PRODUCT_FLAGS,
    EnterpriseData,
    group,
    qualification_inputs,
    time_honoured_inputs,
)


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
    """The chunk's outcomes (enterprise by enterprise, target by target; then the districts' own
    rule sets district by district), the enterprises set aside and those no target applied to."""
    data = group(profiles, years, quals)
    try:
        return _in_columns(book, plan, as_of, year, data)
    except (InputError, ArithmeticError, ValueError):
        for d in data:
            d.ensure_inputs()
        return _by_enterprise(book, plan, as_of, year, data)


def _in_columns(book: RuleBook, plan: Plan, as_of: dt.date, year: int, data: list[EnterpriseData]) -> ChunkEvaluation:
    out = ChunkEvaluation({d.uscc: d for d in data})
    if not data:
        return out
    frame = frame_of(data)
    engine = book.engine
    tiers = _tiers(book)
    ordered: list[Outcome] = []
    if plan.general:
        ordered += _outcomes(assess_columns(engine, plan.general, as_of, year, frame), frame.uscc, tiers, None)
    districts = np.array([d.district_code or "" for d in data], dtype=object)
    for district, ids in plan.local:
        rows = districts == district
        if rows.any():
            ordered += _outcomes(assess_columns(engine, ids, as_of, year, frame), frame.uscc, tiers, rows)
    out.outcomes = ordered
    assessed = {o.uscc for o in ordered}
    out.unassessed = len(data) - len(assessed)
    return out


def _outcomes(results: list[RuleSetResults], uscc: Sequence[str], tiers: Mapping[str, str], only: Any) -> list[Outcome]:
    """Outcomes of ``results`` enterprise by enterprise, target by target (``results`` come target by
    target, rows ascending), for the rows where ``only`` is true when given."""
    per_row: list[list[Outcome]] = [[] for _ in uscc]
    for r in results:
        rid, version, tier = r.ruleset_id, r.ruleset_version, tiers[r.ruleset_id]
        scores = [None] * len(r.rows) if r.score is None else [None if p < 0 else p for p in r.score.tolist()]
        for row, result, score, size, missing in zip(
            r.rows.tolist(), r.results(), scores, r.size_classes(), r.missing(), strict=True
        ):
            if only is None or only[row]:
                per_row[row].append(Outcome(uscc[row], rid, version, tier, result, score, size, missing))
    return [o for outcomes in per_row for o in outcomes]


def _by_enterprise(
    book: RuleBook, plan: Plan, as_of: dt.date, year: int, data: list[EnterpriseData]
) -> ChunkEvaluation:
    """Enterprise input dicts through ``assess_batch``; the enterprises the engine rejects set aside."""
    out = ChunkEvaluation({d.uscc: d for d in data})
    results: list[BatchResult] = []
    if plan.general:
        got, bad = _assess(book.engine, plan.general, as_of, year, data)
        results += got
        out.invalid += bad
    for district, ids in plan.local:
        members = [d for d in data if d.district_code == district]
        if members:
            got, bad = _assess(book.engine, ids, as_of, year, members)
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


# --- rows to columns ---------------------------------------------------------------------------------

_DECIMAL_DIGITS = 15  # a decimal text of at most this many characters is read exactly through a float


def frame_of(data: Sequence[EnterpriseData]) -> Frame:
    """The chunk as columns, each value the one :func:`~tidu_eligibility.snapshots.build_inputs`
    would give the engine (raises the engine's InputError for the first enterprise it rejects)."""
    n = len(data)
    profiles = [d.profile for d in data]
    enterprise: dict[str, Any] = {
        "district_code": [p.district_code for p in profiles],
        "industry_code": [p.industry_code for p in profiles],
        "established_on": [_iso(p.established_on) for p in profiles],
        "niche_market_since": [_iso(p.niche_market_since) for p in profiles],
        "independent_legal_person": [p.independent_legal_person for p in profiles],
        "own_brand": [p.own_brand for p in profiles],
    }
    for flag in MAIN_PRODUCT_FLAGS:
        enterprise[f"main_product.{flag}"] = [getattr(p, flag) for p in profiles]
    docs: dict[int, list[dict[str, Any]]] = {}  # year -> each row's reported values ({} where none)
    for i, d in enumerate(data):
        for y in d.years:
            rows = docs.get(y.year)
            if rows is None:
                rows = docs[int(y.year)] = [_NOTHING] * n
            rows[i] = orjson.loads(y.indicator_values)
    year_columns: dict[int, dict[str, Any]] = {}
    for y, rows in docs.items():
        columns = year_columns[y] = {}
        for name, spec in YEAR_FIELDS.items():
            values = [r.get(name) for r in rows]
            if values.count(None) < n:  # a field nobody reported stays unknown
                columns[name] = _numbers(spec.kind, values) if spec.kind == "decimal" else values
    q: dict[str, list[Any]] = {"row": [], "kind": [], "level": [], "granted_on": [], "expires_on": []}
    for i, d in enumerate(data):
        held = [v for v in (qualification_inputs(x) for x in d.quals) if v is not None]
        th = time_honoured_inputs(d.profile)
        if th is not None:
            held.append(th)
        for v in held:
            q["row"].append(i)
            q["kind"].append(v["kind"])
            q["level"].append(v.get("level"))
            q["granted_on"].append(v["granted_on"])
            q["expires_on"].append(v.get("expires_on"))
    return Frame.from_columns([d.uscc for d in data], enterprise, year_columns, q, None)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _numbers(kind: str, values: list[Any]) -> Any:
    """A decimal field stored as exact texts ("1234.56"): a float64 column (NaN unknown) when every
    value is a plain number text short enough to be read back exactly through a float (the frame
    reads a float through its repr, as the engine does); otherwise the values as they are (the
    frame parses them one by one, as the engine would)."""
    cells = np.array(values, dtype=object)
    known = cells != None  # noqa: E711 (elementwise)
    texts = cells[known].tolist()
    if set(map(type, texts)) != {str}:
        return values
    if max(map(len, texts)) > _DECIMAL_DIGITS or not _PLAIN.fullmatch("\n".join(texts)):
        return values
    out = np.full(len(values), np.nan)
    out[known] = np.array(texts, dtype=np.float64)
    return out


_NOTHING: dict[str, Any] = {}
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?(?:\n-?\d+(?:\.\d+)?)*")
