"""The whole life of an issue over HTTP: raised, routed by category × district, checked in,
handled, extended, resolved, confirmed and rated — with working-day deadlines on the official
calendar, a timeline entry per step and one event per step on the issues topic and on each
involved department's topic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tidu_whistle.testing import T0, USCC, Whistle

LEAD = "500113-ghzy"
CO = ["500113-jxw", "500113-yq"]


async def test_an_issue_from_raising_to_rating(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    issue = await whistle.raise_issue(
        attachments=[{"filename": "红线图.pdf", "content_type": "application/pdf", "size_bytes": 1024}]
    )
    assert issue["state"] == "routed"
    assert issue["version"] == 2
    assert issue["lead_department"] == {"code": LEAD, "name": "巴南区规划自然资源局"}
    assert [d["code"] for d in issue["co_departments"]] == CO
    assert issue["routing"]["source"] == "default"
    assert issue["possible_duplicates"] == []
    assert [e["action"] for e in issue["timeline"]] == ["submit", "route"]
    # Friday 10:00 + 1 working day = Sunday 2025-09-28 (调休 working day); land: 20 working days,
    # across the National Day holidays (10-01..08) and the 调休 Saturday 10-11
    assert issue["deadlines"]["check_in"]["due_date"] == "2025-09-28"
    assert issue["deadlines"]["resolution"]["due_date"] == "2025-10-30"
    assert issue["deadlines"]["current"]["due"] == "2025-09-28T23:59:59+08:00"
    assert issue["deadlines"]["calendar_fallback"] is False
    assert issue["deadlines"]["notice"] is None

    lead = whistle.dept(LEAD)
    whistle.clock.advance(hours=1)
    issue = await whistle.act(issue, "check_in", lead)
    assert issue["state"] == "checked_in"
    issue = await whistle.act(issue, "start", lead, note="已约企业现场踏勘")
    issue = await whistle.act(issue, "request_extension", lead, note="需市级用地指标调剂", working_days=5)
    assert issue["state"] == "extension_requested"
    issue = await whistle.act(issue, "approve_extension", whistle.operator("500113"), working_days=3)
    assert issue["state"] == "in_progress"
    assert issue["deadlines"]["resolution"]["due_date"] == "2025-11-04"  # 10-30 + 3 working days
    whistle.clock.advance(days=5)
    issue = await whistle.act(issue, "resolve", lead, note="已调剂用地指标 30 亩")
    assert issue["state"] == "resolved"
    assert issue["permitted_actions"] == ["comment"]  # the department has nothing else left to do
    me = whistle.enterprise()
    read = await whistle.get(issue["id"], me)
    assert set(read["permitted_actions"]) >= {"confirm", "rate", "reopen", "comment"}
    issue = await whistle.act(issue, "confirm", me)
    assert issue["state"] == "closed"
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/rating",
        json={"score": 5, "comment": "很及时"},
        headers={**me, "If-Match": f'"{issue["version"]}"'},
    )
    assert r.status_code == 200, r.text
    issue = r.json()
    assert issue["rating"] == 5
    assert r.headers["etag"] == f'"{issue["version"]}"'

    actions = [(e["action"], e["actor"]["role"]) for e in issue["timeline"]]
    assert actions == [
        ("submit", "enterprise"),
        ("route", "system"),
        ("check_in", "department"),
        ("start", "department"),
        ("request_extension", "department"),
        ("approve_extension", "operator"),
        ("resolve", "department"),
        ("confirm", "enterprise"),
        ("rate", "enterprise"),
    ]
    assert [e["seq"] for e in issue["timeline"]] == list(range(1, 10))

    events = await whistle.events()
    on_issues = [e for e in events if e.topic == "tidu.whistle.issues" and "commissioner" not in e.type]
    assert [e.type for e in on_issues] == [
        f"tidu.whistle.issue.{fact}.v1"
        for fact in (
            "submitted",
            "routed",
            "checked_in",
            "started",
            "extension_requested",
            "extension_approved",
            "resolved",
            "confirmed",
            "rated",
        )
    ]
    assert all(e.key == issue["id"] for e in events)
    for dept in (LEAD, *CO):
        copies = [e for e in events if e.topic == f"tidu.whistle.dept.{dept}"]
        assert [e.type for e in copies] == [e.type for e in on_issues]
        assert all(dept in e.data["departments"] for e in copies)
    routed = next(e for e in on_issues if e.type.endswith(".routed.v1"))
    assert routed.data["issue"]["lead_department"] == LEAD
    assert routed.data["issue"]["deadlines"]["check_in"]["due_date"] == "2025-09-28"
    assert routed.data["entry"]["to_state"] == "routed"
    notified = [e for e in events if e.type.endswith("commissioner_notified.v1")]
    assert [(e.data["reason"], e.data["commissioner_id"]) for e in notified] == [
        ("routed", "comm-1"),
        ("resolved", "comm-1"),
    ]
    assert {e.topic for e in notified} == {"tidu.whistle.issues"}


async def test_issue_detail_carries_etag_and_location(whistle: Whistle) -> None:
    await whistle.seed()
    r = await whistle.client.post(
        "/v1/issues",
        json={"category": "labour", "title": "招工难", "description": "一线技工缺口 40 人"},
        headers=whistle.enterprise(),
    )
    assert r.status_code == 201
    body: dict[str, Any] = r.json()
    assert r.headers["location"] == f"/v1/issues/{body['id']}"
    assert r.headers["etag"] == '"2"'
    got = await whistle.client.get(r.headers["location"], headers=whistle.enterprise())
    assert got.headers["etag"] == '"2"'
    assert got.json()["lead_department"]["code"] == "500113-rsj"
    assert got.json()["submitted_at"] == T0.isoformat()


async def test_deadlines_past_the_calendar_data_say_they_are_estimates(whistle: Whistle) -> None:
    await whistle.seed()
    whistle.clock.set(dt.datetime(2026, 12, 24, 10, 0, tzinfo=T0.tzinfo))
    issue = await whistle.raise_issue()
    deadlines = issue["deadlines"]
    assert deadlines["calendar_fallback"] is True
    assert deadlines["fallback_years"] == [2027]
    assert "2027" in deadlines["notice"] and "周一至周五" in deadlines["notice"]
    assert deadlines["resolution"]["calendar_fallback"] is True
