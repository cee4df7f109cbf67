"""Events produced by the registry service, on ``tidu.registry.enterprises`` keyed by USCC."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import REGISTRY_ENTERPRISES

SOURCE = "/tidu/registry"

ENTERPRISE_REGISTERED = "tidu.registry.enterprise.registered.v1"


class EnterpriseRegistered(Contract):
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    name: str
    district_code: str = Field(description="GB/T 2260 code")
    industry_code: str = Field(description="GB/T 4754-2017 code")
    established_on: dt.date
    registered_at: dt.datetime


register(
    ENTERPRISE_REGISTERED,
    topic=REGISTRY_ENTERPRISES,
    model=EnterpriseRegistered,
    producer="registry",
    description="An enterprise was registered in the registry (企业入库).",
)
