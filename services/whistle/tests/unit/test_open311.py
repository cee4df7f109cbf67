"""The Open311 GeoReport v2 read view."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import Action, IssueState
from tidu_whistle.domain.open311 import (
    MAX_RESULTS,
    open311_error,
    open311_request,
    open311_services,
    open311_status,
    parse_requests_query,
    select_requests,
)
from tidu_whistle.domain.working_days import SHANGHAI

NOW = datetime(2025, 10, 1, 12, tzinfo=SHANGHAI)
GEOREPORT_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


def test_services(world: Any) -> None:
    services = open311_services(world.reference)
    assert len(services) == 19
    land = next(s for s in services if s["service_code"] == "land")
    assert land["service_name"] == "用地" and land["group"] == "规划自然资源局"
    assert land["metadata"] is False and land["type"] == "realtime"
    assert "20 个工作日" in land["description"]


def test_status_mapping() -> None:
    closed = {IssueState.RESOLVED, IssueState.CLOSED, IssueState.WITHDRAWN}
    for state in IssueState:
        assert open311_status(state) == ("closed" if state in closed else "open")


def test_request_of_a_routed_issue(world: Any) -> None:
    issue = world.raise_issue()
    issue = world.do(issue, world.system, Action.ROUTE, world.t0, department="500113-ghzy")
    body = open311_request(issue, world.reference)
    assert set(body) == GEOREPORT_FIELDS
    assert body["status"] == "open"
    assert body["agency_responsible"] == "巴南区规划自然资源局"
    assert body["status_notes"] == "已派单至巴南区规划自然资源局，待报到（时限 2025-09-28）"
    assert body["expected_datetime"] == "2025-09-28T23:59:59+08:00"
    assert body["requested_datetime"] == "2025-09-26T10:00:00+08:00"
    assert body["address"] == "巴南区" and body["address_id"] == "500113"
    json.dumps(body, ensure_ascii=False)
    assert open311_request(issue, world.reference, include_description=False)["description"] == issue.title


def test_request_notes_per_state(world: Any) -> None:
    triage = world.do(world.issue_in(IssueState.SUBMITTED), world.system, Action.SEND_TO_TRIAGE, world.t0)
    body = open311_request(triage, world.reference)
    assert body["agency_responsible"] == "巴南区经济信息委"
    assert body["status_notes"].startswith("待巴南区经济信息委分拨")
    resolved = open311_request(world.issue_in(IssueState.RESOLVED), world.reference)
    assert (resolved["status"], resolved["expected_datetime"]) == ("closed", None)
    assert resolved["status_notes"] == "巴南区规划自然资源局已办结，待企业确认"
    for state in IssueState:
        assert open311_request(world.issue_in(state), world.reference)["status_notes"]


def test_fallback_is_said_in_status_notes(world: Any) -> None:
    issue = world.raise_issue(at=datetime(2026, 12, 30, 10, tzinfo=SHANGHAI))
    issue = world.do(issue, world.system, Action.ROUTE, datetime(2026, 12, 30, 10, tzinfo=SHANGHAI),
                     department="500113-ghzy")  # fmt: skip
    notes = open311_request(issue, world.reference)["status_notes"]
    assert "2027" in notes and "周一至周五" in notes


def test_query_defaults_and_limits() -> None:
    q = parse_requests_query({}, NOW)
    assert q.end == NOW and q.start == NOW - timedelta(days=90)
    q = parse_requests_query({"start_date": "2025-09-01T00:00:00+08:00", "status": "open,closed"}, NOW)
    assert q.end - q.start == timedelta(days=90) and q.statuses == ("open", "closed")
    q = parse_requests_query({"end_date": "2025-09-01T00:00:00Z"}, NOW)
    assert q.start == q.end - timedelta(days=90)
    assert parse_requests_query({"service_request_id": "a, b"}, NOW).service_request_ids == ("a", "b")
    bad = [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2025-09-01T00:00:00"},  # no offset
        {"start_date": "2025-09-10T00:00:00+08:00", "end_date": "2025-09-01T00:00:00+08:00"},
        {"start_date": "2025-01-01T00:00:00+08:00", "end_date": "2025-09-01T00:00:00+08:00"},
    ]
    for params in bad:
        with pytest.raises(DomainError) as err:
            parse_requests_query(params, NOW)
        assert err.value.code is ErrorCode.INVALID_QUERY


def test_select_requests(world: Any) -> None:
    base = world.issue_in(IssueState.IN_PROGRESS)
    issues = [
        replace(base, id="new", submitted_at=NOW - timedelta(days=1)),
        replace(base, id="old", submitted_at=NOW - timedelta(days=100)),
        replace(base, id="done", state=IssueState.CLOSED, submitted_at=NOW - timedelta(days=2)),
        replace(base, id="tax", category="tax", submitted_at=NOW - timedelta(days=3)),
    ]
    assert [i.id for i in select_requests(issues, parse_requests_query({}, NOW))] == ["new", "done", "tax"]
    q = parse_requests_query({"status": "open", "service_code": "land"}, NOW)
    assert [i.id for i in select_requests(issues, q)] == ["new"]
    q = parse_requests_query({"service_request_id": "old,tax"}, NOW)
    assert [i.id for i in select_requests(issues, q)] == ["tax", "old"]
    many = [replace(base, id=f"i{n}", submitted_at=NOW - timedelta(minutes=n)) for n in range(MAX_RESULTS + 5)]
    assert len(select_requests(many, parse_requests_query({}, NOW))) == MAX_RESULTS


def test_error_body() -> None:
    assert open311_error(404, "not found") == [{"code": 404, "description": "not found"}]
