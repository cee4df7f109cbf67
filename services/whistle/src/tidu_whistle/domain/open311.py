"""An Open311 GeoReport v2 read view of issues (services.json, requests.json, requests/{id}.json).

Mapping (decisions):

* ``service_code`` = our category code, ``service_name`` its Chinese name, ``group`` the lead
  department kind's name, ``type`` = ``realtime``, ``metadata`` = false (no extra attributes).
* ``status``: ``open`` while a department or the coordinator still has to act; ``closed`` for
  ``resolved`` (the department has serviced the request; the enterprise may still reopen it),
  ``closed`` and ``withdrawn``. ``status_notes`` says in Chinese which of our states it is.
* ``expected_datetime``: the earliest running deadline (23:59:59 Asia/Shanghai of its due date)
  while open, else null; when a running deadline was estimated Monday–Friday (past the official
  calendar's data), ``status_notes`` says so.
* ``agency_responsible``: the lead department's name (the coordinator while in triage/returned).
* ``address``: the district's name; no coordinates (lat/long null): enterprises are not
  geocoded here. ``media_url``: the first attachment URL the caller passes, if any.
* Datetimes are ISO 8601 with the +08:00 offset.
* requests.json filters as the spec says: ``service_request_id`` (comma list, overrides the
  others), ``service_code`` (comma list), ``status`` (open/closed, comma list), ``start_date``
  / ``end_date`` on the requested datetime; without dates, the last 90 days; at most 90 days
  apart; at most 1000 results, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tidu_whistle.domain import sla
from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import Issue, IssueState
from tidu_whistle.domain.reference import Reference
from tidu_whistle.domain.working_days import fallback_notice, to_shanghai

DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000

_CLOSED = frozenset({IssueState.RESOLVED, IssueState.CLOSED, IssueState.WITHDRAWN})


def open311_status(state: IssueState) -> str:
    return "closed" if state in _CLOSED else "open"


def open311_services(reference: Reference) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for code, category in reference.categories.items():
        lead = reference.kinds[category.lead_kind]
        out.append(
            {
                "service_code": code,
                "service_name": category.zh,
                "description": (
                    f"{category.zh}：{lead.name.removeprefix('区')}牵头；"
                    f"{category.check_in_working_days} 个工作日内报到，"
                    f"{category.resolve_working_days} 个工作日内办结"
                ),
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join([code, category.zh]),
                "group": lead.name.removeprefix("区"),
            }
        )
    return out


def _iso(moment: datetime | None) -> str | None:
    return to_shanghai(moment).isoformat() if moment is not None else None


def status_notes(issue: Issue, reference: Reference) -> str:
    lead = reference.department_name(issue.lead_department) if issue.lead_department else None
    coordinator = reference.department_name(reference.coordinator_for(issue.district))
    texts: dict[IssueState, str] = {
        IssueState.SUBMITTED: "已提交，等待分拨",
        IssueState.TRIAGE: f"待{coordinator}分拨",
        IssueState.ROUTED: f"已派单至{lead}，待报到",
        IssueState.CHECKED_IN: f"{lead}已报到",
        IssueState.IN_PROGRESS: f"{lead}办理中",
        IssueState.EXTENSION_REQUESTED: f"{lead}已申请延期，待审批",
        IssueState.RETURNED: f"已退单，待{coordinator}重新分拨",
        IssueState.ESCALATED: f"已提级至{lead}，待报到",
        IssueState.REOPENED: f"企业已重新打开，{lead}继续办理",
        IssueState.RESOLVED: f"{lead}已办结，待企业确认",
        IssueState.CLOSED: "已办结，企业已确认",
        IssueState.WITHDRAWN: "企业已撤回",
    }
    note = texts[issue.state]
    deadline = sla.current_deadline(issue)
    if deadline is not None:
        note += f"（时限 {deadline.due_date.isoformat()}）"
    estimated = fallback_notice(y for _, d in sla.running_clocks(issue) for y in d.fallback_years)
    if estimated:
        note += " " + estimated
    return note


def open311_request(
    issue: Issue,
    reference: Reference,
    *,
    include_description: bool = True,
    media_url: str | None = None,
) -> dict[str, Any]:
    category = reference.categories.get(issue.category)
    deadline = sla.current_deadline(issue)
    if issue.lead_department is not None:
        agency = reference.department_name(issue.lead_department)
    else:
        agency = reference.department_name(reference.coordinator_for(issue.district))
    region = reference.regions.get(issue.district)
    return {
        "service_request_id": issue.id,
        "status": open311_status(issue.state),
        "status_notes": status_notes(issue, reference),
        "service_name": category.zh if category else issue.category,
        "service_code": issue.category,
        "description": f"{issue.title}\n{issue.description}" if include_description else issue.title,
        "agency_responsible": agency,
        "service_notice": (
            f"{category.check_in_working_days} 个工作日内报到，{category.resolve_working_days} 个工作日内办结"
            if category
            else ""
        ),
        "requested_datetime": _iso(issue.submitted_at),
        "updated_datetime": _iso(issue.updated_at),
        "expected_datetime": _iso(deadline.due) if deadline is not None and issue.is_open else None,
        "address": region.name if region else issue.district,
        "address_id": issue.district,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": media_url,
    }


@dataclass(frozen=True)
class Open311Query:
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _parse_dt(name: str, value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(ErrorCode.INVALID_QUERY, f"{name} is not a W3C datetime", parameter=name) from None
    if moment.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_QUERY, f"{name} needs a time-zone offset", parameter=name)
    return moment


def parse_requests_query(params: Mapping[str, str], now: datetime) -> Open311Query:
    """Read requests.json parameters; apply the 90-day default and limit."""
    statuses = _split(params.get("status"))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise DomainError(ErrorCode.INVALID_QUERY, "status is open or closed", parameter="status")
    start = _parse_dt("start_date", params.get("start_date"))
    end = _parse_dt("end_date", params.get("end_date"))
    ids = _split(params.get("service_request_id"))
    if not ids:
        if start is None:
            end = end or to_shanghai(now)
            start = end - DEFAULT_SPAN
        elif end is None:
            end = start + DEFAULT_SPAN
        if end < start:
            raise DomainError(ErrorCode.INVALID_QUERY, "end_date is before start_date", parameter="end_date")
        if end - start > DEFAULT_SPAN:
            raise DomainError(ErrorCode.INVALID_QUERY, "at most 90 days between start_date and end_date")
    return Open311Query(ids, _split(params.get("service_code")), statuses, start, end)


def select_requests(issues: Iterable[Issue], query: Open311Query) -> list[Issue]:
    if query.service_request_ids:
        wanted = set(query.service_request_ids)
        chosen = [i for i in issues if i.id in wanted]
    else:
        chosen = [
            i
            for i in issues
            if (not query.service_codes or i.category in query.service_codes)
            and (not query.statuses or open311_status(i.state) in query.statuses)
            and (query.start is None or i.submitted_at >= query.start)
            and (query.end is None or i.submitted_at <= query.end)
        ]
    chosen.sort(key=lambda i: (i.submitted_at, i.id), reverse=True)
    return chosen[:MAX_RESULTS]


def open311_error(code: int, description: str) -> list[dict[str, Any]]:
    """GeoReport v2's error body."""
    return [{"code": code, "description": description}]
