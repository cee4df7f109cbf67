"""Fixtures of finance-match's API tests: the app on a fresh migrated database (relay and
consumers off), projections seeded by calling the consumer handlers as the consumer would (inside
``app.state.db.transaction()``), and small helpers for demands and the workflow."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tidu_finance_match.consumers import handlers
from tidu_finance_match.credit.simulated import simulated_grade
from tidu_finance_match.models import outbox
from tidu_shared.contracts.eligibility import ASSESSMENT_COMPLETED
from tidu_shared.contracts.registry import (
    ENTERPRISE_REGISTERED,
    INDICATORS_REPORTED,
    QUALIFICATION_GRANTED,
)
from tidu_shared.events import event_type, new_envelope

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


GOOD_GRADES = frozenset({"AAA", "AA", "A"})


def make_uscc(district: str = "500113", grades: frozenset[str] = GOOD_GRADES) -> str:
    """A random valid USCC whose simulated credit grade is one of ``grades`` (deterministic per code)."""
    while True:
        body = "91" + district + "".join(random.choice(ALPHABET) for _ in range(9))
        total = sum(_VALUE[c] * pow(3, i, 31) for i, c in enumerate(body))
        code = body + ALPHABET[(31 - total % 31) % 31]
        if simulated_grade(code)[0] in grades:
            return code


NOW = dt.datetime.now(dt.UTC)


@dataclass
class Service:
    app: Any
    client: httpx.AsyncClient
    auth: Callable[..., dict[str, str]]

    @staticmethod
    def uscc(district: str = "500113", grades: frozenset[str] = GOOD_GRADES) -> str:
        return make_uscc(district, grades)

    async def deliver(self, type_: str, data: dict[str, Any]) -> None:
        """Run the consumer's handler for one event, in a transaction, as the consumer would."""
        model = event_type(type_).validate(data)
        env = new_envelope(source="/tidu/test", type=type_, subject=str(data.get("uscc", "")), data=data)
        handler = handlers(self.app.state.finance)[type_]
        async with self.app.state.db.transaction() as s:
            await handler(s, env, model)

    async def register(
        self,
        uscc: str | None = None,
        *,
        district: str = "500113",
        industry: str = "C3825",
        established_on: dt.date = dt.date(2015, 3, 1),
        name: str = "重庆示例精密制造有限公司",
    ) -> str:
        uscc = uscc or make_uscc(district)
        await self.deliver(
            ENTERPRISE_REGISTERED,
            {
                "uscc": uscc,
                "name": name,
                "district_code": district,
                "industry_code": industry,
                "established_on": established_on.isoformat(),
                "registered_at": NOW.isoformat(),
            },
        )
        return uscc

    async def indicators(self, uscc: str, year: int = 2024, **values: Any) -> None:
        base: dict[str, Any] = {
            "employees": 180,
            "operating_revenue": "4200",
            "total_assets": "5000",
            "total_liabilities": "2600",
            "rd_expense": "260",
            "ip_class_i": 3,
            "ip_class_ii": 12,
        }
        base.update(values)
        await self.deliver(
            INDICATORS_REPORTED,
            {
                "uscc": uscc,
                "year": year,
                "indicators": base,
                "source": "self_declared",
                "reported_by": "test",
                "reported_at": NOW.isoformat(),
            },
        )

    async def qualification(self, uscc: str, kind: str, *, expires_on: dt.date | None = None) -> str:
        qid = f"q-{uuid.uuid4().hex[:10]}"
        await self.deliver(
            QUALIFICATION_GRANTED,
            {
                "qualification_id": qid,
                "uscc": uscc,
                "kind": kind,
                "level": "provincial",
                "granted_on": "2023-05-01",
                "expires_on": (expires_on or dt.date(2099, 4, 30)).isoformat(),
            },
        )
        return qid

    async def size(self, uscc: str, size_class: str = "small") -> None:
        await self.deliver(
            ASSESSMENT_COMPLETED,
            {
                "assessment_id": f"a-{uuid.uuid4().hex[:8]}",
                "uscc": uscc,
                "district_code": "500113",
                "ruleset_id": "size-2011",
                "ruleset_version": "2011",
                "tier": "size",
                "as_of": NOW.date().isoformat(),
                "data_year": 2024,
                "result": "eligible",
                "size_class": size_class,
                "assessed_at": NOW.isoformat(),
            },
        )

    async def srdi_enterprise(self, **kw: Any) -> str:
        """A 专精特新 manufacturer of 巴南区 with indicators, a size class and two qualifications."""
        uscc = await self.register(**kw)
        await self.indicators(uscc)
        await self.size(uscc)
        await self.qualification(uscc, "srdi_sme")
        await self.qualification(uscc, "high_tech")
        return uscc

    async def demand(self, who: str, /, *, headers: dict[str, str] | None = None, **over: Any) -> httpx.Response:
        """POST a demand as the enterprise ``who`` (or with ``headers``); ``over`` changes the body."""
        body: dict[str, Any] = {
            "amount": "500",
            "term_months": 12,
            "purpose": "working_capital",
            "collateral_offered": [],
            "has_existing_loan": False,
            "consent": {"share_with_institutions": True, "credit_lookup": True},
        }
        body.update(over)
        return await self.client.post("/v1/demands", json=body, headers=headers or self.auth("enterprise", uscc=who))

    async def count(self, table: Any, *where: Any) -> int:
        async with self.app.state.db.read() as s:
            stmt = select(func.count()).select_from(table)
            for w in where:
                stmt = stmt.where(w)
            return int((await s.execute(stmt)).scalar_one())

    async def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        import orjson

        async with self.app.state.db.read() as s:
            stmt = select(outbox.c.event_type, outbox.c.payload).order_by(outbox.c.id)
            if type_ is not None:
                stmt = stmt.where(outbox.c.event_type == type_)
            rows = (await s.execute(stmt)).all()
        return [orjson.loads(r.payload) for r in rows]


@pytest.fixture
async def svc(app_client_factory: Any, auth_header: Callable[..., dict[str, str]]) -> AsyncIterator[Service]:
    async with app_client_factory(
        "finance-match",
        run_relay=False,
        run_consumers=False,
        scheduler_enabled=False,
        decision_speed_ttl_s=0,
        gc_freeze_catalogue=False,  # a latency measure for long-lived processes; costs tests a full GC per load
    ) as (app, client):
        yield Service(app, client, auth_header)
