"""Domain refusals as problem+json: a :class:`Violation` becomes a :class:`FieldProblem`, a
:class:`DomainValidationError` a 422 naming every violation, a :class:`TransitionError` a 409."""

from __future__ import annotations

from collections.abc import Iterable

from tidu_registry.domain.errors import DomainError, DomainValidationError, TransitionError, Violation
from tidu_shared.errors import FieldProblem, ProblemError


def field_problem(v: Violation) -> FieldProblem:
    return FieldProblem(v.field, v.code, v.message_zh, v.message_en)


def validation_problem(violations: Iterable[Violation], detail: str = "请求数据未通过校验") -> ProblemError:
    return ProblemError(
        422,
        "validation_failed",
        "请求数据有误",
        f"{detail}，请按 errors 中的提示修改",
        "The request did not pass validation; see errors",
        errors=[field_problem(v) for v in violations],
    )


def from_domain(exc: DomainError) -> ProblemError:
    if isinstance(exc, DomainValidationError):
        return validation_problem(exc.violations)
    if isinstance(exc, TransitionError):
        return ProblemError(409, exc.code, "状态冲突", exc.message_zh, exc.message_en)
    return ProblemError(422, exc.code, "请求无法处理", exc.message_zh, exc.message_en)


def enterprise_not_found() -> ProblemError:
    return ProblemError(404, "enterprise_not_found", "未找到", "企业不存在", "enterprise not found")


def not_found(code: str, what_zh: str, what_en: str) -> ProblemError:
    return ProblemError(404, code, "未找到", f"{what_zh}不存在", f"{what_en} not found")


def one_violation(field: str, code: str, zh: str, en: str) -> ProblemError:
    return validation_problem([Violation(field, code, zh, en)])
