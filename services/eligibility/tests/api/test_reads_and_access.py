"""The read API: an enterprise's assessments (latest per rule set, history, one with its inputs, a
live explained evaluation of its stored data) and the cultivation candidates — with who may read
what as a matrix (access.py)."""

from __future__ import annotations

from typing import Any


async def test_candidates_are_eligible_and_do_not_hold_the_tier(
    service: Any, population: Any, auth_header: Any
) -> None:
    _, client = service
    firms = await population()
    op = auth_header("operator", district="500113")
    r = await client.get("/v1/candidates?tier=srdi&as_of=2026-06-01", headers=op)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["ruleset_id"], page["tier"], page["district_code"]) == ("srdi-2026", "srdi", "500113")
    expected = sorted(firms[k] for k in ("eligible0", "eligible1"))
    assert [c["uscc"] for c in page["items"]] == expected  # not the holder, not the low-R&D one
    assert page["items"][0]["name"] and page["items"][0]["industry_code"] == "C3825"

    # cursor pagination
    first = (await client.get("/v1/candidates?tier=srdi&limit=1", headers=op)).json()
    assert [c["uscc"] for c in first["items"]] == expected[:1] and first["next_cursor"]
    second = (await client.get(f"/v1/candidates?tier=srdi&limit=1&cursor={first['next_cursor']}", headers=op)).json()
    assert [c["uscc"] for c in second["items"]] == expected[1:] and second["next_cursor"] is None

    city = (await client.get("/v1/candidates?ruleset=srdi-2026", headers=auth_header("admin"))).json()
    assert len(city["items"]) == 3  # both districts
    qj = (await client.get("/v1/candidates?tier=srdi&district=500114", headers=auth_header("admin"))).json()
    assert [c["uscc"] for c in qj["items"]] == [firms["qianjiang"]]
    bad = await client.get("/v1/candidates?tier=srdi&cursor=%%%", headers=op)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


WHO_MAY_LIST: list[tuple[str, dict[str, str], str | None, int]] = [
    ("operator", {"district": "500113"}, None, 200),
    ("operator", {"district": "500113"}, "500113", 200),
    ("operator", {"district": "500113"}, "500114", 403),
    ("operator", {"district": "500000"}, "500114", 200),
    ("operator", {"district": "500000"}, None, 200),
    ("admin", {}, None, 200),
    ("enterprise", {"uscc": "X"}, None, 403),
    ("commissioner", {}, None, 403),
    ("department", {"dept": "d"}, None, 403),
    ("institution", {"inst": "i"}, None, 403),
]


async def test_who_may_list_candidates(service: Any, auth_header: Any) -> None:
    _, client = service
    got = []
    for role, scope, district, _ in WHO_MAY_LIST:
        url = "/v1/candidates?tier=srdi" + (f"&district={district}" if district else "")
        got.append((role, scope, district, (await client.get(url, headers=auth_header(role, **scope))).status_code))
    assert got == WHO_MAY_LIST


async def test_assessments_latest_and_history(service: Any, registry: Any, srdi26: Any, auth_header: Any) -> None:
    _, client = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    await registry.qualification(uscc, "innovative_sme")
    r = await client.get(f"/v1/enterprises/{uscc.lower()}/assessments", headers=auth_header("enterprise", uscc=uscc))
    assert r.status_code == 200, r.text
    got = r.json()
    latest = {x["ruleset_id"]: x for x in got["latest"]}
    assert latest["srdi-2026"]["result"] == "eligible"
    history = got["history"]["items"]
    srdi = [h for h in history if h["ruleset_id"] == "srdi-2026"]
    assert srdi[0]["result"] == "eligible" and srdi[0]["previous_result"] == "not_eligible"
    assert srdi[0]["id"] == latest["srdi-2026"]["assessment_id"]
    assert [h["created_at"] for h in history] == sorted((h["created_at"] for h in history), reverse=True)

    # pages of 2, filtered to one rule set
    items: list[dict[str, Any]] = []
    url = f"/v1/enterprises/{uscc}/assessments?ruleset=srdi-2026&limit=2"
    while url:
        page = (await client.get(url, headers=auth_header("admin"))).json()["history"]
        items += page["items"]
        url = (
            f"/v1/enterprises/{uscc}/assessments?ruleset=srdi-2026&limit=2&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else ""
        )
    assert [h["id"] for h in items] == [h["id"] for h in srdi]


async def test_live_evaluation_of_stored_data_explains_the_gaps(
    service: Any, registry: Any, srdi26: Any, auth_header: Any
) -> None:
    """ "What do I lack for the next tier?" on the enterprise's own stored data."""
    _, client = service
    uscc = await registry.register(**srdi26["profile"])
    await registry.indicators(uscc, 2025, srdi26["2025"])
    await registry.indicators(uscc, 2024, srdi26["2024"])
    r = await client.get(f"/v1/enterprises/{uscc}/evaluations/srdi", headers=auth_header("enterprise", uscc=uscc))
    assert r.status_code == 200, r.text
    assert r.headers["x-rules-version"] == "srdi-2026@1"
    got = r.json()
    assert got["result"] == "not_eligible"
    assert any(g["kind"] == "prerequisite" and "innovative_sme" in g["qualifications"] for g in got["gaps"])
    old = await client.get(
        f"/v1/enterprises/{uscc}/evaluations/srdi-2022?as_of=2025-06-01", headers=auth_header("admin")
    )
    assert (old.status_code, old.headers["x-rules-version"], old.json()["year"]) == (200, "srdi-2022@1", 2024)
    bad = await client.get(f"/v1/enterprises/{uscc}/evaluations/srdi-1999", headers=auth_header("admin"))
    assert (bad.status_code, bad.json()["code"]) == (422, "ruleset_not_found")


# who reads an enterprise of 500113: (role, scope, assessments status, sees the history, details status)
MATRIX: list[tuple[str, dict[str, str], int, bool, int]] = [
    ("enterprise", {"uscc": "SELF"}, 200, True, 200),
    ("enterprise", {"uscc": "91500113OTHER0000X"}, 404, False, 404),
    ("operator", {"district": "500113"}, 200, True, 200),
    ("operator", {"district": "500114"}, 403, False, 403),
    ("operator", {"district": "500000"}, 200, True, 200),
    ("admin", {}, 200, True, 200),
    ("commissioner", {}, 200, False, 403),
    ("department", {"dept": "500113-kjj"}, 200, False, 403),
    ("institution", {"inst": "demo-ccb"}, 200, False, 403),
]


async def test_who_may_read_an_enterprises_assessments(service: Any, registry: Any, auth_header: Any) -> None:
    _, client = service
    uscc = await registry.register()
    admin = auth_header("admin")
    aid = (await client.get(f"/v1/enterprises/{uscc}/assessments", headers=admin)).json()["latest"][0]["assessment_id"]
    got = []
    for role, scope, _, _, _ in MATRIX:
        headers = auth_header(role, **{k: (uscc if v == "SELF" else v) for k, v in scope.items()})
        r = await client.get(f"/v1/enterprises/{uscc}/assessments", headers=headers)
        history = r.status_code == 200 and r.json()["history"] is not None
        if r.status_code == 200:
            assert len(r.json()["latest"]) == 4  # size, innovative, srdi, little giant
        detail = await client.get(f"/v1/enterprises/{uscc}/assessments/{aid}", headers=headers)
        live = await client.get(f"/v1/enterprises/{uscc}/evaluations/size", headers=headers)
        assert live.status_code == detail.status_code, role
        got.append((role, scope, r.status_code, history, detail.status_code))
    assert got == MATRIX


async def test_unknown_enterprise_and_assessment_are_404(service: Any, registry: Any, auth_header: Any) -> None:
    _, client = service
    admin = auth_header("admin")
    assert (await client.get("/v1/enterprises/91500113NOPE00000X/assessments", headers=admin)).status_code == 404
    uscc = await registry.register()
    r = await client.get(f"/v1/enterprises/{uscc}/assessments/nope", headers=admin)
    assert (r.status_code, r.json()["code"]) == (404, "assessment_not_found")
