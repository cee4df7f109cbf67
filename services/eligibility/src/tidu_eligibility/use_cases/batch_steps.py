"""The batch worker's steps (:mod:`tidu_eligibility.batch_runner`): claim a queued run, assess it
chunk by chunk, finish it with a summary, or mark it failed / interrupted.

Each chunk is read with plain SQL, evaluated off the event loop (:mod:`tidu_eligibility.batch_eval`)
and written in ONE transaction together with the run's progress (``done``, ``cursor`` = the last USCC
of the chunk, counts, rate, ETA, heartbeat) — guarded by the run's state, so a run taken over by
another worker rolls the chunk back. See :mod:`tidu_eligibility.use_cases.batch_runs` for restarts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from sqlalchemy import select, update

from tidu_eligibility.assessing import record
from tidu_eligibility.batch_eval import evaluate_chunk, plan_for
from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.models import batch_runs
from tidu_eligibility.projection import Scope, count_scope, read_chunk
from tidu_eligibility.use_cases.batch_runs import (
    COMPLETED,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RESULTS,
    RUNNING,
    dumps,
    loads,
    row_of,
)
from tidu_shared.db import Database
from tidu_shared.outbox import utcnow

_EXAMPLES = 20
b = batch_runs.c


async def claim_next(db: Database, worker: str) -> str | None:
    """Take the oldest queued run (another replica may take it first)."""
    async with db.read() as s:
        queued = (
            await s.execute(
                select(b.id, b.cursor, b.district_code, b.industry_prefix)
                .where(b.status == QUEUED)
                .order_by(b.created_at)
                .limit(1)
            )
        ).first()
        total = await count_scope(s, Scope(queued.district_code, queued.industry_prefix)) if queued else 0
    if queued is None:
        return None
    now = utcnow()
    values: dict[str, Any] = {"status": RUNNING, "worker": worker, "heartbeat_at": now}
    if queued.cursor is None:
        values.update(total=total, started_at=now)
    async with db.transaction() as s:
        res = await s.execute(update(batch_runs).where(b.id == queued.id, b.status == QUEUED).values(**values))
    return queued.id if res.rowcount == 1 else None  # type: ignore[attr-defined]


class LostRun(Exception):
    """The run is no longer this worker's (resumed elsewhere, or marked interrupted)."""


async def step(db: Database, ctx: EligibilityContext, run_id: str, worker: str) -> bool:
    """Assess the next chunk of a run; False when there is nothing more to do."""
    run = await row_of(db, run_id)
    if run is None or run.status != RUNNING or run.worker != worker:
        return False
    settings = ctx.settings
    started = time.perf_counter()
    read_at = utcnow()
    async with db.read() as s:
        profiles, years, quals = await read_chunk(
            s,
            Scope(run.district_code, run.industry_prefix),
            run.cursor,
            settings.batch_chunk_size,
            run.data_year,
            settings.indicator_years_back,
        )
    if not profiles:
        await finish(db, run, worker)
        return False
    book = ctx.book
    plan = plan_for(book, run.target_kind, run.target, run.as_of)
    ev = await asyncio.to_thread(evaluate_chunk, book, plan, run.as_of, run.data_year, profiles, years, quals)
    async with db.transaction() as s:
        tally = await record(
            s,
            book,
            ev.outcomes,
            ev.enterprises,
            as_of=run.as_of,
            data_year=run.data_year,
            trigger="batch",
            trigger_ref=run.id,
            publish=run.publish,
            read_at=read_at,
        )
        before = loads(run.counts) or {}
        counts = tally.merge_into(before)
        counts["unassessed"] = before.get("unassessed", 0) + ev.unassessed
        counts["invalid_inputs"] = [*before.get("invalid_inputs", []), *ev.invalid][:_EXAMPLES]
        counts["invalid_count"] = before.get("invalid_count", 0) + len(ev.invalid)
        done = run.done + len(profiles)
        elapsed = run.elapsed_s + (time.perf_counter() - started)
        rate = done / elapsed if elapsed > 0 else None
        total = max(run.total, done)
        res = await s.execute(
            update(batch_runs)
            .where(b.id == run.id, b.status == RUNNING, b.worker == worker, b.done == run.done)
            .values(
                done=done,
                total=total,
                cursor=profiles[-1].uscc,
                counts=dumps(counts),
                elapsed_s=elapsed,
                rate=rate,
                eta_s=(total - done) / rate if rate else None,
                heartbeat_at=utcnow(),
            )
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise LostRun(run.id)  # rolls the chunk back
    return True


async def finish(db: Database, run: Any, worker: str) -> None:
    counts = loads(run.counts) or {}
    previous = await _previous_run(db, run)
    async with db.transaction() as s:
        await s.execute(
            update(batch_runs)
            .where(b.id == run.id, b.status == RUNNING, b.worker == worker)
            .values(
                status=COMPLETED,
                summary=dumps(summary(run, counts, previous)),
                finished_at=utcnow(),
                heartbeat_at=utcnow(),
                eta_s=0.0,
                total=run.done,
            )
        )


async def _previous_run(db: Database, run: Any) -> Any:
    async with db.read() as s:
        return (
            await s.execute(
                select(b.id, b.finished_at, b.as_of, b.summary)
                .where(
                    b.status == COMPLETED,
                    b.id != run.id,
                    b.target_kind == run.target_kind,
                    b.target.is_not_distinct_from(run.target),
                    b.district_code.is_not_distinct_from(run.district_code),
                    b.industry_prefix.is_not_distinct_from(run.industry_prefix),
                )
                .order_by(b.finished_at.desc())
                .limit(1)
            )
        ).first()


def summary(run: Any, counts: dict[str, Any], previous: Any) -> dict[str, Any]:
    """Counts by result per rule set and in total, what changed against the latest stored results
    (new, changed, unchanged, transitions), and the difference from the previous completed run with
    the same target and scope."""
    by_ruleset = counts.get("rulesets", {})
    totals = {k: 0 for k in (*RESULTS, "new", "changed", "unchanged", "skipped_newer")}
    for c in by_ruleset.values():
        for k in totals:
            totals[k] += c.get(k, 0)
    out: dict[str, Any] = {
        "enterprises": run.done,
        "assessments": sum(totals[r] for r in RESULTS),
        "by_result": {r: totals[r] for r in RESULTS},
        "changes": {k: totals[k] for k in ("new", "changed", "unchanged", "skipped_newer")},
        "by_ruleset": by_ruleset,
        "recommended": counts.get("recommended", 0),
        "unassessed": counts.get("unassessed", 0),
        "invalid_count": counts.get("invalid_count", 0),
        "invalid_inputs": counts.get("invalid_inputs", []),
        "elapsed_s": round(run.elapsed_s, 3),
        "rate": run.rate,
        "previous_run": None,
        "since_previous_run": None,
    }
    if previous is not None:
        before = (loads(previous.summary) or {}).get("by_ruleset", {})
        out["previous_run"] = {
            "id": previous.id,
            "finished_at": previous.finished_at.isoformat(),
            "as_of": str(previous.as_of),
        }
        out["since_previous_run"] = {
            rid: {r: c.get(r, 0) - before.get(rid, {}).get(r, 0) for r in RESULTS}
            for rid in sorted({*by_ruleset, *before})
            for c in [by_ruleset.get(rid, {})]
        }
    return out


async def fail(db: Database, run_id: str, worker: str, error: str) -> None:
    async with db.transaction() as s:
        await s.execute(
            update(batch_runs)
            .where(b.id == run_id, b.worker == worker, b.status == RUNNING)
            .values(status=FAILED, error=error[:2000], finished_at=utcnow())
        )


async def interrupt_own(db: Database, worker: str) -> None:
    """At shutdown: this worker's running runs become interrupted (resumable)."""
    async with db.transaction() as s:
        await s.execute(update(batch_runs).where(b.worker == worker, b.status == RUNNING).values(status=INTERRUPTED))


async def sweep_stale(db: Database, stale_after_s: float) -> int:
    """At start-up: running runs whose heartbeat stopped (a crashed process) become interrupted."""
    cutoff = utcnow() - dt.timedelta(seconds=stale_after_s)
    async with db.transaction() as s:
        res = await s.execute(
            update(batch_runs)
            .where(b.status == RUNNING, (b.heartbeat_at < cutoff) | b.heartbeat_at.is_(None))
            .values(status=INTERRUPTED)
        )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]
