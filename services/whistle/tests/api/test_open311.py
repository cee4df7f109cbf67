"""The Open311 GeoReport v2 read view: services.json, requests.json (with its filters),
requests/{id}.json; our states mapped to open / closed with status_notes and expected_datetime."""

from __future__ import annotations

import datetime as dt

from tidu_whistle.testing import T0, Whistle

LEAD = "500113-ghzy"


async def test_services_are_our_categories(whistle: Whistle) -> None:
    r = await whistle.client.get("/open311/v2/services.json", headers=whistle.enterprise())
    assert r.status_code == 200
    land = next(s for s in r.json() if s["service_code"] == "land")
    assert land == {
        "service_code": "land",
        "service_name": "用地",
        "description": "用地：规划自然资源局牵头；1 个工作日内报到，20 个工作日内办结",
        "metadata": False,
        "type": "realtime",
        "keywords": "land,用地",
        "group": "规划自然资源局",
    }


async def test_requests_map_states_and_deadlines(whistle: Whistle) -> None:
    await whistle.seed()
    url_attachment = {
        "filename": "现场.jpg",
        "content_type": "image/jpeg",
        "size_bytes": 2048,
        "url": "https://files.example/a.jpg",
    }
    open_issue = await whistle.raise_issue(attachments=[url_attachment])
    whistle.clock.advance(hours=1)
    done = await whistle.raise_issue(category="labour", title="招工", description="缺技工")
    done = await whistle.act(done, "check_in", whistle.dept("500113-rsj"))
    done = await whistle.act(done, "resolve", whistle.dept("500113-rsj"), note="已对接人才市场")

    r = await whistle.client.get("/open311/v2/requests.json", headers=whistle.enterprise())
    assert r.status_code == 200, r.text
    listed = r.json()
    assert [x["service_request_id"] for x in listed] == [done["id"], open_issue["id"]]  # newest first
    first = listed[1]
    assert first["status"] == "open"
    assert first["status_notes"] == "已派单至巴南区规划自然资源局，待报到（时限 2025-09-28）"
    assert first["expected_datetime"] == "2025-09-28T23:59:59+08:00"
    assert first["requested_datetime"] == T0.isoformat()
    assert first["agency_responsible"] == "巴南区规划自然资源局"
    assert first["address"] == "巴南区" and first["address_id"] == "500113"
    assert first["media_url"] == "https://files.example/a.jpg"
    assert first["lat"] is None and first["long"] is None
    resolved = listed[0]
    assert resolved["status"] == "closed"
    assert resolved["status_notes"] == "巴南区人力社保局已办结，待企业确认"
    assert resolved["expected_datetime"] is None

    only_closed = await whistle.client.get(
        "/open311/v2/requests.json", params={"status": "closed"}, headers=whistle.enterprise()
    )
    assert [x["service_request_id"] for x in only_closed.json()] == [done["id"]]
    by_code = await whistle.client.get(
        "/open311/v2/requests.json", params={"service_code": "land,energy"}, headers=whistle.enterprise()
    )
    assert [x["service_request_id"] for x in by_code.json()] == [open_issue["id"]]
    by_id = await whistle.client.get(
        "/open311/v2/requests.json",
        params={"service_request_id": f"{open_issue['id']},nonexistent", "jurisdiction_id": "cq"},
        headers=whistle.enterprise(),
    )
    assert [x["service_request_id"] for x in by_id.json()] == [open_issue["id"]]
    one = await whistle.client.get(f"/open311/v2/requests/{done['id']}.json", headers=whistle.enterprise())
    assert one.status_code == 200 and one.json() == [resolved]


async def test_the_90_day_window(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    whistle.clock.advance(days=100)
    h = whistle.admin()
    assert (await whistle.client.get("/open311/v2/requests.json", headers=h)).json() == []
    start = (T0 - dt.timedelta(days=1)).isoformat()
    r = await whistle.client.get("/open311/v2/requests.json", params={"start_date": start}, headers=h)
    assert [x["service_request_id"] for x in r.json()] == [issue["id"]]
    wide = await whistle.client.get(
        "/open311/v2/requests.json",
        params={"start_date": "2025-01-01T00:00:00+08:00", "end_date": "2025-12-31T00:00:00+08:00"},
        headers=h,
    )
    assert wide.status_code == 422
    assert wide.json()["code"] == "invalid_query"
    for bad in ({"status": "pending"}, {"start_date": "yesterday"}, {"start_date": "2025-09-01T00:00:00"}):
        r = await whistle.client.get("/open311/v2/requests.json", params=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_fallback_deadlines_are_noted(whistle: Whistle) -> None:
    await whistle.seed()
    whistle.clock.set(dt.datetime(2026, 12, 30, 10, 0, tzinfo=T0.tzinfo))
    issue = await whistle.raise_issue()
    r = await whistle.client.get(f"/open311/v2/requests/{issue['id']}.json", headers=whistle.enterprise())
    assert "2027 年的官方节假日安排尚未载入" in r.json()[0]["status_notes"]
