"""Use cases of the registry service: one transaction each (``db.transaction()``), events
through the outbox in that transaction. Routes call these; nothing else commits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from tidu_shared.auth import Principal, Role
from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED
from tidu_shared.db import Database
from tidu_shared.errors import ProblemError, conflict
from tidu_shared.outbox import emit, utcnow

from tidu_registry.domain.enterprise_checks import check_new_enterprise
from tidu_registry.models import Enterprise
from tidu_registry.schemas import EnterpriseIn


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


async def register_enterprise(db: Database, principal: Principal, cmd: EnterpriseIn) -> Enterprise:
    checked = check_new_enterprise(
        uscc=cmd.uscc,
        district_code=cmd.district_code,
        industry_code=cmd.industry_code,
        established_on=cmd.established_on,
    )
    _ensure_may_register(principal, checked.uscc, checked.district_code)
    now = utcnow()
    try:
        async with db.transaction() as s:
            if await s.get(Enterprise, checked.uscc) is not None:
                raise _already_registered(checked.uscc)
            ent = Enterprise(
                uscc=checked.uscc,
                name=cmd.name,
                district_code=checked.district_code,
                industry_code=checked.industry_code,
                established_on=cmd.established_on,
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(ent)
            emit(
                s,
                type=ENTERPRISE_REGISTERED,
                subject=ent.uscc,
                data={
                    "uscc": ent.uscc,
                    "name": ent.name,
                    "district_code": ent.district_code,
                    "industry_code": ent.industry_code,
                    "established_on": ent.established_on,
                    "registered_at": now,
                },
            )
    except IntegrityError:
        # A concurrent registration of the same USCC won the race.
        raise _already_registered(checked.uscc) from None
    return ent


async def get_enterprise(db: Database, uscc: str) -> Enterprise | None:
    async with db.read() as s:
        return await s.get(Enterprise, uscc)
