"""The audit trail, published by every service on ``tidu.audit`` keyed by the service name.

``tidu.audit.recorded.v1``: one audited API request (a write, a denial, a sensitive read) as the
service's append-only ``audit_log`` stored it, written to the outbox in the same transaction as
the audit row. The CloudEvents ``source`` names the service (``/tidu/<service>``). It carries no
request body, no query string and no identity or phone numbers: who (the token's ``sub``, role and
scope claim), when, what (method, route template, path, subject, status, outcome, problem code,
sensitive data categories) and why (the request id).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import AUDIT

AUDIT_RECORDED = "tidu.audit.recorded.v1"

OUTCOMES = ("ok", "denied", "rejected", "error")
SENSITIVE_CATEGORIES = ("identity", "phone", "credit")


class AuditRecorded(Contract):
    service: str = Field(description="registry | eligibility | finance-match | whistle")
    at: dt.datetime
    actor_sub: str | None = Field(default=None, description="the token's sub; null when unauthenticated")
    actor_role: str | None = None
    actor_scope: str | None = Field(default=None, description='the scope claim, e.g. "district=500113"')
    method: str
    route: str = Field(description='method and route template, e.g. "PUT /v1/enterprises/{uscc}/indicators/{year}"')
    path: str = Field(description="the concrete path (no query string)")
    subject: str | None = Field(default=None, description="the record the request names (a USCC, an issue id …)")
    status: int
    outcome: str = Field(description="ok | denied | rejected | error")
    code: str | None = Field(default=None, description="the problem code of an error answer")
    sensitive: list[str] = Field(default_factory=list, description="sensitive data read: identity, phone, credit")
    request_id: str


register(
    AUDIT_RECORDED,
    topic=AUDIT,
    model=AuditRecorded,
    producer="audit",
    description="An audited API request (write, denial or sensitive read), as the service's audit log stored it.",
)

EXAMPLES: dict[str, dict[str, object]] = {
    AUDIT_RECORDED: {
        "service": "registry",
        "at": "2026-06-01T09:30:00Z",
        "actor_sub": "ent-91500113MA5U7LXX3F",
        "actor_role": "enterprise",
        "actor_scope": "uscc=91500113MA5U7LXX3F",
        "method": "GET",
        "route": "GET /v1/enterprises/{uscc}",
        "path": "/v1/enterprises/91500113MA60A1B2CP",
        "subject": "91500113MA60A1B2CP",
        "status": 404,
        "outcome": "denied",
        "code": "enterprise_not_found",
        "sensitive": [],
        "request_id": "6f1c2e0a9b5d4c3e8f7a6b5c4d3e2f1a",
    }
}
