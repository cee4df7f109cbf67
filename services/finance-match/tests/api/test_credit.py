"""Consent and credit: look-ups only with consent, each audited; who may ask; revocation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tidu_finance_match.credit.simulated import simulated_grade
from tidu_finance_match.models import CreditLookupRow


async def _audit(svc: Any, uscc: str) -> list[CreditLookupRow]:
    async with svc.app.state.db.read() as s:
        stmt = select(CreditLookupRow).where(CreditLookupRow.uscc == uscc).order_by(CreditLookupRow.id)
        return list((await s.execute(stmt)).scalars())


async def test_matching_looks_the_grade_up_with_consent_and_audits_it(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    grade = simulated_grade(uscc)[0]
    srdi = next(m for m in demand["match"]["matched"] if m["product_code"] == "srdi-loan")
    gate = next(g for g in srdi["reasons"] if g["code"] == "min_credit_grade")
    assert gate["actual"] == grade and gate["required"] == "B"
    rows = await _audit(svc, uscc)
    assert len(rows) == 1
    row = rows[0]
    assert (row.outcome, row.cache_hit, row.grade, row.purpose) == ("ok", False, grade, "matching")
    assert row.consent_id == demand["consent"]["id"]


async def test_an_institution_reads_the_report_of_a_consenting_enterprise_pushed_to_it(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    ccb = svc.auth("institution", inst="demo-ccb", sub="loan-officer-7")
    r = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=ccb)
    assert r.status_code == 200, r.text
    assert r.json()["grade"] == simulated_grade(uscc)[0] and r.json()["source"] == "simulated"
    assert r.json()["records"][0]["kind"] == "loan"
    rows = await _audit(svc, uscc)
    assert [(x.actor_id, x.role, x.purpose, x.cache_hit) for x in rows[1:]] == [
        ("loan-officer-7", "institution", "institution_review", True)
    ]
    assert rows[-1].consent_id == demand["consent"]["id"]
    # an institution the demand was not pushed to does not learn the enterprise exists
    guar = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=svc.auth("institution", inst="demo-guar"))
    assert guar.status_code == 404
    assert len(await _audit(svc, uscc)) == 2  # refused before any look-up


async def test_no_consent_no_look_up(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc, consent={"share_with_institutions": True, "credit_lookup": False})).json()
    # no look-up at match time: the credit-grade gate is unknown, the product needs data
    needs = {m["product_code"]: m for m in demand["match"]["needs_data"]}
    assert needs["srdi-loan"]["missing"] == ["credit_grade"]
    assert "信用" in needs["srdi-loan"]["unknown"][0]["message_zh"]
    assert await _audit(svc, uscc) == []
    admin = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=svc.auth("admin"))
    assert admin.status_code == 403 and admin.json()["code"] == "credit_consent_missing"
    rows = await _audit(svc, uscc)
    assert [(x.outcome, x.consent_id, x.grade) for x in rows] == [("refused_no_consent", None, None)]


async def test_revoking_consent_stops_look_ups_and_the_grade(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    consent_id = demand["consent"]["id"]
    assert (
        await svc.client.post(f"/v1/consents/{consent_id}/revoke", headers=svc.auth("enterprise", uscc=svc.uscc()))
    ).status_code == 404
    assert (
        await svc.client.post(f"/v1/consents/{consent_id}/revoke", headers=svc.auth("operator", district="500113"))
    ).status_code == 403
    r = await svc.client.post(f"/v1/consents/{consent_id}/revoke", headers=svc.auth("enterprise", uscc=uscc))
    assert r.status_code == 200 and r.json()["in_force"] is False and r.json()["revoked_at"]
    ccb = svc.auth("institution", inst="demo-ccb")
    refused = await svc.client.get(f"/v1/enterprises/{uscc}/credit", headers=ccb)
    assert refused.status_code == 403 and refused.json()["code"] == "credit_consent_missing"
    assert (await _audit(svc, uscc))[-1].outcome == "refused_no_consent"
    # the stored grade is no longer used: credit-gated products need data again (cases stay)
    got = (await svc.client.get(f"/v1/demands/{demand['id']}", headers=svc.auth("enterprise", uscc=uscc))).json()
    statuses = {m["product_code"]: m["status"] for m in got["matches"]}
    assert statuses["srdi-loan"] == "needs_data" and statuses["srdi-board"] == "matched"
    assert len(got["cases"]) == 5
    listed = await svc.client.get("/v1/consents", headers=svc.auth("enterprise", uscc=uscc))
    assert [c["in_force"] for c in listed.json()] == [False]


async def test_who_may_ask_for_a_credit_report(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    await svc.demand(uscc)
    url = f"/v1/enterprises/{uscc}/credit"
    assert (await svc.client.get(url, headers=svc.auth("enterprise", uscc=uscc))).status_code == 200
    assert (await svc.client.get(url, headers=svc.auth("enterprise", uscc=svc.uscc()))).status_code == 404
    assert (await svc.client.get(url, headers=svc.auth("operator", district="500113"))).status_code == 200
    assert (await svc.client.get(url, headers=svc.auth("operator", district="500114"))).status_code == 403
    assert (await svc.client.get(url, headers=svc.auth("department", dept="500113-jrb"))).status_code == 403
    assert (await svc.client.get(url, headers=svc.auth("commissioner"))).status_code == 403
    audit = await svc.client.get(f"/v1/credit-lookups?uscc={uscc}", headers=svc.auth("admin"))
    assert audit.status_code == 200 and len(audit.json()) == 3
    assert (
        await svc.client.get("/v1/credit-lookups", headers=svc.auth("institution", inst="demo-ccb"))
    ).status_code == 403
