"""The eligibility service's errors as problem+json (``ProblemError``): a stable code, a Chinese
message, the domain's English message beside it."""

from __future__ import annotations

import re

from tidu_eligibility.domain.inputs import InputError
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.domain.ruleset_schema import RuleSetError
from tidu_shared.errors import FieldProblem, ProblemError

# (pattern in the engine's message, code, Chinese message); first match wins
_INPUT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("unknown field", "unknown_field", "未知字段（字段名须与数据字典一致）"),
    ("not a finite number", "not_a_number", "应为有限的数字"),
    ("not a number", "not_a_number", "应为数字"),
    ("expected a number", "not_a_number", "应为数字"),
    ("ISO date", "invalid_date", "日期格式应为 YYYY-MM-DD"),
    ("expected a date", "invalid_date", "日期格式应为 YYYY-MM-DD"),
    ("true or false", "not_a_boolean", "应为布尔值（true/false）"),
    ("whole number", "not_an_integer", "应为整数"),
    ("expected an integer", "not_an_integer", "应为整数"),
    ("must be at least", "out_of_range", "数值过小"),
    ("must be at most", "out_of_range", "数值过大"),
    ("expected one of", "not_allowed", "取值不在允许范围内"),
    ("unknown qualification kind", "not_allowed", "未知的资质类型"),
    ("expected st_award or chuangke", "not_allowed", "奖项类型应为 st_award 或 chuangke"),
    ("required", "required", "缺少必填字段"),
    ("given twice", "inconsistent", "同一年度重复填报"),
    ("differs from its key", "inconsistent", "年度与键不一致"),
    ("before granted_on", "inconsistent", "到期日早于认定日"),
    ("expected a mapping", "wrong_type", "应为对象"),
    ("expected a list", "wrong_type", "应为列表"),
    ("expected text", "wrong_type", "应为文本"),
)


def _request_field(where: str) -> str:
    """The engine names the yearly rows ``years``; the request calls them ``indicators``."""
    return re.sub(r"^years", "indicators", where)


def input_problem(exc: InputError) -> ProblemError:
    text = str(exc)
    where, _, message = text.partition(": ")
    code, zh = "invalid_input", "取值不合法"
    for pattern, c, z in _INPUT_KINDS:
        if pattern in message:
            code, zh = c, z
            break
    if code == "unknown_field":
        names = message.split("unknown field(s)", 1)[-1].strip()
        zh = f"{zh}：{names}"
    field = _request_field(where) if message else "body"
    return ProblemError(
        422,
        "input_invalid",
        "评估输入有误",
        f"输入数据不符合数据字典（domain-rules §3）：{field} {zh}",
        text,
        errors=[FieldProblem(field, code, zh, message or text)],
    )


def ruleset_not_found(exc: RuleSetNotFound, field: str = "ruleset") -> ProblemError:
    return ProblemError(
        422,
        "ruleset_not_found",
        "没有适用的规则集",
        "指定日期没有可适用的规则集（检查规则集编号、梯度或评估日期）",
        str(exc),
        errors=[FieldProblem(field, "ruleset_not_found", "没有适用的规则集", str(exc))],
    )


def ruleset_invalid(exc: RuleSetError) -> ProblemError:
    message = str(exc).split(": ", 2)[-1]
    if exc.field == "version":
        return ProblemError(
            409,
            "ruleset_version_conflict",
            "规则集版本冲突",
            f"规则集版本号冲突：{message}",
            str(exc),
            errors=[FieldProblem("version", "ruleset_version_conflict", "版本号须高于已有版本", message)],
        )
    return ProblemError(
        422,
        "ruleset_invalid",
        "规则集不符合格式要求",
        f"规则集未通过校验：字段 {exc.field}：{message}",
        str(exc),
        errors=[FieldProblem(exc.field, "ruleset_schema", "规则集字段不符合格式要求", message)],
    )


def bad_cursor() -> ProblemError:
    return ProblemError(
        422,
        "invalid_cursor",
        "分页游标无效",
        "分页游标无效，请从第一页重新开始",
        "invalid cursor",
        errors=[FieldProblem("cursor", "invalid_cursor", "分页游标无效", "invalid cursor")],
    )


def forbidden(detail_zh: str, detail_en: str) -> ProblemError:
    return ProblemError(403, "forbidden", "无权访问", detail_zh, detail_en)
