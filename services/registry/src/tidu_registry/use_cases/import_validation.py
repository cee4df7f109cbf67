"""Validating a large upload on another core while the first parts are applied.

The domain's ``validate_tables`` is pure and costs about as much as applying the rows. For an upload
of ``parallel_from_rows`` rows or more, the rows are split into buckets by enterprise (all rows of one
USCC in one bucket, so that the domain still sees every duplicate and finds an indicator row's
enterprise in the same upload) and the buckets are validated one after another in a worker process,
while the import applies each validated bucket as it arrives. Smaller uploads are validated in one
piece in a thread. A table that lacks a required column is never split (the domain reports it once,
with its row count).
"""

from __future__ import annotations

import asyncio
import copyreg
import datetime as dt
import io
import pickle
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from functools import partial
from itertools import chain
from multiprocessing import get_context
from typing import Any

from tidu_registry.domain import uscc as uscc_rules
from tidu_registry.domain.districts import Districts
from tidu_registry.domain.enterprise import Contact, EnterpriseProfile
from tidu_registry.domain.import_rows import (
    EnterpriseRow,
    ImportReport,
    IndicatorRow,
    RowIssue,
    Table,
    column_for_header,
    validate_tables,
)
from tidu_registry.domain.indicators import YearlyIndicators
from tidu_registry.domain.values import is_blank

# Smaller buckets: the first part reaches the import sooner (the worker validates it first), the last
# part, applied after the worker is done, is smaller. On 100,000 rows 12 did better than 4 or 24.
BUCKETS = 12


def bucket_of(uscc: str, buckets: int = BUCKETS) -> int:
    return zlib.crc32(uscc.encode()) % buckets


def uscc_column(table: Table) -> int | None:
    """The index of the table's USCC column."""
    for i, header in enumerate(table.header):
        if header and column_for_header(header) == "uscc":
            return i
    return None


def split_by_enterprise(tables: Sequence[Table], buckets: int = BUCKETS) -> list[list[Table]]:
    """``buckets`` copies of ``tables``, each holding the rows of its share of the enterprises."""
    parts: list[list[Table]] = [[] for _ in range(buckets)]
    for table in tables:
        index = uscc_column(table)
        rows: list[list[tuple[int, tuple[object, ...]]]] = [[] for _ in range(buckets)]
        for number, cells in table.rows:
            raw = cells[index] if index is not None and index < len(cells) else None
            rows[0 if is_blank(raw) else bucket_of(uscc_rules.normalise(str(raw)), buckets)].append((number, cells))
        for i in range(buckets):
            parts[i].append(Table(table.sheet, table.header_row, table.header, tuple(rows[i])))
    return parts


def merge(parts: Sequence[ImportReport], tables: Sequence[Table], digest: str) -> ImportReport:
    """One report from the reports of the buckets, in the file's order."""
    order = {t.sheet: i for i, t in enumerate(tables)}

    def issue_key(issue: RowIssue) -> tuple[int, int]:
        return order.get(issue.sheet, 0), issue.row

    warnings = list(dict.fromkeys(chain.from_iterable(p.warnings for p in parts)))
    return ImportReport(
        content_hash=digest,
        rows_total=sum(p.rows_total for p in parts),
        accepted=tuple(
            sorted(chain.from_iterable(p.accepted for p in parts), key=lambda a: (order.get(a[0], 0), a[1]))
        ),
        enterprises=tuple(chain.from_iterable(p.enterprises for p in parts)),
        indicators=tuple(chain.from_iterable(p.indicators for p in parts)),
        rejected=tuple(sorted(chain.from_iterable(p.rejected for p in parts), key=issue_key)),
        warnings=tuple(warnings),
    )


# --- the worker's report, across the process boundary ---------------------------------------------
#
# A report holds a few frozen, slotted dataclasses per row. Pickle restores each of them through the
# dataclass's ``__setstate__``, which looks its fields up again for every object: on a large upload
# that was seconds of the importing process's CPU. The worker pickles them as (class, values) instead,
# restored by setting the slots directly; the objects are the same (equal, same types and values).

_RECORDS: tuple[type, ...] = (EnterpriseRow, IndicatorRow, EnterpriseProfile, YearlyIndicators, Contact, RowIssue)
_SLOTS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {
    cls: tuple(cls.__dict__[f.name].__set__ for f in fields(cls)) for cls in _RECORDS
}
_NAMES: dict[type, tuple[str, ...]] = {cls: tuple(f.name for f in fields(cls)) for cls in _RECORDS}


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    obj = object.__new__(cls)
    for set_slot, value in zip(_SLOTS[cls], values, strict=True):
        set_slot(obj, value)
    return obj


def _reducer(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = _NAMES[cls]

    def reduce(obj: Any) -> tuple[Any, ...]:
        return _restore, (cls, tuple(getattr(obj, n) for n in names))

    return reduce


_DISPATCH = {**copyreg.dispatch_table, **{cls: _reducer(cls) for cls in _RECORDS}}


def pack(report: ImportReport) -> bytes:
    """``report`` pickled for :func:`unpack` (see above)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(report)
    return out.getvalue()


def unpack(data: bytes) -> ImportReport:
    report: ImportReport = pickle.loads(data)
    return report


def validate_packed(tables: Sequence[Table], **kwargs: Any) -> bytes:
    """The worker's task: :func:`validate_tables`, its report packed."""
    return pack(validate_tables(tables, **kwargs))


def _splittable(tables: Sequence[Table], districts: Districts, today: dt.date) -> bool:
    headers_only = [Table(t.sheet, t.header_row, t.header, ()) for t in tables]
    return not validate_tables(headers_only, districts=districts, today=today).rejected


async def validated_parts(
    tables: Sequence[Table],
    *,
    districts: Districts,
    today: dt.date,
    known: Mapping[str, dt.date],
    parallel_from_rows: int,
) -> AsyncIterator[ImportReport]:
    """The validation reports of ``tables``: one, or one per bucket of enterprises (see the module)."""
    rows = sum(len(t.rows) for t in tables)
    if rows < parallel_from_rows or not _splittable(tables, districts, today):
        yield await asyncio.to_thread(
            validate_tables, tables, districts=districts, today=today, known_enterprises=known
        )
        return
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        # The worker starts (a new interpreter importing this module and the domain) while the rows
        # are split.
        started = loop.run_in_executor(pool, partial(bucket_of, ""))
        buckets = split_by_enterprise(tables)
        futures = [
            loop.run_in_executor(
                pool,
                partial(
                    validate_packed,
                    bucket,
                    districts=districts,
                    today=today,
                    known_enterprises={k: v for k, v in known.items() if bucket_of(k) == i},
                ),
            )
            for i, bucket in enumerate(buckets)
        ]
        try:
            await started
            for future in futures:
                yield await asyncio.to_thread(unpack, await future)
        finally:
            for future in (started, *futures):
                future.cancel()
