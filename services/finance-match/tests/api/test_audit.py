"""The finance-match audit log: submitting a demand (a write), reading a credit report (a
sensitive read of credit data), and the denials — an institution the demand was not pushed to
(404, existence hidden), another enterprise (404, hidden), a department (403) — show up in
``GET /v1/audit``."""

from __future__ import annotations

from typing import Any


async def test_a_demand_a_credit_read_and_denials_are_audited(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    r = await svc.demand(uscc, headers=svc.auth("enterprise", uscc=uscc, sub="ent-own"))
    assert r.status_code == 201, r.text
    demand_id = r.json()["id"]

    ccb = svc.auth("institution", inst="demo-ccb", sub="officer-ccb")
    assert (await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=ccb)).status_code == 200
    guar = svc.auth("institution", inst="demo-guar", sub="officer-guar")
    assert (await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=guar)).status_code == 404
    other = svc.auth("enterprise", uscc=svc.uscc(), sub="ent-other")
    assert (await svc.client.get(f"/v1/demands/{demand_id}", headers=other)).status_code == 404
    dept = svc.auth("department", dept="500113-jrb", sub="dept-jrb")
    assert (await svc.client.get(f"/v1/demands/{demand_id}", headers=dept)).status_code == 403
    # A demand that does not exist is no denial (and a read): not in the log.
    assert (await svc.client.get("/v1/demands/no-such-demand", headers=other)).status_code == 404

    admin = svc.auth("admin")
    credit = (await svc.client.get("/v1/audit", params={"subject": uscc}, headers=admin)).json()["items"]
    assert [(x["actor"]["sub"], x["status"], x["outcome"], x["sensitive"]) for x in credit] == [
        ("officer-guar", 404, "denied", ["credit"]),
        ("officer-ccb", 200, "ok", ["credit"]),
    ]
    demand = (await svc.client.get("/v1/audit", params={"subject": demand_id}, headers=admin)).json()["items"]
    assert [(x["actor"]["sub"], x["route"], x["status"], x["outcome"], x["code"]) for x in demand] == [
        ("dept-jrb", "GET /v1/demands/{demand_id}", 403, "denied", "role_not_allowed"),
        ("ent-other", "GET /v1/demands/{demand_id}", 404, "denied", "demand_not_found"),
        ("ent-own", "POST /v1/demands", 201, "ok", None),
    ]
    assert demand[-1]["actor"]["scope"] == f"uscc={uscc}"
