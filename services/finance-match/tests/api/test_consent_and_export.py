"""Consent: an institution sees an enterprise's data and looks its credit up only under a consent in
force that came with a demand pushed to it; revoking stops it at once; every look-up names its
consent. And the enterprise's data export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tidu_finance_match.models import ConsentRow, CreditLookupRow


async def _lookups(svc: Any, uscc: str) -> list[CreditLookupRow]:
    async with svc.app.state.db.read() as s:
        stmt = select(CreditLookupRow).where(CreditLookupRow.uscc == uscc).order_by(CreditLookupRow.id)
        return list((await s.execute(stmt)).scalars())


async def _queue_item(svc: Any, inst: str, demand_id: str) -> dict[str, Any]:
    r = await svc.client.get(f"/v1/institutions/{inst}/queue", headers=svc.auth("institution", inst=inst))
    assert r.status_code == 200, r.text
    return next(i for i in r.json()["items"] if i["demand_id"] == demand_id)


async def test_an_institution_acts_only_under_the_consent_of_a_demand_pushed_to_it(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    first = (await svc.demand(uscc)).json()
    ccb = svc.auth("institution", inst="demo-ccb", sub="officer-ccb")
    assert any(c["institution_code"] == "demo-ccb" for c in first["cases"])
    item = await _queue_item(svc, "demo-ccb", first["id"])
    assert item["consent_in_force"] and item["consent_id"] == first["consent"]["id"]
    assert item["enterprise"]["uscc"] == uscc

    # The enterprise revokes the consent that came with the demand pushed to the bank …
    r = await svc.client.post(
        f"/v1/consents/{first['consent']['id']}/revoke", headers=svc.auth("enterprise", uscc=uscc)
    )
    assert r.status_code == 200
    # … and consents to a credit look-up again, with a demand shared with no institution.
    second = (await svc.demand(uscc, consent={"share_with_institutions": False, "credit_lookup": True})).json()
    assert second["cases"] == [] and second["consent"]["in_force"]

    # The bank's access stopped at once: no enterprise data, no look-up under the other consent.
    item = await _queue_item(svc, "demo-ccb", first["id"])
    assert (item["enterprise"], item["consent_in_force"], item["consent_id"]) == (None, False, None)
    got = (await svc.client.get(f"/v1/demands/{first['id']}", headers=ccb)).json()
    assert got["enterprise_name"] is None
    before = len(await _lookups(svc, uscc))
    refused = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=ccb)
    assert refused.status_code == 403 and refused.json()["code"] == "credit_consent_missing"
    rows = await _lookups(svc, uscc)
    assert len(rows) == before + 1
    assert (rows[-1].actor_id, rows[-1].outcome, rows[-1].consent_id) == ("officer-ccb", "refused_no_consent", None)

    # The enterprise itself (and the authorities) look up under the consent in force, named in the audit.
    me = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=svc.auth("enterprise", uscc=uscc))
    assert me.status_code == 200
    assert (await _lookups(svc, uscc))[-1].consent_id == second["consent"]["id"]


async def test_every_answered_look_up_names_a_consent_on_record(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    for headers in (
        svc.auth("institution", inst="demo-ccb"),
        svc.auth("enterprise", uscc=uscc),
        svc.auth("operator", district="500113"),
        svc.auth("admin"),
    ):
        assert (await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=headers)).status_code == 200
    rows = await _lookups(svc, uscc)
    assert len(rows) == 5 and {r.outcome for r in rows} == {"ok"}
    async with svc.app.state.db.read() as s:
        on_record = {c.id: c for c in (await s.execute(select(ConsentRow))).scalars()}
    for row in rows:
        consent = on_record[row.consent_id]
        assert consent.uscc == uscc and consent.credit_lookup and consent.granted_at <= row.at
    assert {r.consent_id for r in rows} == {demand["consent"]["id"]}


async def test_an_expired_consent_is_no_consent(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    async with svc.app.state.db.transaction() as s:
        row = await s.get(ConsentRow, demand["consent"]["id"])
        row.expires_at = row.granted_at
    ccb = svc.auth("institution", inst="demo-ccb")
    r = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=ccb)
    assert r.status_code == 403 and r.json()["code"] == "credit_consent_missing"
    item = await _queue_item(svc, "demo-ccb", demand["id"])
    assert item["enterprise"] is None and item["consent_id"] is None


# --- the data export -------------------------------------------------------------------------------


async def test_data_export_holds_demands_cases_consents_and_look_ups(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    other = await svc.srdi_enterprise()
    await svc.demand(other)
    for headers in (
        svc.auth("enterprise", uscc=uscc),
        svc.auth("operator", district="500113"),
        svc.auth("operator", district="500000"),
        svc.auth("admin"),
    ):
        r = await svc.client.get(f"/v1/enterprises/{uscc}/data-export", headers=headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert (doc["service"], doc["uscc"]) == ("finance-match", uscc)
        sec = doc["sections"]
        assert sec["profile"]["uscc"] == uscc
        assert [d["id"] for d in sec["demands"]] == [demand["id"]]
        assert {m["demand_id"] for m in sec["matches"]} == {demand["id"]}
        assert {c["id"] for c in sec["cases"]} == {c["id"] for c in demand["cases"]}
        assert {t["case_id"] for t in sec["case_timeline"]} == {c["id"] for c in demand["cases"]}
        assert [c["id"] for c in sec["consents"]] == [demand["consent"]["id"]]
        assert [x["consent_id"] for x in sec["credit_lookups"]] == [demand["consent"]["id"]]
        assert sec["credit_standing"][0]["consent_id"] == demand["consent"]["id"]
        assert [i["year"] for i in sec["indicators"]] == [2024]
        assert other not in r.text


async def test_data_export_refused_to_others(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    await svc.demand(uscc)
    url = f"/v1/enterprises/{uscc}/data-export"
    for headers, status, code in (
        (svc.auth("enterprise", uscc=svc.uscc()), 404, "enterprise_not_found"),
        (svc.auth("operator", district="500114"), 403, "other_district"),
        (svc.auth("institution", inst="demo-ccb"), 403, "role_not_allowed"),
        (svc.auth("department", dept="500113-jrb"), 403, "role_not_allowed"),
        (svc.auth("commissioner"), 403, "role_not_allowed"),
    ):
        r = await svc.client.get(url, headers=headers)
        assert (r.status_code, r.json()["code"]) == (status, code)
