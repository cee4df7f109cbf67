"""Reporting (and restating) a year's indicators."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from tidu_registry import access
from tidu_registry.clock import today_cn, utcnow
from tidu_registry.domain.history import diff
from tidu_registry.domain.indicators import INDICATOR_FIELDS, check_indicators
from tidu_registry.events import indicators_reported, publish, transaction
from tidu_registry.models import indicators, revisions
from tidu_registry.problems import validation_problem
from tidu_registry.queries import enterprise_or_404, scope_of
from tidu_registry.records import indicator_record, indicator_values, indicators_from_row, revision_row
from tidu_shared.auth import Principal
from tidu_shared.contracts.registry import INDICATORS_REPORTED
from tidu_shared.db import Database


@dataclass(frozen=True, slots=True)
class Reported:
    row: Any  # the stored ``indicators`` row after the use case
    restated: bool
    changed: bool


async def report_indicators(
    db: Database,
    principal: Principal,
    uscc: str,
    year: object,
    data: Mapping[str, Any],
    *,
    source: str | None = None,
) -> Reported:
    """PUT semantics: the year's record becomes ``data`` (a field left out is "not reported").
    Every violation is named at once; restating keeps the earlier figures as statements; the same
    figures again record nothing and emit nothing."""
    who_source = access.source_for(principal, source)
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_edit_profile(principal, scope_of(ent))
        record, violations = check_indicators(
            {**data, "year": year}, established_on=ent.established_on, today=today_cn()
        )
        if record is None:
            raise validation_problem(violations, "年度指标未通过校验")
        key = (indicators.c.uscc == uscc, indicators.c.year == record.year)
        existing = (await s.execute(select(indicators).where(*key))).first()
        now = utcnow()
        plain = indicator_record(record)
        statements = diff(
            indicator_record(indicators_from_row(existing)) if existing else None,
            plain,
            who=principal.sub,
            when=now,
            source=who_source,
            year=record.year,
            fields=INDICATOR_FIELDS,
        )
        if existing is not None and not statements:
            return Reported(existing, restated=False, changed=False)
        values = {
            **indicator_values(record),
            "source": who_source.value,
            "reported_by": principal.sub,
            "reported_at": now,
        }
        if existing is None:
            await s.execute(indicators.insert().values(uscc=uscc, year=record.year, version=1, **values))
        else:
            await s.execute(update(indicators).where(*key).values(version=existing.version + 1, **values))
        if statements:
            await s.execute(revisions.insert().values(revision_row(uscc, statements)))
        publish(
            s,
            type=INDICATORS_REPORTED,
            uscc=uscc,
            district_code=ent.district_code,
            data=indicators_reported(
                uscc,
                ent.district_code,
                record.year,
                plain,
                restated=existing is not None,
                changed_fields=[st.field for st in statements],
                source=who_source.value,
                who=principal.sub,
                at=now,
            ),
        )
        row = (await s.execute(select(indicators).where(*key))).one()
    return Reported(row, restated=existing is not None, changed=True)
