"""The audit log of a service: who did what, when and why, append-only, queryable by admins and
published as ``tidu.audit.recorded.v1`` events on ``tidu.audit``.

What is recorded (by :class:`AuditMiddleware`, installed by ``create_service_app``), after the
handler ran and before the response is sent — a client that got its answer can query it:

- every write (any method but GET, HEAD, OPTIONS), whatever its outcome;
- every denial: 401, 403, and a 404 that hides a record's existence — the access rule raises it
  through :func:`hides_existence`, so a genuine "not found" stays out of the log;
- every request on a route that reads sensitive data, marked with
  ``dependencies=[sensitive_read("identity", "phone")]`` (or :func:`mark_sensitive` inside a
  handler): identity numbers, phone numbers, credit data.

A row holds who (the token's ``sub``, role and scope claim), when, what (method, route template,
concrete path, subject — the record the path names —, status, outcome ``ok | denied | rejected |
error``, the problem code, the sensitive categories) and why (the request id; ``X-Request-ID`` when
the caller sent one). Never request bodies, query strings, identity or phone numbers (paths are
masked like logs). Each row is written in its own transaction together with its event in the
service's ``audit_outbox``, which a relay of its own publishes (audit events never delay the
domain events). A failed audit write never turns an answer into a 500: it is logged and counted
(``tidu_audit_write_failures_total``).

Append-only: there is no code path that updates or deletes a row, and the database refuses it
(triggers created by each service's migration ``0003``). Admins query it at ``GET /v1/audit``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from prometheus_client import Counter
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from stdnum.cn.uscc import calc_check_digit as uscc_check_digit

from tidu_shared.auth import SCOPE_CLAIM, CurrentPrincipal, Principal, Role
from tidu_shared.contracts.audit import AUDIT_RECORDED, OUTCOMES, SENSITIVE_CATEGORIES, AuditRecorded
from tidu_shared.db import Database, UtcDateTime, insert_rows
from tidu_shared.errors import ProblemError
from tidu_shared.events.envelope import new_envelope
from tidu_shared.logs import looks_like_identity_number, redact, request_id_var
from tidu_shared.metrics import Metrics
from tidu_shared.outbox import PENDING, BigId, outbox_table, utcnow
from tidu_shared.query_types import IsoInstantText
from tidu_shared.topics import AUDIT
from tidu_shared.tracing import current_traceparent

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Outcome = Literal["ok", "denied", "rejected", "error"]
Category = Literal["identity", "phone", "credit"]
MAX_LIMIT = 500
_PROBLEM_BODY_CAP = 64 * 1024


def audit_table(metadata: MetaData) -> Table:
    """The service's ``audit_log`` (created by the service's migration 0003, with the triggers
    that refuse UPDATE and DELETE), and beside it in ``metadata`` the ``audit_outbox`` its events
    wait in (see :func:`audit_outbox_of`)."""
    _audit_outbox_table(metadata)
    return Table(
        "audit_log",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("service", String(40), nullable=False),
        Column("actor_sub", String(200)),
        Column("actor_role", String(20)),
        Column("actor_scope", String(120)),
        Column("method", String(10), nullable=False),
        Column("route", String(300), nullable=False),
        Column("path", String(500), nullable=False),
        Column("subject", String(200)),
        Column("status", Integer, nullable=False),
        Column("outcome", String(10), nullable=False),
        Column("code", String(80)),
        Column("sensitive", String(100)),
        Column("request_id", String(100), nullable=False),
        Column("event_id", String(36)),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_sub", "actor_sub", "id"),
        Index("ix_audit_log_subject", "subject", "id"),
        Index("ix_audit_log_outcome", "outcome", "id"),
    )


def _audit_outbox_table(metadata: MetaData) -> Table:
    """An outbox of its own (the shape of ``tidu_shared.outbox.outbox_table``) with its own relay:
    audit events never delay or mix with the service's domain events."""
    return outbox_table(metadata, "audit_outbox")


def audit_outbox_of(audit: Table) -> Table:
    """The ``audit_outbox`` that :func:`audit_table` defined beside ``audit``."""
    return audit.metadata.tables["audit_outbox"]


# --- marks the access rules and routes set on the request being handled ------------------------


@dataclass
class AuditMark:
    """What the handler of the current request told the audit: a denial hiding existence, the
    sensitive categories it read."""

    hidden: bool = False
    sensitive: set[str] = field(default_factory=set)


_current: ContextVar[AuditMark | None] = ContextVar("tidu_audit_mark", default=None)


def hides_existence(err: ProblemError) -> ProblemError:
    """``raise hides_existence(enterprise_not_found())``: this 404 is an access denial that must
    not reveal the record exists; the audit records it as ``denied``."""
    mark = _current.get()
    if mark is not None:
        mark.hidden = True
    return err


def mark_sensitive(*categories: Category) -> None:
    """Inside a handler: this request reads sensitive data of ``categories``."""
    unknown = set(categories) - set(SENSITIVE_CATEGORIES)
    if unknown:
        raise ValueError(f"unknown sensitive categories {sorted(unknown)}")
    mark = _current.get()
    if mark is not None:
        mark.sensitive.update(categories)


def sensitive_read(*categories: Category) -> Any:
    """A route dependency: ``@router.get(..., dependencies=[sensitive_read("identity", "phone")])``."""
    unknown = set(categories) - set(SENSITIVE_CATEGORIES)
    if not categories or unknown:
        raise ValueError(f"sensitive_read needs categories among {SENSITIVE_CATEGORIES}, not {sorted(unknown)}")

    async def _sensitive_read() -> None:
        mark_sensitive(*categories)

    return Depends(_sensitive_read)


# --- recording ------------------------------------------------------------------------------------


def outcome_of(status: int, *, hidden: bool) -> str:
    if status in (401, 403) or (status == 404 and hidden):
        return "denied"
    if status >= 500:
        return "error"
    if status >= 400:
        return "rejected"
    return "ok"


def _actor_scope(p: Principal) -> str | None:
    claim = SCOPE_CLAIM.get(p.role)
    value = getattr(p, claim, None) if claim else None
    return f"{claim}={value}"[:120] if claim and value else None


_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def _is_uscc(text: str) -> bool:
    return len(text) == 18 and set(text) <= _USCC_ALPHABET and uscc_check_digit(text[:17]) == text[17]


def _subject_text(value: str) -> str:
    """The record a path names, as the log keeps it: an enterprise's USCC as it is (it names a firm,
    and admins query the log by it), anything else masked like logs — and a USCC too where it could
    also be a resident identity number."""
    if _is_uscc(value) and not looks_like_identity_number(value):
        return value[:200]
    return redact(value)[:200]


def _subject(path_params: dict[str, Any]) -> str | None:
    if not path_params:
        return None
    if "uscc" in path_params:
        value = path_params["uscc"]
    else:
        ids = [k for k in path_params if k == "id" or k.endswith("_id") or k.endswith("_code") or k == "code"]
        value = path_params[ids[0] if ids else next(iter(path_params))]
    return _subject_text(str(value))


def _created_subject(start: Message) -> str | None:
    """The id a create answered with: the last segment of its ``Location`` header."""
    for k, v in start.get("headers") or ():
        if k.lower() == b"location":
            last = v.decode("latin-1").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            return _subject_text(last) or None
    return None


def _problem_code(body: bytes) -> str | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    code = doc.get("code") if isinstance(doc, dict) else None
    return str(code)[:80] if code else None


class _AuditMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self.service = metrics.service
        self.failures = Counter(
            "tidu_audit_write_failures_total",
            "Audit records that could not be written",
            ["service"],
            registry=metrics.registry,
        )
        self.recorded = Counter(
            "tidu_audit_records_total", "Audit records written", ["service", "outcome"], registry=metrics.registry
        )


def _audit_metrics(app: Any) -> _AuditMetrics | None:
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is None:
        return None
    am: _AuditMetrics | None = getattr(metrics, "_audit", None)
    if am is None:
        am = _AuditMetrics(metrics)
        metrics._audit = am  # type: ignore[attr-defined]
    return am


def _rows_of(record: AuditRecorded) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``audit_log`` row of ``record`` and the ``audit_outbox`` row of its event."""
    env = new_envelope(
        source=f"/tidu/{record.service}",
        type=AUDIT_RECORDED,
        subject=record.service,
        data=record.model_dump(mode="json"),
    )
    tp = current_traceparent()
    if tp:
        env = replace(env, extensions={**env.extensions, "traceparent": tp})
    row = record.model_dump(exclude={"sensitive"})
    row["sensitive"] = ",".join(record.sensitive) or None
    row["event_id"] = env.id
    now = utcnow()
    event = {
        "event_id": env.id,
        "event_type": env.type,
        "topic": AUDIT,
        "message_key": record.service,
        "payload": env.to_bytes(),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return row, event


async def write_record(db: Database, table: Table, record: AuditRecorded) -> str:
    """Append ``record`` to the log and its event to the audit outbox, in one transaction;
    returns the event id."""
    row, event = _rows_of(record)
    async with db.transaction() as s:
        await insert_rows(s, table, [row])
        await insert_rows(s, audit_outbox_of(table), [event])
    return str(event["event_id"])


class AuditWriter:
    """Group commit: records of concurrent requests are appended in one transaction. The first
    request with nothing in flight starts a flush; whatever arrives while a transaction commits
    goes into the next one. Each request still waits until its own row is committed, so its
    response is sent only after its record is durable — one commit serves a whole batch instead
    of one per request (SQLite has a single writer; every commit is a round trip)."""

    def __init__(self, db: Database, table: Table, max_batch: int = 500) -> None:
        self.db = db
        self.table = table
        self.outbox = audit_outbox_of(table)
        self.max_batch = max_batch
        self._pending: list[tuple[dict[str, Any], dict[str, Any], asyncio.Future[str]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, record: AuditRecorded) -> str:
        row, event = _rows_of(record)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending.append((row, event, future))
        if self._flusher is None or self._flusher.done():
            # its own task: a client that disconnects (cancelling its request) never cancels a
            # transaction that holds other requests' records
            self._flusher = asyncio.create_task(self._flush(), name="audit-group-commit")
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                async with self.db.transaction(inline=True) as s:  # ≤ max_batch small rows
                    await insert_rows(s, self.table, [b[0] for b in batch])
                    await insert_rows(s, self.outbox, [b[1] for b in batch])
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, event, future in batch:
                if not future.done():
                    future.set_result(str(event["event_id"]))


def _writer(app: Any, table: Table) -> AuditWriter:
    writer: AuditWriter | None = getattr(app.state, "audit_writer", None)
    if writer is None or writer.db is not app.state.db or writer.table is not table:
        writer = AuditWriter(app.state.db, table)
        app.state.audit_writer = writer
    return writer


class AuditMiddleware:
    """Pure ASGI: decides after the handler whether the request is audited and writes the row
    before the response start goes out (for an error answer, once its small problem body is
    complete, to keep its ``code``)."""

    def __init__(self, app: ASGIApp, service: str, table: Table) -> None:
        self.app = app
        self.service = service
        self.table = table

    def _wanted(self, scope: Scope, status: int, mark: AuditMark) -> bool:
        return (
            scope.get("method", "GET") not in READ_METHODS
            or status in (401, 403)
            or (status == 404 and mark.hidden)
            or bool(mark.sensitive)
        )

    def _record(
        self, scope: Scope, status: int, mark: AuditMark, code: str | None, created: str | None
    ) -> AuditRecorded:
        state = scope.get("state") or {}
        principal: Principal | None = state.get("principal")
        method = str(scope.get("method", ""))
        template = getattr(scope.get("route"), "path", None) or "unmatched"
        return AuditRecorded(
            service=self.service,
            at=dt.datetime.now(dt.UTC),
            actor_sub=redact(principal.sub)[:200] if principal else None,  # a sub may be a phone number
            actor_role=str(principal.role) if principal else None,
            actor_scope=_actor_scope(principal) if principal else None,
            method=method[:10],
            route=f"{method} {template}"[:300],
            path=redact(str(scope.get("path", "")))[:500],
            subject=_subject(dict(scope.get("path_params") or {})) or created,
            status=status,
            outcome=outcome_of(status, hidden=mark.hidden),
            code=code,
            sensitive=sorted(mark.sensitive),
            request_id=(state.get("request_id") or request_id_var.get())[:100],
        )

    async def _write(
        self, scope: Scope, status: int, mark: AuditMark, code: str | None, created: str | None = None
    ) -> None:
        app = scope.get("app")
        am = _audit_metrics(app) if app is not None else None
        try:
            record = self._record(scope, status, mark, code, created)
            await _writer(app, self.table).write(record)
            relay = getattr(getattr(app.state, "runtime", None), "audit_relay", None)
            if relay is not None:
                relay.wake()
        except Exception as exc:
            log.error(
                "audit record not written (%s %s → %s): %s: %s",
                scope.get("method"),
                redact(str(scope.get("path", ""))),
                status,
                type(exc).__name__,
                exc,
            )
            if am is not None:
                am.failures.labels(am.service).inc()
            return
        if am is not None:
            am.recorded.labels(am.service, record.outcome).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mark = AuditMark()
        token = _current.set(mark)
        done = False  # recorded (or not wanted): pass everything through
        held: Message | None = None
        body: list[Message] = []
        size = 0

        async def _send(message: Message) -> None:
            nonlocal done, held, size
            if done:
                await send(message)
                return
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if not self._wanted(scope, status, mark):
                    done = True
                    await send(message)
                    return
                if status >= 400:
                    held = message  # keep the problem code: wait for the body
                    return
                done = True
                await self._write(scope, status, mark, None, _created_subject(message))
                await send(message)
                return
            if message["type"] == "http.response.body" and held is not None:
                body.append(message)
                size += len(message.get("body", b""))
                if message.get("more_body", False) and size < _PROBLEM_BODY_CAP:
                    return
                done = True
                code = _problem_code(b"".join(m.get("body", b"") for m in body)) if size < _PROBLEM_BODY_CAP else None
                await self._write(scope, int(held["status"]), mark, code)
                await send(held)
                for m in body:
                    await send(m)
                return
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception:
            # Unhandled: the server error handler outside answers 500; record it when wanted.
            if not done and held is None and self._wanted(scope, 500, mark):
                done = True
                await self._write(scope, 500, mark, "internal_error")
            raise
        finally:
            _current.reset(token)


# --- the admin query ---------------------------------------------------------------------------


def _encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{row_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("a"):
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise ProblemError(
            422, "invalid_cursor", "参数有误", "分页游标无效，请使用上一页返回的 next_cursor", "invalid cursor"
        ) from None


def _as_utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t


def _row_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at.isoformat(),
        "service": r.service,
        "actor": {"sub": r.actor_sub, "role": r.actor_role, "scope": r.actor_scope},
        "method": r.method,
        "route": r.route,
        "path": r.path,
        "subject": r.subject,
        "status": r.status,
        "outcome": r.outcome,
        "code": r.code,
        "sensitive": r.sensitive.split(",") if r.sensitive else [],
        "request_id": r.request_id,
        "event_id": r.event_id,
    }


def audit_router(table: Table) -> APIRouter:
    router = APIRouter(prefix="/v1/audit", tags=["ops"])

    @router.get(
        "",
        summary="审计日志 Audit log (admins): writes, denials and sensitive reads, newest first",
        responses={403: {"description": "仅管理员 admins only (the refusal is itself audited)"}},
    )
    async def list_audit(
        request: Request,
        principal: CurrentPrincipal,
        actor: Annotated[str | None, Query(max_length=200, description="the token sub")] = None,
        role: Annotated[Role | None, Query()] = None,
        outcome: Annotated[Outcome | None, Query()] = None,
        method: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3,7}$")] = None,
        route: Annotated[
            str | None, Query(max_length=300, description='e.g. "PUT /v1/enterprises/{uscc}/indicators/{year}"')
        ] = None,
        subject: Annotated[str | None, Query(max_length=200)] = None,
        category: Annotated[Category | None, Query(description="sensitive data read")] = None,
        since: Annotated[
            dt.datetime | None, IsoInstantText, Query(description="from this time (inclusive), ISO 8601")
        ] = None,
        until: Annotated[
            dt.datetime | None, IsoInstantText, Query(description="before this time (exclusive), ISO 8601")
        ] = None,
        cursor: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, description=f"page size (at most {MAX_LIMIT})")] = 100,
    ) -> dict[str, Any]:
        if principal.role != Role.admin:
            raise ProblemError(403, "role_not_allowed", "无权访问", "仅管理员可查看审计日志", "admins only")
        t = table.c
        stmt = select(table)
        if actor is not None:
            stmt = stmt.where(t.actor_sub == redact(actor))
        if role is not None:
            stmt = stmt.where(t.actor_role == str(role))
        if outcome is not None:
            stmt = stmt.where(t.outcome == outcome)
        if method is not None:
            stmt = stmt.where(t.method == method.upper())
        if route is not None:
            stmt = stmt.where(t.route == route)
        if subject is not None:
            stmt = stmt.where(t.subject == subject)
        if category is not None:
            stmt = stmt.where(t.sensitive.like(f"%{category}%"))
        if since is not None:
            stmt = stmt.where(t.at >= _as_utc(since))
        if until is not None:
            stmt = stmt.where(t.at < _as_utc(until))
        if cursor is not None:
            stmt = stmt.where(t.id < _decode_cursor(cursor))
        n = min(limit, MAX_LIMIT)
        db: Database = request.app.state.db
        async with db.read() as s:
            rows = (await s.execute(stmt.order_by(t.id.desc()).limit(n + 1))).all()
        more = len(rows) > n
        rows = rows[:n]
        return {
            "items": [_row_out(r) for r in rows],
            "next_cursor": _encode_cursor(rows[-1].id) if more and rows else None,
        }

    return router


__all__ = [
    "OUTCOMES",
    "AuditMiddleware",
    "AuditWriter",
    "audit_outbox_of",
    "audit_router",
    "audit_table",
    "hides_existence",
    "mark_sensitive",
    "sensitive_read",
    "write_record",
]
