"""Recording assessments: what an event-driven re-assessment and a batch chunk share.

For each (enterprise, rule set) outcome, compared with the latest stored one for that rule set:

- *changed* — no earlier assessment, or a different result, score, size class or data year: a row
  in ``assessments`` (with its input snapshot), ``latest_assessments`` updated, and (unless
  ``publish`` is off) ``tidu.eligibility.assessment.completed.v1`` with ``previous_result``;
- *newly eligible* for ``innovative`` / ``srdi`` / ``little_giant`` (the previous result was not
  ``eligible``) while holding no valid qualification of that tier or a higher one on the assessment
  date: also ``tidu.eligibility.candidate.recommended.v1`` (the registry puts it in the pool as
  reserve; an assessment recommends, never grants);
- unchanged — nothing is written (a batch after a rule change writes only what changed).

A batch chunk reads the projection before its transaction: an enterprise re-assessed from an event
after that read (``latest_assessments.checked_at``) is left alone — the event saw newer data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.domain.inputs import Inputs, parse_inputs
from tidu_eligibility.domain.ladder import next_tier
from tidu_eligibility.domain.result import Result
from tidu_eligibility.models import assessment_inputs, assessments, latest_assessments
from tidu_eligibility.rulebook import RuleBook
from tidu_eligibility.snapshots import EnterpriseData, dumps
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED, CANDIDATE_RECOMMENDED
from tidu_shared.outbox import emit, utcnow

ELIGIBLE = "eligible"
# A tier is held when a valid qualification of it, or of a rung above it, is held (domain-rules §10).
HELD_AT_OR_ABOVE: Mapping[str, frozenset[str]] = {
    "innovative": frozenset({"innovative_sme", "srdi_sme", "little_giant", "single_champion"}),
    "srdi": frozenset({"srdi_sme", "little_giant", "single_champion"}),
    "little_giant": frozenset({"little_giant", "single_champion"}),
}
TIER_ZH = {"innovative": "创新型中小企业", "srdi": "专精特新中小企业", "little_giant": "专精特新“小巨人”企业"}


@dataclass(frozen=True, slots=True)
class Outcome:
    uscc: str
    ruleset_id: str
    ruleset_version: int
    tier: str
    result: str
    score: int | None
    size_class: str | None
    missing: tuple[str, ...]


@dataclass
class Tally:
    """Counts per rule set (JSON-ready), merged chunk after chunk into a batch run's summary."""

    rulesets: dict[str, dict[str, Any]] = field(default_factory=dict)
    recommended: int = 0

    def _of(self, o: Outcome) -> dict[str, Any]:
        return self.rulesets.setdefault(o.ruleset_id, {"versions": [], "transitions": {}})

    def count(self, o: Outcome, key: str, transition: str | None = None) -> None:
        c = self._of(o)
        if o.ruleset_version not in c["versions"]:
            c["versions"].append(o.ruleset_version)
        c[o.result] = c.get(o.result, 0) + 1
        c[key] = c.get(key, 0) + 1
        if transition is not None:
            c["transitions"][transition] = c["transitions"].get(transition, 0) + 1

    def merge_into(self, counts: dict[str, Any]) -> dict[str, Any]:
        """``counts`` (a stored tally) plus this one."""
        out = {k: {**v, "transitions": dict(v.get("transitions", {}))} for k, v in counts.get("rulesets", {}).items()}
        for rid, c in self.rulesets.items():
            into = out.setdefault(rid, {"versions": [], "transitions": {}})
            for key, value in c.items():
                if key == "versions":
                    into["versions"] = sorted({*into.get("versions", []), *value})
                elif key == "transitions":
                    for t, n in value.items():
                        into["transitions"][t] = into["transitions"].get(t, 0) + n
                else:
                    into[key] = into.get(key, 0) + value
        return {"rulesets": out, "recommended": counts.get("recommended", 0) + self.recommended}

    @property
    def changed(self) -> int:
        return sum(c.get("changed", 0) + c.get("new", 0) for c in self.rulesets.values())


def _upsert(session: AsyncSession, table: Any, keys: Sequence[str], *, update_all: bool) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    if not update_all:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys}
    )


def _previous_key(row: Any) -> tuple[Any, ...]:
    return (row.result, row.score, row.size_class, row.data_year)


def ladder_inputs(data: EnterpriseData) -> Inputs:
    """What the ladder reads (the district and the qualifications): parsing the yearly rows too
    would cost ten times as much for nothing."""
    inputs = data.ensure_inputs()
    district = inputs["enterprise"].get("district_code")
    return parse_inputs({"enterprise": {"district_code": district}, "qualifications": inputs["qualifications"]})


def holds_tier(held: frozenset[str], tier: str) -> bool:
    return bool(held & HELD_AT_OR_ABOVE.get(tier, frozenset()))


async def _previous(s: AsyncSession, usccs: Sequence[str], ids: Sequence[str]) -> dict[tuple[str, str], Any]:
    la = latest_assessments.c
    query = select(la.uscc, la.ruleset_id, la.result, la.score, la.size_class, la.data_year, la.checked_at).where(
        la.uscc.in_(usccs), la.ruleset_id.in_(ids)
    )
    return {(r.uscc, r.ruleset_id): r for r in (await s.execute(query)).all()}


async def _touch(
    s: AsyncSession, enterprises: Mapping[str, EnterpriseData], usccs: Sequence[str], now: dt.datetime
) -> None:
    """An event re-assessed these enterprises now (under every rule set; the district may have moved)."""
    la = latest_assessments.c
    for uscc in usccs:
        await s.execute(
            update(latest_assessments)
            .where(la.uscc == uscc)
            .values(checked_at=now, district_code=enterprises[uscc].district_code)
        )


def _rows(
    o: Outcome,
    prev: Any,
    data: EnterpriseData,
    inputs_hash: str,
    *,
    as_of: dt.date,
    data_year: int,
    trigger: str,
    trigger_ref: str | None,
    now: dt.datetime,
    checked_at: dt.datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``assessments`` row and the ``latest_assessments`` row of a changed outcome."""
    common = {
        "uscc": o.uscc, "district_code": data.district_code, "ruleset_id": o.ruleset_id,
        "ruleset_version": o.ruleset_version, "tier": o.tier, "as_of": as_of, "data_year": data_year,
        "result": o.result, "score": o.score, "size_class": o.size_class,
    }  # fmt: skip
    assessment_id = str(uuid.uuid4())
    row = {
        **common,
        "id": assessment_id,
        "previous_result": prev.result if prev is not None else None,
        "missing": dumps(list(o.missing)),
        "inputs_hash": inputs_hash,
        "trigger": trigger,
        "trigger_ref": trigger_ref,
        "created_at": now,
    }
    return row, {**common, "assessment_id": assessment_id, "assessed_at": now, "checked_at": checked_at}


async def record(
    s: AsyncSession,
    book: RuleBook,
    outcomes: Iterable[Outcome],
    enterprises: Mapping[str, EnterpriseData],
    *,
    as_of: dt.date,
    data_year: int,
    trigger: str,
    trigger_ref: str | None,
    publish: bool = True,
    read_at: dt.datetime | None = None,
) -> Tally:
    """Store and publish what changed (see the module docstring). ``read_at``: when a batch chunk
    read the projection (None for an event, which reads it in this transaction)."""
    outcomes = list(outcomes)
    tally = Tally()
    if not outcomes:
        return tally
    now = utcnow()
    usccs = sorted({o.uscc for o in outcomes})
    previous = await _previous(s, usccs, sorted({o.ruleset_id for o in outcomes}))
    if read_at is None:
        await _touch(s, enterprises, usccs, now)
    rows: list[dict[str, Any]] = []
    latest_rows: list[dict[str, Any]] = []
    snapshots: dict[str, tuple[str, str]] = {}  # uscc -> (hash, body)
    ladder: dict[str, Inputs] = {}
    for o in outcomes:
        prev = previous.get((o.uscc, o.ruleset_id))
        if prev is not None and read_at is not None and prev.checked_at > read_at:
            tally.count(o, "skipped_newer")
            continue
        if prev is not None and _previous_key(prev) == (o.result, o.score, o.size_class, data_year):
            tally.count(o, "unchanged")
            continue
        data = enterprises[o.uscc]
        data.ensure_inputs()
        tally.count(o, "new" if prev is None else "changed", _transition(prev, o))
        if o.uscc not in snapshots:
            snapshots[o.uscc] = data.snapshot()
        row, latest = _rows(
            o, prev, data, snapshots[o.uscc][0], as_of=as_of, data_year=data_year, trigger=trigger,
            trigger_ref=trigger_ref, now=now, checked_at=read_at or now,
        )  # fmt: skip
        rows.append(row)
        latest_rows.append(latest)
        if publish:
            if o.uscc not in ladder:
                ladder[o.uscc] = ladder_inputs(data)
            _emit(s, book, o, row, data, ladder[o.uscc], trigger=trigger, tally=tally)
    if rows:
        bodies = dict(snapshots.values())
        await s.execute(
            _upsert(s, assessment_inputs, ["hash"], update_all=False),
            [{"hash": h, "body": b, "created_at": now} for h, b in bodies.items()],
        )
        await s.execute(assessments.insert(), rows)
        await s.execute(_upsert(s, latest_assessments, ["uscc", "ruleset_id"], update_all=True), latest_rows)
    return tally


def _transition(prev: Any, o: Outcome) -> str | None:
    return f"{prev.result}→{o.result}" if prev is not None and prev.result != o.result else None


def _emit(
    s: AsyncSession,
    book: RuleBook,
    o: Outcome,
    row: Mapping[str, Any],
    data: EnterpriseData,
    inputs: Inputs,
    *,
    trigger: str,
    tally: Tally,
) -> None:
    as_of: dt.date = row["as_of"]
    nxt = next_tier(inputs, as_of, o.tier, Result(o.result), book.catalog)
    emit(
        s,
        type=ASSESSMENT_COMPLETED,
        subject=o.uscc,
        data={
            "assessment_id": row["id"],
            "uscc": o.uscc,
            "district_code": data.district_code,
            "ruleset_id": o.ruleset_id,
            "ruleset_version": str(o.ruleset_version),
            "tier": o.tier,
            "as_of": as_of,
            "data_year": row["data_year"],
            "result": o.result,
            "previous_result": row["previous_result"],
            "score": None if o.score is None else Decimal(o.score),
            "size_class": o.size_class,
            "missing": list(o.missing),
            "next_tier": nxt.tier if nxt is not None else None,
            "assessed_at": row["created_at"],
            "trigger": trigger,
            "batch_run_id": row["trigger_ref"] if trigger == "batch" else None,
        },
    )
    if (
        o.result == ELIGIBLE
        and row["previous_result"] != ELIGIBLE
        and o.tier in HELD_AT_OR_ABOVE
        and not holds_tier(data.held(as_of), o.tier)
    ):
        tally.recommended += 1
        title = book.catalog.by_id(o.ruleset_id, as_of).title
        emit(
            s,
            type=CANDIDATE_RECOMMENDED,
            subject=o.uscc,
            data={
                "uscc": o.uscc,
                "district_code": data.district_code,
                "tier": o.tier,
                "ruleset_id": o.ruleset_id,
                "ruleset_version": str(o.ruleset_version),
                "assessment_id": row["id"],
                "as_of": as_of,
                "reason": (
                    f"依据《{title}》（{o.ruleset_id} 第{o.ruleset_version}版）评估为符合条件，"
                    f"尚未持有有效的{TIER_ZH[o.tier]}认定：建议入库培育（推荐，不构成认定）"
                ),
                "recommended_at": row["created_at"],
                "score": None if o.score is None else Decimal(o.score),
            },
        )
