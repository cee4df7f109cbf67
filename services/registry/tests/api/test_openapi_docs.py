"""Bugs found by tests/fuzz (schemathesis over the OpenAPI document): the exports were documented
as JSON while answering CSV or XLSX; query dates took numbers as Unix times."""

from __future__ import annotations

from typing import Any

import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("path", ["/v1/exports/enterprises", "/v1/exports/indicators"])
async def test_exports_answer_a_documented_file_type(reg: Any, path: str, fmt: str) -> None:
    await reg.register()
    documented = reg.app.openapi()["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(documented) == {"text/csv", XLSX}
    r = await reg.client.get(path, params={"format": fmt}, headers=reg.admin)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in documented


async def test_import_report_workbook_is_documented_as_xlsx(reg: Any) -> None:
    doc = reg.app.openapi()["paths"]["/v1/imports/{import_id}/report.xlsx"]["get"]["responses"]
    assert set(doc["200"]["content"]) == {XLSX}
    assert doc["404"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.mark.parametrize("value", ["0.0", "1700000000", "20250101"])
async def test_query_dates_must_be_iso_days_not_numbers(reg: Any, value: str) -> None:
    """Found by tests/fuzz: ``/v1/white-list?on=0.0`` answered the list for 1970-01-01."""
    r = await reg.client.get("/v1/white-list", params={"on": value}, headers=reg.admin)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["message"] == "日期格式应为 YYYY-MM-DD"
    ok = await reg.client.get("/v1/white-list", params={"on": "2025-06-01"}, headers=reg.admin)
    assert ok.status_code == 200
