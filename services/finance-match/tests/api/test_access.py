"""Who reads a demand: a matrix of roles and scopes."""

from __future__ import annotations

from typing import Any

CASES = [
    ("own enterprise", "enterprise", {"uscc": "OWN"}, 200),
    ("another enterprise", "enterprise", {"uscc": "OTHER"}, 404),
    ("operator of the district", "operator", {"district": "500113"}, 200),
    ("operator of another district", "operator", {"district": "500114"}, 403),
    ("city operator", "operator", {"district": "500000"}, 200),
    ("admin", "admin", {}, 200),
    ("institution it was pushed to", "institution", {"inst": "demo-fund"}, 200),
    ("institution it was not pushed to", "institution", {"inst": "demo-guar"}, 404),
    ("department", "department", {"dept": "500113-jrb"}, 403),
    ("commissioner", "commissioner", {}, 403),
]


async def test_reading_a_demand_by_role(svc: Any) -> None:
    """One demand, every role and scope of the matrix (one app: the matrix is data, not apps)."""
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    wrong = []
    for who, role, scope, status in CASES:
        bound = {k: (uscc if v == "OWN" else svc.uscc() if v == "OTHER" else v) for k, v in scope.items()}
        headers = svc.auth(role, **bound)
        for path in (f"/v1/demands/{demand['id']}", f"/v1/demands/{demand['id']}/matches"):
            r = await svc.client.get(path, headers=headers)
            if r.status_code != status:
                wrong.append((who, path, r.status_code, status))
            elif status >= 400:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["detail"]
        if role == "institution" and status == 200:
            got = (await svc.client.get(f"/v1/demands/{demand['id']}", headers=headers)).json()
            assert {c["institution_code"] for c in got["cases"]} == {"demo-fund"}
            assert got["matches"] == []
    assert wrong == []


async def test_without_a_token(svc: Any) -> None:
    r = await svc.client.get("/v1/demands")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert (await svc.client.get("/v1/demands/nope", headers=svc.auth("admin"))).status_code == 404
