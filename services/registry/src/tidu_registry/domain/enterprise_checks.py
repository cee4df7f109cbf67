"""Checks on a new enterprise's identifying fields, all reported at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tidu_shared.errors import FieldProblem, ProblemError

from tidu_registry.domain import uscc as uscc_rules
from tidu_registry.domain.districts import default_districts
from tidu_registry.domain.industry import industry_problem


def normalise_uscc(raw: str) -> str:
    return uscc_rules.normalise(raw)


@dataclass(frozen=True)
class CheckedEnterprise:
    uscc: str
    district_code: str
    industry_code: str


def check_new_enterprise(
    *,
    uscc: str,
    district_code: str,
    industry_code: str,
    established_on: dt.date,
    today: dt.date | None = None,
) -> CheckedEnterprise:
    problems: list[FieldProblem] = []
    code = uscc_rules.normalise(uscc)
    try:
        code = uscc_rules.validate(uscc)
    except uscc_rules.UsccError as exc:
        problems.append(FieldProblem("uscc", exc.code, exc.message_zh, exc.message_en))
    district = district_code.strip()
    if not default_districts().contains(district):
        problems.append(
            FieldProblem(
                "district_code",
                "unknown_district",
                f"未知的区县代码 {district}",
                f"unknown district {district}",
            )
        )
    industry = industry_code.strip().upper()
    p = industry_problem(industry)
    if p is not None:
        problems.append(FieldProblem("industry_code", p[0], p[1], p[2]))
    if established_on > (today or dt.date.today()):
        problems.append(
            FieldProblem("established_on", "date_in_future", "成立日期不能晚于今天", "established_on is in the future")
        )
    if problems:
        raise ProblemError(
            422,
            "validation_failed",
            "请求数据有误",
            "企业信息未通过校验",
            "enterprise data invalid",
            errors=problems,
        )
    return CheckedEnterprise(uscc=code, district_code=district, industry_code=industry)
