"""``GET /v1/enterprises/{uscc}/data-export``: everything eligibility holds about one enterprise, for
the enterprise itself, operators who see its district and admins; 404 to other enterprises."""

from __future__ import annotations

from typing import Any

import pytest


async def test_export_holds_projection_and_every_assessment(
    service: Any, registry: Any, srdi26: dict[str, Any], auth_header: Any
) -> None:
    _, client = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    await registry.qualification(uscc, "innovative_sme")
    other = await registry.register()

    for headers in (
        auth_header("enterprise", uscc=uscc),
        auth_header("operator", district="500113"),
        auth_header("operator", district="500000"),
        auth_header("admin"),
    ):
        r = await client.get(f"/v1/enterprises/{uscc}/data-export", headers=headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert (doc["service"], doc["uscc"]) == ("eligibility", uscc)
        sec = doc["sections"]
        assert sec["profile"]["uscc"] == uscc and sec["profile"]["niche_market_since"] == "2018-01-01"
        assert [y["year"] for y in sec["indicators"]] == [2024, 2025]
        assert sec["indicators"][1]["indicator_values"]["rd_expense"] == "150"
        assert [q["kind"] for q in sec["qualifications"]] == ["innovative_sme"]
        assert sec["assessments"] and all(a["uscc"] == uscc for a in sec["assessments"])
        assert {a["ruleset_id"] for a in sec["latest_assessments"]} <= {a["ruleset_id"] for a in sec["assessments"]}
        assert other not in r.text


@pytest.mark.parametrize(
    ("role", "scope", "status", "code"),
    [
        ("enterprise", {"uscc": "91500113000000000X"}, 404, "enterprise_not_found"),
        ("operator", {"district": "500114"}, 403, "other_district"),
        ("department", {"dept": "500113-jrb"}, 403, "role_not_allowed"),
        ("institution", {"inst": "demo-ccb"}, 403, "role_not_allowed"),
        ("commissioner", {}, 403, "role_not_allowed"),
    ],
)
async def test_export_refused_to_others(
    service: Any, registry: Any, auth_header: Any, role: str, scope: dict[str, str], status: int, code: str
) -> None:
    _, client = service
    uscc = await registry.register()
    r = await client.get(f"/v1/enterprises/{uscc}/data-export", headers=auth_header(role, **scope))
    assert (r.status_code, r.json()["code"]) == (status, code)


async def test_export_of_an_unknown_enterprise(service: Any, auth_header: Any) -> None:
    _, client = service
    r = await client.get(
        "/v1/enterprises/91500113ZZZZZZZZZX/data-export", headers=auth_header("operator", district="500113")
    )
    assert (r.status_code, r.json()["code"]) == (404, "enterprise_not_found")
