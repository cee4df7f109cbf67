"""The error half of every service's OpenAPI document.

FastAPI documents a 422 with its own ``HTTPValidationError`` body as ``application/json``, and
nothing else; the services answer every error as ``application/problem+json`` (tidu_shared.errors)
and with more codes than the routes declare: 401 and 403 from the token check, 404 for a record
named in the path that does not exist, 409 for a write that conflicts with stored data, 413 for an
oversized body, 429 from the write rate limit, 503 when the database is unavailable. This module
rewrites the document so that it says so: every 4xx/5xx response has the ``Problem`` schema under
``application/problem+json``, and the codes that the shared layers can answer are listed on every
operation they apply to (a route's own description of a code is kept).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details with a stable machine code and a Chinese message (detail).",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "detail_en": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "请求格式有误 malformed body or header (not JSON, not a form, If-Match not a version)",
    "401": "未登录或令牌无效 missing or invalid bearer token",
    "403": "无权访问 not allowed for this role or scope",
    "404": "不存在 not found",
    "409": "数据冲突 conflicts with stored data",
    "412": "版本已变化 If-Match does not match the current version",
    "413": "请求体过大 request body too large",
    "422": "请求数据有误 validation failed (or a value out of range)",
    "429": "写入过于频繁 write rate limit exceeded (Retry-After)",
    "503": "服务暂不可用 database unavailable (Retry-After)",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}
# Served without a token and without touching the database.
PUBLIC_PATHS = {"/healthz", "/readyz", "/asyncapi.json"}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``schema`` (an OpenAPI document FastAPI generated) in place; returns it."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in WRITE_METHODS | {"get", "head", "options"}:
                continue
            responses: dict[str, Any] = op.setdefault("responses", {})
            if path == "/readyz":
                responses.setdefault(
                    "503", {"description": "未就绪 not ready", "content": {"application/json": {"schema": {}}}}
                )
            if path in PUBLIC_PATHS:
                continue
            params = op.get("parameters", [])
            codes = {"401", "403", "503"}
            if params or "requestBody" in op:
                codes.add("422")
            if any(p.get("in") == "path" for p in params):
                codes.add("404")
            if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in params):
                codes |= {"400", "412"}  # an If-Match that is not a version; a stale one
            if method in WRITE_METHODS:
                codes |= {"409", "429"}
                if "requestBody" in op:
                    codes |= {"400", "413"}
            for code in codes:
                responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code[:1] in {"4", "5"}:
                    response["content"] = {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}
                    response.setdefault("description", _DESCRIPTIONS.get(code, "错误 error"))
    components = schema["components"]["schemas"]
    text = repr(schema.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in components and f"#/components/schemas/{name}'" not in text:
            del components[name]
    return schema


def install_problem_docs(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the rewritten document (built once, then cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
