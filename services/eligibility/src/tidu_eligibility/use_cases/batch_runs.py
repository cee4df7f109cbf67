"""Batch re-assessment runs as the API sees them: who may start and see them, create (queued),
progress view, list, resume. The worker's steps are in :mod:`tidu_eligibility.use_cases.batch_steps`.

A run walks the enterprises of its scope in USCC order, ``batch_chunk_size`` at a time; each chunk
is committed together with the run's progress and cursor (the last USCC done): a chunk is either
wholly recorded or not at all, so a run stopped at any point resumes exactly after its last
committed chunk.

Restarts: a run whose process stops is ``interrupted`` — marked by a graceful shutdown, by the next
start-up once its heartbeat is older than ``batch_stale_after_s``, and reported so by ``GET`` in
between. ``POST /v1/batch-runs/{id}/resume`` (or the CLI's ``--resume``) queues it again; it goes on
from its cursor with the rule sets in force then. A failed run resumes the same way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
from sqlalchemy import select, update

from tidu_eligibility.batch_eval import plan_for
from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.models import batch_runs
from tidu_eligibility.problems import forbidden, ruleset_not_found
from tidu_eligibility.projection import Scope, count_scope
from tidu_eligibility.schemas import BatchRunIn
from tidu_shared.auth import Principal, Role
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, not_found
from tidu_shared.outbox import utcnow

QUEUED, RUNNING, COMPLETED, FAILED, INTERRUPTED = "queued", "running", "completed", "failed", "interrupted"
RESULTS = ("eligible", "not_eligible", "undetermined")
b = batch_runs.c


def loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# --- access ---------------------------------------------------------------------------------------------


def ensure_may_start(principal: Principal, district: str | None) -> None:
    """Admins and city operators: any scope; a district operator: their own district only."""
    if principal.is_city:
        return
    if principal.role == Role.operator:
        if district is None or not principal.sees_district(district):
            raise forbidden(
                "区县经信委只能对本区县的企业发起批量重评", "district operators re-assess their own district"
            )
        return
    raise forbidden("只有经信委和管理员可以发起批量重评", "operators and admins only")


def ensure_may_see(principal: Principal, row: Any) -> None:
    if principal.is_city:
        return
    if principal.role == Role.operator and row.district_code is not None and principal.sees_district(row.district_code):
        return
    if principal.role not in (Role.operator, Role.admin):
        raise forbidden("只有经信委和管理员可以查看批量重评", "operators and admins only")
    raise not_found("batch_run_not_found", "批量重评任务", "batch run")


# --- views ----------------------------------------------------------------------------------------------


def is_stale(row: Any, stale_after_s: float, now: dt.datetime) -> bool:
    beat = row.heartbeat_at or row.started_at
    return row.status == RUNNING and (beat is None or (now - beat).total_seconds() > stale_after_s)


def view(row: Any, stale_after_s: float) -> dict[str, Any]:
    now = utcnow()
    stale = is_stale(row, stale_after_s, now)
    status = INTERRUPTED if stale else row.status
    return {
        "id": row.id,
        "status": status,
        "target_kind": row.target_kind,
        "target": row.target,
        "rulesets": loads(row.rulesets) or [],
        "district": row.district_code,
        "industry_prefix": row.industry_prefix,
        "as_of": row.as_of,
        "data_year": row.data_year,
        "publish": row.publish,
        "total": row.total,
        "done": row.done,
        "percent": (
            round(min(100.0, 100.0 * row.done / row.total), 1) if row.total else 100.0 if status == COMPLETED else 0.0
        ),
        "rate": row.rate,
        "eta_s": row.eta_s,
        "elapsed_s": row.elapsed_s,
        "resumable": status in (INTERRUPTED, FAILED),
        "counts": loads(row.counts) or {},
        "summary": loads(row.summary),
        "error": row.error,
        "requested_by": row.requested_by,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "heartbeat_at": row.heartbeat_at,
        "finished_at": row.finished_at,
    }


async def row_of(db: Database, run_id: str) -> Any:
    async with db.read() as s:
        return (await s.execute(select(batch_runs).where(b.id == run_id))).first()


async def get_run(db: Database, principal: Principal, run_id: str) -> Any:
    row = await row_of(db, run_id)
    if row is None:
        raise not_found("batch_run_not_found", "批量重评任务", "batch run")
    ensure_may_see(principal, row)
    return row


async def list_runs(db: Database, principal: Principal, limit: int) -> list[Any]:
    ensure_may_start(principal, principal.district if not principal.is_city else None)
    query = select(batch_runs).order_by(b.created_at.desc(), b.id.desc()).limit(limit)
    if not principal.is_city:
        query = query.where(b.district_code == principal.district)
    async with db.read() as s:
        return list((await s.execute(query)).all())


# --- create / resume ------------------------------------------------------------------------------------


async def create_run(db: Database, ctx: EligibilityContext, principal: Principal, req: BatchRunIn) -> Any:
    ensure_may_start(principal, req.district)
    as_of = req.as_of or ctx.today()
    year = as_of.year - 1 if req.year is None else req.year
    kind, target = ("ruleset", req.ruleset) if req.ruleset else ("tier", req.tier) if req.tier else ("all", None)
    scope = Scope(req.district, req.industry_prefix)
    async with db.read() as s:
        book = await ctx.rules(s)
        total = await count_scope(s, scope)
    try:
        plan = plan_for(book, kind, target, as_of)
    except RuleSetNotFound as exc:
        raise ruleset_not_found(exc, "tier" if kind == "tier" else "ruleset") from None
    now = utcnow()
    run_id = str(uuid.uuid4())
    async with db.transaction() as s:
        await s.execute(
            batch_runs.insert().values(
                id=run_id,
                target_kind=kind,
                target=target,
                district_code=req.district,
                industry_prefix=req.industry_prefix,
                as_of=as_of,
                data_year=year,
                publish=req.publish,
                status=QUEUED,
                total=total,
                done=0,
                cursor=None,
                rulesets=dumps(list(plan.labels)),
                counts=dumps({}),
                elapsed_s=0.0,
                requested_by=principal.sub,
                created_at=now,
            )
        )
    return await row_of(db, run_id)


async def resume_run(db: Database, ctx: EligibilityContext, principal: Principal, run_id: str) -> Any:
    row = await get_run(db, principal, run_id)
    stale_after = ctx.settings.batch_stale_after_s
    if not (row.status in (INTERRUPTED, FAILED) or is_stale(row, stale_after, utcnow())):
        raise ProblemError(
            409,
            "batch_run_not_resumable",
            "无法继续",
            f"该批量重评任务状态为 {row.status}，只有中断或失败的任务可以继续",
            f"run is {row.status}; only interrupted or failed runs resume",
        )
    async with db.transaction() as s:
        res = await s.execute(
            update(batch_runs)
            .where(b.id == run_id, b.status == row.status, b.heartbeat_at.is_not_distinct_from(row.heartbeat_at))
            .values(status=QUEUED, worker=None, error=None)
        )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise ProblemError(409, "batch_run_changed", "无法继续", "任务状态刚刚发生变化，请刷新", "run changed")
    return await row_of(db, run_id)
