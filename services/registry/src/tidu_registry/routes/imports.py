"""Bulk import (CSV/XLSX) with a per-row report, and exports in the same columns."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from tidu_registry import access, exports
from tidu_registry.domain.import_rows import report_xlsx
from tidu_registry.routes.common import QueryDay, get_db
from tidu_registry.routes.search import filters_from_query
from tidu_registry.schemas import ImportOut
from tidu_registry.search import scoped
from tidu_registry.use_cases import imports as cases
from tidu_shared.audit import sensitive_read
from tidu_shared.auth import CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["import/export"])
XLSX = exports.MEDIA_TYPES["xlsx"]


def _out(result: cases.ImportResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "repeated": result.repeated,
        "filename": result.filename,
        "uploaded_by": result.uploaded_by,
        "uploaded_at": result.uploaded_at,
        "outcome": result.outcome,
        "report": result.report,
    }


@router.post(
    "/imports",
    response_model=ImportOut,
    status_code=201,
    summary="批量导入 Upload a CSV or XLSX of enterprises and/or yearly indicators",
    responses={200: {"description": "the same content again: the first import's report, nothing changed"}},
)
async def upload(
    request: Request,
    principal: CurrentPrincipal,
    file: UploadFile = File(description="CSV (UTF-8/GBK) or XLSX; the first row is the header"),
) -> Any:
    access.ensure_operator(principal)
    data = await file.read()
    settings = request.app.state.settings
    result = await cases.import_file(
        get_db(request),
        principal,
        data,
        filename=file.filename,
        max_rows=settings.import_max_rows,
        parallel_from_rows=settings.import_parallel_from_rows,
    )
    if result.repeated:
        return JSONResponse(jsonable_encoder(_out(result)), status_code=200)
    return _out(result)


@router.get("/imports/{import_id}", response_model=ImportOut, summary="导入报告 An import's report (JSON)")
async def get_import(import_id: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return _out(await cases.get_import(get_db(request), principal, import_id))


@router.get(
    "/imports/{import_id}/report.xlsx",
    summary="导入报告 The rejected rows as a workbook",
    response_class=Response,
    responses={
        200: {"description": "the workbook", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def report_file(import_id: str, request: Request, principal: CurrentPrincipal) -> Response:
    result = await cases.get_import(get_db(request), principal, import_id)
    body = report_xlsx(cases.report_from_json(result.report))
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="import-{import_id}-report.xlsx"'}
    )


# The exports answer a file, not JSON: documented so (found by tests/fuzz).
FILE_CONTENT = {
    media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for media in exports.MEDIA_TYPES.values()
}


def _file(body: bytes, fmt: str, name: str) -> Response:
    return Response(
        body,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}-{dt.date.today().isoformat()}.{fmt}"'},
    )


@router.get(
    "/exports/enterprises",
    summary="导出企业 Enterprises in the import's columns",
    response_class=Response,
    responses={200: {"description": "CSV or XLSX (format)", "content": FILE_CONTENT}},
    dependencies=[sensitive_read("phone")],
)
async def export_enterprises(
    request: Request,
    principal: CurrentPrincipal,
    format: Literal["csv", "xlsx"] = "xlsx",
    district: str | None = None,
    industry: str | None = None,
    size_class: str | None = None,
    qualification: str | None = None,
    valid_on: QueryDay = None,
    pool_stage: str | None = None,
    q: str | None = Query(None, max_length=100),
) -> Response:
    access.ensure_operator(principal)
    filters = scoped(
        principal,
        filters_from_query(
            district=district,
            industry_prefix=industry,
            size_class=size_class,
            qualification=qualification,
            valid_on=valid_on,
            pool_stage=pool_stage,
            commissioner=None,
            q=q,
        ),
    )
    return _file(await exports.enterprises_file(get_db(request), filters, format), format, "enterprises")


@router.get(
    "/exports/indicators",
    summary="导出年度指标 Yearly indicators in the import's columns",
    response_class=Response,
    responses={200: {"description": "CSV or XLSX (format)", "content": FILE_CONTENT}},
)
async def export_indicators(
    request: Request,
    principal: CurrentPrincipal,
    format: Literal["csv", "xlsx"] = "xlsx",
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
) -> Response:
    access.ensure_operator(principal)
    filters = scoped(
        principal,
        filters_from_query(
            district=district,
            industry_prefix=industry,
            size_class=None,
            qualification=None,
            valid_on=None,
            pool_stage=None,
            commissioner=None,
            q=None,
        ),
    )
    return _file(await exports.indicators_file(get_db(request), filters, format, year), format, "indicators")
