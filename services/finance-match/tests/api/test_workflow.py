"""The institution workflow over HTTP: each action, illegal ones, If-Match, who may act, the queue."""

from __future__ import annotations

from typing import Any

from tidu_finance_match.models import CaseTimelineRow
from tidu_shared.contracts.finance import DEMAND_FINANCED, case_event_type


async def _case(svc: Any, product: str = "srdi-loan") -> tuple[str, dict[str, Any], str]:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    case = next(c for c in demand["cases"] if c["product_code"] == product)
    return uscc, case, demand["id"]


async def test_view_accept_grant_disburse(svc: Any) -> None:
    _, case, demand_id = await _case(svc)
    ccb = svc.auth("institution", inst="demo-ccb")
    url = f"/v1/cases/{case['id']}"

    r = await svc.client.post(f"{url}/view", headers={**ccb, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "viewed" and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    r = await svc.client.post(f"{url}/accept", headers={**ccb, "If-Match": r.headers["etag"]}, json={"note": "已受理"})
    assert r.json()["state"] == "accepted" and r.json()["decided_at"] is not None
    assert r.json()["deadline"]["state"] == "met"
    r = await svc.client.post(
        f"{url}/grant",
        headers={**ccb, "If-Match": '"3"'},
        json={"amount": "450", "rate_pct": "3.85", "term_months": 12},
    )
    assert r.status_code == 200, r.text
    assert r.json()["grant"] == {
        "amount": "450",
        "rate_pct": "3.85",
        "term_months": "12",
        "granted_on": r.json()["grant"]["granted_on"],
    }
    too_much = await svc.client.post(
        f"{url}/disburse", headers=ccb, json={"amount": "451", "disbursed_on": r.json()["grant"]["granted_on"]}
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "invalid_disbursement"
    r = await svc.client.post(
        f"{url}/disburse", headers=ccb, json={"amount": "450", "disbursed_on": r.json()["grant"]["granted_on"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "disbursed" and r.json()["allowed_actions"] == []
    assert r.json()["disbursement"]["amount"] == "450"
    demand = (await svc.client.get(f"/v1/demands/{demand_id}", headers=svc.auth("admin"))).json()
    assert demand["status"] == "financed"
    for fact in ("viewed", "accepted", "credit_granted", "disbursed"):
        assert len(await svc.events(case_event_type(fact))) == 1
    granted = (await svc.events(case_event_type("credit_granted")))[0]["data"]
    assert granted["granted_amount"] == "450.0000" or granted["granted_amount"] == "450"
    assert len(await svc.events(DEMAND_FINANCED)) == 1
    assert await svc.count(CaseTimelineRow, CaseTimelineRow.case_id == case["id"]) == 5  # push + 4 steps


async def test_illegal_transitions_are_409(svc: Any) -> None:
    _, case, _ = await _case(svc)
    ccb = svc.auth("institution", inst="demo-ccb")
    url = f"/v1/cases/{case['id']}"
    r = await svc.client.post(f"{url}/disburse", headers=ccb, json={"amount": "1", "disbursed_on": "2026-01-05"})
    assert r.status_code == 409
    assert r.json()["code"] == "illegal_transition" and r.json()["state"] == "pushed"
    assert r.json()["allowed_from"] == ["credit_granted"]
    grant = await svc.client.post(f"{url}/grant", headers=ccb, json={"amount": "1", "rate_pct": "4", "term_months": 6})
    assert grant.status_code == 409
    assert (await svc.client.post(f"{url}/view", headers=ccb)).status_code == 200
    assert (await svc.client.post(f"{url}/view", headers=ccb)).status_code == 409  # a view is recorded once
    assert (await svc.client.post(f"{url}/decline", headers=ccb, json={"reason": "policy"})).status_code == 200
    assert (await svc.client.post(f"{url}/accept", headers=ccb)).json()["code"] == "illegal_transition"


async def test_declining_needs_a_reason_code(svc: Any) -> None:
    _, case, _ = await _case(svc)
    ccb = svc.auth("institution", inst="demo-ccb")
    url = f"/v1/cases/{case['id']}/decline"
    r = await svc.client.post(url, headers=ccb, json={})
    assert r.status_code == 422 and r.json()["code"] == "decline_reason_required"
    assert "原因" in r.json()["detail"]
    assert r.json()["allowed"] == ["credit", "collateral", "documents", "policy", "other"]
    r = await svc.client.post(url, headers=ccb, json={"reason": "other"})
    assert r.status_code == 422 and r.json()["code"] == "decline_note_required"
    r = await svc.client.post(url, headers=ccb, json={"reason": "weather"})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    r = await svc.client.post(url, headers=ccb, json={"reason": "collateral", "note": "需追加抵押"})
    assert r.status_code == 200
    assert r.json()["decline_reason"] == "collateral" and r.json()["decline_note"] == "需追加抵押"
    event = (await svc.events(case_event_type("declined")))[0]["data"]
    assert event["decline_reason"] == "collateral" and event["decision_seconds"] >= 0


async def test_if_match(svc: Any) -> None:
    _, case, _ = await _case(svc)
    ccb = svc.auth("institution", inst="demo-ccb")
    url = f"/v1/cases/{case['id']}"
    got = await svc.client.get(url, headers=ccb)
    assert got.headers["etag"] == '"1"'
    assert (await svc.client.post(f"{url}/view", headers={**ccb, "If-Match": 'W/"1"'})).status_code == 200
    stale = await svc.client.post(f"{url}/accept", headers={**ccb, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed" and stale.json()["current_version"] == 2
    assert stale.headers["etag"] == '"2"'
    bad = await svc.client.post(f"{url}/accept", headers={**ccb, "If-Match": "yesterday"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_if_match"
    assert (await svc.client.post(f"{url}/accept", headers={**ccb, "If-Match": '"2"'})).status_code == 200


async def test_who_may_act_on_a_case(svc: Any) -> None:
    uscc, case, _ = await _case(svc)
    url = f"/v1/cases/{case['id']}/accept"
    other_bank = await svc.client.post(url, headers=svc.auth("institution", inst="demo-rcb"))
    assert other_bank.status_code == 404
    enterprise = await svc.client.post(url, headers=svc.auth("enterprise", uscc=uscc))
    assert enterprise.status_code == 403
    operator = await svc.client.post(url, headers=svc.auth("operator", district="500113"))
    assert operator.status_code == 403
    assert (await svc.client.post(url)).status_code == 401
    assert (await svc.client.post("/v1/cases/nope/accept", headers=svc.auth("admin"))).status_code == 404
    admin = await svc.client.post(url, headers=svc.auth("admin"))
    assert admin.status_code == 200  # corrections
    # reading a case: its institution, the enterprise, the district's operator
    get = f"/v1/cases/{case['id']}"
    assert (await svc.client.get(get, headers=svc.auth("institution", inst="demo-ccb"))).status_code == 200
    assert (await svc.client.get(get, headers=svc.auth("institution", inst="demo-rcb"))).status_code == 404
    assert (await svc.client.get(get, headers=svc.auth("enterprise", uscc=uscc))).status_code == 200
    assert (await svc.client.get(get, headers=svc.auth("enterprise", uscc=svc.uscc()))).status_code == 404
    assert (await svc.client.get(get, headers=svc.auth("operator", district="500114"))).status_code == 403


async def test_the_queue_shows_the_enterprise_only_with_consent(svc: Any) -> None:
    uscc, _, demand_id = await _case(svc)
    ccb = svc.auth("institution", inst="demo-ccb")
    r = await svc.client.get("/v1/institutions/demo-ccb/queue", headers=ccb)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {i["product_code"] for i in items} == {"srdi-loan", "business-value-credit"}
    item = items[0]
    assert item["demand"]["amount"] == "500" and item["consent_in_force"] is True
    assert item["enterprise"]["uscc"] == uscc
    assert item["enterprise"]["indicators"]["year"] == 2024
    assert {q["kind"] for q in item["enterprise"]["qualifications"]} == {"srdi_sme", "high_tech"}
    assert item["enterprise"]["tier"] == "srdi_sme"

    revoked = await svc.client.post(
        f"/v1/demands/{demand_id}/consent/revoke", headers=svc.auth("enterprise", uscc=uscc)
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["consent"]["in_force"] is False
    items = (await svc.client.get("/v1/institutions/demo-ccb/queue", headers=ccb)).json()["items"]
    assert all(i["enterprise"] is None and i["consent_in_force"] is False for i in items)
    demand = (await svc.client.get(f"/v1/demands/{demand_id}", headers=ccb)).json()
    assert demand["enterprise_name"] is None

    assert (
        await svc.client.get("/v1/institutions/demo-ccb/queue", headers=svc.auth("institution", inst="demo-rcb"))
    ).status_code == 403
    assert (
        await svc.client.get("/v1/institutions/demo-ccb/queue", headers=svc.auth("enterprise", uscc=uscc))
    ).status_code == 403
    declined = await svc.client.get("/v1/institutions/demo-ccb/queue?state=declined", headers=ccb)
    assert declined.json()["items"] == []
