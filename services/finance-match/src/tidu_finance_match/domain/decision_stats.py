"""Decision times and financing statistics: pure aggregations over cases and demands.

Decision times
    A case's decision time is ``decided_at − pushed_at`` (first accept or
    decline; see :mod:`workflow`), in calendar time. :func:`decision_times`
    gives count, p50 and p90 per product or per institution. Percentiles use
    linear interpolation between closest ranks (the "type 7" definition that
    numpy and spreadsheets use by default): p50 of [1 h, 3 h] is 2 h. Cases
    still awaiting a response are not samples (their time is unknown yet) but
    are counted as ``open``; cases withdrawn before a decision are left out.

Financing statistics
    :func:`aggregate` groups :class:`FinancingRecord` rows (one per demand ×
    pushed product, plus one row with ``product_code=None`` for a demand that
    matched nothing) by any of product, institution, district, tier and period
    (month ``2025-03``, quarter ``2025Q1`` or year ``2025`` of the demand's date)
    and sums, per group: enterprises (distinct USCCs), enterprises financed
    (with a disbursement), demands (distinct), cases, amount requested
    (counted once per demand within a group, so a demand pushed to three
    products does not triple the total of its district), granted and
    disbursed (per case). Money is Decimal 万元.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from tidu_finance_match.domain.workflow import AWAITING_RESPONSE, CaseState, MatchCase


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (0 ≤ q ≤ 1) of already sorted values."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 1:
        raise ValueError("q must be within [0, 1]")
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


class DecisionKey(StrEnum):
    PRODUCT = "product"
    INSTITUTION = "institution"


@dataclass(frozen=True, slots=True)
class DecisionTimes:
    key: str
    decided: int
    open: int
    p50: timedelta | None
    p90: timedelta | None


def decision_times(cases: Iterable[MatchCase], *, by: DecisionKey | str) -> dict[str, DecisionTimes]:
    """p50/p90 decision time per product code or institution code."""
    by = DecisionKey(by)
    samples: dict[str, list[float]] = {}
    open_counts: dict[str, int] = {}
    for case in cases:
        key = case.product_code if by is DecisionKey.PRODUCT else case.institution_code
        seconds = case.decision_time_seconds
        if seconds is not None:
            samples.setdefault(key, []).append(seconds)
        elif case.state in AWAITING_RESPONSE:
            open_counts[key] = open_counts.get(key, 0) + 1
        else:
            samples.setdefault(key, [])
    out: dict[str, DecisionTimes] = {}
    for key in sorted(set(samples) | set(open_counts)):
        values = sorted(samples.get(key, []))
        out[key] = DecisionTimes(
            key=key,
            decided=len(values),
            open=open_counts.get(key, 0),
            p50=timedelta(seconds=percentile(values, 0.5)) if values else None,
            p90=timedelta(seconds=percentile(values, 0.9)) if values else None,
        )
    return out


def p50_by_institution(cases: Iterable[MatchCase]) -> dict[str, timedelta]:
    """Input for the matcher's ``decision_speed``: institutions with at least one decision."""
    return {k: v.p50 for k, v in decision_times(cases, by=DecisionKey.INSTITUTION).items() if v.p50 is not None}


# --- financing statistics ---------------------------------------------------------------------------


class Dimension(StrEnum):
    PRODUCT = "product"
    INSTITUTION = "institution"
    DISTRICT = "district"
    TIER = "tier"
    PERIOD = "period"


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class FinancingRecord:
    demand_id: str
    uscc: str
    demand_date: date
    requested_amount: Decimal
    district_code: str | None = None
    tier: str | None = None
    product_code: str | None = None
    institution_code: str | None = None
    state: CaseState | None = None
    granted_amount: Decimal | None = None
    disbursed_amount: Decimal | None = None


def record_of(case: MatchCase, *, demand_date: date, district_code: str | None, tier: str | None) -> FinancingRecord:
    return FinancingRecord(
        demand_id=case.demand_id,
        uscc=case.uscc,
        demand_date=demand_date,
        requested_amount=case.requested_amount,
        district_code=district_code,
        tier=tier,
        product_code=case.product_code,
        institution_code=case.institution_code,
        state=case.state,
        granted_amount=case.grant.amount if case.grant is not None else None,
        disbursed_amount=case.disbursement.amount if case.disbursement is not None else None,
    )


@dataclass(frozen=True, slots=True)
class StatsRow:
    key: tuple[str | None, ...]
    """Values of the grouping dimensions, in the order asked."""
    enterprises: int
    enterprises_financed: int
    demands: int
    cases: int
    requested: Decimal
    granted: Decimal
    disbursed: Decimal


def period_key(day: date, granularity: Granularity | str) -> str:
    g = Granularity(granularity)
    if g is Granularity.MONTH:
        return f"{day.year}-{day.month:02d}"
    if g is Granularity.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _extractor(dim: Dimension, granularity: Granularity) -> Callable[[FinancingRecord], str | None]:
    if dim is Dimension.PRODUCT:
        return lambda r: r.product_code
    if dim is Dimension.INSTITUTION:
        return lambda r: r.institution_code
    if dim is Dimension.DISTRICT:
        return lambda r: r.district_code
    if dim is Dimension.TIER:
        return lambda r: r.tier
    return lambda r: period_key(r.demand_date, granularity)


@dataclass(slots=True)
class _Acc:
    enterprises: set[str]
    financed: set[str]
    demands: dict[str, Decimal]
    cases: int = 0
    granted: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)


def aggregate(
    records: Iterable[FinancingRecord],
    *,
    by: Sequence[Dimension | str],
    granularity: Granularity | str = Granularity.MONTH,
) -> tuple[StatsRow, ...]:
    """Group and sum; rows sorted by key (``None`` last)."""
    dims = [Dimension(d) for d in by]
    extract = [_extractor(d, Granularity(granularity)) for d in dims]
    groups: dict[tuple[str | None, ...], _Acc] = {}
    for r in records:
        key = tuple(f(r) for f in extract)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = _Acc(set(), set(), {})
        acc.enterprises.add(r.uscc)
        acc.demands.setdefault(r.demand_id, r.requested_amount)
        if r.product_code is not None:
            acc.cases += 1
        if r.granted_amount is not None:
            acc.granted += r.granted_amount
        if r.disbursed_amount is not None and r.disbursed_amount > 0:
            acc.disbursed += r.disbursed_amount
            acc.financed.add(r.uscc)
    rows = [
        StatsRow(
            key=key,
            enterprises=len(acc.enterprises),
            enterprises_financed=len(acc.financed),
            demands=len(acc.demands),
            cases=acc.cases,
            requested=sum(acc.demands.values(), Decimal(0)),
            granted=acc.granted,
            disbursed=acc.disbursed,
        )
        for key, acc in groups.items()
    ]
    rows.sort(key=lambda row: tuple((v is None, v or "") for v in row.key))
    return tuple(rows)
