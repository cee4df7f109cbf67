"""HTTP routes of the finance-match service: parse, call a use case, shape the response."""

from __future__ import annotations

from fastapi import APIRouter

from tidu_finance_match.routes import cases, catalogue, data_export, demands, enterprises, reports

ROUTERS: tuple[APIRouter, ...] = (
    demands.router,
    cases.router,
    catalogue.router,
    enterprises.router,
    reports.router,
    data_export.router,
)
