"""Bugs found by tests/fuzz (schemathesis over the OpenAPI document), each pinned here."""

from __future__ import annotations

from typing import Any

HUGE = "9" * 25  # beyond 64 bits


async def test_a_closed_demand_conflict_keeps_the_http_status_in_the_problem(svc: Any) -> None:
    uscc = await svc.srdi_enterprise()
    demand = (await svc.demand(uscc)).json()
    me = svc.auth("enterprise", uscc=uscc)
    url = f"/v1/demands/{demand['id']}/withdraw"
    assert (await svc.client.post(url, headers=me)).status_code == 200
    again = await svc.client.post(url, headers=me)
    assert again.status_code == 409
    problem = again.json()
    assert problem["status"] == 409  # was "withdrawn": the demand's state hid the HTTP status
    assert problem["code"] == "demand_closed"
    assert problem["demand_status"] == "withdrawn"


async def test_an_offset_beyond_64_bits_is_a_422_not_a_500(svc: Any) -> None:
    r = await svc.client.get("/v1/demands", params={"offset": HUGE}, headers=svc.auth("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "value_out_of_range"
    assert "超出允许范围" in r.json()["detail"]
    ok = await svc.client.get("/v1/demands", params={"offset": "0"}, headers=svc.auth("admin"))
    assert ok.status_code == 200


async def test_a_dead_letter_id_beyond_64_bits_is_a_422_not_a_500(svc: Any) -> None:
    r = await svc.client.post(f"/v1/dead-letters/{HUGE}/replay", headers=svc.auth("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "value_out_of_range"


async def test_a_sweep_time_must_be_iso_text_not_a_number(svc: Any) -> None:
    r = await svc.client.post("/v1/scheduler/sweep", json={"now": 111}, headers=svc.auth("admin"))
    assert r.status_code == 422, r.text  # was 200: swept as of 1970-01-01T00:01:51Z
    assert r.json()["errors"][0]["message"] == "时间应为 ISO 8601 文本，如 2025-09-26T10:00:00+08:00"
    ok = await svc.client.post(
        "/v1/scheduler/sweep", json={"now": "2026-06-01T09:00:00+08:00"}, headers=svc.auth("admin")
    )
    assert ok.status_code == 200, ok.text


async def test_a_nul_character_in_text_is_never_a_database_outage(svc: Any) -> None:
    """PostgreSQL refuses NUL in text (SQLSTATE 22021); that was answered 503 database_unavailable."""
    body = {"code": "nul-bank", "name": "银行\x00甲", "kind": "fund", "first_response_working_days": 3}
    r = await svc.client.post("/v1/institutions", json=body, headers=svc.auth("admin"))
    assert r.status_code in (201, 422), r.text  # SQLite stores it; PostgreSQL cannot
    if r.status_code == 422:
        assert r.json()["code"] == "value_out_of_range"


async def test_statistics_dates_must_be_iso_days_not_numbers(svc: Any) -> None:
    r = await svc.client.get("/v1/statistics", params={"from": "9.29e-149"}, headers=svc.auth("admin"))
    assert r.status_code == 422, r.text  # was 200: statistics from 1970-01-01
    assert r.json()["errors"][0]["message"] == "日期格式应为 YYYY-MM-DD"
    ok = await svc.client.get("/v1/statistics", params={"from": "2026-01-01"}, headers=svc.auth("admin"))
    assert ok.status_code == 200, ok.text
