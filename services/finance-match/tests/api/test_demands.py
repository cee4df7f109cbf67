"""POST /v1/demands: the match outcome with reasons, pushes, idempotency, validation; reading,
listing and withdrawing demands."""

from __future__ import annotations

from typing import Any

from tidu_finance_match.models import CaseRow, ConsentRow, DemandRow
from tidu_shared.contracts.finance import DEMAND_PUSHED, DEMAND_SUBMITTED, DEMAND_WITHDRAWN, case_event_type

SRDI_MATCHES = {"srdi-loan", "srdi-growth-fund", "srdi-board", "business-value-credit", "knowledge-value-credit"}


async def test_a_demand_is_matched_with_reasons_and_pushed(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    r = await svc.demand(uscc)
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/demands/{body['id']}"
    assert r.headers["etag"] == '"1"'
    match = body["match"]
    assert match["status"] == "matched"
    assert {m["product_code"] for m in match["matched"]} == SRDI_MATCHES
    # ranked: tier-exclusive products first, then by score
    ranks = [m["rank"] for m in match["matched"]]
    assert ranks == sorted(ranks) == list(range(1, 6))
    exclusive = [m["tier_exclusive"] for m in match["matched"]]
    assert exclusive == sorted(exclusive, reverse=True)
    for m in match["matched"]:
        assert m["reasons"] and all(g["status"] == "pass" for g in m["reasons"])
        assert all(g["message_zh"] and g["message_en"] for g in m["reasons"])
        assert {c["name"] for c in m["score_components"]} == {"amount_fit", "term_fit", "rate", "speed"}
        assert abs(sum(c["contribution"] for c in m["score_components"]) - m["score"]) < 0.01
        assert m["case"]["state"] == "pushed"
    srdi = next(m for m in match["matched"] if m["product_code"] == "srdi-loan")
    qual = next(g for g in srdi["reasons"] if g["code"] == "qualifications_any")
    assert "专精特新中小企业" in qual["message_zh"]
    assert next(g for g in srdi["reasons"] if g["code"] == "max_debt_ratio_pct")["actual"] == "52.00"
    # every other product is listed with each failing gate, machine-readably and in words
    missed = {m["product_code"]: m for m in match["not_matched"]}
    assert len(missed) == 12 - 5
    giant = missed["little-giant-loan"]
    assert [g["code"] for g in giant["failed"]] == ["qualifications_any"]
    assert "小巨人" in giant["failed"][0]["message_zh"]
    assert "little_giant" in giant["failed"][0]["message_en"]
    tech = missed["tech-upgrade-loan"]
    assert {g["code"] for g in tech["failed"]} == {"collateral", "purpose_any"}
    # cases and events, in one transaction
    assert await svc.count(CaseRow, CaseRow.demand_id == body["id"]) == 5
    assert len(await svc.events(DEMAND_SUBMITTED)) == 1
    pushed = await svc.events(DEMAND_PUSHED)
    assert {e["data"]["product_code"] for e in pushed} == SRDI_MATCHES
    assert all(e["subject"] == body["id"] and e["data"]["enterprise_name"] for e in pushed)


async def test_same_idempotency_key_and_body_give_the_same_demand(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    headers = {**svc.auth("enterprise", uscc=uscc, sub="ent-user-1"), "Idempotency-Key": "k-1"}
    first = await svc.demand(uscc, headers=headers)
    again = await svc.demand(uscc, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["match"]["counts"] == first.json()["match"]["counts"]
    assert await svc.count(DemandRow) == 1
    assert await svc.count(ConsentRow) == 1
    assert len(await svc.events(DEMAND_SUBMITTED)) == 1

    other = await svc.demand(uscc, headers=headers, amount="900")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.json()["detail"]

    fresh = await svc.demand(uscc, headers={**headers, "Idempotency-Key": "k-2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert await svc.count(DemandRow) == 2


async def test_bad_input_is_a_422_with_every_problem_in_chinese(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    r = await svc.demand(uscc, amount="-5", purpose="yacht", collateral_offered=["none"], surprise=1)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "validation_failed"
    fields = {e["field"] for e in problem["errors"]}
    assert {"amount", "purpose", "collateral_offered.0", "surprise"} <= fields
    assert all(e["message"] for e in problem["errors"])
    assert (await svc.demand(uscc, amount="abc")).status_code == 422
    assert (await svc.demand(uscc, amount="1.123456")).status_code == 422
    assert (await svc.demand(uscc, term_months=0)).status_code == 422
    assert await svc.count(DemandRow) == 0


async def test_unknown_enterprise_and_filing_for_another(svc: Any) -> None:
    stranger = svc.uscc()
    r = await svc.demand(stranger)
    assert r.status_code == 422 and r.json()["code"] == "enterprise_not_registered"
    uscc = await svc.srdi_enterprise()
    other = await svc.demand(uscc, headers=svc.auth("enterprise", uscc=svc.uscc()), uscc=uscc)
    assert other.status_code == 403
    # an operator files for an enterprise of its own district only, naming it
    op = svc.auth("operator", district="500113")
    assert (await svc.demand(uscc, headers=op)).status_code == 422  # uscc missing
    assert (await svc.demand(uscc, headers=op, uscc=uscc)).status_code == 201
    far = svc.auth("operator", district="500114")
    assert (await svc.demand(uscc, headers=far, uscc=uscc)).json()["code"] == "other_district"
    assert (await svc.demand(uscc, headers=svc.auth("institution", inst="demo-ccb"), uscc=uscc)).status_code == 403


async def test_products_missing_data_are_listed_and_never_pushed(svc: Any) -> None:
    uscc = await svc.register()  # a profile only: no indicators, no size class, no qualifications
    r = await svc.demand(uscc, has_existing_loan=True, collateral_offered=["ip_pledge"])
    assert r.status_code == 201
    match = r.json()["match"]
    needs = {m["product_code"]: m for m in match["needs_data"]}
    assert "business-value-credit" in needs
    assert "operating_revenue" in needs["business-value-credit"]["missing"]
    assert needs["renewal-without-repayment"]["missing"] == ["size_class"]
    assert needs["ip-pledge-loan"]["unknown"][0]["code"] == "min_ip_class_i"
    assert needs["ip-pledge-loan"]["unknown"][0]["status"] == "unknown"
    pushed = {c["product_code"] for c in r.json()["cases"]}
    assert not pushed & set(needs)


async def test_without_consent_to_share_nothing_is_pushed(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    r = await svc.demand(uscc, consent={"share_with_institutions": False, "credit_lookup": False})
    assert r.status_code == 201
    body = r.json()
    assert body["consent"] is None
    # the credit-grade gate is unknown without consent to a look-up: that product needs data
    assert {m["product_code"] for m in body["match"]["matched"]} == SRDI_MATCHES - {
        "srdi-loan",
        "business-value-credit",
    }
    assert {m["product_code"] for m in body["match"]["needs_data"]} >= {"srdi-loan", "business-value-credit"}
    assert body["cases"] == []
    assert await svc.events(DEMAND_PUSHED) == []
    assert body["failure"] is None


async def test_matches_are_computed_live_and_an_institution_sees_its_own(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    r = await svc.client.get(f"/v1/demands/{demand['id']}/matches", headers=svc.auth("enterprise", uscc=uscc))
    assert r.status_code == 200
    assert r.json()["counts"] == {"matched": 5, "needs_data": 0, "not_matched": 7}
    inst = await svc.client.get(f"/v1/demands/{demand['id']}/matches", headers=svc.auth("institution", inst="demo-ccb"))
    assert inst.status_code == 200
    codes = {m["product_code"] for part in ("matched", "needs_data", "not_matched") for m in inst.json()[part]}
    assert codes == {"srdi-loan", "business-value-credit", "chain-loan", "renewal-without-repayment"}


async def test_list_demands_by_role(svc: Any) -> None:
    a = await svc.srdi_enterprise()
    b = await svc.srdi_enterprise(district="500114")
    da = (await svc.demand(a)).json()["id"]
    db_ = (await svc.demand(b)).json()["id"]

    async def ids(headers: dict[str, str], query: str = "") -> set[str]:
        r = await svc.client.get(f"/v1/demands{query}", headers=headers)
        assert r.status_code == 200, r.text
        return {d["id"] for d in r.json()["items"]}

    assert await ids(svc.auth("enterprise", uscc=a)) == {da}
    assert await ids(svc.auth("operator", district="500113")) == {da}
    assert await ids(svc.auth("operator", district="500000")) == {da, db_}
    assert await ids(svc.auth("admin"), "?district_code=500114") == {db_}
    assert await ids(svc.auth("institution", inst="demo-fund")) == {da, db_}
    assert await ids(svc.auth("admin"), "?status=withdrawn") == set()
    assert (await svc.client.get("/v1/demands", headers=svc.auth("department", dept="500113-jrb"))).status_code == 403


async def test_withdrawing_closes_the_demand_and_its_cases(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    me = svc.auth("enterprise", uscc=uscc)
    url = f"/v1/demands/{demand['id']}/withdraw"
    stale = await svc.client.post(url, headers={**me, "If-Match": '"7"'}, json={"reason": "已通过其他渠道融资"})
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    other = await svc.client.post(url, headers=svc.auth("enterprise", uscc=svc.uscc()))
    assert other.status_code == 404
    r = await svc.client.post(url, headers={**me, "If-Match": '"1"'}, json={"reason": "已通过其他渠道融资"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "withdrawn" and body["version"] == 2
    assert {c["state"] for c in body["cases"]} == {"withdrawn"}
    assert len(await svc.events(case_event_type("withdrawn"))) == 5
    assert (await svc.events(DEMAND_WITHDRAWN))[0]["data"]["reason"] == "已通过其他渠道融资"
    again = await svc.client.post(url, headers=me)
    assert again.status_code == 409 and again.json()["code"] == "demand_closed"


async def test_odd_input_is_never_a_500(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    admin = svc.auth("admin")
    ccb = svc.auth("institution", inst="demo-ccb")
    case_id = next(c["id"] for c in demand["cases"] if c["institution_code"] == "demo-ccb")
    odd: list[tuple[str, str, Any, dict[str, str]]] = [
        ("post", "/v1/demands", [1, 2], admin),
        ("post", "/v1/demands", {"uscc": uscc, "amount": "1e30", "purpose": "rd"}, admin),
        ("post", "/v1/demands", {"uscc": "x" * 18, "amount": 1, "purpose": "rd"}, admin),
        ("post", "/v1/demands", {"uscc": uscc, "amount": 1, "purpose": "rd", "product_kinds": []}, admin),
        ("post", f"/v1/cases/{case_id}/grant", {"amount": "NaN", "rate_pct": 3, "term_months": 6}, ccb),
        ("post", f"/v1/cases/{case_id}/disburse", {"amount": 1, "disbursed_on": "yesterday"}, ccb),
        ("post", f"/v1/cases/{case_id}/decline", "not json", ccb),
        ("post", "/v1/products", {"code": "UPPER case", "kind": 5, "amount": "lots", "valid_from": 12345}, admin),
        ("post", "/v1/products", [], admin),
        ("put", "/v1/products/srdi-loan", {"gates": "none"}, admin),
        ("post", "/v1/institutions", {"code": "x", "name": "", "kind": "bank"}, admin),
        ("get", "/v1/statistics?from=someday", None, admin),
        ("get", "/v1/demands?limit=0", None, admin),
        ("get", "/v1/institutions/demo-ccb/queue?state=lost", None, ccb),
        ("post", "/v1/scheduler/sweep", {"now": "tomorrow"}, admin),
        ("get", "/v1/enterprises/not-a-code/credit", None, admin),
    ]
    for method, path, body, headers in odd:
        if isinstance(body, str):
            r = await svc.client.request(
                method, path, content=body, headers={**headers, "content-type": "application/json"}
            )
        else:
            r = await svc.client.request(method, path, json=body, headers=headers)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), path
        assert r.json()["code"] and r.json()["detail"], path
