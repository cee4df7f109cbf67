"""Batch re-assessment runs: start (202 with the run), progress and summary, list, resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from tidu_eligibility.batch_runner import BatchRunner
from tidu_eligibility.routes.common import Caller, context, json_response
from tidu_eligibility.schemas import BatchRunIn, BatchRunOut
from tidu_eligibility.use_cases import batch_runs

router = APIRouter(prefix="/v1/batch-runs", tags=["batch runs"])


def _runner(request: Request) -> BatchRunner:
    runner: BatchRunner = request.app.state.batch_runner
    return runner


def _view(request: Request, row: Any) -> dict[str, Any]:
    return batch_runs.view(row, context(request).settings.batch_stale_after_s)


@router.post(
    "",
    status_code=202,
    response_model=BatchRunOut,
    summary="发起批量重评 Start a batch re-assessment",
    description=(
        "Re-assesses every enterprise of the scope (a district, an industry-code prefix, both, or all) under "
        "a rule set, a tier, or every rule set in force on `as_of`, in the background. Answers 202 with the "
        "run; follow it at `GET /v1/batch-runs/{id}` (progress, rate, ETA; summary when completed). "
        "District operators: their own district; city operators and admins: any scope."
    ),
)
async def start_run(req: BatchRunIn, request: Request, principal: Caller) -> Response:
    row = await batch_runs.create_run(request.app.state.db, context(request), principal, req)
    _runner(request).wake()
    return json_response(
        BatchRunOut.model_validate(_view(request, row)).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/v1/batch-runs/{row.id}"},
    )


@router.get("", response_model=list[BatchRunOut], summary="批量重评列表 Recent batch runs")
async def list_runs(request: Request, principal: Caller, limit: int = Query(default=20, ge=1, le=200)) -> Any:
    return [_view(request, r) for r in await batch_runs.list_runs(request.app.state.db, principal, limit)]


@router.get("/{run_id}", response_model=BatchRunOut, summary="批量重评进度与汇总 Progress and summary of a run")
async def get_run(run_id: str, request: Request, principal: Caller) -> Any:
    return _view(request, await batch_runs.get_run(request.app.state.db, principal, run_id))


@router.post(
    "/{run_id}/resume",
    status_code=202,
    response_model=BatchRunOut,
    summary="继续中断的批量重评 Resume an interrupted or failed run",
)
async def resume_run(run_id: str, request: Request, principal: Caller) -> Response:
    row = await batch_runs.resume_run(request.app.state.db, context(request), principal, run_id)
    _runner(request).wake()
    return json_response(BatchRunOut.model_validate(_view(request, row)).model_dump(mode="json"), status_code=202)
