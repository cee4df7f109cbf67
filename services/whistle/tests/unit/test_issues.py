"""Raising an issue: validation, who may raise, the first timeline entry, fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.issues import AttachmentMeta, draft_fingerprint, open_issue, validate_draft
from tidu_whistle.domain.model import Action, IssueState, Role, Urgency


def test_enterprise_raises_an_issue(world: Any) -> None:
    outcome = open_issue("iss-1", world.draft(title="  用地  "), actor=world.enterprise, at=world.t0,
                         reference=world.reference)  # fmt: skip
    issue, [entry] = outcome.issue, outcome.entries
    assert (issue.state, issue.version, issue.title, issue.urgency) == (
        IssueState.SUBMITTED, 1, "用地", Urgency.NORMAL,
    )  # fmt: skip
    assert (entry.seq, entry.action, entry.from_state, entry.to_state) == (1, Action.SUBMIT, None, IssueState.SUBMITTED)
    assert entry.event_name == "submitted"


def test_commissioner_raises_on_behalf(world: Any) -> None:
    outcome = open_issue("iss-2", world.draft(), actor=world.commissioner, at=world.t0, reference=world.reference)
    assert outcome.entry.actor_role is Role.COMMISSIONER
    assert outcome.issue.enterprise_uscc == world.uscc


@pytest.mark.parametrize(
    ("actor_name", "code"),
    [
        ("other_enterprise", ErrorCode.ACTOR_OUT_OF_SCOPE),
        ("other_commissioner", ErrorCode.ACTOR_OUT_OF_SCOPE),
        ("operator", ErrorCode.ACTOR_NOT_PERMITTED),
        ("admin", ErrorCode.ACTOR_NOT_PERMITTED),
        ("institution", ErrorCode.ACTOR_NOT_PERMITTED),
        ("system", ErrorCode.ACTOR_NOT_PERMITTED),
    ],
)
def test_who_may_not_raise(world: Any, actor_name: str, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as err:
        open_issue("iss-3", world.draft(), actor=getattr(world, actor_name), at=world.t0, reference=world.reference)
    assert err.value.code is code


def test_all_field_problems_are_reported_at_once(world: Any) -> None:
    draft = world.draft(
        title=" ",
        description="x" * 5001,
        urgency="panic",
        attachments=tuple(
            [AttachmentMeta("", "pdf", 0, sha256="XYZ")] + [AttachmentMeta("a.pdf", "application/pdf", 10)] * 10
        ),
    )
    with pytest.raises(DomainError) as err:
        validate_draft(draft, world.reference)
    fields = {e["field"] for e in err.value.details["errors"]}
    assert fields == {
        "title", "description", "urgency", "attachments", "attachments[0].filename",
        "attachments[0].content_type", "attachments[0].size_bytes", "attachments[0].sha256",
    }  # fmt: skip


def test_unknown_references(world: Any) -> None:
    with pytest.raises(DomainError) as err:
        validate_draft(world.draft(category="nope"), world.reference)
    assert err.value.code is ErrorCode.UNKNOWN_CATEGORY
    with pytest.raises(DomainError) as err:
        validate_draft(world.draft(district="999999"), world.reference)
    assert err.value.code is ErrorCode.UNKNOWN_DISTRICT


def test_valid_attachments_and_urgency(world: Any) -> None:
    draft = world.draft(
        urgency="urgent",
        attachments=(AttachmentMeta("规划图.pdf", "application/pdf", 1024, sha256="a" * 64, url="s3://x/1"),),
    )
    assert validate_draft(draft, world.reference).urgency is Urgency.URGENT


def test_fingerprint_is_stable_and_sensitive(world: Any) -> None:
    a = draft_fingerprint(world.draft())
    assert a == draft_fingerprint(world.draft(title=" 厂房扩建用地指标 "))
    assert a != draft_fingerprint(world.draft(title="另一个问题"))
    assert len(a) == 64
