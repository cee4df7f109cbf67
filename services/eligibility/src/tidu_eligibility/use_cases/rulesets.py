"""Uploading a rule-set version (admins): validated by the domain's schema and loader, checked
against the rule sets already known (numbering, dates, one rule set per tier and date), stored as
sent, and applied from its ``effective_from`` — the engine is rebuilt when the transaction commits."""

from __future__ import annotations

import dataclasses

from sqlalchemy.exc import IntegrityError

from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.domain.ruleset_schema import RuleSetError
from tidu_eligibility.models import rulesets
from tidu_eligibility.problems import ruleset_invalid
from tidu_eligibility.rulebook import Entry, RuleBook, add_upload, parse_body, upload_source
from tidu_shared.auth import Principal
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError
from tidu_shared.outbox import utcnow


def body_format(content_type: str) -> str:
    return "json" if "json" in content_type.lower() else "yaml"


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemError(
            422, "ruleset_invalid", "规则集不符合格式要求", "规则集须为 UTF-8 编码的 YAML 或 JSON", "not UTF-8"
        ) from None


async def upload_ruleset(
    db: Database, ctx: EligibilityContext, principal: Principal, body: bytes, content_type: str
) -> tuple[Entry, list[Entry]]:
    """Returns the new version and the earlier versions it closed."""
    fmt = body_format(content_type)
    text = decode(body)
    try:
        parsed = parse_body(text, fmt, "upload")
    except RuleSetError as exc:
        raise ruleset_invalid(exc) from None
    rs = dataclasses.replace(parsed, source=upload_source(parsed.id, parsed.version))
    now = utcnow()
    async with ctx.upload_lock:
        try:
            async with db.transaction() as s:
                await ctx.rules(s)
                await ctx.refresh(s)  # include versions uploaded through another replica
                try:
                    book: RuleBook = add_upload(ctx.book, rs, principal.sub, now)
                except (RuleSetError, RuleSetNotFound) as exc:
                    err = exc if isinstance(exc, RuleSetError) else RuleSetError(rs.source, "tier", str(exc))
                    raise ruleset_invalid(err) from None
                await s.execute(
                    rulesets.insert().values(
                        id=rs.id,
                        version=rs.version,
                        body=text,
                        body_format=fmt,
                        effective_from=rs.effective_from,
                        effective_to=rs.effective_to,
                        uploaded_by=principal.sub,
                        uploaded_at=now,
                    )
                )
        except IntegrityError:
            raise ruleset_invalid(
                RuleSetError(rs.source, "version", f"{rs.id} version {rs.version} exists already")
            ) from None
        ctx.replace_book(book)
    new = book.entry(rs)
    closed = [e for e in book.entries if e.closed_by == f"{rs.id}@{rs.version}"]
    return new, closed
