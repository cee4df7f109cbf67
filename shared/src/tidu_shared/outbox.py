"""The transactional outbox and its relay.

A use case calls :func:`emit` inside its transaction: the event is validated against its
contract and written to the service's ``outbox`` table together with the state change. The
:class:`OutboxRelay` (a task in the API process, or its own process: ``tidu relay SERVICE``)
publishes pending rows with ``acks=all``, keyed by aggregate id, marks them sent, retries with
exponential backoff and parks rows that can never be sent (``status='parked'``).

Claiming: on PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED`` inside the publishing
transaction, so several relays can run side by side; on SQLite (one writer, one process) the
relay reads, publishes, then marks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    TopicAuthorizationFailedError,
)
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_shared.db import Database, UtcDateTime
from tidu_shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope, now_iso
from tidu_shared.events.registry import event_type
from tidu_shared.kafka import BrokerWatch, ensure_topics, make_producer
from tidu_shared.metrics import Metrics
from tidu_shared.settings import KafkaSettings
from tidu_shared.tracing import current_traceparent

log = logging.getLogger(__name__)

PENDING, SENT, PARKED = "pending", "sent", "parked"
_NEVER_SENDABLE = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    TopicAuthorizationFailedError,
)


class BrokerDown(Exception):
    """Not sent because the broker is (or was, during the cycle) unreachable."""


BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def outbox_table(metadata: MetaData, name: str = "outbox") -> Table:
    """The service's outbox (``name``: another outbox of the same shape, e.g. ``audit_outbox``)."""
    return Table(
        name,
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("topic", String(249), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("status", String(10), nullable=False, default=PENDING),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime()),
        Column("last_error", Text),
        Index(f"ix_{name}_status_next", "status", "next_attempt_at", "id"),
    )


def emit(
    session: AsyncSession,
    *,
    type: str,
    subject: str,
    data: dict[str, Any],
    topic: str | None = None,
    key: str | None = None,
) -> Envelope:
    """Validate ``data`` against the type's contract and add the event to the outbox of this
    transaction (written by :meth:`Database.transaction` just before it commits). ``topic``
    overrides the type's topic (department topics); ``key`` the message key (the aggregate id
    by default)."""
    et = event_type(type)
    model = et.validate(data)
    env = new_envelope(source=f"/tidu/{et.producer}", type=type, subject=subject, data=model.model_dump(mode="json"))
    tp = current_traceparent()
    if tp:
        env = replace(env, extensions={**env.extensions, "traceparent": tp})
    return emit_envelope(session, env, topic=topic or et.topic, key=key)


@dataclass(frozen=True, slots=True)
class Emitted:
    """One event queued by :func:`emit_many`: its id, subject and the outbox row's exact bytes."""

    id: str
    type: str
    subject: str
    payload: bytes


def _uuid4s(n: int) -> list[str]:
    """``n`` random (version 4) UUIDs from one read of the system's random source."""
    raw = os.urandom(16 * n)
    return [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * n, 16)]


def emit_many(
    session: AsyncSession,
    *,
    type: str,
    events: Sequence[tuple[str, dict[str, Any]]],
    topic: str | None = None,
) -> list[Emitted]:
    """:func:`emit` for many events of one type, each ``(subject, data)``: every event's data is
    validated on its own against the contract (the first invalid one raises, as ``emit`` would) and
    queued as one outbox row keyed by its subject. What all share is computed once: the contract,
    the trace context, the time; the envelope is serialised in one step (the contract's own JSON
    serialiser writes ``data``, as ``model_dump(mode="json")`` would). The rows are written with one
    ``executemany`` when the transaction commits."""
    if not events:
        return []
    et = event_type(type)
    model = et.model
    to_json = model.__pydantic_serializer__.to_json
    source = f"/tidu/{et.producer}"
    when = now_iso()
    tp = current_traceparent()
    now = utcnow()
    target = topic or et.topic
    pending = session.info.setdefault("outbox_pending", [])
    out: list[Emitted] = []
    for (subject, data), event_id in zip(events, _uuid4s(len(events)), strict=True):
        validated = model.model_validate(data)
        head: dict[str, str] = {
            "specversion": "1.0",
            "id": event_id,
            "source": source,
            "type": type,
            "subject": subject,
            "time": when,
            "datacontenttype": "application/json",
            "partitionkey": subject,
        }
        if tp:
            head["traceparent"] = tp
        payload = b"".join((orjson.dumps(head)[:-1], b',"data":', to_json(validated), b"}"))
        pending.append(
            {
                "event_id": event_id,
                "event_type": type,
                "topic": target,
                "message_key": subject,
                "payload": payload,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
        out.append(Emitted(event_id, type, subject, payload))
    session.info["outbox_rows"] = session.info.get("outbox_rows", 0) + len(out)
    return out


def emit_envelope(session: AsyncSession, env: Envelope, *, topic: str, key: str | None = None) -> Envelope:
    now = utcnow()
    session.info.setdefault("outbox_pending", []).append(
        {
            "event_id": env.id,
            "event_type": env.type,
            "topic": topic,
            "message_key": key or env.subject,
            "payload": env.to_bytes(),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
    )
    session.info["outbox_rows"] = session.info.get("outbox_rows", 0) + 1
    return env


def kafka_headers(event_type: str, payload: bytes) -> list[tuple[str, bytes]]:
    """Kafka headers of a published event: content type, type, and the W3C trace context
    (the CloudEvents ``traceparent`` extension, repeated as a header for Kafka tooling)."""
    headers = [("content-type", CONTENT_TYPE.encode()), ("ce_type", event_type.encode())]
    tp = traceparent_of(payload)
    if tp:
        headers.append(("traceparent", tp.encode()))
    return headers


def traceparent_of(payload: bytes) -> str | None:
    i = payload.find(b'"traceparent":"')
    if i < 0:
        return None
    start = i + len(b'"traceparent":"')
    end = payload.find(b'"', start)
    return payload[start:end].decode("ascii", "replace") if end > start else None


_M = 0x5BD1E995
_WORDS = [struct.Struct(f"<{n}I") for n in range(64)]


def murmur2(data: bytes) -> int:
    """The Java client's murmur2 hash of a message key, as ``aiokafka.partitioner.murmur2`` computes
    it (the default partitioner's hash), in fewer steps: whole 32-bit words unpacked at once, every
    intermediate kept below 2**32 so the unsigned shifts need no masking. A unit test holds the two
    equal."""
    length = len(data)
    h = 0x9747B28C ^ length
    words = length >> 2
    unpack = _WORDS[words].unpack_from if words < 64 else struct.Struct(f"<{words}I").unpack_from
    for k in unpack(data):
        k = (k * _M) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * _M) & 0xFFFFFFFF
        h = ((h * _M) & 0xFFFFFFFF) ^ k
    tail = length & 3
    if tail:
        base = length - tail
        if tail == 3:
            h ^= data[base + 2] << 16
        if tail >= 2:
            h ^= data[base + 1] << 8
        h = ((h ^ data[base]) * _M) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * _M) & 0xFFFFFFFF
    return h ^ (h >> 15)


def key_partition(key: bytes, partitions: Sequence[int]) -> int:
    """The partition aiokafka's ``DefaultPartitioner`` chooses for ``key`` among ``partitions``."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


def backoff_delay(attempts: int, cap_s: float) -> float:
    base: float = min(cap_s, 0.25 * (2 ** min(attempts, 16)))
    return base / 2 + random.random() * base / 2


@dataclass(slots=True)
class _Submitted:
    """A cycle's rows handed to the producer: the outcomes known at once (rows that can never be sent),
    each record batch's rows and delivery future, what queueing raised, the broker's outage count."""

    outcome: dict[int, BaseException | None]
    delivered: list[tuple[list[int], asyncio.Future[Any]]]
    queued: list[Any]
    downs_before: int
    done: bool = False


class OutboxRelay:
    """Publishes the outbox of one service database."""

    def __init__(
        self,
        db: Database,
        outbox: Table,
        kafka: KafkaSettings,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.2,
        max_attempts: int = 20,
        backoff_max_s: float = 30.0,
        producer: AIOKafkaProducer | None = None,
        watch: BrokerWatch | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.watch = watch
        self.metrics = metrics
        self.db = db
        self.outbox = outbox
        self.kafka = kafka
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.max_attempts = max_attempts
        self.backoff_max_s = backoff_max_s
        self._producer = producer
        self._owns_producer = producer is None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._producer_ready = False
        self._type_headers: dict[str, tuple[tuple[str, bytes], ...]] = {}
        self._after: int | None = None  # see publish_once
        self.published_total = 0
        self.parked_total = 0
        db.on_commit(self.wake)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, drain_timeout_s: float = 5.0) -> None:
        """Flush what can be flushed within ``drain_timeout_s``, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, drain_timeout_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        if self._producer is not None and self._owns_producer:
            with contextlib.suppress(Exception):
                await self._producer.stop()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            self._producer = make_producer(self.kafka)
        if not self._producer_ready:
            await self._producer.start()
            self._producer_ready = True
        return self._producer

    async def _run(self) -> None:
        while True:
            # Cleared before the cycle, not after it: a commit that wakes the relay while a cycle
            # runs must not be lost (its rows would wait a whole poll interval).
            self._wake.clear()
            try:
                sent = await (self._drain_sqlite() if self.db.is_sqlite else self.publish_once())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay cycle failed: %s: %s", type(exc).__name__, exc)
                await self._reset_producer()
                sent = 0
                if not self._stopping:
                    await asyncio.sleep(1.0)
            if self._stopping and sent == 0:
                return
            if sent >= self.batch_size:
                continue  # drain without waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)

    async def _reset_producer(self) -> None:
        if self._producer is not None and self._owns_producer:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None
        self._producer_ready = False

    async def backlog(self) -> int:
        async with self.db.read() as s:
            return int(
                (
                    await s.execute(
                        select(func.count()).select_from(self.outbox).where(self.outbox.c.status == PENDING)
                    )
                ).scalar_one()
            )

    def _due(self, after: int | None) -> Any:
        """The next due rows in order of id. After a full cycle whose rows were all sent (a backlog
        being drained), the rows after its last one, found through the primary key: the status index
        would make the database collect and sort every pending row on each cycle (``status || ''``
        keeps the planner off it). Anything else (a first cycle, a short one, a failure) queries in
        full, so rows left pending below the last id (retries) are found as before."""
        ob = self.outbox
        where = (
            (ob.c.status == PENDING, ob.c.next_attempt_at <= utcnow())
            if after is None
            else (ob.c.id > after, (ob.c.status + "") == PENDING, ob.c.next_attempt_at <= utcnow())
        )
        columns = [ob.c.id, ob.c.topic, ob.c.message_key, ob.c.payload, ob.c.attempts, ob.c.event_type]
        if self.metrics is not None:
            columns.append(ob.c.created_at)  # for the lag histogram only
        return select(*columns).where(*where).order_by(ob.c.id).limit(self.batch_size)

    async def _read(self, after: int | None) -> list[Any]:
        # inline (SQLite): one indexed read of at most batch_size rows, on the loop's thread
        async with self.db.read(inline=True) as s:
            return list((await s.execute(self._due(after))).all())

    async def publish_once(self) -> int:
        """One cycle: claim due rows, publish them, record the outcome. Returns rows sent."""
        after, self._after = self._after, None
        if self.db.is_sqlite:
            rows = await self._read(after)
            if not rows:
                return 0
            outcome = await self._publish(rows)
            async with self.db.transaction(inline=True) as s:  # rows marked by id
                sent = await self._record(s, rows, outcome)
        else:
            async with self.db.sessions() as s, s.begin():
                rows = (await s.execute(self._due(after).with_for_update(skip_locked=True))).all()
                if not rows:
                    return 0
                outcome = await self._publish(rows)
                sent = await self._record(s, rows, outcome)
        if sent == len(rows) >= self.batch_size:
            self._after = rows[-1].id
        return sent

    async def _drain_sqlite(self) -> int:
        """What the run loop does on SQLite: :meth:`publish_once`, and while whole cycles follow one
        another (a backlog) and all their rows are sent, the next cycle's rows are read while the
        broker acknowledges the current ones, and the current ones are marked sent while the broker
        takes the next. The same cycles, in the same order, each handed to the producer only once the
        one before was acknowledged, each row marked sent only after its acknowledgement; only the
        database's work and the broker's overlap. Returns rows sent."""
        after, self._after = self._after, None
        rows = await self._read(after)
        if not rows:
            return 0
        submitted = await self._submit(rows)
        total = 0
        while True:
            more = len(rows) >= self.batch_size and not self._stopping
            following = await self._read(rows[-1].id) if more else []
            outcome = await self._collect(rows, submitted)
            go_on = bool(following) and all(e is None for e in outcome.values())
            error: Exception | None = None
            if go_on:
                try:
                    next_submitted = await self._submit(following)
                except Exception as exc:  # recorded below, raised after the current rows are marked
                    error, go_on = exc, False
            async with self.db.transaction(inline=True) as s:  # rows marked by id
                sent = await self._record(s, rows, outcome)
            total += sent
            if error is not None:
                raise error
            if not go_on:
                if sent == len(rows) >= self.batch_size:
                    self._after = rows[-1].id
                return total
            rows, submitted = following, next_submitted

    async def _publish(self, rows: list[Any]) -> dict[int, BaseException | None]:
        return await self._collect(rows, await self._submit(rows))

    async def _submit(self, rows: list[Any]) -> _Submitted:
        """Hand ``rows`` to the producer (see :meth:`_send_partition`); :meth:`_collect` waits for the
        broker's answers."""
        if self.watch is not None and not self.watch.up:
            return _Submitted({r.id: BrokerDown("broker unreachable") for r in rows}, [], [], 0, done=True)
        downs_before = self.watch.downs if self.watch is not None else 0
        producer = await self._ensure_producer()
        outcome: dict[int, BaseException | None] = {}
        queues = await self._by_partition(producer, rows, outcome)
        delivered: list[tuple[list[int], asyncio.Future[Any]]] = []
        queued = await asyncio.gather(
            *(self._send_partition(producer, tp, queue, outcome, delivered) for tp, queue in queues.items()),
            return_exceptions=True,
        )
        return _Submitted(outcome, delivered, queued, downs_before)

    async def _collect(self, rows: list[Any], sub: _Submitted) -> dict[int, BaseException | None]:
        """Each row's outcome: ``None`` once the broker acknowledged its batch, else the error."""
        outcome = sub.outcome
        if sub.done:
            return outcome
        results = await asyncio.gather(*(f for _, f in sub.delivered), return_exceptions=True)
        raised = [e for e in sub.queued if isinstance(e, BaseException)]
        if raised:
            # As a failing ``send`` did: the cycle fails, nothing is marked; the rows stay pending.
            raise raised[0]
        for (row_ids, _), res in zip(sub.delivered, results, strict=True):
            err = res if isinstance(res, BaseException) else None
            for row_id in row_ids:
                outcome[row_id] = err
        if self.watch is not None and (self.watch.downs != sub.downs_before or not self.watch.up):
            # The broker went away while these were in flight: an acknowledgement may come from a
            # broker that lost the topic (the development broker drops such writes). Send again;
            # consumers' inboxes absorb the duplicates.
            log.warning("outbox: broker outage during a publish cycle; %d rows will be sent again", len(rows))
            await self._reset_producer()
            return {r.id: BrokerDown("broker outage during publish") for r in rows}
        failures = [e for e in outcome.values() if e is not None]
        if failures:
            log.warning("outbox: %d of %d sends failed (%s)", len(failures), len(rows), type(failures[0]).__name__)
            if any(not isinstance(e, _NEVER_SENDABLE) for e in failures):
                # The broker may have lost its topics (a restarted dev broker); make sure they exist.
                with contextlib.suppress(Exception):
                    await ensure_topics(self.kafka, {r.topic for r in rows})
        return outcome

    async def _by_partition(
        self, producer: AIOKafkaProducer, rows: list[Any], outcome: dict[int, BaseException | None]
    ) -> dict[tuple[str, int], list[Any]]:
        """The rows per (topic, partition), each list in the rows' order (so per key). The partition
        is the one ``producer.send`` would choose: the producer's partitioner (murmur2 of the key by
        default) over the topic's partitions as the producer's metadata lists them. Rows of a topic
        the producer can never write to get that error as their outcome."""
        partitioner = producer._partitioner
        by_murmur2 = type(partitioner) is DefaultPartitioner
        partitions: dict[str, list[int] | BaseException] = {}
        by_key: dict[tuple[str, str], int] = {}
        queues: dict[tuple[str, int], list[Any]] = {}
        for r in rows:
            topic = self.kafka.topic(r.topic)
            known = partitions.get(topic)
            if known is None:
                try:
                    known = list(await producer.partitions_for(topic))
                except _NEVER_SENDABLE as exc:
                    known = exc
                partitions[topic] = known
            if isinstance(known, BaseException):
                outcome[r.id] = known
                continue
            partition = by_key.get((topic, r.message_key))
            if partition is None:
                # Keys are never None (the column is NOT NULL), so ``available`` is never consulted.
                key = r.message_key.encode()
                partition = key_partition(key, known) if by_murmur2 else partitioner(key, known, known)
                by_key[(topic, r.message_key)] = partition
            queue = queues.get((topic, partition))
            if queue is None:
                queue = queues[(topic, partition)] = []
            queue.append(r)
        return queues

    async def _send_partition(
        self,
        producer: AIOKafkaProducer,
        tp: tuple[str, int],
        rows: list[Any],
        outcome: dict[int, BaseException | None],
        delivered: list[tuple[list[int], asyncio.Future[Any]]],
    ) -> None:
        """Append the rows of one partition, in order, to record batches of the producer's batch
        size and hand each full batch to the producer (``send_batch``: the accumulator assigns the
        idempotent producer's sequence numbers when the batch is drained, as for ``send``). A batch
        is delivered or fails as a whole, so its rows share its outcome."""
        topic, partition = tp
        max_size: int = producer._max_request_size
        estimate = DefaultRecordBatchBuilder.estimate_size_in_bytes
        headers_of = self._headers
        batch = producer.create_batch()
        ids: list[int] = []
        for r in rows:
            key = r.message_key.encode()
            value = r.payload
            headers = headers_of(r.event_type, value)
            size = estimate(key, value, headers)
            if size > max_size:
                # What ``send`` raises for it (``_NEVER_SENDABLE``: parked).
                outcome[r.id] = MessageSizeTooLargeError(
                    f"The message is {size} bytes when serialized which is larger than the maximum request "
                    "size you have configured with the max_request_size configuration"
                )
                continue
            if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:
                delivered.append((ids, await producer.send_batch(batch, topic, partition=partition)))
                batch, ids = producer.create_batch(), []
                if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:  # pragma: no cover
                    raise RecordListTooLargeError("a record does not fit an empty batch")
            ids.append(r.id)
        if ids:
            delivered.append((ids, await producer.send_batch(batch, topic, partition=partition)))

    def _headers(self, event_type: str, payload: bytes) -> list[tuple[str, bytes]]:
        """:func:`kafka_headers`, the type's part encoded once per type."""
        fixed = self._type_headers.get(event_type)
        if fixed is None:
            fixed = self._type_headers[event_type] = (
                ("content-type", CONTENT_TYPE.encode()),
                ("ce_type", event_type.encode()),
            )
        tp = traceparent_of(payload)
        return [*fixed, ("traceparent", tp.encode())] if tp else list(fixed)

    async def _record(self, s: AsyncSession, rows: list[Any], outcome: dict[int, BaseException | None]) -> int:
        ob = self.outbox
        now = utcnow()
        sent_ids = [r.id for r in rows if outcome[r.id] is None]
        if sent_ids:
            await s.execute(update(ob).where(ob.c.id.in_(sent_ids)).values(status=SENT, sent_at=now, last_error=None))
        for r in rows:
            err = outcome[r.id]
            if err is None:
                continue
            if isinstance(err, BrokerDown):
                # Waiting for the broker is not the row's fault: no attempt counted, retry soon.
                await s.execute(update(ob).where(ob.c.id == r.id).values(next_attempt_at=now + timedelta(seconds=0.5)))
                continue
            attempts = r.attempts + 1
            park = isinstance(err, _NEVER_SENDABLE) or attempts >= self.max_attempts
            await s.execute(
                update(ob)
                .where(ob.c.id == r.id)
                .values(
                    attempts=attempts,
                    status=PARKED if park else PENDING,
                    last_error=f"{type(err).__name__}: {err}"[:2000],
                    next_attempt_at=now + timedelta(seconds=backoff_delay(attempts, self.backoff_max_s)),
                )
            )
            if park:
                self.parked_total += 1
                if self.metrics is not None:
                    self.metrics.outbox_parked.labels(self.metrics.service).inc()
                log.error("outbox: parked event row %s after %d attempts: %s", r.id, attempts, err)
        self.published_total += len(sent_ids)
        if self.metrics is not None and sent_ids:
            m = self.metrics
            m.outbox_published.labels(m.service).inc(len(sent_ids))
            for r in rows:
                if outcome[r.id] is None:
                    created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
                    m.outbox_lag.labels(m.service).observe(max(0.0, (now - created).total_seconds()))
        return len(sent_ids)


__all__ = ["PARKED", "PENDING", "SENT", "Emitted", "KafkaError", "OutboxRelay", "emit", "emit_many", "outbox_table"]
