"""Operators' routing rules: a new version per change (never edited in place), validated against
the reference data. A district operator edits its own region's rules; the city operator (or an
admin) also the category-wide ones (district ``*``). A rule applies to issues raised after its
``effective_from``; issues already routed stay where they are."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tidu_shared.auth import Principal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError
from tidu_whistle.context import WhistleContext
from tidu_whistle.domain.reference import region_covers
from tidu_whistle.domain.routing import RoutingRule, history, next_revision, route, rules_in_force, validate_rule
from tidu_whistle.domain.working_days import to_shanghai
from tidu_whistle.models import RoutingRuleRow
from tidu_whistle.problems import role_not_allowed
from tidu_whistle.schemas import RoutingRuleIn, RoutingRuleOut, RoutingRuleView
from tidu_whistle.store import ANY_DISTRICT, rules_for
from tidu_whistle.views import routing_out


def ensure_may_edit(principal: Principal, district: str) -> None:
    if principal.role == TokenRole.admin:
        return
    if principal.role == TokenRole.operator and principal.district:
        if district == ANY_DISTRICT and principal.is_city:
            return
        if district != ANY_DISTRICT and region_covers(principal.district, district):
            return
        raise ProblemError(
            403,
            "other_district",
            "无权操作",
            "只能修改本辖区的分拨规则；全市通用规则（*）由市经信委维护",
            "operators edit their own region's rules; category-wide rules are the city's",
        )
    raise role_not_allowed("只有经信委操作员或管理员可以修改分拨规则", "operators and admins edit routing rules")


def ensure_may_read(principal: Principal) -> None:
    if principal.role not in (TokenRole.admin, TokenRole.operator, TokenRole.department):
        raise role_not_allowed("无权查看分拨规则", "operators, departments and admins read routing rules")


def rule_out(rule: RoutingRule) -> RoutingRuleOut:
    return RoutingRuleOut(
        rule_id=rule.rule_id,
        category=rule.category,
        district=rule.district or ANY_DISTRICT,
        lead=rule.lead,
        co=list(rule.co),
        to_triage=rule.to_triage,
        retired=rule.retired,
        effective_from=to_shanghai(rule.effective_from),
        revision=rule.revision,
        changed_by=rule.changed_by,
        reason=rule.reason,
    )


def view(ctx: WhistleContext, category: str, district: str, rules: list[RoutingRule]) -> RoutingRuleView:
    key_district = None if district == ANY_DISTRICT else district
    now = ctx.now()
    versions = history(rules, category, key_district)
    current = rules_in_force(versions, now).get((category, key_district))
    decision = None
    if key_district is not None:
        decision = routing_out(route(category, key_district, now, ctx.reference, rules))
    return RoutingRuleView(
        category=category,
        district=district,
        decision=decision,
        current=rule_out(current) if current is not None else None,
        history=[rule_out(r) for r in versions],
    )


def check_key(ctx: WhistleContext, category: str, district: str) -> None:
    ctx.reference.category(category)  # unknown: 404 unknown_category
    if district != ANY_DISTRICT:
        ctx.reference.region(district)  # unknown: 404 unknown_district


async def put_rule(
    db: Database,
    ctx: WhistleContext,
    principal: Principal,
    category: str,
    district: str,
    body: RoutingRuleIn,
    if_match: int | None,
) -> RoutingRuleView:
    """Add a version of the (category, district) rule. ``if_match``: the revision the caller
    saw (optional; 412 when another version was added since)."""
    check_key(ctx, category, district)
    ensure_may_edit(principal, district)
    now = ctx.now()
    key_district = None if district == ANY_DISTRICT else district
    try:
        async with db.transaction() as s:
            rules = await rules_for(s, category)
            revision = next_revision(rules, category, key_district)
            if if_match is not None and if_match != revision - 1:
                raise ProblemError(
                    412,
                    "version_conflict",
                    "版本已变化",
                    f"分拨规则已更新到第 {revision - 1} 版，请刷新后重试",
                    f"the rule is at revision {revision - 1}, not {if_match}",
                )
            rule = validate_rule(
                RoutingRule(
                    rule_id=f"{category}/{district}",
                    category=category,
                    district=key_district,
                    lead=body.lead.strip() if body.lead else None,
                    co=tuple(c.strip() for c in body.co),
                    effective_from=body.effective_from or now,
                    revision=revision,
                    changed_by=principal.sub,
                    reason=body.reason.strip(),
                    to_triage=body.to_triage,
                    retired=body.retired,
                ),
                ctx.reference,
            )
            s.add(
                RoutingRuleRow(
                    rule_id=rule.rule_id,
                    category=category,
                    district=district,
                    lead=rule.lead,
                    co=list(rule.co),
                    to_triage=rule.to_triage,
                    retired=rule.retired,
                    effective_from=rule.effective_from,
                    revision=revision,
                    changed_by=rule.changed_by,
                    reason=rule.reason,
                    created_at=now,
                )
            )
            rules.append(rule)
            return view(ctx, category, district, rules)
    except IntegrityError:
        raise ProblemError(
            409, "concurrent_rule_change", "冲突", "分拨规则正被他人同时修改，请刷新后重试", "changed concurrently"
        ) from None


async def get_rule(db: Database, ctx: WhistleContext, category: str, district: str) -> RoutingRuleView:
    check_key(ctx, category, district)
    async with db.read() as s:
        rules = await rules_for(s, category)
    return view(ctx, category, district, rules)


async def list_rules(
    db: Database, ctx: WhistleContext, category: str | None, district: str | None
) -> list[RoutingRuleView]:
    async with db.read() as s:
        q = select(RoutingRuleRow.category, RoutingRuleRow.district).distinct()
        if category:
            q = q.where(RoutingRuleRow.category == category)
        if district:
            q = q.where(RoutingRuleRow.district.in_((district, ANY_DISTRICT)))
        keys = sorted((await s.execute(q)).all())
        by_category = {c: await rules_for(s, c) for c in {k[0] for k in keys}}
    return [view(ctx, c, d, by_category[c]) for c, d in keys]
