"""Errors as RFC 9457 ``application/problem+json``.

Every error has a stable machine-readable ``code``, a Chinese ``title``/``detail`` a user can
read, and the English beside it (``detail_en``). Field-level problems are listed in
``errors`` (``field``, ``code``, ``message``, ``message_en``) — all of them at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str
    message_en: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
        }


@dataclass
class ProblemError(Exception):
    """Raise from any layer; the app turns it into problem+json."""

    status: int
    code: str
    title: str
    detail: str = ""
    detail_en: str = ""
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail_en or self.detail}"


def not_found(code: str, what_zh: str, what_en: str) -> ProblemError:
    return ProblemError(404, code, "未找到", f"{what_zh}不存在", f"{what_en} not found")


def forbidden(detail: str = "无权访问该资源", detail_en: str = "Not allowed") -> ProblemError:
    return ProblemError(403, "forbidden", "无权访问", detail, detail_en)


def conflict(code: str, detail: str, detail_en: str) -> ProblemError:
    return ProblemError(409, code, "冲突", detail, detail_en)


def problem_response(request: Request | None, problem: ProblemError) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://tidu.example/problems/{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "code": problem.code,
        "detail": problem.detail,
        "detail_en": problem.detail_en,
    }
    if request is not None:
        body["instance"] = request.url.path
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    if problem.errors:
        body["errors"] = [e.to_dict() for e in problem.errors]
    # Extra members never replace the standard ones (a "status" here once hid the HTTP status).
    body.update({k: v for k, v in problem.extra.items() if k not in body})
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)


_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_parsing": "应为布尔值（true/false）",
    "bool_type": "应为布尔值（true/false）",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "string_too_long": "文本过长",
    "string_too_short": "文本过短",
    "string_pattern_mismatch": "格式不正确",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值不合法",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "too_long": "条目过多",
}


def _validation_problem(exc: RequestValidationError) -> ProblemError:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        kind = str(err.get("type", "value_error"))
        msg_en = str(err.get("msg", "invalid"))
        ctx = err.get("ctx") or {}
        zh = _PYDANTIC_ZH.get(kind, "取值不合法")
        if kind == "value_error" and isinstance(ctx.get("error"), ValueError) and ctx["error"].args:
            # A validator may raise ValueError("中文 | English").
            parts = str(ctx["error"].args[0]).split(" | ", 1)
            zh = parts[0]
            msg_en = parts[1] if len(parts) > 1 else msg_en
        problems.append(FieldProblem(".".join(loc) or "body", kind, zh, msg_en))
    return ProblemError(
        422,
        "validation_failed",
        "请求数据有误",
        "请求数据未通过校验，请按 errors 中的提示修改",
        "The request did not pass validation; see errors",
        errors=problems,
    )


def _out_of_range_problem() -> ProblemError:
    return ProblemError(
        422,
        "value_out_of_range",
        "请求数据有误",
        "请求中的数值超出允许范围（如页码、年份或编号过大）或含有不允许的字符，请检查后重试",
        "A value in the request is out of range (an offset, year or id too large) or has a forbidden character",
    )


def _is_bad_value(exc: BaseException) -> bool:
    """A database error caused by a value in the request, not by the database: asyncpg's client-side
    ``DataError`` (an integer beyond int64) or SQLSTATE class 22 "data exception" (a NUL in text,
    a number out of its column's range). SQLAlchemy's asyncpg dialect reports both as a bare
    ``DBAPIError``; found by tests/fuzz on PostgreSQL, where they were answered 503."""
    seen: set[int] = set()
    cause: BaseException | None = getattr(exc, "orig", None) or exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if type(cause).__name__ == "DataError" or str(getattr(cause, "sqlstate", "") or "").startswith("22"):
            return True
        cause = cause.__cause__ or getattr(cause, "orig", None)
    return False


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, _validation_problem(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: ("malformed_request", "请求格式有误", "请求体无法解析，请检查 JSON 或表单格式"),
            404: ("not_found", "未找到", "请求的地址不存在"),
            405: ("method_not_allowed", "方法不允许", "该地址不支持此请求方法"),
            401: ("unauthenticated", "未登录", "需要有效的访问令牌"),
            403: ("forbidden", "无权访问", "无权访问该资源"),
            413: ("payload_too_large", "请求体过大", "请求体超过允许的大小"),
        }
        code, title, detail = codes.get(exc.status_code, ("http_error", "请求错误", "请求无法处理"))
        return problem_response(
            request,
            ProblemError(exc.status_code, code, title, detail, str(exc.detail), headers=dict(exc.headers or {})),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: Exception) -> JSONResponse:
        log.warning("integrity error: %s", type(getattr(exc, "orig", exc)).__name__)
        return problem_response(
            request,
            ProblemError(
                409,
                "conflict",
                "数据冲突",
                "该记录与已有数据冲突（可能已被并发修改），请刷新后重试",
                "The record conflicts with stored data (possibly a concurrent change); reload and retry",
            ),
        )

    @app.exception_handler(OverflowError)  # SQLite: an integer beyond 64 bits bound as a parameter
    @app.exception_handler(DataError)  # PostgreSQL: a value out of its column type's range
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        log.warning("value out of range: %s", type(getattr(exc, "orig", exc)).__name__)
        return problem_response(request, _out_of_range_problem())

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(ConnectionError)
    async def _db_down(request: Request, exc: Exception) -> JSONResponse:
        if _is_bad_value(exc):
            log.warning("value out of range: %s", exc.__class__.__name__)
            return problem_response(request, _out_of_range_problem())
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return problem_response(
            request,
            ProblemError(
                503,
                "database_unavailable",
                "服务暂不可用",
                "数据库暂时不可用，请稍后重试；本次请求未保存任何数据",
                "The database is unavailable; nothing was saved. Retry later.",
                headers={"Retry-After": "5"},
            ),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(
            request,
            ProblemError(500, "internal_error", "服务器内部错误", "服务器内部错误，请联系管理员", "Internal error"),
        )
