"""Request and response schemas of the registry service."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class EnterpriseIn(BaseModel):
    """企业入库 Register an enterprise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str = Field(max_length=40, description="统一社会信用代码 (18 characters; case and padding are normalised)")
    name: str = Field(min_length=2, max_length=200, description="企业名称")
    district_code: str = Field(max_length=6, description="GB/T 2260 区县代码, e.g. 500113")
    industry_code: str = Field(max_length=5, description="GB/T 4754-2017 行业代码, e.g. C3825")
    established_on: dt.date = Field(description="成立日期")


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
