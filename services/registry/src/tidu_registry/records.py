"""Rows ↔ domain objects: the one place that knows how the domain's records are stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tidu_registry.domain.enterprise import PROFILE_FIELDS, Contact, EnterpriseProfile, contacts_plain
from tidu_registry.domain.history import Source, Statement
from tidu_registry.domain.indicators import INDICATOR_FIELDS, INDICATOR_SPECS, YearlyIndicators
from tidu_registry.domain.pool import PoolMove, Reason, ReasonKind, Stage
from tidu_registry.domain.qualifications import (
    Level,
    Qualification,
    QualificationKind,
    Renewal,
    Revocation,
)
from tidu_registry.domain.values import Kind, plain_decimal

SCALAR_PROFILE_FIELDS: tuple[str, ...] = tuple(f for f in PROFILE_FIELDS if f != "contacts")
_PROFILE_DATES = frozenset({"established_on", "niche_market_since"})
_DECIMAL_INDICATORS = frozenset(spec.name for spec in INDICATOR_SPECS if spec.kind is Kind.DECIMAL)


# --- profiles ------------------------------------------------------------------------------------


def profile_from_row(row: Any) -> EnterpriseProfile:
    """The profile stored in an ``enterprises`` row (ORM object or Core row)."""
    values = {name: getattr(row, name) for name in SCALAR_PROFILE_FIELDS}
    contacts = tuple(Contact(**c) for c in (row.contacts or ()))
    return EnterpriseProfile(**values, contacts=contacts)


def profile_values(profile: EnterpriseProfile) -> dict[str, Any]:
    """Column values of an ``enterprises`` row for ``profile``."""
    values: dict[str, Any] = {name: getattr(profile, name) for name in SCALAR_PROFILE_FIELDS}
    values["contacts"] = contacts_plain(profile.contacts)
    return values


def profile_record(profile: EnterpriseProfile) -> dict[str, Any]:
    """``profile.to_record()`` (plain values, unmasked), computed directly: the import calls it for
    every row (a unit test holds the two equal)."""
    record: dict[str, Any] = {}
    for name in SCALAR_PROFILE_FIELDS:
        value = getattr(profile, name)
        record[name] = value.isoformat() if value is not None and name in _PROFILE_DATES else value
    record["contacts"] = contacts_plain(profile.contacts)
    return record


# --- statements ----------------------------------------------------------------------------------


def revision_row(uscc: str, statements: Sequence[Statement]) -> dict[str, Any]:
    """One ``revisions`` row for statements made together (same who, when, source and year)."""
    first = statements[0]
    return {
        "uscc": uscc,
        "year": first.year,
        "source": first.source.value,
        "who": first.who,
        "recorded_at": first.when,
        "changes": [{"field": s.field, "old": s.old, "new": s.new} for s in statements],
    }


def changed(old: Mapping[str, Any] | None, new: Mapping[str, Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    """What ``history.diff`` states between two plain records, in the stored form (``{field, old,
    new}``) and without building ``Statement`` objects: the import's hot path (a unit test holds the
    two equal)."""
    if old is None:  # a new record (most rows of a first import): every value that is set
        return [{"field": f, "old": None, "new": v} for f in fields if (v := new.get(f)) is not None]
    return [{"field": f, "old": a, "new": b} for f in fields if (a := old.get(f)) != (b := new.get(f))]


def statements_from_revisions(rows: Iterable[Any]) -> list[Statement]:
    return [
        Statement(c["field"], c["old"], c["new"], row.who, row.recorded_at, Source(row.source), row.year)
        for row in rows
        for c in row.changes
    ]


# --- indicators ----------------------------------------------------------------------------------


def indicators_from_row(row: Any) -> YearlyIndicators:
    return YearlyIndicators(year=row.year, **{name: getattr(row, name) for name in INDICATOR_FIELDS})


def indicator_record(indicators: YearlyIndicators) -> dict[str, Any]:
    """``indicators.to_record()`` (decimals as exact strings), computed directly (see profile_record)."""
    record: dict[str, Any] = {}
    for name in INDICATOR_FIELDS:
        value = getattr(indicators, name)
        record[name] = plain_decimal(value) if value is not None and name in _DECIMAL_INDICATORS else value
    return record


def indicator_values(indicators: YearlyIndicators) -> dict[str, Any]:
    return {name: getattr(indicators, name) for name in INDICATOR_FIELDS}


# --- qualifications ------------------------------------------------------------------------------


def qualification_from_row(row: Any) -> Qualification:
    renewals = tuple(
        Renewal(dt.date.fromisoformat(r["reviewed_on"]), dt.date.fromisoformat(r["expires_on"]), r.get("document_no"))
        for r in row.renewals or ()
    )
    revocation = (
        Revocation(row.revoked_on, row.revocation_reason or "", row.revoked_by or "")
        if row.revoked_on is not None
        else None
    )
    return Qualification(
        QualificationKind(row.kind),
        Level(row.level),
        row.document_no,
        row.granted_on,
        row.expires_on,
        renewals,
        revocation,
    )


def qualification_values(q: Qualification) -> dict[str, Any]:
    """Column values of a ``qualifications`` row (without id, uscc and bookkeeping)."""
    return {
        "kind": q.kind.value,
        "level": q.level.value,
        "document_no": q.document_no,
        "granted_on": q.granted_on,
        "expires_on": q.expires_on,
        "current_expires_on": q.current_expires_on,
        "renewals": [
            {
                "reviewed_on": r.reviewed_on.isoformat(),
                "expires_on": r.expires_on.isoformat(),
                "document_no": r.document_no,
            }
            for r in q.renewals
        ],
        "revoked_on": q.revocation.revoked_on if q.revocation else None,
        "revocation_reason": q.revocation.reason if q.revocation else None,
        "revoked_by": q.revocation.who if q.revocation else None,
    }


def period_rows(qualification_id: str, uscc: str, q: Qualification) -> list[dict[str, Any]]:
    return [
        {"qualification_id": qualification_id, "uscc": uscc, "kind": q.kind.value, "start_on": p.start, "end_on": p.end}
        for p in q.periods()
    ]


# --- pool ----------------------------------------------------------------------------------------


def _stage(value: str | None) -> Stage | None:
    return None if value is None else Stage(value)


def pool_move_from_row(row: Any) -> PoolMove:
    reason = Reason(ReasonKind(row.reason_kind), row.reason_text or "", row.assessment_id)
    return PoolMove(_stage(row.from_stage), _stage(row.to_stage), row.effective_on, reason, row.decided_by)


def pool_move_values(move: PoolMove) -> dict[str, Any]:
    return {
        "from_stage": move.from_stage.value if move.from_stage else None,
        "to_stage": move.to_stage.value if move.to_stage else None,
        "effective_on": move.on,
        "reason_kind": move.reason.kind.value,
        "reason_text": move.reason.text,
        "assessment_id": move.reason.assessment_id,
        "decided_by": move.who,
    }


def row_dict(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def mapping_rows(rows: Iterable[Any]) -> list[Mapping[str, Any]]:
    return [row._mapping for row in rows]
