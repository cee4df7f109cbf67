"""Statistics of the financing service (the figures the city reports for 渝企金服): enterprises
served, enterprises financed, demands, cases, amounts requested / granted / disbursed (万元), by
product, institution, district, tier and period (month, quarter, year of the demand's date in
China time), and decision times p50/p90 per product and per institution.

Who sees what: an operator its district (a city operator and admins all districts); an institution
its own products' cases (the demands pushed to it). Amount requested counts once per demand within
a group (``domain.decision_stats.aggregate``). A read: no transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from tidu_finance_match.catalogue_store import LoadedCatalogue
from tidu_finance_match.context import FinanceContext
from tidu_finance_match.domain.deadlines import CHINA_TZ
from tidu_finance_match.domain.decision_stats import (
    DecisionKey,
    Dimension,
    FinancingRecord,
    Granularity,
    StatsRow,
    aggregate,
    decision_times,
    record_of,
)
from tidu_finance_match.models import CaseRow, DemandRow
from tidu_finance_match.serialize import money
from tidu_finance_match.use_cases.common import china_date, domain_case
from tidu_shared.auth import CITY_DISTRICT, Principal, Role
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError


@dataclass(frozen=True)
class StatsQuery:
    by: Sequence[Dimension]
    date_from: date | None = None
    date_to: date | None = None
    granularity: Granularity = Granularity.MONTH
    district: str | None = None


def _scope(principal: Principal, q: StatsQuery) -> tuple[str | None, str | None]:
    """(district filter, institution filter) for the caller."""
    if principal.role == Role.admin or (principal.role == Role.operator and principal.is_city):
        return q.district, None
    if principal.role == Role.operator:
        if q.district is not None and q.district != principal.district:
            raise ProblemError(
                403, "other_district", "无权访问", "只能查看本区县的统计", "operators see their own district"
            )
        return principal.district, None
    if principal.role == Role.institution:
        return q.district, principal.inst
    raise ProblemError(
        403, "role_not_allowed", "无权访问", f"当前角色（{principal.role}）无权查看融资统计", "role not allowed"
    )


def _row_json(row: StatsRow, dims: Sequence[Dimension], catalogue: LoadedCatalogue) -> dict[str, Any]:
    key = dict(zip((d.value for d in dims), row.key, strict=True))
    labels: dict[str, str | None] = {}
    for dim, value in key.items():
        if dim == Dimension.PRODUCT and value is not None:
            p = catalogue.product(value)
            labels[dim] = p.name if p is not None else None
        elif dim == Dimension.INSTITUTION and value is not None:
            i = catalogue.institution(value)
            labels[dim] = i.name if i is not None else None
    return {
        "key": key,
        "labels": labels,
        "enterprises": row.enterprises,
        "enterprises_financed": row.enterprises_financed,
        "demands": row.demands,
        "cases": row.cases,
        "requested": money(row.requested),
        "granted": money(row.granted),
        "disbursed": money(row.disbursed),
    }


def _hours(td: Any) -> float | None:
    return round(td.total_seconds() / 3600, 2) if td is not None else None


async def statistics(ctx: FinanceContext, db: Database, principal: Principal, q: StatsQuery) -> dict[str, Any]:
    district, institution = _scope(principal, q)
    stmt = select(DemandRow)
    if district is not None and district != CITY_DISTRICT:
        stmt = stmt.where(DemandRow.district_code == district)
    if q.date_from is not None:
        stmt = stmt.where(DemandRow.created_at >= datetime.combine(q.date_from, time.min, CHINA_TZ))
    if q.date_to is not None:
        stmt = stmt.where(DemandRow.created_at <= datetime.combine(q.date_to, time.max, CHINA_TZ))
    if institution is not None:
        stmt = stmt.where(DemandRow.id.in_(select(CaseRow.demand_id).where(CaseRow.institution_code == institution)))
    cases_stmt = select(CaseRow).where(CaseRow.demand_id.in_(stmt.with_only_columns(DemandRow.id)))
    if institution is not None:
        cases_stmt = cases_stmt.where(CaseRow.institution_code == institution)
    async with db.read() as s:
        demands = list((await s.execute(stmt)).scalars())
        cases = list((await s.execute(cases_stmt)).scalars())
        catalogue = await ctx.catalogue.get(s)
    by_demand: dict[str, list[CaseRow]] = {}
    for c in cases:
        by_demand.setdefault(c.demand_id, []).append(c)
    records: list[FinancingRecord] = []
    for d in demands:
        day = china_date(d.created_at)
        own = by_demand.get(d.id, [])
        if not own:
            records.append(FinancingRecord(d.id, d.uscc, day, d.amount, d.district_code, d.tier))
        for c in own:
            records.append(record_of(domain_case(c), demand_date=day, district_code=d.district_code, tier=d.tier))
    dims = list(q.by)
    rows = aggregate(records, by=dims, granularity=q.granularity)
    totals = aggregate(records, by=[], granularity=q.granularity)
    out_rows = [_row_json(r, dims, catalogue) for r in rows]
    if len(dims) == 1 and dims[0] in (Dimension.PRODUCT, Dimension.INSTITUTION):
        times = decision_times(
            [domain_case(c) for c in cases],
            by=DecisionKey.PRODUCT if dims[0] is Dimension.PRODUCT else DecisionKey.INSTITUTION,
        )
        for r in out_rows:
            t = times.get(r["key"][dims[0].value] or "")
            r["decision_time"] = (
                {"decided": t.decided, "open": t.open, "p50_hours": _hours(t.p50), "p90_hours": _hours(t.p90)}
                if t is not None
                else None
            )
    empty = {"enterprises": 0, "enterprises_financed": 0, "demands": 0, "cases": 0}
    total = (
        _row_json(totals[0], [], catalogue) if totals else {**empty, "requested": "0", "granted": "0", "disbursed": "0"}
    )
    total.pop("key", None)
    total.pop("labels", None)
    return {
        "by": [d.value for d in dims],
        "granularity": q.granularity.value,
        "from": q.date_from.isoformat() if q.date_from else None,
        "to": q.date_to.isoformat() if q.date_to else None,
        "district": district or CITY_DISTRICT,
        "institution": institution,
        "rows": out_rows,
        "totals": total,
    }
