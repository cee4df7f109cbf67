"""The registry's audit log: a registration, a denied look at another enterprise's record (404,
existence hidden) and at another district's (403), and a read of personal data show up in
``GET /v1/audit`` — without the identity or phone numbers — and the domain outbox holds no audit
event."""

from __future__ import annotations

from typing import Any

from tidu_registry.domain.uscc import make_uscc


async def test_a_write_denials_and_a_sensitive_read_are_audited(reg: Any) -> None:
    body = reg.full_body()
    uscc = body["uscc"]
    r = await reg.client.post("/v1/enterprises", json=body, headers={**reg.op(), "X-Request-ID": "reg-register"})
    assert r.status_code == 201, r.text

    peek = await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.ent(make_uscc()))
    assert peek.status_code == 404
    assert (await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.op("500114"))).status_code == 403
    assert (await reg.client.get(f"/v1/enterprises/{uscc}", headers=reg.op())).status_code == 200
    # A genuine "not found" is no denial (and a plain read): not in the log.
    assert (await reg.client.get(f"/v1/enterprises/{make_uscc()}", headers=reg.admin)).status_code == 404

    r = await reg.client.get("/v1/audit", params={"subject": uscc}, headers=reg.admin)
    assert r.status_code == 200
    rows = r.json()["items"]
    got = [(x["route"], x["actor"]["role"], x["status"], x["outcome"], x["code"], x["sensitive"]) for x in rows]
    assert got == [
        ("GET /v1/enterprises/{uscc}", "operator", 200, "ok", None, ["identity", "phone"]),
        ("GET /v1/enterprises/{uscc}", "operator", 403, "denied", "other_district", ["identity", "phone"]),
        ("GET /v1/enterprises/{uscc}", "enterprise", 404, "denied", "enterprise_not_found", ["identity", "phone"]),
        ("POST /v1/enterprises", "operator", 201, "ok", None, []),
    ]
    assert rows[-1]["request_id"] == "reg-register"
    assert rows[-1]["actor"] == {"sub": "op-500113", "role": "operator", "scope": "district=500113"}
    assert r.text.count(body["legal_rep_id_number"]) == 0 and r.text.count(body["legal_rep_phone"]) == 0
    denied = (await reg.client.get("/v1/audit", params={"outcome": "denied"}, headers=reg.admin)).json()["items"]
    assert {x["subject"] for x in denied} == {uscc}

    assert [e["type"] for e in await reg.events()] == ["tidu.registry.enterprise.registered.v1"]
