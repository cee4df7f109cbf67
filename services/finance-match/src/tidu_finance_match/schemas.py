"""Request and response schemas of the finance-match service."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class EnterpriseProfileOut(BaseModel):
    """融资对接服务看到的企业档案（来自企业库事件） Enterprise profile as known to finance-match"""

    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    registered_at: dt.datetime
    updated_at: dt.datetime
