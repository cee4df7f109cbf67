"""The floor for the HTTP load benchmark: a bare FastAPI JSON endpoint of the same shape as the
registry's ``GET /v1/enterprises/{uscc}``, served with the same uvicorn settings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()

RECORD: dict[str, Any] = {
    "uscc": "91500113MA5U7LXX3F",
    "name": "重庆示例精密机械有限公司",
    "district_code": "500113",
    "industry_code": "C3484",
    "established_on": "2015-03-18",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "version": 1,
}


@app.get("/v1/enterprises/{uscc}")
async def enterprise(uscc: str) -> dict[str, Any]:
    return {**RECORD, "uscc": uscc}
