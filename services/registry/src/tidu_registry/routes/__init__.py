"""HTTP routes of the registry service, one module per area: parse, authorise, call a use case or a
query, shape the response."""

from __future__ import annotations

from fastapi import APIRouter

from tidu_registry.routes import (
    changes,
    commissioners,
    data_export,
    enterprises,
    imports,
    indicators,
    jobs,
    pool,
    qualifications,
    search,
    targets,
)

# search before enterprises: GET /v1/enterprises and GET /v1/enterprises/{uscc} are distinct paths,
# listed in the docs in this order.
ROUTERS: list[APIRouter] = [
    search.router,
    enterprises.router,
    indicators.router,
    qualifications.router,
    pool.router,
    commissioners.router,
    imports.router,
    targets.router,
    changes.router,
    jobs.router,
    data_export.router,
]
