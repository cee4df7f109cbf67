"""aiokafka clients built from :class:`~tidu_shared.settings.KafkaSettings`.

Producers use ``acks=all``; idempotence is a setting (on for Apache Kafka, off for the
development broker). SASL/SCRAM and TLS are settings too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from tidu_shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext:
    """The TLS context for ``SSL`` / ``SASL_SSL``: the broker's CA (``KAFKA_SSL_CAFILE``; the system
    store when unset), the client certificate for mutual TLS (``KAFKA_SSL_CERTFILE`` /
    ``KAFKA_SSL_KEYFILE`` / ``KAFKA_SSL_PASSWORD``), hostname checking on unless turned off."""
    ctx = ssl.create_default_context(cafile=settings.ssl_cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.ssl_certfile:
        password = settings.ssl_password.get_secret_value() if settings.ssl_password else None
        ctx.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile, password=password)
    if not settings.ssl_check_hostname:
        ctx.check_hostname = False
    return ctx


def client_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments every aiokafka client (producer, consumer, admin) gets: the broker, the
    security protocol, TLS and SASL (PLAIN or SCRAM-SHA-256/512). The SASL password leaves its
    ``SecretStr`` only here, into the client; nothing logs these arguments."""
    kw: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": settings.request_timeout_ms,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        kw["ssl_context"] = ssl_context(settings)
    if settings.sasl_mechanism:
        kw["sasl_mechanism"] = settings.sasl_mechanism
        kw["sasl_plain_username"] = settings.sasl_username
        kw["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return kw


_common = client_kwargs


def make_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    kw = _common(settings)
    kw.update(acks="all", enable_idempotence=settings.enable_idempotence, linger_ms=2)
    kw.update(overrides)
    return AIOKafkaProducer(**kw)


def make_consumer(settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any) -> AIOKafkaConsumer:
    kw = _common(settings)
    kw.update(
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        isolation_level="read_uncommitted",
    )
    kw.update(overrides)
    return AIOKafkaConsumer(*topics, **kw)


async def ensure_topics(settings: KafkaSettings, names: Iterable[str], partitions: int | None = None) -> None:
    """Create the (namespaced) topics that do not exist yet. Idempotent."""
    admin = AIOKafkaAdminClient(**_common(settings))
    await admin.start()
    try:
        wanted = [settings.topic(n) for n in names]
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            new = [NewTopic(t, partitions or settings.partitions, settings.replication_factor) for t in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", missing)
    finally:
        await admin.close()


async def broker_reachable(settings: KafkaSettings, timeout_s: float = 2.0) -> bool:
    """True when the broker answers a metadata request within ``timeout_s``."""
    admin = AIOKafkaAdminClient(**{**_common(settings), "request_timeout_ms": int(timeout_s * 1000)})
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            pass


class BrokerWatch:
    """Watches the broker from one long-lived admin client (a metadata request every
    ``interval_s``). ``up`` says whether it answers; ``epoch`` grows each time it comes back
    after being unreachable, once the service's topics exist again (a development broker
    returns empty). The relay distrusts acknowledgements from a cycle during which the epoch
    changed (the development broker acknowledges writes to topics it lost, and drops them) and
    sends again; consumers start over with a new client. With Apache Kafka an epoch change costs
    a few duplicate deliveries, which the inbox absorbs."""

    def __init__(self, settings: KafkaSettings, topics: Iterable[str], interval_s: float = 0.5) -> None:
        self.settings = settings
        self.topics = list(topics)
        self.interval_s = interval_s
        self.up = False
        self.epoch = 0
        self.downs = 0  # up → down transitions seen
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._admin: AIOKafkaAdminClient | None = None

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._run(), name="broker-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close_admin()

    async def _close_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.check()

    async def check(self) -> bool:
        timeout = max(3.0, self.interval_s * 4)
        try:
            if self._admin is None:
                admin = AIOKafkaAdminClient(**{**_common(self.settings), "request_timeout_ms": int(timeout * 1000)})
                await asyncio.wait_for(admin.start(), timeout)
                self._admin = admin
            existing = set(await asyncio.wait_for(self._admin.list_topics(), timeout))
            missing = [t for t in self.topics if self.settings.topic(t) not in existing]
            if missing:
                await asyncio.wait_for(ensure_topics(self.settings, missing), timeout * 4)
            ok = True
        except Exception:
            await self._close_admin()
            ok = False
        if ok and not self.up and self._task is not None:
            self.epoch += 1
            log.warning("broker reachable again (epoch %d)", self.epoch)
            self.changed.set()
            self.changed = asyncio.Event()
        elif not ok and self.up:
            self.downs += 1
            log.warning("broker unreachable")
        self.up = ok
        return ok
