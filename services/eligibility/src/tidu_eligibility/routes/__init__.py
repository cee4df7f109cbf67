"""HTTP routes of the eligibility service, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from tidu_eligibility.routes import batch_runs, candidates, data_export, enterprises, evaluations, rulesets


def routers() -> list[APIRouter]:
    return [
        evaluations.router,
        rulesets.router,
        enterprises.router,
        candidates.router,
        batch_runs.router,
        data_export.router,
    ]
