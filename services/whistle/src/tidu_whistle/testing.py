"""Test helpers of the whistle service (used by services/whistle/tests): a settable clock, the
enterprise projection seeded through the real consumer handlers, and small helpers to raise and
act on issues over HTTP. Imported by tests only; nothing here runs in the service."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from tidu_shared.auth import mint_token
from tidu_shared.contracts.finance import FINANCING_FAILED
from tidu_shared.contracts.registry import COMMISSIONER_ASSIGNED, ENTERPRISE_REGISTERED, PROFILE_CHANGED
from tidu_shared.events import Envelope, event_type, new_envelope
from tidu_shared.settings import AuthSettings
from tidu_whistle.consumers import (
    FinanceHandlers,
    on_commissioner_assigned,
    on_enterprise_registered,
    on_profile_changed,
)
from tidu_whistle.domain.working_days import SHANGHAI
from tidu_whistle.models import outbox

# Friday 2025-09-26 10:00 Shanghai: Sunday 09-28 is a 调休 working day, 10-01..08 are holidays.
T0 = dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
USCC = "91500113MA5U8XYZ1K"
OTHER_USCC = "91500114MA5U8XYZ2L"
THIRD_USCC = "91500113MA5U8XYZ3M"


class FakeClock:
    """The service's clock in tests: set or advance it instead of sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**delta)
        return self.now


@dataclass
class Event:
    topic: str
    key: str
    type: str
    data: dict[str, Any]
    id: str


@dataclass
class Whistle:
    app: Any
    client: httpx.AsyncClient
    clock: FakeClock
    header: Callable[..., dict[str, str]]
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    # -- tokens -------------------------------------------------------------------------
    def h(self, role: str, sub: str | None = None, **scope: str) -> dict[str, str]:
        """A token for ``role`` (cached per role, sub and scope so that ``sub`` is stable)."""
        key = f"{role}|{sub}|{sorted(scope.items())}"
        if key not in self._headers:
            token = mint_token(AuthSettings(), sub=sub or f"{role}-{uuid.uuid4().hex[:6]}", role=role, **scope)
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return self._headers[key]

    def enterprise(self, uscc: str = USCC) -> dict[str, str]:
        return self.h("enterprise", sub=f"ent-{uscc}", uscc=uscc)

    def dept(self, code: str) -> dict[str, str]:
        return self.h("department", sub=f"staff-{code}", dept=code)

    def operator(self, district: str = "500113") -> dict[str, str]:
        return self.h("operator", sub=f"op-{district}", district=district)

    def commissioner(self, sub: str = "comm-1") -> dict[str, str]:
        return self.h("commissioner", sub=sub)

    def admin(self) -> dict[str, str]:
        return self.h("admin", sub="admin-1")

    # -- the projection, through the real handlers --------------------------------------
    async def deliver(self, handler: Any, type_: str, subject: str, data: dict[str, Any]) -> Envelope:
        model = event_type(type_).validate(data)
        env = new_envelope(source="/tidu/test", type=type_, subject=subject, data=model.model_dump(mode="json"))
        async with self.app.state.db.transaction() as s:
            await handler(s, env, model)
        return env

    async def seed(
        self,
        uscc: str = USCC,
        district: str = "500113",
        *,
        commissioner: str | None = None,
        name: str | None = None,
    ) -> None:
        await self.deliver(
            on_enterprise_registered,
            ENTERPRISE_REGISTERED,
            uscc,
            {
                "uscc": uscc,
                "name": name or f"重庆示例{uscc[-4:]}科技有限公司",
                "district_code": district,
                "industry_code": "C3825",
                "established_on": "2018-04-01",
                "registered_at": "2025-01-02T03:00:00Z",
            },
        )
        if commissioner:
            await self.assign(uscc, commissioner, district=district)

    async def assign(self, uscc: str, commissioner: str, *, district: str = "500113", at: str | None = None) -> None:
        await self.deliver(
            on_commissioner_assigned,
            COMMISSIONER_ASSIGNED,
            uscc,
            {
                "uscc": uscc,
                "district_code": district,
                "commissioner_id": commissioner,
                "commissioner_name": f"专员{commissioner}",
                "assigned_at": at or "2025-02-01T00:00:00Z",
            },
        )

    async def change_profile(self, uscc: str, *, district: str, at: str = "2025-03-01T00:00:00Z") -> None:
        await self.deliver(
            on_profile_changed,
            PROFILE_CHANGED,
            uscc,
            {
                "uscc": uscc,
                "name": f"重庆示例{uscc[-4:]}科技有限公司",
                "district_code": district,
                "industry_code": "C3825",
                "established_on": "2018-04-01",
                "changes": {"district_code": {"old": "500113", "new": district}},
                "source": "operator",
                "changed_by": "op-1",
                "changed_at": at,
            },
        )

    async def financing_failed(self, demand_id: str, uscc: str = USCC, district: str = "500113") -> Envelope:
        handlers = FinanceHandlers(self.app.state.whistle)
        return await self.deliver(
            handlers.on_financing_failed,
            FINANCING_FAILED,
            demand_id,
            {
                "demand_id": demand_id,
                "uscc": uscc,
                "district_code": district,
                "reason": "all_declined",
                "amount": "500.0000",
                "term_months": 12,
                "purpose": "流动资金",
                "summary": "企业申请 500 万元流动资金贷款，三家银行均未通过。",
                "details": ["银行甲：抵押物不足", "银行乙：经营年限不足"],
                "failed_at": "2025-09-26T01:00:00Z",
            },
        )

    # -- issues -------------------------------------------------------------------------
    async def raise_issue(
        self, headers: dict[str, str] | None = None, *, expect: int = 201, **body: Any
    ) -> dict[str, Any]:
        payload = {"category": "land", "title": "厂房扩建用地指标", "description": "扩建二期厂房需新增工业用地 30 亩。"}
        payload.update(body)
        r = await self.client.post("/v1/issues", json=payload, headers=headers or self.enterprise())
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    async def act(
        self,
        issue: dict[str, Any],
        action: str,
        headers: dict[str, str],
        *,
        expect: int = 200,
        version: int | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        h = {**headers, "If-Match": f'"{version if version is not None else issue["version"]}"'}
        r = await self.client.post(f"/v1/issues/{issue['id']}/actions/{action}", json=body or None, headers=h)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    async def get(self, issue_id: str, headers: dict[str, str], expect: int = 200) -> dict[str, Any]:
        r = await self.client.get(f"/v1/issues/{issue_id}", headers=headers)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    async def sweep(self, now: dt.datetime, **params: Any) -> dict[str, Any]:
        r = await self.client.post(
            "/v1/scheduler/sweep", params={"now": now.isoformat(), **params}, headers=self.admin()
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def events(self) -> list[Event]:
        async with self.app.state.db.read() as s:
            rows = (await s.execute(select(outbox).order_by(outbox.c.id))).all()
        out = []
        for r in rows:
            env = orjson.loads(r.payload)
            out.append(Event(r.topic, r.message_key, r.event_type, env["data"], env["id"]))
        return out
