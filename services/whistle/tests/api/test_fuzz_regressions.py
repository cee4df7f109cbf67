"""Bugs found by tests/fuzz (schemathesis over the OpenAPI document), each pinned here."""

from __future__ import annotations

import pytest

from tidu_whistle.testing import Whistle


@pytest.mark.parametrize("value", ["0.0", "1700000000", "20250101"])
async def test_statistics_dates_must_be_iso_days_not_numbers(whistle: Whistle, value: str) -> None:
    r = await whistle.client.get("/v1/statistics", params={"to": value}, headers=whistle.admin())
    assert r.status_code == 422, r.text  # was 200: "0.0" was read as 1970-01-01
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert problem["errors"][0]["message"] == "日期格式应为 YYYY-MM-DD"


async def test_statistics_still_take_iso_days(whistle: Whistle) -> None:
    r = await whistle.client.get(
        "/v1/statistics", params={"from": "2025-01-01", "to": "2025-10-01"}, headers=whistle.admin()
    )
    assert r.status_code == 200, r.text
    assert r.json()["to"] == "2025-10-01"


async def test_a_sweep_instant_must_be_iso_text_not_a_number(whistle: Whistle) -> None:
    r = await whistle.client.post("/v1/scheduler/sweep", params={"now": "0.8428133033554744"}, headers=whistle.admin())
    assert r.status_code == 422, r.text  # was 200: swept as of 1970-01-01
    assert r.json()["errors"][0]["message"] == "时间应为 ISO 8601 格式，如 2025-09-26T10:00:00+08:00"
    ok = await whistle.client.post(
        "/v1/scheduler/sweep", params={"now": "2025-09-26T10:00:00+08:00"}, headers=whistle.admin()
    )
    assert ok.status_code == 200, ok.text
