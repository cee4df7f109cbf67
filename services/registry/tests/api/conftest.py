"""Helpers for the registry's API tests: the app with its real lifespan on a fresh migrated database
(relay and consumers off: the outbox rows are what this layer promises), tokens per role, and
factories for request bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import outbox

TODAY = dt.date.today()
THIS_YEAR = TODAY.year


def valid_ric(first17: str = "50010119800101123") -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def profile_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uscc": make_uscc(),
        "name": "重庆示例传感科技有限公司",
        "district_code": "500113",
        "industry_code": "C3983",
        "established_on": "2018-04-01",
    }
    body.update(over)
    return body


def full_profile_body(**over: Any) -> dict[str, Any]:
    full: dict[str, Any] = {
        "independent_legal_person": True,
        "niche_market_since": "2019-01-01",
        "main_product": "工业传感器",
        "strategic_emerging": True,
        "six_foundations": False,
        "key_chain_link": True,
        "supplies_chain_leader": False,
        "own_brand": True,
        "legal_rep_name": "张三",
        "legal_rep_id_number": valid_ric(),
        "legal_rep_phone": "13812345678",
        "contacts": [{"name": "李四", "role": "财务总监", "phone": "023-61234567", "email": "li@example.cn"}],
    }
    return profile_body(**{**full, **over})


def indicator_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employees": 120,
        "rd_staff": 30,
        "operating_revenue": "3000",
        "main_business_revenue": "2400",
        "net_profit": "180.5",
        "total_assets": "1000",
        "total_liabilities": "300",
        "rd_expense": "120",
        "equity_financing": "0",
        "ip_class_i": 3,
        "ip_class_i_self_developed": 2,
        "ip_class_i_high_value": 1,
        "ip_class_ii": 5,
        "digital_level": 3,
        "quality_cert": True,
        "quality_award_provincial": False,
        "standards_drafted": True,
        "foreign_product_cert": False,
        "rd_institution_level": "city",
        "market_share_pct": "12.5",
        "market_rank_domestic": 3,
        "development_score": "72",
        "srdi_local_score": "10",
    }
    body.update(over)
    return body


class Registry:
    """The app, an HTTP client to it, and shortcuts."""

    def __init__(self, app: Any, client: httpx.AsyncClient, auth_header: Callable[..., dict[str, str]]) -> None:
        self.app = app
        self.client = client
        self._auth = auth_header

    # bodies
    body = staticmethod(profile_body)
    full_body = staticmethod(full_profile_body)
    indicators = staticmethod(indicator_body)
    ric = staticmethod(valid_ric)

    # tokens
    def h(self, role: str, **scope: str) -> dict[str, str]:
        return self._auth(role, **scope)

    @property
    def admin(self) -> dict[str, str]:
        return self._auth("admin", sub="admin-1")

    def op(self, district: str = "500113") -> dict[str, str]:
        return self._auth("operator", district=district, sub=f"op-{district}")

    def ent(self, uscc: str) -> dict[str, str]:
        return self._auth("enterprise", uscc=uscc, sub=f"ent-{uscc}")

    def comm(self, sub: str) -> dict[str, str]:
        return self._auth("commissioner", sub=sub)

    # shortcuts
    async def register(self, headers: dict[str, str] | None = None, **over: Any) -> dict[str, Any]:
        r = await self.client.post("/v1/enterprises", json=profile_body(**over), headers=headers or self.admin)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def put_indicators(
        self, uscc: str, year: int, headers: dict[str, str] | None = None, **over: Any
    ) -> httpx.Response:
        return await self.client.put(
            f"/v1/enterprises/{uscc}/indicators/{year}", json=indicator_body(**over), headers=headers or self.admin
        )

    async def grant(self, uscc: str, headers: dict[str, str] | None = None, **over: Any) -> dict[str, Any]:
        body = {
            "kind": "srdi_sme",
            "level": "city",
            "document_no": f"渝经信发〔2024〕{make_uscc()[-4:]}号",
            "granted_on": "2024-01-15",
        }
        body.update(over)
        r = await self.client.post(f"/v1/enterprises/{uscc}/qualifications", json=body, headers=headers or self.admin)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def commissioner(self, cid: str, district: str = "500113", **over: Any) -> dict[str, Any]:
        body = {"id": cid, "name": "王专员", "phone": "13900001111", "district_code": district, **over}
        r = await self.client.post("/v1/commissioners", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def assign(self, uscc: str, cid: str) -> None:
        r = await self.client.put(
            f"/v1/enterprises/{uscc}/commissioner", json={"commissioner_id": cid}, headers=self.admin
        )
        assert r.status_code == 200, r.text

    async def events(self, type_suffix: str | None = None) -> list[dict[str, Any]]:
        """Every event in the outbox (CloudEvents dicts, with the message key), oldest first."""
        async with self.app.state.db.read() as s:
            rows = (await s.execute(select(outbox).order_by(outbox.c.id))).all()
        out = []
        for r in rows:
            ev = orjson.loads(r.payload)
            ev["_key"] = r.message_key
            ev["_topic"] = r.topic
            if type_suffix is None or ev["type"].endswith(type_suffix):
                out.append(ev)
        return out

    async def count(self, table: Any) -> int:
        async with self.app.state.db.read() as s:
            return int((await s.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.fixture
async def reg(app_client_factory: Any, auth_header: Any) -> AsyncIterator[Registry]:
    async with app_client_factory(
        "registry", run_relay=False, run_consumers=False, qualification_job_enabled=False
    ) as (app, client):
        yield Registry(app, client, auth_header)
