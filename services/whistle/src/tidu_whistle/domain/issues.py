"""Raising an issue: what a draft must contain, and the issue plus first timeline entry it makes.

Who may raise: the enterprise itself (token ``uscc`` = the draft's enterprise) or a commissioner
serving that enterprise (on its behalf; the entry records the commissioner as actor).

Limits (decisions; the issue text names the fields only): title 1–100 characters, description
1–5000, at most 10 attachments of at most 20 MiB each; attachment metadata only (the file lives
in object storage; ``sha256`` and ``url`` optional). Urgency is informational (sorting, display):
deadlines depend on the category only.

Idempotency-Key: the HTTP layer stores the key with :func:`draft_fingerprint` of the body; the
same key with another fingerprint is a client error, the same key and fingerprint returns the
first response.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.model import Action, Actor, Issue, IssueState, Outcome, Role, TimelineEntry, Urgency
from tidu_whistle.domain.reference import Reference
from tidu_whistle.domain.working_days import to_shanghai

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
ATTACHMENTS_MAX = 10
ATTACHMENT_BYTES_MAX = 20 * 1024 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class AttachmentMeta:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class IssueDraft:
    enterprise_uscc: str
    category: str
    district: str
    title: str
    description: str
    urgency: Urgency = Urgency.NORMAL
    attachments: tuple[AttachmentMeta, ...] = ()


def validate_draft(draft: IssueDraft, reference: Reference) -> IssueDraft:
    """Check every field at once; return the draft with text trimmed.

    Raises ``unknown_category`` / ``unknown_district`` for references, otherwise
    ``invalid_issue`` with ``details["errors"]``: ``[{"field", "problem"}, ...]``.
    """
    reference.category(draft.category)
    reference.region(draft.district)
    errors: list[dict[str, str]] = []
    title, description = draft.title.strip(), draft.description.strip()
    if not draft.enterprise_uscc.strip():
        errors.append({"field": "enterprise_uscc", "problem": "required"})
    if not 1 <= len(title) <= TITLE_MAX:
        errors.append({"field": "title", "problem": f"1 to {TITLE_MAX} characters"})
    if not 1 <= len(description) <= DESCRIPTION_MAX:
        errors.append({"field": "description", "problem": f"1 to {DESCRIPTION_MAX} characters"})
    try:
        Urgency(draft.urgency)
    except ValueError:
        errors.append({"field": "urgency", "problem": f"one of {', '.join(u.value for u in Urgency)}"})
    if len(draft.attachments) > ATTACHMENTS_MAX:
        errors.append({"field": "attachments", "problem": f"at most {ATTACHMENTS_MAX}"})
    for i, att in enumerate(draft.attachments):
        where = f"attachments[{i}]"
        if not 1 <= len(att.filename.strip()) <= 255:
            errors.append({"field": f"{where}.filename", "problem": "1 to 255 characters"})
        if "/" not in att.content_type:
            errors.append({"field": f"{where}.content_type", "problem": "a media type such as image/png"})
        if isinstance(att.size_bytes, bool) or not 0 < att.size_bytes <= ATTACHMENT_BYTES_MAX:
            errors.append({"field": f"{where}.size_bytes", "problem": f"1 to {ATTACHMENT_BYTES_MAX} bytes"})
        if att.sha256 is not None and not _SHA256_RE.match(att.sha256):
            errors.append({"field": f"{where}.sha256", "problem": "64 lowercase hex digits"})
    if errors:
        raise DomainError(ErrorCode.INVALID_ISSUE, "the issue is incomplete or invalid", errors=errors)
    return IssueDraft(
        enterprise_uscc=draft.enterprise_uscc.strip(),
        category=draft.category,
        district=draft.district,
        title=title,
        description=description,
        urgency=Urgency(draft.urgency),
        attachments=draft.attachments,
    )


def may_raise_for(actor: Actor, enterprise_uscc: str) -> bool:
    if actor.role is Role.ENTERPRISE:
        return actor.uscc == enterprise_uscc
    if actor.role is Role.COMMISSIONER:
        return enterprise_uscc in actor.enterprises
    return False


def open_issue(issue_id: str, draft: IssueDraft, *, actor: Actor, at: datetime, reference: Reference) -> Outcome:
    """A new issue in ``submitted`` (version 1) and its ``submit`` entry."""
    at = to_shanghai(at)
    if actor.role not in (Role.ENTERPRISE, Role.COMMISSIONER):
        raise DomainError(ErrorCode.ACTOR_NOT_PERMITTED, f"a {actor.role} may not raise an issue", role=str(actor.role))
    if not may_raise_for(actor, draft.enterprise_uscc):
        raise DomainError(
            ErrorCode.ACTOR_OUT_OF_SCOPE,
            "an issue is raised by the enterprise itself or its commissioner",
            role=str(actor.role),
        )
    clean = validate_draft(draft, reference)
    issue = Issue(
        id=issue_id,
        enterprise_uscc=clean.enterprise_uscc,
        category=clean.category,
        district=clean.district,
        title=clean.title,
        description=clean.description,
        urgency=clean.urgency,
        state=IssueState.SUBMITTED,
        version=1,
        submitted_at=at,
        updated_at=at,
    )
    entry = TimelineEntry(
        issue_id=issue_id,
        seq=1,
        action=Action.SUBMIT,
        from_state=None,
        to_state=IssueState.SUBMITTED,
        at=at,
        actor_role=actor.role,
        actor_id=actor.subject,
        actor_department=None,
        note=None,
        previous_lead=None,
        lead_department=None,
        co_departments=(),
        deadlines=issue.deadlines,
    )
    return Outcome(issue, (entry,))


def draft_fingerprint(draft: IssueDraft) -> str:
    """sha256 of the draft's canonical JSON (for Idempotency-Key reuse checks)."""
    body = {
        "enterprise_uscc": draft.enterprise_uscc.strip(),
        "category": draft.category,
        "district": draft.district,
        "title": draft.title.strip(),
        "description": draft.description.strip(),
        "urgency": str(draft.urgency),
        "attachments": [[a.filename, a.content_type, a.size_bytes, a.sha256, a.url] for a in draft.attachments],
    }
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
