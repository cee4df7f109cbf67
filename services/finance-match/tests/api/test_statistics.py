"""Statistics on a small scenario: by district, institution, product, tier and period; who sees what."""

from __future__ import annotations

import datetime as dt
from typing import Any


async def _scenario(svc: Any) -> dict[str, Any]:
    a = await svc.srdi_enterprise()
    b = await svc.srdi_enterprise(district="500114")
    c = await svc.register(established_on=dt.date(2025, 9, 1))
    da = (await svc.demand(a, amount="500")).json()
    db_ = (await svc.demand(b, amount="300")).json()
    dc = (await svc.demand(c, amount="200", product_kinds=["listing_service"])).json()
    ccb = svc.auth("institution", inst="demo-ccb")
    loan = next(x for x in da["cases"] if x["product_code"] == "srdi-loan")
    url = f"/v1/cases/{loan['id']}"
    assert (await svc.client.post(f"{url}/accept", headers=ccb)).status_code == 200
    g = await svc.client.post(f"{url}/grant", headers=ccb, json={"amount": "450", "rate_pct": "3.9", "term_months": 12})
    day = g.json()["grant"]["granted_on"]
    assert (
        await svc.client.post(f"{url}/disburse", headers=ccb, json={"amount": "400", "disbursed_on": day})
    ).status_code == 200
    other = next(x for x in db_["cases"] if x["product_code"] == "business-value-credit")
    assert (
        await svc.client.post(f"/v1/cases/{other['id']}/decline", headers=ccb, json={"reason": "documents"})
    ).status_code == 200
    return {"a": a, "b": b, "c": c, "da": da, "db": db_, "dc": dc}


async def _stats(svc: Any, headers: dict[str, str], query: str) -> dict[str, Any]:
    r = await svc.client.get(f"/v1/statistics?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_statistics_by_dimension_and_scope(svc: Any) -> None:
    await _scenario(svc)
    admin = svc.auth("admin")

    by_district = await _stats(svc, admin, "by=district")
    rows = {r["key"]["district"]: r for r in by_district["rows"]}
    assert set(rows) == {"500113", "500114"}
    ba = rows["500113"]
    assert (ba["enterprises"], ba["demands"], ba["enterprises_financed"]) == (2, 2, 1)
    assert (ba["requested"], ba["granted"], ba["disbursed"]) == ("700", "450", "400")
    assert rows["500114"]["requested"] == "300" and rows["500114"]["granted"] == "0"
    assert by_district["totals"]["demands"] == 3 and by_district["totals"]["requested"] == "1000"

    by_inst = await _stats(svc, admin, "by=institution")
    ccb = next(r for r in by_inst["rows"] if r["key"]["institution"] == "demo-ccb")
    assert ccb["labels"]["institution"] == "示例城市商业银行"
    assert ccb["demands"] == 2 and ccb["cases"] == 4 and ccb["disbursed"] == "400"
    assert ccb["decision_time"]["decided"] == 2 and ccb["decision_time"]["open"] == 2
    assert ccb["decision_time"]["p50_hours"] is not None and ccb["decision_time"]["p90_hours"] is not None
    assert next(r for r in by_inst["rows"] if r["key"]["institution"] is None)["demands"] == 1  # nothing pushed

    by_product = await _stats(svc, admin, "by=product")
    loan = next(r for r in by_product["rows"] if r["key"]["product"] == "srdi-loan")
    assert loan["labels"]["product"] == "专精特新贷" and loan["granted"] == "450"
    assert loan["decision_time"]["decided"] == 1

    by_tier = await _stats(svc, admin, "by=tier")
    assert {r["key"]["tier"]: r["demands"] for r in by_tier["rows"]} == {"srdi_sme": 2, "none": 1}

    year = str(dt.datetime.now(dt.UTC).year)
    by_period = await _stats(svc, admin, "by=period&granularity=year")
    assert [r["key"]["period"] for r in by_period["rows"]] == [year]
    two = await _stats(svc, admin, "by=district,tier")
    assert {tuple(r["key"].values()) for r in two["rows"]} == {
        ("500113", "srdi_sme"),
        ("500113", "none"),
        ("500114", "srdi_sme"),
    }
    assert (await _stats(svc, admin, "by=district&from=2000-01-01&to=2000-12-31"))["rows"] == []

    operator = await _stats(svc, svc.auth("operator", district="500113"), "by=district")
    assert [r["key"]["district"] for r in operator["rows"]] == ["500113"]
    city = await _stats(svc, svc.auth("operator", district="500000"), "by=district")
    assert len(city["rows"]) == 2
    own = await _stats(svc, svc.auth("institution", inst="demo-ccb"), "by=institution")
    assert [r["key"]["institution"] for r in own["rows"]] == ["demo-ccb"]


async def test_statistics_refuse_what_is_not_yours(svc: Any) -> None:
    far = await svc.client.get("/v1/statistics?district=500114", headers=svc.auth("operator", district="500113"))
    assert far.status_code == 403 and far.json()["code"] == "other_district"
    ent = await svc.client.get("/v1/statistics", headers=svc.auth("enterprise", uscc=svc.uscc()))
    assert ent.status_code == 403
    bad = await svc.client.get("/v1/statistics?by=colour", headers=svc.auth("admin"))
    assert bad.status_code == 422 and "统计维度" in bad.json()["errors"][0]["message"]
    order = await svc.client.get("/v1/statistics?from=2025-02-01&to=2025-01-01", headers=svc.auth("admin"))
    assert order.status_code == 422
    gran = await svc.client.get("/v1/statistics?granularity=week", headers=svc.auth("admin"))
    assert gran.status_code == 422
