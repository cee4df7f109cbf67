"""Projections of registry and eligibility events, and the re-matching of open demands they cause
(the consumer's handlers, called in a transaction as the consumer calls them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from tidu_finance_match.models import EnterpriseIndicators, EnterpriseProfile, EnterpriseQualification
from tidu_shared.contracts.finance import DEMAND_PUSHED
from tidu_shared.contracts.registry import INDICATORS_REPORTED, PROFILE_CHANGED, QUALIFICATION_REVOKED


async def _statuses(svc: Any, demand_id: str) -> dict[str, str]:
    got = (await svc.client.get(f"/v1/demands/{demand_id}", headers=svc.auth("admin"))).json()
    return {m["product_code"]: m["status"] for m in got["matches"]}


async def test_indicators_turn_needs_data_into_a_match_and_a_push(svc: Any) -> None:
    uscc = await svc.register()
    demand = (await svc.demand(uscc)).json()
    assert (await _statuses(svc, demand["id"]))["business-value-credit"] == "needs_data"
    await svc.indicators(uscc, operating_revenue="900")
    assert (await _statuses(svc, demand["id"]))["business-value-credit"] == "matched"
    pushed = [e["data"]["product_code"] for e in await svc.events(DEMAND_PUSHED)]
    assert pushed == ["business-value-credit"]
    # a restated, older report of the same year does not replace the newer one
    await svc.deliver(
        INDICATORS_REPORTED,
        {
            "uscc": uscc,
            "year": 2024,
            "indicators": {"operating_revenue": "100"},
            "restated": True,
            "source": "import",
            "reported_by": "test",
            "reported_at": "2020-01-01T00:00:00+00:00",
        },
    )
    async with svc.app.state.db.read() as s:
        row = await s.get(EnterpriseIndicators, (uscc, 2024))
    assert row is not None and row.values["operating_revenue"] == "900"


async def test_a_profile_change_rematches(svc: Any) -> None:
    uscc = await svc.srdi_enterprise(district="510104", name="成都示例")  # outside Chongqing (50…)
    demand = (await svc.demand(uscc)).json()
    assert "knowledge-value-credit" not in await _statuses(svc, demand["id"])
    await svc.deliver(
        PROFILE_CHANGED,
        {
            "uscc": uscc,
            "name": "重庆示例精密制造有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2015-03-01",
            "changes": {"district_code": {"old": "510104", "new": "500113"}},
            "source": "operator",
            "changed_by": "op-1",
            "changed_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    async with svc.app.state.db.read() as s:
        profile = await s.get(EnterpriseProfile, uscc)
    assert profile is not None and profile.district_code == "500113" and profile.name == "重庆示例精密制造有限公司"
    assert (await _statuses(svc, demand["id"]))["knowledge-value-credit"] == "matched"
    assert "knowledge-value-credit" in {e["data"]["product_code"] for e in await svc.events(DEMAND_PUSHED)}


async def test_a_revoked_qualification_takes_the_match_away(svc: Any) -> None:
    uscc = await svc.register()
    await svc.indicators(uscc)
    await svc.size(uscc)
    qid = await svc.qualification(uscc, "srdi_sme")
    demand = (await svc.demand(uscc)).json()
    assert (await _statuses(svc, demand["id"]))["srdi-loan"] == "matched"
    await svc.deliver(
        QUALIFICATION_REVOKED,
        {
            "qualification_id": qid,
            "uscc": uscc,
            "kind": "srdi_sme",
            "level": "provincial",
            "granted_on": "2023-05-01",
            "expires_on": "2099-04-30",
            "revoked_on": "2025-01-01",
            "reason": "复核未通过",
        },
    )
    async with svc.app.state.db.read() as s:
        q = (await s.execute(select(EnterpriseQualification).where(EnterpriseQualification.uscc == uscc))).scalar_one()
    assert q.status == "revoked"
    assert "srdi-loan" not in await _statuses(svc, demand["id"])
    live = (await svc.client.get(f"/v1/demands/{demand['id']}/matches", headers=svc.auth("admin"))).json()
    failed = next(m for m in live["not_matched"] if m["product_code"] == "srdi-loan")["failed"]
    assert [g["code"] for g in failed] == ["qualifications_any"]


async def test_a_size_assessment_opens_renewal_products(svc: Any) -> None:
    uscc = await svc.register()
    demand = (await svc.demand(uscc, has_existing_loan=True, purpose="loan_renewal")).json()
    assert (await _statuses(svc, demand["id"]))["renewal-without-repayment"] == "needs_data"
    await svc.size(uscc, "medium")
    statuses = await _statuses(svc, demand["id"])
    assert statuses["renewal-without-repayment"] == "matched" and statuses["bridge-fund"] == "matched"
    await svc.size(uscc, "large")  # a newer assessment: large firms are out
    assert "renewal-without-repayment" not in await _statuses(svc, demand["id"])
