"""The eligibility service's audit log: starting a batch re-assessment (a write), an enterprise
asking for another's assessments (404, existence hidden) and a commissioner asking for the
figures behind them (403) show up in ``GET /v1/audit``."""

from __future__ import annotations

from typing import Any


async def test_a_write_and_denials_are_audited(service: Any, registry: Any, auth_header: Any, token: Any) -> None:
    _, client = service
    uscc = await registry.register()
    admin = auth_header("admin")
    r = await client.post(
        "/v1/batch-runs",
        json={"ruleset": "srdi-2026", "district": "500113"},
        headers={"Authorization": f"Bearer {token('operator', sub='op-batch', district='500113')}"},
    )
    assert r.status_code in (201, 202), r.text

    other = {"Authorization": f"Bearer {token('enterprise', sub='ent-other', uscc='91500113MA5U7LXX3F')}"}
    assert (await client.get(f"/v1/enterprises/{uscc}/assessments", headers=other)).status_code == 404
    comm = {"Authorization": f"Bearer {token('commissioner', sub='comm-nosy')}"}
    assert (await client.get(f"/v1/enterprises/{uscc}/evaluations/srdi", headers=comm)).status_code == 403

    [write] = (await client.get("/v1/audit", params={"actor": "op-batch"}, headers=admin)).json()["items"]
    assert (write["route"], write["outcome"], write["status"]) == ("POST /v1/batch-runs", "ok", r.status_code)
    denied = (await client.get("/v1/audit", params={"outcome": "denied"}, headers=admin)).json()["items"]
    assert [(x["actor"]["sub"], x["route"], x["status"], x["subject"]) for x in denied] == [
        ("comm-nosy", "GET /v1/enterprises/{uscc}/evaluations/{target}", 403, uscc),
        ("ent-other", "GET /v1/enterprises/{uscc}/assessments", 404, uscc),
    ]
