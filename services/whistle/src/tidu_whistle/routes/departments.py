"""``/v1/departments/{code}/queue``: a department's work queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tidu_shared.auth import CurrentPrincipal
from tidu_whistle import queries
from tidu_whistle.routes.deps import CtxDep, DbDep
from tidu_whistle.schemas import QueueOut

router = APIRouter(prefix="/v1/departments", tags=["departments 部门"])


@router.get(
    "/{code}/queue",
    response_model=QueueOut,
    summary="部门待办 A department's work queue (overdue first)",
    description=(
        "The issues the department leads (牵头) or co-handles (配合); default: every open state. Order: "
        "overdue first, then by the earliest running deadline, then oldest. Readable by the department "
        "itself, operators of its region and admins."
    ),
)
async def queue(
    code: str,
    principal: CurrentPrincipal,
    db: DbDep,
    ctx: CtxDep,
    status: Annotated[str | None, Query(description="comma list of states; `open` = every open state")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QueueOut:
    return await queries.department_queue(db, ctx, principal, code, states=queries.parse_states(status), limit=limit)
