"""The whistle's audit log: raising an issue (a write) and the denials — another enterprise
(404, existence hidden), an operator of another district (403), an institution (403) — show up in
``GET /v1/audit``; a non-admin may not read the log."""

from __future__ import annotations

from tidu_whistle.testing import OTHER_USCC, USCC, Whistle


async def test_raising_an_issue_and_denials_are_audited(whistle: Whistle) -> None:
    w = whistle
    await w.seed(USCC, "500113")
    await w.seed(OTHER_USCC, "500114")
    issue = await w.raise_issue(w.enterprise(USCC), category="land")
    path = f"/v1/issues/{issue['id']}"
    assert (await w.client.get(path, headers=w.enterprise(OTHER_USCC))).status_code == 404
    assert (await w.client.get(path, headers=w.operator("500114"))).status_code == 403
    assert (await w.client.get(path, headers=w.h("institution", sub="bank-1", inst="demo-ccb"))).status_code == 403
    assert (await w.client.get(path, headers=w.operator("500113"))).status_code == 200  # a plain read: not logged
    assert (await w.client.get("/v1/issues/no-such-issue", headers=w.operator("500113"))).status_code == 404

    r = await w.client.get("/v1/audit", params={"subject": issue["id"]}, headers=w.admin())
    assert r.status_code == 200
    got = [(x["actor"]["sub"], x["method"], x["status"], x["outcome"]) for x in r.json()["items"]]
    assert got == [
        ("bank-1", "GET", 403, "denied"),
        ("op-500114", "GET", 403, "denied"),
        (f"ent-{OTHER_USCC}", "GET", 404, "denied"),
        (f"ent-{USCC}", "POST", 201, "ok"),
    ]
    nosy = await w.client.get("/v1/audit", headers=w.operator("500000"))
    assert (nosy.status_code, nosy.json()["code"]) == (403, "role_not_allowed")
