"""A query parameter an operation declares as one value, sent more than once, is refused.

FastAPI reads ``?limit=5&limit=7`` for ``limit: int`` as the last value and drops the other
silently; the client meant something and gets something else. Installed for every route of a
service (``create_service_app``), this answers 422 ``query_parameter_repeated`` naming each such
parameter. Parameters declared as lists (``state: list[CaseState]``) may repeat, as documented.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from fastapi import Request
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant

from tidu_shared.errors import FieldProblem, ProblemError

_SINGLE = "_tidu_single_valued_query"  # a route's attribute: the query parameters it reads as one value


def _query_fields(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    for f in dependant.query_params:
        yield f.alias, field_annotation_is_sequence(f.field_info.annotation)
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def _single_valued(route: object) -> frozenset[str]:
    names: frozenset[str] | None = getattr(route, _SINGLE, None)
    if names is None:
        dependant = getattr(route, "dependant", None)
        fields = list(_query_fields(dependant)) if dependant is not None else []
        names = frozenset(name for name, many in fields if not many)
        setattr(route, _SINGLE, names)  # computed once per route, kept with it
    return names


async def single_valued_query(request: Request) -> None:
    """A route dependency: 422 when a one-value query parameter is given more than once."""
    query = request.query_params
    items = query.multi_items()
    if len(items) == len(query):  # no key repeats: the common case, nothing to look up
        return
    repeated = [k for k, n in Counter(k for k, _ in items).items() if n > 1]
    single = _single_valued(request.scope.get("route"))
    refused = [k for k in repeated if k in single]
    if refused:
        raise ProblemError(
            422,
            "query_parameter_repeated",
            "参数重复",
            "查询参数只能填写一次：" + "、".join(refused),
            "query parameter given more than once: " + ", ".join(refused),
            errors=[
                FieldProblem(f"query.{k}", "query_parameter_repeated", "该参数只能填写一次", "give this parameter once")
                for k in refused
            ],
        )


__all__ = ["single_valued_query"]
