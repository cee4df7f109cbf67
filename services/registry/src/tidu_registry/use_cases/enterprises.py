"""Registering an enterprise and changing its profile; operators' districts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from tidu_registry import access
from tidu_registry.clock import today_cn, utcnow
from tidu_registry.domain.districts import new_district
from tidu_registry.domain.enterprise import PROFILE_FIELDS, EnterpriseProfile, check_profile, update_profile
from tidu_registry.domain.errors import DomainError
from tidu_registry.domain.history import Source, diff
from tidu_registry.events import profile_changed as profile_changed_data
from tidu_registry.events import publish, transaction
from tidu_registry.events import registered as registered_data
from tidu_registry.models import Enterprise, districts, revisions
from tidu_registry.problems import from_domain, validation_problem
from tidu_registry.queries import enterprise_or_404, known_districts, scope_of
from tidu_registry.records import profile_from_row, profile_record, profile_values, revision_row
from tidu_shared.auth import Principal, Role
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, PROFILE_CHANGED
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, conflict


def _ensure_may_register(principal: Principal, uscc: str, district_code: str) -> None:
    if principal.role == Role.admin:
        return
    if principal.role == Role.operator and principal.sees_district(district_code):
        return
    if principal.role == Role.enterprise and principal.uscc == uscc:
        return
    raise ProblemError(
        403,
        "forbidden",
        "无权访问",
        "只有本区县的经信委或企业本身可以登记该企业",
        "not allowed to register this enterprise",
    )


def _already_registered(uscc: str) -> ProblemError:
    return conflict("enterprise_exists", f"统一社会信用代码 {uscc} 的企业已登记", f"enterprise {uscc} already exists")


async def register_enterprise(db: Database, principal: Principal, data: Mapping[str, Any]) -> Enterprise:
    """企业入库: the whole profile validated by the domain, every violation named at once."""
    async with db.read() as s:
        known = await known_districts(s)
    profile, violations = check_profile(data, districts=known, today=today_cn())
    if profile is None:
        raise validation_problem(violations, "企业信息未通过校验")
    _ensure_may_register(principal, profile.uscc, profile.district_code)
    source = access.source_for(principal, None)
    now = utcnow()
    try:
        async with transaction(db) as s:
            if await s.get(Enterprise, profile.uscc) is not None:
                raise _already_registered(profile.uscc)
            ent = Enterprise(**profile_values(profile), created_at=now, updated_at=now, version=1)
            s.add(ent)
            await s.flush()
            statements = diff(None, profile_record(profile), who=principal.sub, when=now, source=source)
            await s.execute(revisions.insert().values(revision_row(profile.uscc, statements)))
            publish(
                s,
                type=ENTERPRISE_REGISTERED,
                uscc=profile.uscc,
                district_code=profile.district_code,
                data=registered_data(profile, now),
            )
    except IntegrityError:
        # A concurrent registration of the same USCC won the race.
        raise _already_registered(profile.uscc) from None
    return ent


def _apply(ent: Enterprise, profile: EnterpriseProfile) -> None:
    for name, value in profile_values(profile).items():
        setattr(ent, name, value)


async def change_profile(
    db: Database,
    principal: Principal,
    uscc: str,
    changes: Mapping[str, Any],
    *,
    source: str | None = None,
    if_match: int | None = None,
) -> Enterprise:
    """档案变更: the changes applied and the whole profile validated; one statement per changed field;
    an unchanged profile records nothing and emits nothing."""
    who_source = access.source_for(principal, source)
    async with transaction(db) as s:
        ent = await enterprise_or_404(s, uscc)
        access.ensure_may_edit_profile(principal, scope_of(ent))
        if if_match is not None and if_match != ent.version:
            raise ProblemError(
                412,
                "version_mismatch",
                "数据已被修改",
                f"档案已更新到第 {ent.version} 版，请刷新后再提交",
                f"the profile is at version {ent.version}",
            )
        current = profile_from_row(ent)
        try:
            updated = update_profile(current, changes, districts=await known_districts(s), today=today_cn())
        except DomainError as exc:
            raise from_domain(exc) from None
        if updated.district_code != current.district_code:
            access.ensure_sees_district(principal, updated.district_code)
        now = utcnow()
        statements = diff(
            profile_record(current),
            profile_record(updated),
            who=principal.sub,
            when=now,
            source=who_source,
            fields=PROFILE_FIELDS,
        )
        if not statements:
            return ent
        _apply(ent, updated)
        ent.version += 1
        ent.updated_at = now
        await s.execute(revisions.insert().values(revision_row(uscc, statements)))
        publish(
            s,
            type=PROFILE_CHANGED,
            uscc=uscc,
            district_code=updated.district_code,
            data=profile_changed_data(updated, statements, version=ent.version),
        )
    return ent


async def add_district(db: Database, principal: Principal, data: Mapping[str, str]) -> dict[str, str]:
    """An operator's addition to the GB/T 2260 list (a new district, another province's)."""
    access.ensure_city(principal)
    try:
        district = new_district(data["code"], data["name"], data["province"], data["kind"])
    except DomainError as exc:
        raise from_domain(exc) from None
    async with transaction(db) as s:
        if (await known_districts(s)).contains(district.code):
            raise conflict("district_exists", f"区县代码 {district.code} 已存在", f"district {district.code} exists")
        await s.execute(
            districts.insert().values(
                code=district.code,
                name=district.name,
                province=district.province,
                kind=district.kind,
                added_by=principal.sub,
                added_at=utcnow(),
            )
        )
    return {"code": district.code, "name": district.name, "province": district.province, "kind": district.kind}


__all__ = ["Source", "add_district", "change_profile", "register_enterprise"]
