"""HTTP routes of the whistle service (``/v1`` and the Open311 view under ``/open311/v2``)."""

from __future__ import annotations

from fastapi import APIRouter

from tidu_whistle.routes import (
    data_export,
    departments,
    enterprises,
    issues,
    open311,
    routing_rules,
    scheduler,
    statistics,
)


def routers() -> list[APIRouter]:
    return [
        issues.router,
        departments.router,
        routing_rules.router,
        statistics.router,
        scheduler.router,
        enterprises.router,
        open311.router,
        data_export.router,
    ]
