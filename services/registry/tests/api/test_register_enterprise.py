"""POST /v1/enterprises: validation, normalisation, conflicts and access — the registry's first
slice, run with its real lifespan on a fresh migrated database (relay off: the outbox row is
what this layer promises; the relay is tested in shared/ and tests/)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tidu_registry.domain.uscc import make_uscc
from tidu_registry.models import Enterprise, outbox


def body(**over: Any) -> dict[str, Any]:
    b = {
        "uscc": make_uscc(),
        "name": "重庆示例科技有限公司",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": "2018-04-01",
    }
    b.update(over)
    return b


@pytest.fixture
async def registry(app_client_factory: Any) -> Any:
    async with app_client_factory("registry", run_relay=False, run_consumers=False) as (app, client):
        yield app, client


async def count(app: Any, table: Any) -> int:
    async with app.state.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(table))).scalar_one())


async def test_register_answers_201_and_writes_the_event_to_the_outbox(registry: Any, auth_header: Any) -> None:
    app, client = registry
    b = body()
    r = await client.post("/v1/enterprises", json=b, headers=auth_header("operator", district="500113"))
    assert r.status_code == 201, r.text
    assert r.json()["uscc"] == b["uscc"]
    assert await count(app, outbox) == 1
    got = await client.get(f"/v1/enterprises/{b['uscc']}", headers=auth_header("admin"))
    assert got.status_code == 200
    assert got.json()["name"] == b["name"]


async def test_lower_case_and_padded_uscc_is_normalised(registry: Any, auth_header: Any) -> None:
    _, client = registry
    code = make_uscc()
    r = await client.post("/v1/enterprises", json=body(uscc=f"  {code.lower()}\t"), headers=auth_header("admin"))
    assert r.status_code == 201
    assert r.json()["uscc"] == code
    assert (await client.get(f"/v1/enterprises/{code.lower()}", headers=auth_header("admin"))).status_code == 200


@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("91110108551385082A", "uscc_check_char"),  # wrong check character (valid: …082Q)
        ("91110108551385O82Q", "uscc_charset"),  # letter O is forbidden
        ("9111010855138508", "uscc_length"),
        ("911101085513850822Q", "uscc_length"),
        ("Z1110108551385082Q", "uscc_charset"),
    ],
)
async def test_invalid_uscc_is_a_422_naming_the_rule(registry: Any, auth_header: Any, uscc: str, code: str) -> None:
    app, client = registry
    r = await client.post("/v1/enterprises", json=body(uscc=uscc), headers=auth_header("admin"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("uscc", code)]
    assert "统一社会信用代码" in problem["errors"][0]["message"]
    assert await count(app, Enterprise.__table__) == 0


async def test_all_violations_are_named_at_once(registry: Any, auth_header: Any) -> None:
    _, client = registry
    bad = body(uscc="91110108551385082A", district_code="999999", industry_code="X12", established_on="2999-01-01")
    r = await client.post("/v1/enterprises", json=bad, headers=auth_header("admin"))
    assert r.status_code == 422
    fields = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert fields == {
        "uscc": "uscc_check_char",
        "district_code": "unknown_district",
        "industry_code": "industry_code_shape",
        "established_on": "date_in_future",
    }


@pytest.mark.parametrize(
    ("industry", "code"),
    [("C", None), ("C38", None), ("C3825", None), ("C06", "industry_code_division"), ("c3825", None)],
)
async def test_industry_code_shape(registry: Any, auth_header: Any, industry: str, code: str | None) -> None:
    _, client = registry
    r = await client.post("/v1/enterprises", json=body(industry_code=industry), headers=auth_header("admin"))
    if code is None:
        assert r.status_code == 201, r.text
    else:
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == code


@pytest.mark.parametrize(
    ("payload", "field", "kind"),
    [
        ({"name": "x"}, "uscc", "missing"),
        (body(established_on="not-a-date"), "established_on", "date_from_datetime_parsing"),
        (body(name=123), "name", "string_type"),
        (body(extra_field=1), "extra_field", "extra_forbidden"),
    ],
)
async def test_missing_or_mistyped_fields(registry: Any, auth_header: Any, payload: Any, field: str, kind: str) -> None:
    _, client = registry
    r = await client.post("/v1/enterprises", json=payload, headers=auth_header("admin"))
    assert r.status_code == 422
    errs = {e["field"]: e for e in r.json()["errors"]}
    assert field in errs
    assert errs[field]["code"].startswith(kind.split("_")[0])
    assert errs[field]["message"]  # Chinese text for the user


async def test_malformed_json_and_oversized_bodies(registry: Any, auth_header: Any) -> None:
    _, client = registry
    h = {**auth_header("admin"), "content-type": "application/json"}
    r = await client.post("/v1/enterprises", content=b"{not json", headers=h)
    assert r.status_code == 422
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    r = await client.post("/v1/enterprises", content=big, headers=h)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


async def test_existing_uscc_is_a_409_and_the_first_record_stays(registry: Any, auth_header: Any) -> None:
    app, client = registry
    b = body()
    assert (await client.post("/v1/enterprises", json=b, headers=auth_header("admin"))).status_code == 201
    r = await client.post("/v1/enterprises", json={**b, "name": "另一个名字"}, headers=auth_header("admin"))
    assert r.status_code == 409
    assert r.json()["code"] == "enterprise_exists"
    got = await client.get(f"/v1/enterprises/{b['uscc']}", headers=auth_header("admin"))
    assert got.json()["name"] == b["name"]
    assert await count(app, outbox) == 1


async def test_who_may_register(registry: Any, auth_header: Any) -> None:
    _, client = registry
    b = body(district_code="500113")
    assert (
        await client.post("/v1/enterprises", json=b, headers=auth_header("operator", district="500114"))
    ).status_code == 403
    assert (
        await client.post("/v1/enterprises", json=b, headers=auth_header("department", dept="500113-kjj"))
    ).status_code == 403
    assert (await client.post("/v1/enterprises", json=b)).status_code == 401
    assert (
        await client.post("/v1/enterprises", json=b, headers=auth_header("operator", district="500000"))
    ).status_code == 201
    own = body()
    assert (
        await client.post("/v1/enterprises", json=own, headers=auth_header("enterprise", uscc=own["uscc"]))
    ).status_code == 201


async def test_unknown_enterprise_is_404_and_other_district_operator_403(registry: Any, auth_header: Any) -> None:
    _, client = registry
    assert (await client.get(f"/v1/enterprises/{make_uscc()}", headers=auth_header("admin"))).status_code == 404
    b = body(district_code="500113")
    await client.post("/v1/enterprises", json=b, headers=auth_header("admin"))
    r = await client.get(f"/v1/enterprises/{b['uscc']}", headers=auth_header("operator", district="500114"))
    assert r.status_code == 403


async def test_readyz_reports_database_and_migrations(registry: Any) -> None:
    _, client = registry
    r = await client.get("/readyz")
    checks = r.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"] == "ok"
    assert checks["broker"] == "ok"
    assert (await client.get("/healthz")).json()["status"] == "alive"
