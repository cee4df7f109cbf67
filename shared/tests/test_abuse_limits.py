"""Abuse limits every service shares: writes per principal are rate limited (429 with
Retry-After), bodies are size limited (413), reads are not rate limited."""

from __future__ import annotations

from typing import Any


async def test_writes_beyond_the_burst_get_429_with_retry_after(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory(
        "eligibility", run_relay=False, run_consumers=False, write_rate_per_s=0.5, write_burst=2
    ) as (_, client):
        admin = auth_header("admin", sub="admin-rl")
        codes = [(await client.post("/v1/dead-letters/999/replay", headers=admin)).status_code for _ in range(3)]
        assert codes[:2] == [404, 404]
        assert codes[2] == 429
        r = await client.post("/v1/dead-letters/999/replay", headers=admin)
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["code"] == "rate_limited"
        assert "秒后再试" in r.json()["detail"]
        # another principal has its own bucket; reads are not limited
        other = auth_header("admin", sub="admin-other")
        assert (await client.post("/v1/dead-letters/999/replay", headers=other)).status_code == 404
        assert (await client.get("/v1/dead-letters", headers=admin)).status_code == 200


async def test_oversized_body_is_413_problem_json(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory("eligibility", run_relay=False, run_consumers=False, max_body_bytes=1000) as (_, c):
        r = await c.post(
            "/v1/dead-letters/1/replay",
            content=b"x" * 5000,
            headers={**auth_header("admin"), "content-type": "application/json"},
        )
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"


async def test_metrics_endpoint_counts_requests_by_route(app_client_factory: Any, auth_header: Any) -> None:
    async with app_client_factory("eligibility", run_relay=False, run_consumers=False) as (_, client):
        await client.get("/v1/dead-letters", headers=auth_header("admin"))
        text = (await client.get("/metrics")).text
        assert (
            'tidu_http_requests_total{method="GET",route="/v1/dead-letters",service="eligibility",status="200"}' in text
        )
        assert "tidu_outbox_backlog" in text
        assert 'tidu_broker_up{service="eligibility"} 1.0' in text
