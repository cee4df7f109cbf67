"""Who reads what in the eligibility service (the denials are tested as a matrix).

| who | what-if | an enterprise's latest assessments | inputs, history, live evaluation | candidates, batches |
| --- | --- | --- | --- | --- |
| enterprise | yes | its own only (others: 404) | its own | no (403) |
| operator (district) | yes | its district's (others: 403) | its district's | its district's |
| operator (city 500000), admin | yes | all | all | all |
| commissioner, department, institution | yes | latest results only, any enterprise | no (403) | no (403) |

Commissioners, departments and institutions see the latest result per rule set (result, score,
size class, date) — what the registry and finance-match show anyway — but not the figures behind
it. Uploading rule sets: admins only. Reading rule sets: everyone signed in.
"""

from __future__ import annotations

from tidu_eligibility.problems import forbidden
from tidu_shared.auth import Principal, Role, ensure_may_read_enterprise

FULL_VIEW = frozenset({Role.enterprise, Role.operator, Role.admin})


def may_see_details(principal: Principal) -> bool:
    return principal.role in FULL_VIEW


def ensure_may_read_assessments(principal: Principal, *, uscc: str, district_code: str) -> None:
    ensure_may_read_enterprise(principal, uscc=uscc, district_code=district_code)


def ensure_may_read_details(principal: Principal, *, uscc: str, district_code: str) -> None:
    ensure_may_read_enterprise(principal, uscc=uscc, district_code=district_code)
    if not may_see_details(principal):
        raise forbidden(
            "只有企业本身、所在区县经信委和管理员可以查看评估依据的数据", "details: enterprise, operator, admin"
        )


def candidates_district(principal: Principal, district: str | None) -> str | None:
    """The district a candidate list may cover: a district operator's own (default), any for the city."""
    if principal.is_city:
        return district
    if principal.role != Role.operator:
        raise forbidden("只有经信委和管理员可以查看培育候选名单", "operators and admins only")
    if district is not None and not principal.sees_district(district):
        raise forbidden("区县经信委只能查看本区县的候选名单", "district operators see their own district")
    return principal.district
