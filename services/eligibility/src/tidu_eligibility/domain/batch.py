"""Assessing many enterprises at once (batch re-assessment): decisions only, no trace or gaps.

Two entry points, the same answers as ``Engine.evaluate(..., explain=False)`` for every enterprise
and target (result, score, size class, missing inputs — the equivalence tests compare them):

- ``assess_batch(engine, targets, as_of, year, enterprises)``: input dicts in, ``BatchResult``s out,
  enterprise by enterprise and target by target, as the engine would give them;
- ``assess_columns(engine, targets, as_of, year, frame)``: a ``Frame`` of columns in (built with
  ``Frame.from_columns`` straight from database rows), one ``RuleSetResults`` of arrays per target
  and rule set out. This is the fast path for a full re-assessment: no per-enterprise Python objects
  on the way in or out.

Both evaluate each rule set over all the enterprises at once with numpy (``columnar.evaluate``:
exact integer arithmetic on scaled values, three-valued logic as int8 columns), walking the
engine's own compiled rule sets. Rows the columns cannot hold exactly (see ``columnar.frame``) and
rule sets using a node the columnar evaluator does not know are evaluated by the engine itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from tidu_eligibility.domain.columnar.evaluate import SIZE_CLASSES, Unsupported, evaluate
from tidu_eligibility.domain.columnar.exact import F, T, U
from tidu_eligibility.domain.columnar.frame import Frame, TextCol
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.result import Assessment
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.domain.ruleset_schema import TIERS, RuleSet

RESULT_NAMES: Final = {F: "not_eligible", U: "undetermined", T: "eligible"}
RESULT_CODES: Final = {name: code for code, name in RESULT_NAMES.items()}
CHUNK: Final = 100_000  # enterprises per frame in assess_batch (bounds the memory of the raw columns)
SMALL: Final = 16  # fewer enterprises than this: the engine one by one is quicker than columns

__all__ = ["BatchResult", "Frame", "RuleSetResults", "assess_batch", "assess_columns"]


@dataclass(frozen=True, slots=True)
class BatchResult:
    uscc: str
    ruleset_id: str
    ruleset_version: int
    result: str  # eligible | not_eligible | undetermined
    score: Decimal | None
    size_class: str | None
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class RuleSetResults:
    """One target's answers under one rule set, as arrays aligned with ``rows`` (frame rows, ascending).

    A tier target whose rule set depends on the district (a district's pool) gives one of these per
    rule set selected; rows for which the target selects no rule set appear in none.
    """

    target_index: int
    target: str
    ruleset_id: str
    ruleset_version: int
    rows: npt.NDArray[np.int64]
    result: npt.NDArray[np.int8]  # F / U / T of columnar.exact: RESULT_NAMES[code]
    score: npt.NDArray[np.int32] | None  # points, -1 while open; None: the rule set does not score
    size_class: npt.NDArray[np.int8] | None  # index in SIZE_CLASSES, -1 open; None: not a size rule set
    missing_code: npt.NDArray[np.int32]  # index in missing_table
    missing_table: list[tuple[str, ...]]
    engine_evaluated: int  # rows the engine itself evaluated

    def __len__(self) -> int:
        return len(self.rows)

    def results(self) -> list[str]:
        names = [RESULT_NAMES[F], RESULT_NAMES[U], RESULT_NAMES[T]]
        return [names[c] for c in self.result.tolist()]

    def scores(self) -> list[Decimal | None]:
        if self.score is None:
            return [None] * len(self.rows)
        cache: dict[int, Decimal | None] = {-1: None}
        return [cache[p] if p in cache else cache.setdefault(p, Decimal(p)) for p in self.score.tolist()]

    def size_classes(self) -> list[str | None]:
        if self.size_class is None:
            return [None] * len(self.rows)
        names = [*SIZE_CLASSES, None]
        return [names[c] for c in self.size_class.tolist()]  # -1 picks None

    def missing(self) -> list[tuple[str, ...]]:
        table = self.missing_table
        return [table[c] for c in self.missing_code.tolist()]


def assess_batch(
    engine: Engine,
    targets: Sequence[str],
    as_of: date,
    year: int | None,
    enterprises: Iterable[Mapping[str, Any]],
    *,
    review: bool = False,
    method: Literal["auto", "columns", "engine"] = "auto",
) -> list[BatchResult]:
    """Assess every enterprise (an input dict as :func:`parse_inputs` takes, with
    ``enterprise.uscc`` set) under every target (rule-set id or tier). Targets that select no
    rule set for an enterprise (e.g. a district's own pool rule set elsewhere) are skipped.

    Results come enterprise by enterprise, target by target, equal to the engine's. ``method``:
    ``columns`` evaluates in columns, ``engine`` one by one with the engine, ``auto`` (default)
    columns unless there are very few enterprises. Invalid inputs raise the engine's InputError for
    the first enterprise that has them.
    """
    data = enterprises if isinstance(enterprises, list) else list(enterprises)
    if method == "engine" or (method == "auto" and len(data) < SMALL) or not targets:
        return _by_engine(engine, targets, as_of, year, data, review)
    out: list[BatchResult] = []
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        frame = Frame.from_enterprises(chunk)
        out.extend(
            _materialise(frame, len(targets), assess_columns(engine, targets, as_of, year, frame, review=review))
        )
    return out


def _by_engine(
    engine: Engine, targets: Sequence[str], as_of: date, year: int | None, data: list[Mapping[str, Any]], review: bool
) -> list[BatchResult]:
    out: list[BatchResult] = []
    for item in data:
        uscc = str(item["enterprise"]["uscc"])
        for target in targets:
            try:
                a = engine.evaluate(target, as_of, year, item, review=review, explain=False)
            except RuleSetNotFound:
                continue
            out.append(_from_assessment(uscc, a))
    return out


def _from_assessment(uscc: str, a: Assessment) -> BatchResult:
    points = a.score.points if a.score is not None else None
    return BatchResult(
        uscc=uscc,
        ruleset_id=a.ruleset.id,
        ruleset_version=a.ruleset.version,
        result=str(a.result),
        score=Decimal(points) if points is not None else None,
        size_class=a.size_class,
        missing=a.missing if isinstance(a.missing, tuple) else tuple(a.missing),
    )


def _materialise(frame: Frame, targets: int, results: list[RuleSetResults]) -> list[BatchResult]:
    """BatchResults enterprise by enterprise, target by target."""
    n = frame.n
    per_target: list[list[BatchResult | None]] = [[None] * n for _ in range(targets)]
    uscc = frame.uscc
    for r in results:
        slots = per_target[r.target_index]
        rid, version = r.ruleset_id, r.ruleset_version
        for row, result, score, size, missing in zip(
            r.rows.tolist(), r.results(), r.scores(), r.size_classes(), r.missing(), strict=True
        ):
            slots[row] = BatchResult(uscc[row], rid, version, result, score, size, missing)
    if targets == 1:
        return [x for x in per_target[0] if x is not None]
    return [x for i in range(n) for slots in per_target if (x := slots[i]) is not None]


def _selections(engine: Engine, target: str, as_of: date, frame: Frame) -> list[tuple[RuleSet, np.ndarray]]:
    """The rule set(s) a target selects and the rows each applies to (a tier may depend on the district)."""
    if target not in TIERS:
        try:
            return [(engine.select(target, as_of), np.ones(frame.n, np.bool_))]
        except RuleSetNotFound:
            return []
    district = frame.enterprise["district_code"]
    assert isinstance(district, TextCol)
    chosen: dict[tuple[str, int], tuple[RuleSet, np.ndarray]] = {}
    for code, value in [*enumerate(district.uniques), (-1, None)]:
        rows = district.codes == code
        if not rows.any():
            continue
        try:
            rs = engine.select(target, as_of, value)
        except RuleSetNotFound:
            continue
        key = (rs.id, rs.version)
        if key in chosen:
            chosen[key][1][rows] = True
        else:
            chosen[key] = (rs, rows.copy())
    return list(chosen.values())


def assess_columns(
    engine: Engine,
    targets: Sequence[str],
    as_of: date,
    year: int | None,
    frame: Frame,
    *,
    review: bool = False,
) -> list[RuleSetResults]:
    """Assess every row of a frame under every target: one ``RuleSetResults`` per target and rule set
    selected, in target order (see ``RuleSetResults``)."""
    data_year = as_of.year - 1 if year is None else year
    out: list[RuleSetResults] = []
    for index, target in enumerate(targets):
        for ruleset, selected in _selections(engine, target, as_of, frame):
            vector_rows = selected & ~frame.engine_rows
            try:
                cols = evaluate(engine.compiled(ruleset), frame, as_of, data_year, review, vector_rows, engine.program)
            except Unsupported:
                cols = None
                vector_rows = np.zeros(frame.n, np.bool_)
            rows = np.flatnonzero(selected)
            if cols is None:
                result = np.full(frame.n, U, np.int8)
                score = np.full(frame.n, -1, np.int32) if ruleset.evaluator != "size_class" else None
                size = np.full(frame.n, -1, np.int8) if ruleset.evaluator == "size_class" else None
                code = np.zeros(frame.n, np.int32)
                table: list[tuple[str, ...]] = [()]
            else:
                result, score, size, code, table = (
                    cols.decision,
                    cols.score,
                    cols.size_class,
                    cols.missing_code,
                    list(cols.missing_table),
                )
            by_engine = np.flatnonzero(selected & ~vector_rows)
            if len(by_engine):
                result, code = result.copy(), code.copy()
                score = None if score is None else score.copy()
                size = None if size is None else size.copy()
                index_of = {t: k for k, t in enumerate(table)}
                for row in by_engine.tolist():
                    a = engine.evaluate(target, as_of, year, frame.inputs(row), review=review, explain=False)
                    assert (a.ruleset.id, a.ruleset.version) == (ruleset.id, ruleset.version)
                    result[row] = RESULT_CODES[str(a.result)]
                    if score is not None:
                        points = a.score.points if a.score is not None else None
                        score[row] = -1 if points is None else points
                    if size is not None:
                        size[row] = -1 if a.size_class is None else SIZE_CLASSES.index(a.size_class)
                    missing = tuple(a.missing)
                    if missing not in index_of:
                        index_of[missing] = len(table)
                        table.append(missing)
                    code[row] = index_of[missing]
            out.append(
                RuleSetResults(
                    target_index=index,
                    target=target,
                    ruleset_id=ruleset.id,
                    ruleset_version=ruleset.version,
                    rows=rows,
                    result=result[rows],
                    score=None if score is None else score[rows],
                    size_class=None if size is None else size[rows],
                    missing_code=code[rows],
                    missing_table=table,
                    engine_evaluated=len(by_engine),
                )
            )
    return out
