"""POST /v1/evaluations: what-if evaluations, open to every signed-in role (the data is the
caller's own hypothesis; nothing is stored). The rules version used is in ``X-Rules-Version``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tidu_eligibility.domain.result import Assessment
from tidu_eligibility.routes.common import Caller, assessment_json, context
from tidu_eligibility.schemas import EvaluationIn, EvaluationOut
from tidu_eligibility.use_cases.evaluations import what_if

router = APIRouter(prefix="/v1", tags=["evaluations"])

RULES_VERSION_HEADER = "X-Rules-Version"


def assessment_response(a: Assessment) -> Response:
    return Response(
        assessment_json(a),
        media_type="application/json",
        headers={RULES_VERSION_HEADER: f"{a.ruleset.id}@{a.ruleset.version}"},
    )


@router.post(
    "/evaluations",
    response_model=EvaluationOut,
    summary="评估（what-if）Evaluate data against a rule set or tier",
    description=(
        "Evaluates the data in the request under a rule set (`ruleset`) or the rule set in force for a "
        "tier (`tier`) on `as_of`: result (eligible / not_eligible / undetermined), score and groups, "
        "size class, trace, missing inputs, gaps and next tier. Field names as domain-rules §3; money in "
        "万元. Header `X-Rules-Version: <id>@<version>`."
    ),
)
async def post_evaluation(req: EvaluationIn, request: Request, principal: Caller) -> Response:
    ctx = context(request)
    return assessment_response(what_if(ctx.book, req, ctx.today()))
