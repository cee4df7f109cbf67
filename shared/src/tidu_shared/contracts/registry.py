"""Events produced by the registry service, on ``tidu.registry.enterprises`` keyed by USCC."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field

from tidu_shared.contracts.base import Contract
from tidu_shared.events.registry import register
from tidu_shared.topics import REGISTRY_ENTERPRISES

SOURCE = "/tidu/registry"

ENTERPRISE_REGISTERED = "tidu.registry.enterprise.registered.v1"
PROFILE_CHANGED = "tidu.registry.enterprise.profile_changed.v1"
INDICATORS_REPORTED = "tidu.registry.enterprise.indicators_reported.v1"
QUALIFICATION_GRANTED = "tidu.registry.qualification.granted.v1"
QUALIFICATION_RENEWED = "tidu.registry.qualification.renewed.v1"
QUALIFICATION_EXPIRING = "tidu.registry.qualification.expiring.v1"
QUALIFICATION_EXPIRED = "tidu.registry.qualification.expired.v1"
QUALIFICATION_REVOKED = "tidu.registry.qualification.revoked.v1"
POOL_CHANGED = "tidu.registry.pool.changed.v1"
COMMISSIONER_ASSIGNED = "tidu.registry.commissioner.assigned.v1"


class MainProduct(Contract):
    """主导产品: text and the flags the rules read (domain-rules.md §3)."""

    text: str | None = None
    strategic_emerging: bool | None = None
    six_foundations: bool | None = None
    key_chain_link: bool | None = None
    supplies_chain_leader: bool | None = None
    time_honoured_brand: bool | None = Field(default=None, description="中华老字号")


class EnterpriseRegistered(Contract):
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    name: str
    district_code: str = Field(description="GB/T 2260 code")
    industry_code: str = Field(description="GB/T 4754-2017 code")
    established_on: dt.date
    registered_at: dt.datetime
    independent_legal_person: bool | None = None
    niche_market_since: dt.date | None = None
    main_product: MainProduct | None = None
    own_brand: bool | None = None


class FieldChange(Contract):
    old: Any = None
    new: Any = None


class ProfileChanged(Contract):
    """The profile after the change (no personal data: identity numbers and phones never leave
    the registry) and what changed."""

    uscc: str
    name: str
    district_code: str
    industry_code: str
    established_on: dt.date
    independent_legal_person: bool | None = None
    niche_market_since: dt.date | None = None
    main_product: MainProduct | None = None
    own_brand: bool | None = None
    changes: dict[str, FieldChange]
    source: str = Field(description="self_declared | operator | import | external")
    changed_by: str
    changed_at: dt.datetime
    personal_fields_changed: list[str] = Field(
        default_factory=list,
        description="personal fields that changed (legal representative, contacts); values never leave the registry",
    )
    version: int | None = Field(default=None, description="the profile's version after the change")


class IndicatorsReported(Contract):
    """One enterprise's yearly indicators (domain-rules.md §3 field names; money in 万元 as
    decimal strings). ``restated`` when the year had been reported before."""

    uscc: str
    year: int
    indicators: dict[str, Decimal | int | bool | str | None]
    restated: bool = False
    source: str
    reported_by: str
    reported_at: dt.datetime
    district_code: str | None = None
    changed_fields: list[str] | None = Field(default=None, description="fields that differ from the previous statement")


class Qualification(Contract):
    qualification_id: str
    uscc: str
    kind: str = Field(description="high_tech | tech_sme | innovative_sme | srdi_sme | little_giant | …")
    level: str = Field(description="national | provincial | city | district")
    document_no: str | None = None
    granted_on: dt.date
    expires_on: dt.date | None = None
    district_code: str | None = None


class QualificationGranted(Qualification):
    pass


class QualificationRenewed(Qualification):
    previous_expires_on: dt.date | None = None


class QualificationExpiring(Qualification):
    days_left: int


class QualificationExpired(Qualification):
    pass


class QualificationRevoked(Qualification):
    revoked_on: dt.date
    reason: str


class PoolChanged(Contract):
    """培育库: the enterprise entered, moved within or left the cultivation pool."""

    uscc: str
    district_code: str
    stage: str | None = Field(description="reserve | cultivating | promoting; null when it left the pool")
    previous_stage: str | None = None
    reason: str
    reason_source: str = Field(description="assessment | operator")
    decided_by: str
    changed_at: dt.datetime
    effective_on: dt.date | None = None
    assessment_id: str | None = None
    recommended_tier: str | None = None


class CommissionerAssigned(Contract):
    """一企一员: the service commissioner now responsible for the enterprise."""

    uscc: str
    district_code: str
    commissioner_id: str
    commissioner_name: str
    previous_commissioner_id: str | None = None
    assigned_at: dt.datetime
    reason: str | None = None


for _type, _model, _doc in [
    (ENTERPRISE_REGISTERED, EnterpriseRegistered, "An enterprise was registered in the registry (企业入库)."),
    (PROFILE_CHANGED, ProfileChanged, "An enterprise's profile changed (企业档案变更)."),
    (INDICATORS_REPORTED, IndicatorsReported, "Yearly indicators were reported or restated (年度指标填报)."),
    (QUALIFICATION_GRANTED, QualificationGranted, "A recognition was recorded (认定)."),
    (QUALIFICATION_RENEWED, QualificationRenewed, "A recognition was extended after re-review (复核)."),
    (QUALIFICATION_EXPIRING, QualificationExpiring, "A recognition expires within 90 days."),
    (QUALIFICATION_EXPIRED, QualificationExpired, "A recognition expired."),
    (QUALIFICATION_REVOKED, QualificationRevoked, "A recognition was revoked (撤销)."),
    (POOL_CHANGED, PoolChanged, "The enterprise's cultivation-pool stage changed (培育库)."),
    (COMMISSIONER_ASSIGNED, CommissionerAssigned, "A service commissioner was assigned (一企一员)."),
]:
    register(_type, topic=REGISTRY_ENTERPRISES, model=_model, producer="registry", description=_doc)
