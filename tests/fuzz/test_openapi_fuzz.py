"""Every operation of the four services, fuzzed from their own OpenAPI documents with valid tokens
(an admin and tenant roles), in positive and negative generation modes: no response is a server
error, every status code and content type is documented, every positive response matches its
documented schema, and negative (schema-violating) input is rejected with a 4xx.

The machinery and the knobs (``TIDU_FUZZ_EXAMPLES``) are in conftest.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tidu_shared.auth import mint_token
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, QUALIFICATION_GRANTED
from tidu_shared.events import event_type, new_envelope
from tidu_shared.settings import AuthSettings

pytestmark = pytest.mark.integration

DISTRICT = "500113"
FAST = {"run_relay": False, "run_consumers": False, "write_rate_per_s": 1e6, "write_burst": 1_000_000}
NOW = dt.datetime.now(dt.UTC)


def bearer(role: str, **scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(AuthSettings(), sub=f'fuzz-{role}', role=role, **scope)}"}


def new_uscc() -> str:
    from tidu_registry.domain.uscc import make_uscc

    return make_uscc(region=DISTRICT)


async def _deliver(app: Any, handler: Any, type_: str, data: dict[str, Any]) -> None:
    model = event_type(type_).validate(data)
    env = new_envelope(source="/tidu/fuzz", type=type_, subject=str(data.get("uscc", "")), data=data)
    async with app.state.db.transaction() as s:
        await handler(s, env, model)


def _registered(uscc: str) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": "重庆模糊测试科技有限公司",
        "district_code": DISTRICT,
        "industry_code": "C3825",
        "established_on": "2015-03-01",
        "registered_at": NOW.isoformat(),
    }


def _indicators(uscc: str, year: int) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "year": year,
        "indicators": {
            "employees": 120,
            "operating_revenue": "3000",
            "main_business_revenue": "2700",
            "rd_expense": "150",
            "total_assets": "2000",
            "total_liabilities": "1000",
            "ip_class_i": 2,
        },
        "source": "self_declared",
        "reported_by": "fuzz",
        "reported_at": NOW.isoformat(),
    }


def _qualification(uscc: str, kind: str) -> dict[str, Any]:
    return {
        "qualification_id": f"q-{uuid.uuid4().hex[:10]}",
        "uscc": uscc,
        "kind": kind,
        "level": "provincial",
        "granted_on": "2024-03-01",
        "expires_on": "2099-02-28",
    }


def collect(obj: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a JSON document, in order, without repeats."""
    found: list[Any] = []
    stack = [obj]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            if key in item and isinstance(item[key], str | int) and item[key] not in found:
                found.append(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _assert_clean(report: Any) -> None:
    assert report.examples > 0
    assert report.server_errors == 0, report.describe()
    assert not report.failures, report.describe()


async def test_registry(app_client_factory: Any, fuzz: Any) -> None:
    async with app_client_factory("registry", qualification_job_enabled=False, **FAST) as (app, client):
        admin = bearer("admin")
        uscc = new_uscc()
        body = {
            "uscc": uscc,
            "name": "重庆模糊测试科技有限公司",
            "district_code": DISTRICT,
            "industry_code": "C3983",
            "established_on": "2018-04-01",
        }
        r = await client.post("/v1/enterprises", json=body, headers=admin)
        assert r.status_code == 201, r.text
        r = await client.put(
            f"/v1/enterprises/{uscc}/indicators/2024",
            json={"employees": 120, "operating_revenue": "3000", "rd_expense": "120", "total_assets": "1000"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            f"/v1/enterprises/{uscc}/qualifications",
            json={
                "kind": "srdi_sme",
                "level": "city",
                "document_no": "渝经信发〔2024〕1号",
                "granted_on": "2024-01-15",
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        qid = r.json()["id"]
        r = await client.post(
            "/v1/commissioners",
            json={"id": "c-fuzz", "name": "王专员", "phone": "13900001111", "district_code": DISTRICT},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        resources = {
            "uscc": [uscc],
            "year": [2024],
            "qualification_id": [qid],
            "commissioner_id": ["c-fuzz"],
            "region": [DISTRICT, "500000"],
        }
        roles = {
            "admin": admin,
            "operator": bearer("operator", district=DISTRICT),
            "enterprise": bearer("enterprise", uscc=uscc),
        }
        report = await fuzz("registry", app, client, roles, resources)
    _assert_clean(report)


async def test_eligibility(app_client_factory: Any, fuzz: Any) -> None:
    async with app_client_factory("eligibility", **FAST) as (app, client):
        from tidu_eligibility.consumers import subscriptions

        handlers: dict[str, Any] = {}
        for sub in subscriptions(app.state.eligibility):
            handlers.update(sub.handlers)
        uscc = new_uscc()
        await _deliver(app, handlers[ENTERPRISE_REGISTERED], ENTERPRISE_REGISTERED, _registered(uscc))
        for year in (2024, 2025):
            await _deliver(app, handlers[INDICATORS_REPORTED], INDICATORS_REPORTED, _indicators(uscc, year))
        await _deliver(app, handlers[QUALIFICATION_GRANTED], QUALIFICATION_GRANTED, _qualification(uscc, "innovative"))
        admin = bearer("admin")
        r = await client.get(f"/v1/enterprises/{uscc}/assessments", headers=admin)
        assert r.status_code == 200, r.text
        rulesets = (await client.get("/v1/rulesets", headers=admin)).json()
        resources = {
            "uscc": [uscc],
            "assessment_id": collect(r.json(), "id")[:5],
            "ruleset_id": collect(rulesets, "id")[:5],
            "target": ["srdi", "little-giant", "innovative"],
        }
        roles = {
            "admin": admin,
            "operator": bearer("operator", district=DISTRICT),
            "enterprise": bearer("enterprise", uscc=uscc),
        }
        report = await fuzz("eligibility", app, client, roles, resources)
    _assert_clean(report)


async def test_finance_match(app_client_factory: Any, fuzz: Any) -> None:
    async with app_client_factory(
        "finance-match", scheduler_enabled=False, decision_speed_ttl_s=0, gc_freeze_catalogue=False, **FAST
    ) as (app, client):
        from tidu_finance_match.consumers import handlers as finance_handlers

        handlers = finance_handlers(app.state.finance)
        uscc = new_uscc()
        await _deliver(app, handlers[ENTERPRISE_REGISTERED], ENTERPRISE_REGISTERED, _registered(uscc))
        await _deliver(app, handlers[INDICATORS_REPORTED], INDICATORS_REPORTED, _indicators(uscc, 2024))
        enterprise = bearer("enterprise", uscc=uscc)
        admin = bearer("admin")
        r = await client.post(
            "/v1/demands",
            json={
                "amount": "500",
                "term_months": 12,
                "purpose": "working_capital",
                "collateral_offered": [],
                "has_existing_loan": False,
                "consent": {"share_with_institutions": True, "credit_lookup": True},
            },
            headers=enterprise,
        )
        assert r.status_code == 201, r.text
        demand_id = r.json()["id"]
        products = (await client.get("/v1/products", headers=admin)).json()
        institutions = (await client.get("/v1/institutions", headers=admin)).json()
        matches = (await client.get(f"/v1/demands/{demand_id}/matches", headers=admin)).json()
        inst_codes = [i["code"] for i in institutions]
        resources = {
            "uscc": [uscc],
            "demand_id": [demand_id],
            "code": collect(products, "code")[:3] + inst_codes[:3],
            "case_id": collect(matches, "case_id")[:3],
        }
        inst_code = inst_codes[0] if inst_codes else "demo-ccb"
        roles = {
            "admin": admin,
            "enterprise": enterprise,
            "institution": bearer("institution", inst=inst_code),
        }
        report = await fuzz("finance-match", app, client, roles, resources)
    _assert_clean(report)


async def test_whistle(app_client_factory: Any, fuzz: Any) -> None:
    async with app_client_factory("whistle", scheduler_enabled=False, **FAST) as (app, client):
        from tidu_whistle.consumers import on_enterprise_registered

        uscc = new_uscc()
        await _deliver(app, on_enterprise_registered, ENTERPRISE_REGISTERED, _registered(uscc))
        enterprise = bearer("enterprise", uscc=uscc)
        r = await client.post(
            "/v1/issues",
            json={"category": "land", "title": "厂房扩建用地指标", "description": "扩建二期厂房需新增工业用地 30 亩。"},
            headers=enterprise,
        )
        assert r.status_code == 201, r.text
        issue = r.json()
        resources = {
            "uscc": [uscc],
            "issue_id": [issue["id"]],
            "service_request_id": [issue["id"]],
            "category": ["land"],
            "district": [DISTRICT],
            "code": [f"{DISTRICT}-jrb", f"{DISTRICT}-ghzy"],
        }
        roles = {
            "admin": bearer("admin"),
            "enterprise": enterprise,
            "operator": bearer("operator", district=DISTRICT),
        }
        report = await fuzz("whistle", app, client, roles, resources)
    _assert_clean(report)
