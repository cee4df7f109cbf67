"""Use cases on issues over HTTP: raise one (Idempotency-Key honoured), act on one (state
machine, If-Match), rate a resolution. One transaction each; events through the outbox."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tidu_shared.auth import Principal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError
from tidu_whistle.access import actor_for, ensure_not_institution, ensure_visible, visibility
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.issues import AttachmentMeta, IssueDraft, draft_fingerprint
from tidu_whistle.domain.model import Action, Command
from tidu_whistle.domain.state_machine import apply
from tidu_whistle.models import IdempotencyKey, IssueRow
from tidu_whistle.problems import invalid_field, issue_not_found, role_not_allowed, version_conflict
from tidu_whistle.records import issue_from_row
from tidu_whistle.schemas import IssueIn, IssueOut
from tidu_whistle.store import current_departments, load_timeline, profile_of, save_transition
from tidu_whistle.use_cases.raising import raise_in
from tidu_whistle.views import issue_out


def _enterprise_unknown(uscc: str) -> ProblemError:
    return ProblemError(
        422,
        "enterprise_unknown",
        "企业未入库",
        f"统一社会信用代码为 {uscc} 的企业尚未在企业库登记（或登记信息尚未同步），不能提交诉求",
        "the registry has not registered this enterprise (or its event has not arrived yet)",
    )


def _key_reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        "幂等键已被使用",
        "该 Idempotency-Key 已用于内容不同的请求；新的诉求请使用新的幂等键",
        "this Idempotency-Key was used with a different body",
    )


def _target_uscc(principal: Principal, body: IssueIn) -> str:
    if principal.role == TokenRole.enterprise:
        uscc = (body.enterprise_uscc or principal.uscc or "").strip().upper()
        if uscc != (principal.uscc or "").upper():
            raise ProblemError(
                403, "actor_out_of_scope", "无权操作", "企业只能为本企业提交诉求", "an enterprise raises its own issues"
            )
        return uscc
    if principal.role == TokenRole.commissioner:
        if not body.enterprise_uscc:
            raise invalid_field(
                "enterprise_uscc", "missing", "服务专员代企业提交时须填写企业统一社会信用代码", "name the enterprise"
            )
        return body.enterprise_uscc.strip().upper()
    raise role_not_allowed("只有企业或其服务专员可以提交诉求", "only an enterprise or its commissioner raises issues")


def _draft(body: IssueIn, uscc: str, district: str) -> IssueDraft:
    return IssueDraft(
        enterprise_uscc=uscc,
        category=body.category.strip(),
        district=district,
        title=body.title,
        description=body.description,
        urgency=body.urgency,
        attachments=tuple(
            AttachmentMeta(a.filename, a.content_type, a.size_bytes, a.sha256, a.url) for a in body.attachments
        ),
    )


def _reference_problem(exc: DomainError) -> ProblemError:
    if exc.code is ErrorCode.UNKNOWN_CATEGORY:
        return invalid_field("category", "unknown_category", "诉求类别不存在", exc.message)
    return invalid_field("district", "unknown_district", "区县代码不存在", exc.message)


async def raise_issue(
    db: Database, ctx: WhistleContext, principal: Principal, body: IssueIn, idempotency_key: str | None
) -> tuple[IssueOut, bool]:
    """201 body and whether it is a replay of an earlier request with the same key."""
    uscc = _target_uscc(principal, body)
    principal_key = f"{principal.role}:{principal.sub}"
    # the fingerprint is of the request as sent (the default district is not part of it)
    fingerprint = draft_fingerprint(_draft(body, uscc, body.district or ""))
    now = ctx.now()
    try:
        async with db.transaction(inline=True) as s:
            if idempotency_key is not None:
                seen = await s.get(IdempotencyKey, (principal_key, idempotency_key))
                if seen is not None:
                    if seen.fingerprint != fingerprint:
                        raise _key_reused()
                    return IssueOut.model_validate(seen.response), True
            profile = await profile_of(s, uscc)
            if profile is None:
                raise _enterprise_unknown(uscc)
            serves = frozenset({uscc}) if profile.commissioner_id == principal.sub else frozenset()
            actor = actor_for(principal, serves=serves)
            draft = _draft(body, uscc, body.district or profile.district_code)
            try:
                raised = await raise_in(
                    s,
                    ctx,
                    draft=draft,
                    actor=actor,
                    at=now,
                    source=str(principal.role),
                    raised_by=principal.sub,
                    attachments=[a.model_dump() for a in body.attachments],
                    profile=profile,
                )
            except DomainError as exc:
                if exc.code in (ErrorCode.UNKNOWN_CATEGORY, ErrorCode.UNKNOWN_DISTRICT):
                    raise _reference_problem(exc) from None
                raise
            out = issue_out(
                raised.issue,
                raised.row,
                reference=ctx.reference,
                now=now,
                actor=actor,
                enterprise_name=profile.name,
                timeline=raised.entries,
                duplicates=raised.duplicates,
                routing=raised.decision,
            )
            if idempotency_key is not None:
                s.add(
                    IdempotencyKey(
                        principal=principal_key,
                        key=idempotency_key,
                        fingerprint=fingerprint,
                        issue_id=raised.issue.id,
                        response=out.model_dump(mode="json"),
                        created_at=now,
                    )
                )
    except IntegrityError:
        # the same key raced in from a parallel request: answer as a retry would be answered
        if idempotency_key is None:
            raise
        async with db.read() as s:
            seen = await s.get(IdempotencyKey, (principal_key, idempotency_key))
        if seen is None:
            raise
        if seen.fingerprint != fingerprint:
            raise _key_reused() from None
        return IssueOut.model_validate(seen.response), True
    return out, False


async def act(
    db: Database, ctx: WhistleContext, principal: Principal, issue_id: str, command: Command, if_match: int
) -> IssueOut:
    """Apply ``command`` to the issue at version ``if_match``."""
    ensure_not_institution(principal)
    now = ctx.now()
    try:
        async with db.transaction(inline=True) as s:
            row = await s.get(IssueRow, issue_id)
            if row is None:
                raise issue_not_found()
            profile = await profile_of(s, row.enterprise_uscc)
            commissioner = profile.commissioner_id if profile is not None else None
            departments = await current_departments(s, issue_id)
            ensure_visible(visibility(principal, row, commissioner_id=commissioner, departments=departments))
            serves = frozenset({row.enterprise_uscc}) if commissioner == principal.sub else frozenset()
            actor = actor_for(principal, serves=serves)
            before = issue_from_row(row)
            outcome = apply(before, command, actor=actor, at=now, ctx=ctx.workflow, expected_version=if_match)
            await save_transition(s, ctx, row=row, before=before, outcome=outcome, profile=profile)
            timeline = await load_timeline(s, issue_id)
            return issue_out(
                outcome.issue,
                row,
                reference=ctx.reference,
                now=now,
                actor=actor,
                enterprise_name=profile.name if profile else None,
                timeline=timeline,
            )
    except StaleDataError:
        raise version_conflict(if_match, None) from None


def rating_command(score: int, comment: str | None) -> Command:
    return Command(Action.RATE, rating=score, note=comment)
