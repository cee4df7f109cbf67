"""Who sees which issue, and the domain actor a token stands for.

Visibility (architecture.md, issue 6):

* an enterprise sees its own issues (others': 404, existence does not leak);
* a commissioner sees the issues of the enterprises the registry assigned to them
  (``enterprise_profiles.commissioner_id`` = token ``sub``; others: 404);
* a department sees the issues it currently leads or co-handles (``issue_departments``; others:
  404) — one it handed on by transfer, return or escalation drops out of its view;
* an operator sees its region's issues (GB/T 2260: 500000 sees every Chongqing district) and
  issues whose current lead is in its region (transferred or escalated into it); others: 403;
* an admin sees everything; an institution nothing (403).

The same rules are applied to single issues (:func:`visibility`) and to lists (:func:`visible_clause`).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select, true

from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal
from tidu_shared.auth import Role as TokenRole
from tidu_shared.errors import ProblemError
from tidu_whistle.domain.errors import DomainError
from tidu_whistle.domain.model import Actor, Role
from tidu_whistle.domain.reference import DepartmentCode, region_covers
from tidu_whistle.models import EnterpriseProfile, IssueDepartment, IssueRow
from tidu_whistle.problems import issue_not_found, role_not_allowed


class Visibility(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"  # 404
    FORBIDDEN = "forbidden"  # 403


def region_prefix(region: str) -> str:
    """The code prefix a GB/T 2260 region covers: 500000 → "50", 360100 → "3601", 500113 → "500113"."""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def department_claim(principal: Principal) -> DepartmentCode:
    try:
        return DepartmentCode.parse(principal.dept or "")
    except DomainError:
        raise ProblemError(
            403,
            "invalid_department_claim",
            "无权访问",
            f"令牌中的部门代码 {principal.dept!r} 无效",
            "the token's dept claim is not a department code",
        ) from None


def ensure_not_institution(principal: Principal) -> None:
    if principal.role == TokenRole.institution:
        raise role_not_allowed("金融机构不参与企业吹哨诉求", "institutions have no part in whistle issues")


def visibility(
    principal: Principal, row: IssueRow, *, commissioner_id: str | None, departments: set[str]
) -> Visibility:
    role = principal.role
    if role == TokenRole.admin:
        return Visibility.VISIBLE
    if role == TokenRole.operator:
        region = principal.district or ""
        lead_region = row.lead_department.split("-")[0] if row.lead_department else None
        if region and (
            region_covers(region, row.district) or (lead_region is not None and region_covers(region, lead_region))
        ):
            return Visibility.VISIBLE
        return Visibility.FORBIDDEN
    if role == TokenRole.enterprise:
        return Visibility.VISIBLE if principal.uscc == row.enterprise_uscc else Visibility.HIDDEN
    if role == TokenRole.commissioner:
        return (
            Visibility.VISIBLE
            if commissioner_id is not None and commissioner_id == principal.sub
            else Visibility.HIDDEN
        )
    if role == TokenRole.department:
        return Visibility.VISIBLE if str(department_claim(principal)) in departments else Visibility.HIDDEN
    return Visibility.FORBIDDEN


def ensure_visible(vis: Visibility) -> None:
    if vis is Visibility.HIDDEN:
        raise hides_existence(issue_not_found())
    if vis is Visibility.FORBIDDEN:
        raise ProblemError(403, "other_district", "无权访问", "只能查看本辖区的诉求", "outside your region")


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`IssueRow` selecting what ``principal`` may see."""
    role = principal.role
    if role == TokenRole.admin:
        return true()
    if role == TokenRole.operator:
        if not principal.district:
            return false()
        prefix = region_prefix(principal.district)
        return or_(IssueRow.district.like(f"{prefix}%"), IssueRow.lead_department.like(f"{prefix}%"))
    if role == TokenRole.enterprise:
        return IssueRow.enterprise_uscc == (principal.uscc or "")
    if role == TokenRole.commissioner:
        served = select(EnterpriseProfile.uscc).where(EnterpriseProfile.commissioner_id == principal.sub)
        return IssueRow.enterprise_uscc.in_(served)
    if role == TokenRole.department:
        dept = str(department_claim(principal))
        mine = select(IssueDepartment.issue_id).where(IssueDepartment.department == dept)
        return IssueRow.id.in_(mine)
    return false()


def actor_for(principal: Principal, *, serves: frozenset[str] = frozenset()) -> Actor:
    """The domain actor of a token. ``serves``: for a commissioner, the enterprises (USCC) the
    registry assigned to them that matter for this request."""
    role = Role(str(principal.role))
    if role is Role.DEPARTMENT:
        return Actor(role, principal.sub, dept=department_claim(principal))
    if role is Role.COMMISSIONER:
        return Actor(role, principal.sub, enterprises=serves)
    return Actor(role, principal.sub, uscc=principal.uscc, district=principal.district)
