"""Fixtures of the eligibility API tests: the service with its real lifespan on a fresh migrated
database (relay and consumers off), a fixed "today", and a stand-in for the registry that feeds
registry events to the service's consumer handlers — each inside its own ``db.transaction()``,
as the consumer runs them — so that projections and assessments are built the real way.

Test modules do not import each other (pytest runs with --import-mode=importlib): what they share
is here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from tidu_eligibility.consumers import subscriptions
from tidu_eligibility.models import outbox
from tidu_shared.contracts.registry import (
    ENTERPRISE_REGISTERED,
    INDICATORS_REPORTED,
    PROFILE_CHANGED,
    QUALIFICATION_GRANTED,
)
from tidu_shared.events import Envelope, event_type, new_envelope
from tidu_shared.outbox import utcnow
from tidu_shared.settings import KafkaSettings

TODAY = dt.date(2026, 6, 1)  # srdi-2026 and little-giant-2026 in force; data year 2025


def new_uscc(district: str = "500113") -> str:
    """18 characters shaped like a USCC (this service does not check the check character)."""
    return f"91{district}{uuid.uuid4().hex[:9].upper()}X"


class Registry:
    """Plays the registry: builds its events and applies them through the service's handlers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        handlers: dict[str, Any] = {}
        for sub in subscriptions(app.state.eligibility):
            handlers.update(sub.handlers)
        self.handlers = handlers

    async def send(self, type_: str, data: dict[str, Any]) -> Envelope:
        env = new_envelope(source="/tidu/registry", type=type_, subject=str(data["uscc"]), data=data)
        model = event_type(type_).validate(orjson.loads(orjson.dumps(env.data, default=str)))
        async with self.app.state.db.transaction() as s:
            await self.handlers[type_](s, env, model)
        return env

    async def register(
        self,
        uscc: str | None = None,
        *,
        district: str = "500113",
        industry: str = "C3825",
        established_on: str = "2015-03-01",
        name: str = "重庆示例科技有限公司",
        **profile: Any,
    ) -> str:
        code = uscc or new_uscc(district)
        await self.send(
            ENTERPRISE_REGISTERED,
            {
                "uscc": code,
                "name": name,
                "district_code": district,
                "industry_code": industry,
                "established_on": established_on,
                "registered_at": utcnow(),
                **profile,
            },
        )
        return code

    async def change_profile(self, uscc: str, **profile: Any) -> Envelope:
        data = {
            "uscc": uscc,
            "name": "重庆示例科技有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2015-03-01",
            "changes": {},
            "source": "operator",
            "changed_by": "op-1",
            "changed_at": utcnow(),
            **profile,
        }
        return await self.send(PROFILE_CHANGED, data)

    async def indicators(self, uscc: str, year: int, values: dict[str, Any], **extra: Any) -> Envelope:
        data = {
            "uscc": uscc,
            "year": year,
            "indicators": values,
            "source": "self_declared",
            "reported_by": "ent-1",
            "reported_at": utcnow(),
            **extra,
        }
        return await self.send(INDICATORS_REPORTED, data)

    async def qualification(
        self,
        uscc: str,
        kind: str,
        *,
        type_: str = QUALIFICATION_GRANTED,
        level: str = "provincial",
        granted_on: str = "2025-03-01",
        expires_on: str | None = "2028-02-29",
        qualification_id: str | None = None,
        **extra: Any,
    ) -> Envelope:
        data = {
            "qualification_id": qualification_id or f"q-{uuid.uuid4().hex[:10]}",
            "uscc": uscc,
            "kind": kind,
            "level": level,
            "granted_on": granted_on,
            "expires_on": expires_on,
            **extra,
        }
        return await self.send(type_, data)


@pytest.fixture(scope="session")
def api_namespace() -> str:
    return f"api{uuid.uuid4().hex[:6]}."


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, api_namespace: str) -> KafkaSettings:
    """API tests run with the relay and the consumers off: they share one topic namespace, so the
    broker creates the service's topics once per session instead of once per test."""
    return KafkaSettings(
        bootstrap_servers=kafka_bootstrap, namespace=api_namespace, session_timeout_ms=2000, heartbeat_interval_ms=500
    )


@pytest.fixture
async def service(app_client_factory: Any) -> AsyncIterator[tuple[Any, Any]]:
    async with app_client_factory("eligibility", run_relay=False, run_consumers=False) as (app, client):
        app.state.eligibility.clock = lambda: TODAY
        yield app, client


@pytest.fixture
def registry(service: tuple[Any, Any]) -> Registry:
    return Registry(service[0])


@pytest.fixture
def outbox_events(service: tuple[Any, Any]) -> Callable[..., Any]:
    """``await outbox_events(type_=None)`` → the event data written to the outbox, oldest first."""

    async def _events(type_: str | None = None) -> list[dict[str, Any]]:
        app = service[0]
        query = select(outbox.c.event_type, outbox.c.payload).order_by(outbox.c.id)
        if type_ is not None:
            query = query.where(outbox.c.event_type == type_)
        async with app.state.db.read() as s:
            rows = (await s.execute(query)).all()
        return [orjson.loads(r.payload)["data"] for r in rows]

    return _events


# An enterprise that passes srdi-2026 on TODAY once it holds 创新型 (domain-rules §12 example 3's
# figures): its profile, its indicators for 2025 and 2024.
SRDI26_PROFILE: dict[str, Any] = {"niche_market_since": "2018-01-01"}
SRDI26_2025: dict[str, Any] = {
    "operating_revenue": "3000",
    "main_business_revenue": "2700",
    "rd_expense": "150",
    "total_assets": "2000",
    "total_liabilities": "1000",
    "ip_class_i": 2,
    "rd_institution_level": "city",
    "equity_financing": "0",
    "development_score": "70",
    "market_share_pct": "5",
    "market_rank_domestic": 8,
}
SRDI26_2024: dict[str, Any] = {"operating_revenue": "2500", "rd_expense": "120", "equity_financing": "0"}


@pytest.fixture
def srdi26() -> dict[str, Any]:
    return {"profile": SRDI26_PROFILE, "2025": SRDI26_2025, "2024": SRDI26_2024}


@pytest.fixture
def population(registry: Registry, srdi26: dict[str, Any]) -> Callable[..., Any]:
    """``await population()`` registers a small population (through events, so each is assessed):
    in 500113, two enterprises eligible for srdi-2026 holding 创新型 only, one eligible holding
    专精特新 already, one that lacks R&D; in 500114, one eligible. Returns {name: uscc}."""

    async def _make() -> dict[str, str]:
        return {
            "eligible0": await _srdi26_firm(registry, srdi26, "500113", ("innovative_sme",)),
            "eligible1": await _srdi26_firm(registry, srdi26, "500113", ("innovative_sme",)),
            "holder": await _srdi26_firm(registry, srdi26, "500113", ("innovative_sme", "srdi_sme")),
            "low_rd": await _srdi26_firm(registry, srdi26, "500113", ("innovative_sme",), rd_expense="60"),
            "qianjiang": await _srdi26_firm(registry, srdi26, "500114", ("innovative_sme",)),
        }

    return _make


async def _srdi26_firm(
    registry: Registry, srdi26: dict[str, Any], district: str, kinds: tuple[str, ...], **year: Any
) -> str:
    uscc = await registry.register(district=district, **srdi26["profile"])
    await registry.indicators(uscc, 2025, {**srdi26["2025"], **year})
    await registry.indicators(uscc, 2024, srdi26["2024"])
    for kind in kinds:
        await registry.qualification(uscc, kind)
    return uscc
