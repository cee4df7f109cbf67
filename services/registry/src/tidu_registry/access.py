"""Who may see and change what in the registry (issue 3, "Access").

- admins and city operators (``district: 500000``): everything;
- a district operator: the enterprises of its district, and everything about them (profile, figures,
  qualifications, pool, commissioners, plans); other districts' enterprises → 403;
- an enterprise: only itself — reads everything of its own, writes its profile and yearly figures
  (``self_declared``); another enterprise's records → 404, so that existence does not leak; what only
  an authority decides (qualifications, pool, assignments, plans) → 403 on its own records;
- a commissioner (``sub`` = commissioner id): reads the enterprises currently assigned to it and writes
  their plans (一企一策); other enterprises → 403;
- departments and institutions: 403.

Each check takes the facts it needs (:class:`EnterpriseScope`), so that the rules are plain functions
the routes and use cases share, and the tests run them as a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

from tidu_registry.domain.districts import is_within
from tidu_registry.domain.history import Source
from tidu_registry.problems import enterprise_not_found
from tidu_shared.audit import hides_existence
from tidu_shared.auth import CITY_DISTRICT, Principal, Role
from tidu_shared.errors import ProblemError


@dataclass(frozen=True, slots=True)
class EnterpriseScope:
    uscc: str
    district_code: str
    commissioner_id: str | None = None


def role_not_allowed(principal: Principal) -> ProblemError:
    return ProblemError(
        403,
        "role_not_allowed",
        "无权访问",
        f"当前角色（{principal.role}）无权执行此操作",
        f"role {principal.role} may not do this",
    )


def other_district() -> ProblemError:
    return ProblemError(
        403, "other_district", "无权访问", "只能查看和维护本区县的企业", "operators see their own district only"
    )


def not_assigned() -> ProblemError:
    return ProblemError(
        403,
        "not_assigned",
        "无权访问",
        "服务专员只能查看分配给自己的企业",
        "commissioners see their assigned enterprises only",
    )


def authority_only() -> ProblemError:
    return ProblemError(403, "authority_only", "无权操作", "该操作仅限经信委办理", "only an operator may do this")


def _operator_or_admin(principal: Principal, ent: EnterpriseScope) -> bool:
    """True when an operator/admin may act on ``ent``; raises for an operator of another district."""
    if principal.role == Role.admin:
        return True
    if principal.role == Role.operator:
        if principal.sees_district(ent.district_code):
            return True
        raise other_district()
    return False


def ensure_may_read(principal: Principal, ent: EnterpriseScope) -> None:
    if _operator_or_admin(principal, ent):
        return
    if principal.role == Role.enterprise:
        if principal.uscc == ent.uscc:
            return
        raise hides_existence(enterprise_not_found())
    if principal.role == Role.commissioner:
        if ent.commissioner_id is not None and ent.commissioner_id == principal.sub:
            return
        raise not_assigned()
    raise role_not_allowed(principal)


def ensure_may_edit_profile(principal: Principal, ent: EnterpriseScope) -> None:
    """Profile and yearly figures: operators of its district, admins, and the enterprise itself."""
    if _operator_or_admin(principal, ent):
        return
    if principal.role == Role.enterprise:
        if principal.uscc == ent.uscc:
            return
        raise hides_existence(enterprise_not_found())
    if principal.role == Role.commissioner:
        ensure_may_read(principal, ent)
        raise authority_only()
    raise role_not_allowed(principal)


def ensure_may_manage(principal: Principal, ent: EnterpriseScope) -> None:
    """What an authority decides: qualifications, pool moves, white list, commissioner assignment."""
    if _operator_or_admin(principal, ent):
        return
    if principal.role in (Role.enterprise, Role.commissioner):
        ensure_may_read(principal, ent)  # 404 for another enterprise, 403 for an unassigned commissioner
        raise authority_only()
    raise role_not_allowed(principal)


def ensure_may_write_plan(principal: Principal, ent: EnterpriseScope) -> None:
    """一企一策: operators of its district, admins, and its commissioner."""
    if _operator_or_admin(principal, ent):
        return
    if principal.role == Role.commissioner:
        ensure_may_read(principal, ent)
        return
    if principal.role == Role.enterprise:
        ensure_may_read(principal, ent)
        raise authority_only()
    raise role_not_allowed(principal)


def ensure_operator(principal: Principal) -> None:
    """Registry-wide operations (import, export, jobs, commissioners): operators and admins."""
    if principal.role not in (Role.operator, Role.admin):
        raise role_not_allowed(principal)


def ensure_city(principal: Principal) -> None:
    """City-wide reference data (districts): admins and city operators."""
    if not principal.is_city:
        raise ProblemError(
            403, "city_only", "无权操作", "仅市级经信委或管理员可维护区县代码", "city operators and admins only"
        )


def ensure_sees_district(principal: Principal, district_code: str) -> None:
    if not principal.sees_district(district_code):
        raise other_district()


def sees_region(principal: Principal, region: str) -> bool:
    """An operator sees a region (targets) inside its district; the city sees every region."""
    if principal.is_city:
        return True
    return principal.role == Role.operator and principal.district is not None and is_within(region, principal.district)


def district_scope(principal: Principal) -> str | None:
    """The district an operator is bound to (``None``: all districts)."""
    if principal.is_city or principal.role != Role.operator:
        return None
    return principal.district


def source_for(principal: Principal, requested: str | None) -> Source:
    """Where a statement comes from: an enterprise's own are ``self_declared``; operators and admins
    record ``operator`` data, or ``external`` data (a credit platform's) when they say so."""
    if principal.role == Role.enterprise:
        if requested not in (None, Source.SELF_DECLARED.value):
            raise ProblemError(
                403, "source_not_allowed", "无权操作", "企业填报的数据来源只能是企业自报", "enterprises self-declare"
            )
        return Source.SELF_DECLARED
    if requested is None:
        return Source.OPERATOR
    if requested not in (Source.OPERATOR.value, Source.EXTERNAL.value):
        raise ProblemError(
            422, "source_not_allowed", "来源无效", "来源只能是 operator 或 external", "source is operator or external"
        )
    return Source(requested)


__all__ = ["CITY_DISTRICT", "EnterpriseScope"]
