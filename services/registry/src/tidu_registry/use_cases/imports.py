"""Bulk import of enterprises and yearly indicators (CSV or XLSX), applied in one transaction.

The domain (``domain/import_rows.py``) reads the file and validates every row on its own; this use
case adds what needs the database — which enterprises exist, who may change them — and applies the
accepted rows with batched statements (``executemany``), no ORM objects per row.

Decisions beyond the domain's:

- a second upload of the same content (the domain's content hash of the cells) by the same scope
  (a district's operators, the city, admins) answers with the first import's report and changes
  nothing; and since unchanged values record no statement and emit no event, re-importing the same
  rows from another file changes nothing either;
- a column absent from a table keeps the stored values of that field (a blank cell still means "not
  reported"); a file's single contact equal to the first stored contact keeps all stored contacts
  (exports carry only the first), so that an exported file imports without changes; a masked
  ``contact_phone`` (as exports show it) stands for the stored phone it masks (the first stored
  contact's, or a stored contact's of the same name), and a row whose masked phone stands for no
  stored phone is rejected (``masked_value``);
- a district operator's rows for enterprises outside its district (stored there, or declared there by
  the row) are rejected (``other_district``), the rest of the file is applied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry import access
from tidu_registry.clock import today_cn
from tidu_registry.domain import uscc as uscc_rules
from tidu_registry.domain.errors import DomainValidationError
from tidu_registry.domain.import_rows import (
    MAX_ROWS,
    ImportReport,
    RowIssue,
    Table,
    column_for_header,
    content_hash,
    read_tables,
    report_json,
)
from tidu_registry.domain.values import is_blank
from tidu_registry.events import (
    transaction,
)
from tidu_registry.models import enterprises, imports
from tidu_registry.problems import from_domain, not_found
from tidu_registry.queries import known_districts
from tidu_registry.use_cases.import_apply import Applier, chunks
from tidu_registry.use_cases.import_validation import merge, uscc_column, validated_parts
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database

PARALLEL_FROM_ROWS = 20_000  # validate in a worker process, bucket by bucket, from this many rows


@dataclass(frozen=True, slots=True)
class ImportResult:
    id: str
    repeated: bool
    filename: str | None
    uploaded_by: str
    uploaded_at: dt.datetime
    outcome: dict[str, int]
    report: dict[str, Any]


def scope_key(principal: Principal) -> str:
    """Uploads are deduplicated per scope: the same file from another district is its own import."""
    if principal.role == Role.admin:
        return "admin"
    return f"district:{principal.district}"


def _row_usccs(tables: Sequence[Table]) -> dict[tuple[str, int], str]:
    """(sheet, row) → the normalised USCC the row names."""
    out: dict[tuple[str, int], str] = {}
    for table in tables:
        index = uscc_column(table)
        if index is None:
            continue
        for number, cells in table.rows:
            if index < len(cells) and not is_blank(cells[index]):
                out[(table.sheet, number)] = uscc_rules.normalise(str(cells[index]))
    return out


def _present_fields(tables: Sequence[Table]) -> dict[str, frozenset[str]]:
    """Sheet → the fields its header names."""
    return {t.sheet: frozenset(n for h in t.header if h and (n := column_for_header(h))) for t in tables}


async def _stored(s: AsyncSession, usccs: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(usccs):
        for row in (await s.execute(select(enterprises).where(enterprises.c.uscc.in_(chunk)))).all():
            found[row.uscc] = row
    return found


def _access_filter(
    principal: Principal, report: ImportReport, stored: dict[str, Any], row_usccs: dict[tuple[str, int], str]
) -> ImportReport:
    """Reject the accepted rows that ``principal`` may not apply."""
    if principal.is_city:
        return report
    declared = {e.profile.uscc: e.profile.district_code for e in report.enterprises}

    def permitted(code: str) -> bool:
        here = stored.get(code)
        if here is not None and not principal.sees_district(here.district_code):
            return False
        return code not in declared or principal.sees_district(declared[code])

    refused = [key for key in report.accepted if not permitted(row_usccs.get(key, ""))]
    if not refused:
        return report
    issues = [
        RowIssue(
            sheet,
            row,
            "district_code",
            "other_district",
            "只能导入本区县的企业",
            "operators import their own district only",
        )
        for sheet, row in refused
    ]
    refused_set = set(refused)
    return replace(
        report,
        accepted=tuple(k for k in report.accepted if k not in refused_set),
        enterprises=tuple(e for e in report.enterprises if permitted(e.profile.uscc)),
        indicators=tuple(i for i in report.indicators if permitted(i.uscc)),
        rejected=(*report.rejected, *issues),
    )


def _result(row: Any, *, repeated: bool) -> ImportResult:
    return ImportResult(
        row.id, repeated, row.filename, row.uploaded_by, row.uploaded_at, dict(row.outcome), dict(row.report)
    )


async def import_file(
    db: Database,
    principal: Principal,
    data: bytes,
    *,
    filename: str | None = None,
    max_rows: int = MAX_ROWS,
    parallel_from_rows: int = PARALLEL_FROM_ROWS,
) -> ImportResult:
    """Read, validate every row on its own, apply the accepted rows in one transaction; a second
    upload of the same content answers with the first report."""
    access.ensure_operator(principal)
    try:
        tables = await asyncio.to_thread(read_tables, data, max_rows=max_rows)
    except DomainValidationError as exc:
        raise from_domain(exc) from None
    digest = await asyncio.to_thread(content_hash, tables)
    scope = scope_key(principal)
    async with db.read() as s:
        first = (
            await s.execute(select(imports).where(imports.c.content_hash == digest, imports.c.scope == scope))
        ).first()
        if first is not None:
            return _result(first, repeated=True)
        known = await known_districts(s)
        row_usccs = _row_usccs(tables)
        stored = await _stored(s, sorted(set(row_usccs.values())))
    parts = validated_parts(
        tables,
        districts=known,
        today=today_cn(),
        known={code: row.established_on for code, row in stored.items()},
        parallel_from_rows=parallel_from_rows,
    )
    present = _present_fields(tables)
    import_id = str(uuid.uuid4())
    applied: list[ImportReport] = []
    try:
        part: ImportReport | None = await anext(parts)
        async with transaction(db) as s:
            apply = Applier(s, principal, present)
            await apply.load(sorted(set(row_usccs.values())))
            try:
                while part is not None:
                    part = apply.resolve_masked_contacts(_access_filter(principal, part, stored, row_usccs))
                    await apply.part(part)
                    applied.append(part)
                    part = await anext(parts, None)
            finally:
                try:
                    await apply.drain()
                finally:
                    apply.release()
            report = merge(applied, tables, digest)
            summary = report_json(report)
            await s.execute(
                imports.insert().values(
                    id=import_id,
                    content_hash=digest,
                    scope=scope,
                    filename=filename,
                    uploaded_by=principal.sub,
                    uploaded_at=apply.now,
                    rows_total=report.rows_total,
                    accepted_count=len(report.accepted),
                    rejected_count=report.rejected_rows,
                    outcome=apply.outcome,
                    report=summary,
                )
            )
    except IntegrityError:
        # The same content was uploaded concurrently and applied first (the unique content hash, or
        # the same new enterprises): nothing of this upload was kept; answer as a re-upload would be.
        async with db.read() as s:
            first = (
                await s.execute(select(imports).where(imports.c.content_hash == digest, imports.c.scope == scope))
            ).first()
        if first is None:
            raise
        return _result(first, repeated=True)
    finally:
        await parts.aclose()
    return ImportResult(import_id, False, filename, principal.sub, apply.now, apply.outcome, summary)


async def get_import(db: Database, principal: Principal, import_id: str) -> ImportResult:
    access.ensure_operator(principal)
    async with db.read() as s:
        row = (await s.execute(select(imports).where(imports.c.id == import_id))).first()
    if row is None or (principal.role != Role.admin and not principal.is_city and row.scope != scope_key(principal)):
        raise not_found("import_not_found", "导入记录", "import")
    return _result(row, repeated=False)


def report_from_json(summary: dict[str, Any]) -> ImportReport:
    """The stored JSON report as the domain's report (for the XLSX download)."""

    def issue(i: dict[str, Any]) -> RowIssue:
        return RowIssue(i["sheet"], i["row"], i["column"], i["code"], i["message"], i["message_en"])

    accepted = tuple(
        (a["sheet"], n) for a in summary["accepted_rows"] for lo, hi in a["ranges"] for n in range(lo, hi + 1)
    )
    return ImportReport(
        content_hash=summary["content_hash"],
        rows_total=summary["rows_total"],
        accepted=accepted,
        enterprises=(),
        indicators=(),
        rejected=tuple(issue(i) for i in summary["rejected"]),
        warnings=tuple(issue(i) for i in summary["warnings"]),
    )


__all__ = ["ImportResult", "get_import", "import_file", "report_from_json"]
