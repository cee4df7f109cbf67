"""The whistle's HTTP errors: domain errors mapped by kind (invalid 422, forbidden 403,
conflict 409, precondition 412, not_found 404) with a Chinese message per code, and the
service's own problems (If-Match, Idempotency-Key, visibility)."""

from __future__ import annotations

from typing import Any

from tidu_shared.errors import FieldProblem, ProblemError
from tidu_whistle.domain.errors import DomainError, ErrorCode, ErrorKind

STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.PRECONDITION: 412,
    ErrorKind.NOT_FOUND: 404,
}

TITLES: dict[ErrorKind, str] = {
    ErrorKind.INVALID: "请求数据有误",
    ErrorKind.FORBIDDEN: "无权操作",
    ErrorKind.CONFLICT: "当前状态不允许该操作",
    ErrorKind.PRECONDITION: "版本已变化",
    ErrorKind.NOT_FOUND: "未找到",
}

MESSAGES_ZH: dict[ErrorCode, str] = {
    ErrorCode.ILLEGAL_TRANSITION: "诉求当前状态不允许该操作",
    ErrorCode.ACTOR_NOT_PERMITTED: "当前角色不能执行该操作",
    ErrorCode.ACTOR_OUT_OF_SCOPE: "您不是该诉求的相关方，不能执行该操作",
    ErrorCode.VERSION_CONFLICT: "诉求已被他人修改，请刷新后重试（If-Match 版本已过期）",
    ErrorCode.REASON_REQUIRED: "该操作需要填写理由或说明",
    ErrorCode.NOTE_TOO_LONG: "说明文字过长",
    ErrorCode.DEPARTMENT_REQUIRED: "该操作需要指定目标部门",
    ErrorCode.SAME_DEPARTMENT: "诉求已在该部门，不能转办给自己",
    ErrorCode.INVALID_WORKING_DAYS: "延期工作日数不在允许范围内",
    ErrorCode.EXTENSION_LIMIT_REACHED: "延期次数已达上限",
    ErrorCode.ESCALATION_UNAVAILABLE: "已是最高层级，无法再提级",
    ErrorCode.REOPEN_WINDOW_EXPIRED: "已超过可重新打开的期限",
    ErrorCode.CONFIRM_WINDOW_OPEN: "企业确认期尚未结束",
    ErrorCode.ALREADY_RATED: "本次办结已评价过",
    ErrorCode.INVALID_RATING: "评分应为 1 到 5 的整数",
    ErrorCode.INVALID_ISSUE: "诉求内容不完整或有误",
    ErrorCode.UNKNOWN_CATEGORY: "诉求类别不存在",
    ErrorCode.UNKNOWN_DISTRICT: "区县代码不存在",
    ErrorCode.UNKNOWN_DEPARTMENT: "部门不存在",
    ErrorCode.INVALID_DEPARTMENT_CODE: "部门代码格式应为“区划代码-部门类别”，如 500113-jrb",
    ErrorCode.INVALID_ROUTING_RULE: "分拨规则有误",
    ErrorCode.INVALID_CALENDAR: "节假日数据有误",
    ErrorCode.INVALID_QUERY: "查询参数有误",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def from_domain(exc: DomainError) -> ProblemError:
    kind = exc.kind
    details = _jsonable(dict(exc.details))
    errors: list[FieldProblem] = []
    if exc.code is ErrorCode.INVALID_ISSUE:
        for item in details.get("errors", []):
            errors.append(
                FieldProblem(item["field"], "invalid", f"{item['field']}：{item['problem']}", item["problem"])
            )
    return ProblemError(
        STATUS[kind],
        str(exc.code),
        TITLES[kind],
        MESSAGES_ZH.get(exc.code, "请求无法处理"),
        exc.message,
        errors=errors,
        extra={"details": details} if details else {},
    )


def issue_not_found() -> ProblemError:
    return ProblemError(404, "issue_not_found", "未找到", "诉求不存在", "issue not found")


def role_not_allowed(what_zh: str, what_en: str) -> ProblemError:
    return ProblemError(403, "role_not_allowed", "无权访问", what_zh, what_en)


def invalid_field(field: str, code: str, zh: str, en: str) -> ProblemError:
    return ProblemError(
        422,
        "validation_failed",
        "请求数据有误",
        "请求数据未通过校验，请按 errors 中的提示修改",
        "The request did not pass validation; see errors",
        errors=[FieldProblem(field, code, zh, en)],
    )


def if_match_required() -> ProblemError:
    return ProblemError(
        428,
        "if_match_required",
        "缺少版本号",
        "修改诉求须在 If-Match 请求头中带上当前版本号（响应头 ETag 的值）",
        "send the issue's current version (its ETag) in If-Match",
    )


def invalid_if_match(value: str) -> ProblemError:
    return ProblemError(
        400,
        "invalid_if_match",
        "版本号格式有误",
        'If-Match 应为诉求的 ETag，例如 "3"',
        f'If-Match must be the issue\'s ETag, e.g. "3"; got {value!r}',
    )


def version_conflict(expected: int, actual: int | None) -> ProblemError:
    return ProblemError(
        412,
        "version_conflict",
        "版本已变化",
        MESSAGES_ZH[ErrorCode.VERSION_CONFLICT],
        f"the issue is at version {actual}, not {expected}",
        extra={"details": {"expected": expected, "actual": actual}},
    )
