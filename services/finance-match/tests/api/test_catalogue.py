"""The catalogue: the seed, products managed by their institution, validation, re-matching open
demands when a product is published, changed or withdrawn."""

from __future__ import annotations

from typing import Any

from tidu_finance_match.models import CaseRow, DemandMatchRow
from tidu_finance_match.use_cases.catalogue import seed_catalogue
from tidu_shared.contracts.finance import DEMAND_PUSHED

GREEN_LOAN = {
    "code": "demo-ccb-green-loan",
    "name": "绿色技改贷",
    "kind": "loan",
    "institution": "demo-ccb",
    "collateral": "equipment",
    "amount": {"min": 100, "max": 2000},
    "term_months": {"min": 12, "max": 60},
    "rate_pct": {"min": 3.2, "max": 4.4},
    "gates": {"region_prefix": ["5001"], "purpose_any": ["equipment", "technical_upgrade"]},
}


async def test_the_demo_catalogue_is_seeded_once(svc: Any) -> None:
    r = await svc.client.get("/v1/products", headers=svc.auth("enterprise", uscc=svc.uscc()))
    assert r.status_code == 200
    codes = {p["code"] for p in r.json()}
    assert len(codes) == 12 and "knowledge-value-credit" in codes
    srdi = next(p for p in r.json() if p["code"] == "srdi-loan")
    assert srdi["tier_exclusive"] is True and srdi["spec"]["gates"]["min_credit_grade"] == "B"
    assert await seed_catalogue(svc.app.state.db) == 0  # a restart does not seed again
    institutions = (await svc.client.get("/v1/institutions", headers=svc.auth("admin"))).json()
    assert {i["code"]: i["products"] for i in institutions}["demo-ccb"] == 4


async def test_an_institution_publishes_and_the_open_demands_are_rematched(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc, purpose="equipment", collateral_offered=["equipment"], amount="800")).json()
    assert "demo-ccb-green-loan" not in {c["product_code"] for c in demand["cases"]}
    ccb = svc.auth("institution", inst="demo-ccb")
    r = await svc.client.post("/v1/products", headers=ccb, json=GREEN_LOAN)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/products/demo-ccb-green-loan"
    assert r.json()["rematch"] == {
        "open_demands": 1,
        "newly_matched": 1,
        "no_longer_matched": 0,
        "needs_data": 0,
        "pushed": 1,
        "failures": 0,
    }
    pushed = [e for e in await svc.events(DEMAND_PUSHED) if e["data"]["product_code"] == "demo-ccb-green-loan"]
    assert len(pushed) == 1 and pushed[0]["data"]["demand_id"] == demand["id"]
    assert "可提供产品所需的设备抵押" in pushed[0]["data"]["reasons"]
    got = (await svc.client.get(f"/v1/demands/{demand['id']}", headers=svc.auth("enterprise", uscc=uscc))).json()
    assert "demo-ccb-green-loan" in {c["product_code"] for c in got["cases"]}
    live = (await svc.client.get(f"/v1/demands/{demand['id']}/matches", headers=svc.auth("admin"))).json()
    assert "demo-ccb-green-loan" in {m["product_code"] for m in live["matched"]}

    # narrowing the product (another region) takes the match away; the open case stays
    narrower = {**GREEN_LOAN, "gates": {**GREEN_LOAN["gates"], "region_prefix": ["5002"]}}
    stale = await svc.client.put("/v1/products/demo-ccb-green-loan", headers={**ccb, "If-Match": '"7"'}, json=narrower)
    assert stale.status_code == 412
    r = await svc.client.put("/v1/products/demo-ccb-green-loan", headers={**ccb, "If-Match": '"1"'}, json=narrower)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["rematch"]["no_longer_matched"] == 1
    assert await svc.count(DemandMatchRow, DemandMatchRow.product_code == "demo-ccb-green-loan") == 0
    assert await svc.count(CaseRow, CaseRow.product_code == "demo-ccb-green-loan") == 1

    # withdrawing: gone from the catalogue that enterprises see; institutions and operators still see it
    gone = await svc.client.delete("/v1/products/demo-ccb-green-loan", headers=ccb)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert (
        await svc.client.get("/v1/products/demo-ccb-green-loan", headers=svc.auth("enterprise", uscc=uscc))
    ).status_code == 404
    assert (await svc.client.get("/v1/products/demo-ccb-green-loan", headers=ccb)).status_code == 200
    listed = await svc.client.get("/v1/products?include_inactive=true", headers=svc.auth("operator", district="500113"))
    assert "demo-ccb-green-loan" in {p["code"] for p in listed.json()}


async def test_invalid_products_get_every_problem_listed(svc: Any) -> None:
    ccb = svc.auth("institution", inst="demo-ccb")
    bad = {
        **GREEN_LOAN,
        "code": "demo-ccb-bad",
        "amount": {"min": 500, "max": 100},
        "gates": {"min_credit_grad": "A", "size_class_any": ["tiny"], "region_prefix": ["CQ"]},
    }
    r = await svc.client.post("/v1/products", headers=ccb, json=bad)
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "product_invalid"
    fields = {e["field"] for e in problem["errors"]}
    assert {"amount", "gates.min_credit_grad", "gates.size_class_any", "gates.region_prefix"} <= fields
    hint = next(e for e in problem["errors"] if e["field"] == "gates.min_credit_grad")
    assert "min_credit_grade" in hint["message_en"] and hint["message"].startswith("产品数据不合法")
    assert (await svc.client.post("/v1/products", headers=ccb, json={"code": "x"})).status_code == 422


async def test_who_manages_products(svc: Any) -> None:
    ccb = svc.auth("institution", inst="demo-ccb")
    rcb_product = {**GREEN_LOAN, "code": "demo-rcb-green", "institution": "demo-rcb"}
    assert (await svc.client.post("/v1/products", headers=ccb, json=rcb_product)).status_code == 403
    assert (
        await svc.client.post("/v1/products", headers=svc.auth("enterprise", uscc=svc.uscc()), json=GREEN_LOAN)
    ).status_code == 403
    assert (
        await svc.client.post("/v1/products", headers=svc.auth("operator", district="500113"), json=GREEN_LOAN)
    ).status_code == 403
    assert (await svc.client.post("/v1/products", headers=svc.auth("admin"), json=rcb_product)).status_code == 201
    # an institution's product code defaults its institution; a duplicate is a conflict
    own = {k: v for k, v in GREEN_LOAN.items() if k != "institution"}
    assert (await svc.client.post("/v1/products", headers=ccb, json=own)).status_code == 201
    dup = await svc.client.post("/v1/products", headers=ccb, json=own)
    assert dup.status_code == 409 and dup.json()["code"] == "product_exists"
    # changing another institution's product: as if it did not exist
    assert (await svc.client.put("/v1/products/knowledge-value-credit", headers=ccb, json={})).status_code == 404
    assert (await svc.client.delete("/v1/products/knowledge-value-credit", headers=ccb)).status_code == 404
    moved = await svc.client.put(
        "/v1/products/demo-ccb-green-loan", headers=ccb, json={**GREEN_LOAN, "institution": "demo-rcb"}
    )
    assert moved.status_code == 422 and moved.json()["code"] == "product_institution_immutable"
    new_inst = {"code": "demo-new-bank", "name": "示例新银行", "kind": "bank", "first_response_working_days": 5}
    assert (await svc.client.post("/v1/institutions", headers=ccb, json=new_inst)).status_code == 403
    assert (await svc.client.post("/v1/institutions", headers=svc.auth("admin"), json=new_inst)).status_code == 201
