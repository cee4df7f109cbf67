"""Qualifications (认定) over HTTP: validation, validity at any date, renewal after 复核, revocation,
the expiry-notice job with an injected ``today`` (idempotent), and the tier ladder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu_registry.models import qualification_notices
from tidu_registry.scheduler import QUALIFICATION_NOTICES, Lease, run_daily


async def test_grant_defaults_to_three_years_and_answers_validity_at_any_date(reg: Any) -> None:
    ent = await reg.register()
    q = await reg.grant(ent["uscc"], kind="srdi_sme", level="city", granted_on="2024-01-15")
    assert q["expires_on"] == "2027-01-14" and q["kind_zh"] == "专精特新中小企业"
    url = f"/v1/enterprises/{ent['uscc']}/qualifications"
    for day, valid in [("2024-01-14", False), ("2024-01-15", True), ("2027-01-14", True), ("2027-01-15", False)]:
        got = (await reg.client.get(url, params={"valid_on": day}, headers=reg.admin)).json()
        assert got[0]["valid"] is valid, day
    only = await reg.client.get(url, params={"valid_on": "2028-01-01", "only_valid": "true"}, headers=reg.admin)
    assert only.json() == []
    ev = (await reg.events("qualification.granted.v1"))[-1]
    assert ev["_key"] == ent["uscc"]
    assert ev["data"] == {
        "qualification_id": q["id"],
        "uscc": ent["uscc"],
        "kind": "srdi_sme",
        "level": "city",
        "document_no": q["document_no"],
        "granted_on": "2024-01-15",
        "expires_on": "2027-01-14",
        "district_code": "500113",
    }


GRANT_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"kind": "nobel_prize"}, "kind", "invalid_choice"),
    ({"level": "galactic"}, "level", "invalid_choice"),
    ({"document_no": None}, "document_no", "required"),
    ({"granted_on": "2999-01-01"}, "granted_on", "date_in_future"),
    ({"granted_on": "15/01/2024"}, "granted_on", "invalid_date"),
    ({"expires_on": "2023-01-01"}, "expires_on", "expires_before_granted"),
    ({"kind": None}, "kind", "required"),
]


async def test_grant_validation(reg: Any) -> None:
    ent = await reg.register()
    body = {"kind": "srdi_sme", "level": "city", "document_no": "渝经信发〔2024〕1号", "granted_on": "2024-01-15"}
    found = {}
    for over, field, code in GRANT_RULES:
        r = await reg.client.post(
            f"/v1/enterprises/{ent['uscc']}/qualifications", json={**body, **over}, headers=reg.admin
        )
        found[(field, code)] = (r.status_code, (field, code) in [(e["field"], e["code"]) for e in r.json()["errors"]])
    assert found == {(field, code): (422, True) for _, field, code in GRANT_RULES}


async def test_the_same_recognition_twice_is_a_conflict_and_listed_is_open_ended(reg: Any) -> None:
    ent = await reg.register()
    q = await reg.grant(ent["uscc"], document_no="A-1")
    r = await reg.client.post(
        f"/v1/enterprises/{ent['uscc']}/qualifications",
        json={"kind": "srdi_sme", "level": "city", "document_no": "A-1", "granted_on": "2024-01-15"},
        headers=reg.admin,
    )
    assert r.status_code == 409 and r.json()["code"] == "qualification_exists"
    listed = await reg.grant(ent["uscc"], kind="listed", level="national", document_no="SH600000")
    assert listed["expires_on"] is None and listed["valid"] is True
    assert q["id"] != listed["id"]


async def test_renewal_extends_and_revocation_ends(reg: Any) -> None:
    ent = await reg.register()
    q = await reg.grant(ent["uscc"], granted_on="2022-07-01")
    r = await reg.client.post(
        f"/v1/qualifications/{q['id']}/renewals", json={"reviewed_on": "2025-06-01"}, headers=reg.admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["expires_on"] == "2028-06-30" and r.json()["original_expires_on"] == "2025-06-30"
    renewed = (await reg.events("qualification.renewed.v1"))[-1]["data"]
    assert renewed["previous_expires_on"] == "2025-06-30" and renewed["expires_on"] == "2028-06-30"
    shorter = await reg.client.post(
        f"/v1/qualifications/{q['id']}/renewals",
        json={"reviewed_on": "2025-07-01", "expires_on": "2026-01-01"},
        headers=reg.admin,
    )
    assert shorter.status_code == 422 and shorter.json()["errors"][0]["code"] == "renewal_not_extending"

    no_reason = await reg.client.post(
        f"/v1/qualifications/{q['id']}/revocation", json={"revoked_on": "2026-01-10", "reason": " "}, headers=reg.admin
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["code"] == "required"
    r = await reg.client.post(
        f"/v1/qualifications/{q['id']}/revocation",
        json={"revoked_on": "2026-01-10", "reason": "复核发现材料造假"},
        headers=reg.admin,
    )
    assert r.status_code == 200
    assert r.json()["revocation"]["reason"] == "复核发现材料造假"
    got = await reg.client.get(f"/v1/qualifications/{q['id']}", params={"valid_on": "2026-01-09"}, headers=reg.admin)
    assert got.json()["valid"] is True
    got = await reg.client.get(f"/v1/qualifications/{q['id']}", params={"valid_on": "2026-01-10"}, headers=reg.admin)
    assert got.json()["valid"] is False
    revoked = (await reg.events("qualification.revoked.v1"))[-1]["data"]
    assert revoked["reason"] == "复核发现材料造假" and revoked["revoked_on"] == "2026-01-10"
    again = await reg.client.post(
        f"/v1/qualifications/{q['id']}/revocation", json={"revoked_on": "2026-02-01", "reason": "x"}, headers=reg.admin
    )
    assert again.status_code == 409 and again.json()["code"] == "qualification_revoked"
    renew_revoked = await reg.client.post(
        f"/v1/qualifications/{q['id']}/renewals", json={"reviewed_on": "2026-03-01"}, headers=reg.admin
    )
    assert renew_revoked.status_code == 409
    missing = await reg.client.post(
        "/v1/qualifications/nope/renewals", json={"reviewed_on": "2026-03-01"}, headers=reg.admin
    )
    assert missing.status_code == 404


async def _run_job(reg: Any, today: str) -> dict[str, Any]:
    r = await reg.client.post("/v1/jobs/qualification-notices", params={"today": today}, headers=reg.op("500000"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_notice_job_publishes_expiring_then_expired_once_each(reg: Any) -> None:
    ent = await reg.register()
    q = await reg.grant(ent["uscc"], granted_on="2023-03-01")  # valid through 2026-02-28
    assert await _run_job(reg, "2025-11-29") == {"today": "2025-11-29", "expiring": 0, "expired": 0}  # 91 days
    assert (await _run_job(reg, "2025-11-30"))["expiring"] == 1  # 90 days ahead
    assert (await _run_job(reg, "2025-12-15"))["expiring"] == 0  # already told
    expiring = (await reg.events("qualification.expiring.v1"))[-1]
    assert expiring["_key"] == ent["uscc"]
    assert expiring["data"]["days_left"] == 90 and expiring["data"]["qualification_id"] == q["id"]
    assert (await _run_job(reg, "2026-02-28"))["expired"] == 0  # the last valid day
    assert await _run_job(reg, "2026-03-01") == {"today": "2026-03-01", "expiring": 0, "expired": 1}
    assert (await _run_job(reg, "2026-03-02"))["expired"] == 0
    assert len(await reg.events("qualification.expired.v1")) == 1
    assert await reg.count(qualification_notices) == 2


async def test_renewal_makes_a_fresh_notice_due_and_revoked_titles_get_none(reg: Any) -> None:
    ent = await reg.register()
    q = await reg.grant(ent["uscc"], granted_on="2023-03-01")
    revoked = await reg.grant(ent["uscc"], kind="high_tech", level="national", granted_on="2023-03-01")
    await reg.client.post(
        f"/v1/qualifications/{revoked['id']}/revocation",
        json={"revoked_on": "2025-01-01", "reason": "撤销"},
        headers=reg.admin,
    )
    assert (await _run_job(reg, "2025-12-01"))["expiring"] == 1
    await reg.client.post(
        f"/v1/qualifications/{q['id']}/renewals", json={"reviewed_on": "2026-01-10"}, headers=reg.admin
    )
    assert (await _run_job(reg, "2026-03-01"))["expired"] == 0  # renewed through 2029-02-28
    assert (await _run_job(reg, "2028-12-01"))["expiring"] == 1  # the renewed period's own notice


async def test_notice_job_access_and_lease(reg: Any) -> None:
    r = await reg.client.post("/v1/jobs/qualification-notices", headers=reg.h("department", dept="500113-kjj"))
    assert r.status_code == 403
    code = "91110108551385082Q"
    r = await reg.client.post("/v1/jobs/qualification-notices", headers=reg.ent(code))
    assert r.status_code == 403
    lease = reg.app.state.notice_lease
    other = type(lease)(lease.db, lease.name, holder="another-replica")
    assert await other.acquire()
    busy = await reg.client.post("/v1/jobs/qualification-notices", headers=reg.admin)
    assert busy.status_code == 409 and busy.json()["code"] == "job_running"
    assert not await lease.acquire()
    await other.release()
    assert (await reg.client.post("/v1/jobs/qualification-notices", headers=reg.admin)).status_code == 200


async def test_ladder_from_qualifications_and_pool(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await reg.grant(code, kind="innovative_sme", level="provincial", granted_on="2022-05-01")
    await reg.grant(code, kind="srdi_sme", level="city", granted_on="2023-06-01")
    await reg.grant(code, kind="gazelle", level="city", granted_on="2023-06-01", expires_on="2024-05-31")
    steps = (await reg.client.get(f"/v1/enterprises/{code}/ladder", headers=reg.ent(code))).json()
    assert [(s["start"], s["tier"], s["labels"]) for s in steps] == [
        ("2022-05-01", "innovative_sme", []),
        ("2023-06-01", "srdi_sme", ["gazelle"]),
        ("2024-06-01", "srdi_sme", []),
        ("2026-06-01", None, []),
    ]


async def test_daily_job_runs_once_a_day_across_replicas(reg: Any) -> None:
    """Two replicas (two lease holders) waking on the same day: one runs the job, once."""
    db = reg.app.state.db
    ran: list[tuple[str, dt.date]] = []

    def job(name: str) -> Any:
        async def run(today: dt.date) -> None:
            ran.append((name, today))

        return run

    a, b = Lease(db, QUALIFICATION_NOTICES, holder="replica-a"), Lease(db, QUALIFICATION_NOTICES, holder="replica-b")
    day = dt.date(2026, 3, 1)
    assert await run_daily(a, job("a"), day) is True
    assert await run_daily(b, job("b"), day) is False  # it ran today
    assert await run_daily(a, job("a"), day) is False
    assert await a.acquire()  # a replica holding the lease (a run in progress) …
    assert await run_daily(b, job("b"), day + dt.timedelta(days=1)) is False  # … keeps the other out
    await a.release()
    assert await run_daily(b, job("b"), day + dt.timedelta(days=1)) is True
    assert ran == [("a", day), ("b", day + dt.timedelta(days=1))]
