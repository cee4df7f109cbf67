"""Applying a validated import inside its transaction (see ``imports``): one pass over each validated
part builds the rows of every table, the statements and the events; the events are validated and
serialised in bulk (``emit_many``: each event on its own, what they share computed once); then one
``executemany`` per table — the outbox and the change feed included — running while the next part
is prepared (SQLite works in its own thread)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any, cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_registry.bulk import insert_many
from tidu_registry.clock import utcnow
from tidu_registry.domain.enterprise import (
    PROFILE_FIELDS,
    Contact,
    EnterpriseProfile,
    is_masked,
    masked_value_violation,
    restore_contact_phones,
)
from tidu_registry.domain.history import Source, Statement
from tidu_registry.domain.import_rows import EnterpriseRow, ImportReport, IndicatorRow, RowIssue
from tidu_registry.domain.indicators import INDICATOR_FIELDS, YearlyIndicators
from tidu_registry.events import flush_changes, indicators_reported, profile_changed, registered
from tidu_registry.models import changes as change_feed
from tidu_registry.models import enterprises, indicators, outbox, revisions
from tidu_registry.records import (
    changed,
    contacts_plain,
    indicator_record,
    indicator_values,
    indicators_from_row,
    profile_from_row,
    profile_record,
    profile_values,
)
from tidu_registry.sqlite_tuning import for_bulk_writes
from tidu_shared.auth import Principal
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, PROFILE_CHANGED
from tidu_shared.outbox import emit_many
from tidu_shared.outbox import utcnow as outbox_now

CHUNK = 5000  # USCCs per IN (...) (SQLite allows 32,766 variables)
_CONTACT_COLUMNS = frozenset({"contact_name", "contact_role", "contact_phone", "contact_email"})


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _merge_profile(row: EnterpriseRow, current: EnterpriseProfile | None, present: frozenset[str]) -> EnterpriseProfile:
    """The row's profile with what the file leaves out kept from ``current``: absent columns, masked
    values, and all the stored contacts when the file's single contact equals the first stored one
    (its masked phone resolved by :meth:`Applier.resolve_masked_contacts` beforehand)."""
    if current is None:
        return row.profile
    keep = {f for f in PROFILE_FIELDS if f != "contacts" and f not in present} | set(row.kept_fields)
    if not (present & _CONTACT_COLUMNS) or row.profile.contacts == current.contacts[:1]:
        keep.add("contacts")
    return replace(row.profile, **{f: getattr(current, f) for f in keep})


def _resolved_contacts(row: EnterpriseRow, stored: EnterpriseProfile | None) -> tuple[Contact, ...] | None:
    """The row's contacts with their masked phones replaced by the stored phones they stand for
    (``enterprise.restore_contact_phones``); ``None`` when one stands for nothing."""
    sent = contacts_plain(row.profile.contacts)
    restored = cast(list[dict[str, Any]], restore_contact_phones(sent, stored.contacts if stored else ()))
    if any(is_masked(c["phone"]) for c in restored):
        return None
    return tuple(Contact(**c) for c in restored)


def _merge_indicators(row: IndicatorRow, current: YearlyIndicators | None, present: frozenset[str]) -> YearlyIndicators:
    if current is None:
        return row.indicators
    return replace(row.indicators, **{f: getattr(current, f) for f in INDICATOR_FIELDS if f not in present})


@dataclass(slots=True)
class _Batch:
    """The writes of one validated part: rows per table (inserts and updates) and statements."""

    enterprise_inserts: list[dict[str, Any]] = field(default_factory=list)
    enterprise_updates: list[dict[str, Any]] = field(default_factory=list)
    indicator_inserts: list[dict[str, Any]] = field(default_factory=list)
    indicator_updates: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # type, uscc, district, data
    change_feed: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)


_YIELD_EVERY = 2000  # rows: let the previous part's writes proceed while this one is prepared


class Applier:
    """Applies the accepted rows of one import inside its transaction. Each validated part is first
    prepared (rows of each table, statements, events) and then written with one ``executemany`` per
    table; the writes of a part run while the next part is prepared (SQLite works in its own thread)."""

    def __init__(self, s: AsyncSession, principal: Principal, present: dict[str, frozenset[str]]) -> None:
        self.s = s
        self.who = principal.sub
        self.now = utcnow()
        self.present = present
        self.outcome = dict.fromkeys(
            (
                "registered",
                "profiles_changed",
                "profiles_unchanged",
                "years_reported",
                "years_restated",
                "years_unchanged",
            ),
            0,
        )
        self.districts: dict[str, str] = {}
        self.stored: dict[str, Any] = {}
        self.stored_years: dict[tuple[str, int], Any] = {}
        self._writing: asyncio.Task[None] | None = None
        self._frozen = False

    async def load(self, usccs: Sequence[str]) -> None:
        """The stored enterprises and years of ``usccs`` (read inside the transaction)."""
        await for_bulk_writes(self.s)
        for chunk in chunks(usccs):
            for row in (await self.s.execute(select(enterprises).where(enterprises.c.uscc.in_(chunk)))).all():
                self.stored[row.uscc] = row
            for r in (await self.s.execute(select(indicators).where(indicators.c.uscc.in_(chunk)))).all():
                self.stored_years[(r.uscc, r.year)] = r

    def resolve_masked_contacts(self, report: ImportReport) -> ImportReport:
        """``report`` with each accepted contact's masked phone (an exported file sent back) replaced
        by the stored phone it stands for; a row whose masked phone stands for no stored phone (a new
        enterprise's, another contact's) is rejected (``masked_value``) with its indicators."""
        resolved: dict[str, EnterpriseRow] = {}
        refused: list[RowIssue] = []
        for e in report.enterprises:
            if not any(is_masked(c.phone) for c in e.profile.contacts):
                continue
            here = self.stored.get(e.profile.uscc)
            contacts = _resolved_contacts(e, profile_from_row(here) if here is not None else None)
            if contacts is None:
                v = masked_value_violation("contact_phone")
                refused.append(RowIssue(e.sheet, e.row, v.field, v.code, v.message_zh, v.message_en))
            else:
                resolved[e.profile.uscc] = replace(e, profile=replace(e.profile, contacts=contacts))
        if not (resolved or refused):
            return report
        gone = {(i.sheet, i.row) for i in refused}
        unregistered = {e.profile.uscc for e in report.enterprises if (e.sheet, e.row) in gone} - set(self.stored)
        for i in report.indicators:
            if i.uscc in unregistered and (i.sheet, i.row) not in gone:
                gone.add((i.sheet, i.row))
                refused.append(
                    RowIssue(
                        i.sheet,
                        i.row,
                        "uscc",
                        "enterprise_unknown",
                        f"企业 {i.uscc} 尚未登记：其企业信息行未能导入",
                        f"enterprise {i.uscc} is not registered: its profile row was rejected",
                    )
                )
        return replace(
            report,
            accepted=tuple(k for k in report.accepted if k not in gone),
            enterprises=tuple(
                resolved.get(e.profile.uscc, e) for e in report.enterprises if (e.sheet, e.row) not in gone
            ),
            indicators=tuple(i for i in report.indicators if (i.sheet, i.row) not in gone),
            rejected=(*report.rejected, *refused),
        )

    def _revision(self, batch: _Batch, uscc: str, year: int | None, changes: list[dict[str, Any]]) -> None:
        batch.revisions.append(
            {
                "uscc": uscc,
                "year": year,
                "source": Source.IMPORT.value,
                "who": self.who,
                "recorded_at": self.now,
                "changes": changes,
            }
        )

    def _statements(self, changes: list[dict[str, Any]]) -> list[Statement]:
        return [Statement(c["field"], c["old"], c["new"], self.who, self.now, Source.IMPORT) for c in changes]

    async def part(self, report: ImportReport) -> None:
        # What is alive now (the file's cells, this part's rows) lives until the import ends; the
        # batch built below until it is written. The cyclic garbage collector would go over all of
        # it again and again (a full collection each time the heap grew by a quarter: about a third
        # of the importing thread's CPU time on 20,000 rows): set it aside (``gc.freeze``, constant
        # time) until :meth:`release`. Objects freed by their reference count are freed as before;
        # cyclic garbage among the set-aside objects waits for the release.
        gc.freeze()
        self._frozen = True
        batch = _Batch()
        for i, row in enumerate(report.enterprises):
            self._enterprise(batch, row)
            if i % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)
        for i, ind in enumerate(report.indicators):
            self._indicators(batch, ind)
            if i % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)
        self._emit(batch)
        gc.freeze()
        await self.drain()
        self._writing = asyncio.create_task(self._write(batch))
        await asyncio.sleep(0)

    def _emit(self, batch: _Batch) -> None:
        """The part's events, in order, to the outbox rows and the change-feed rows of the batch
        (each event validated on its own; a run of one type validated and serialised together)."""
        recorded_at = outbox_now()
        for event_type, run in groupby(batch.events, key=lambda e: e[0]):
            events = list(run)
            emitted = emit_many(self.s, type=event_type, events=[(uscc, data) for _, uscc, _, data in events])
            for (_, uscc, district, _), e in zip(events, emitted, strict=True):
                batch.change_feed.append(
                    {
                        "event_id": e.id,
                        "event_type": event_type,
                        "uscc": uscc,
                        "district_code": district,
                        "payload": e.payload,
                        "recorded_at": recorded_at,
                    }
                )
        # Written with the part (the transaction would write them at commit): the relay reads them
        # in order of id, which is the order of the events.
        batch.outbox = self.s.info.pop("outbox_pending", None) or []
        batch.events.clear()

    async def drain(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    def release(self) -> None:
        """Hand what :meth:`part` set aside back to the garbage collector (call once, at the end)."""
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    def _enterprise(self, batch: _Batch, row: EnterpriseRow) -> None:
        here = self.stored.get(row.profile.uscc)
        current = profile_from_row(here) if here is not None else None
        profile = _merge_profile(row, current, self.present[row.sheet])
        self.districts[profile.uscc] = profile.district_code
        changes = changed(profile_record(current) if current else None, profile_record(profile), PROFILE_FIELDS)
        if here is None:
            batch.enterprise_inserts.append(
                {**profile_values(profile), "created_at": self.now, "updated_at": self.now, "version": 1}
            )
            self._revision(batch, profile.uscc, None, changes)
            batch.events.append(
                (ENTERPRISE_REGISTERED, profile.uscc, profile.district_code, registered(profile, self.now))
            )
            self.outcome["registered"] += 1
        elif changes:
            values = profile_values(profile)
            del values["uscc"]
            batch.enterprise_updates.append(
                {**values, "b_uscc": profile.uscc, "updated_at": self.now, "version": here.version + 1}
            )
            self._revision(batch, profile.uscc, None, changes)
            batch.events.append(
                (
                    PROFILE_CHANGED,
                    profile.uscc,
                    profile.district_code,
                    profile_changed(profile, self._statements(changes), version=here.version + 1),
                )
            )
            self.outcome["profiles_changed"] += 1
        else:
            self.outcome["profiles_unchanged"] += 1

    def _indicators(self, batch: _Batch, row: IndicatorRow) -> None:
        here = self.stored_years.get((row.uscc, row.indicators.year))
        before = indicators_from_row(here) if here is not None else None
        record = _merge_indicators(row, before, self.present[row.sheet])
        plain = indicator_record(record)
        changes = changed(indicator_record(before) if before else None, plain, INDICATOR_FIELDS)
        if here is not None and not changes:
            self.outcome["years_unchanged"] += 1
            return
        values = {
            **indicator_values(record),
            "source": Source.IMPORT.value,
            "reported_by": self.who,
            "reported_at": self.now,
        }
        if here is None:
            batch.indicator_inserts.append({"uscc": row.uscc, "year": record.year, "version": 1, **values})
            self.outcome["years_reported"] += 1
        else:
            batch.indicator_updates.append(
                {"b_uscc": row.uscc, "b_year": record.year, "version": here.version + 1, **values}
            )
            self.outcome["years_restated"] += 1
        if changes:
            self._revision(batch, row.uscc, record.year, changes)
        district = self.districts.get(row.uscc) or self.stored[row.uscc].district_code
        batch.events.append(
            (
                INDICATORS_REPORTED,
                row.uscc,
                district,
                indicators_reported(
                    row.uscc,
                    district,
                    record.year,
                    plain,
                    restated=here is not None,
                    changed_fields=[c["field"] for c in changes],
                    source=Source.IMPORT.value,
                    who=self.who,
                    at=self.now,
                ),
            )
        )

    async def _write(self, batch: _Batch) -> None:
        s = self.s
        if batch.enterprise_inserts:
            await insert_many(s, enterprises, batch.enterprise_inserts)
        if batch.enterprise_updates:
            await s.execute(
                update(enterprises).where(enterprises.c.uscc == bindparam("b_uscc")), batch.enterprise_updates
            )
        if batch.indicator_inserts:
            await insert_many(s, indicators, batch.indicator_inserts)
        if batch.indicator_updates:
            await s.execute(
                update(indicators).where(
                    indicators.c.uscc == bindparam("b_uscc"), indicators.c.year == bindparam("b_year")
                ),
                batch.indicator_updates,
            )
        if batch.revisions:
            await insert_many(s, revisions, batch.revisions)
        await insert_many(s, outbox, batch.outbox)
        await insert_many(s, change_feed, batch.change_feed)
        await flush_changes(s)
