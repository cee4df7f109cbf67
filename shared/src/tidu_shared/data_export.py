"""An enterprise's data export (``GET /v1/enterprises/{uscc}/data-export`` on every service).

Each service answers with everything it holds about one enterprise, as one JSON document::

    {"service": "registry", "uscc": "…", "exported_at": "…", "personal_data": "masked",
     "sections": {"profile": {…}, "history": […], …}}

Who may export (:func:`ensure_may_export`): the enterprise itself, operators who see its district
(its district's operators and the city's), and admins. Another enterprise gets 404 (existence does
not leak), a district operator of another district 403 ``other_district``, every other role 403
``role_not_allowed``.

Identity and phone numbers stay masked in the export, for the enterprise itself too: the rule is
"masked in every response", an export file travels further than a screen, and the enterprise knows
its own numbers (the masked form keeps the last four digits to recognise them). The full values
are only ever held sealed in the registry's database.

``tidu export-enterprise USCC`` gathers the four services' exports into one file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tidu_shared.audit import hides_existence
from tidu_shared.auth import Principal, Role
from tidu_shared.errors import ProblemError
from tidu_shared.logs import redact

EXPORT_PATH = "/v1/enterprises/{uscc}/data-export"


def enterprise_not_found() -> ProblemError:
    return ProblemError(404, "enterprise_not_found", "未找到", "企业不存在", "enterprise not found")


def ensure_may_ask(principal: Principal, uscc: str) -> None:
    """What can be decided before the enterprise is loaded: the role, and "only itself" for an
    enterprise (so that an unknown USCC and another enterprise's answer alike: 404)."""
    if principal.role in (Role.admin, Role.operator):
        return
    ensure_may_export(principal, uscc=uscc, district_code=None)


def ensure_may_export(principal: Principal, *, uscc: str, district_code: str | None) -> None:
    """Raise unless ``principal`` may export ``uscc``'s data (see the module docstring).
    ``district_code`` is ``None`` when the service knows nothing of the enterprise's district."""
    if principal.role == Role.admin:
        return
    if principal.role == Role.enterprise:
        if principal.uscc == uscc:
            return
        raise hides_existence(enterprise_not_found())
    if principal.role == Role.operator:
        if district_code is None:
            raise enterprise_not_found()
        if principal.sees_district(district_code):
            return
        raise ProblemError(
            403, "other_district", "无权访问", "只能导出本区县企业的数据", "operators export their own district only"
        )
    raise ProblemError(
        403,
        "role_not_allowed",
        "无权访问",
        f"当前角色（{principal.role}）无权导出企业数据",
        f"role {principal.role} may not export an enterprise's data",
    )


def jsonable(value: Any) -> Any:
    """A stored value as JSON: dates and times ISO 8601, decimals as exact strings."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def row_dict(row: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A Core row or an ORM object as a JSON-safe dict (every column but ``exclude``)."""
    skip = set(exclude)
    if hasattr(row, "_mapping"):
        items = dict(row._mapping).items()
    else:
        items = ((c.key, getattr(row, c.key)) for c in row.__table__.columns)  # ORM object
    return {k: jsonable(v) for k, v in items if k not in skip}


def rows(items: Iterable[Any], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    ex = tuple(exclude)
    return [row_dict(r, exclude=ex) for r in items]


def masked_text(value: Any) -> Any:
    """Free text an enterprise or an official wrote (a description, a note): identity and mobile
    numbers in it masked as in logs."""
    return redact(value) if isinstance(value, str) else value


def masked_fields(item: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: masked_text(v) if k in names else v for k, v in item.items()}


def export_document(service: str, uscc: str, sections: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {
        "service": service,
        "uscc": uscc,
        "exported_at": now.isoformat(),
        "personal_data": "masked",
        "sections": jsonable(dict(sections)),
    }
