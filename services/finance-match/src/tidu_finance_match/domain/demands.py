"""A financing demand as an enterprise states it.

Decisions where the brief was silent:

- ``amount`` (万元) must be a ``Decimal`` > 0; floats are refused outright.
- ``term_months`` is optional (equity and listing demands have none); when
  given it is a ``Decimal`` > 0 (fractions allowed: bridge funds lend for weeks).
- ``collateral_offered`` is what the enterprise can put up; an empty set means
  "nothing" (a statement, not missing data). ``receivables`` means receivables
  confirmed by the debtor (确权).
- ``has_existing_loan`` is the enterprise's declaration that it has a bank loan
  to renew or bridge; ``None`` = not stated, which makes the
  ``requires_existing_loan`` gate *unknown*, not failed.
- ``product_kinds`` restricts the kinds of product wanted; ``None`` = any kind.
- Consent is part of the demand: ``share_with_institutions`` (may the platform
  push the demand and the enterprise's data to matched institutions) and
  ``credit_lookup`` (may it look the enterprise up on a credit platform).
  Matching runs without consent (it only reads the platform's own data);
  pushing to an institution requires ``share_with_institutions``
  (:func:`tidu_finance_match.domain.workflow.push`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tidu_finance_match.domain.errors import DomainError
from tidu_finance_match.domain.vocabulary import (
    OFFERABLE_COLLATERAL,
    CollateralKind,
    ProductKind,
    Purpose,
    Urgency,
)


@dataclass(frozen=True, slots=True)
class DemandConsent:
    share_with_institutions: bool = False
    credit_lookup: bool = False
    consent_id: str | None = None
    given_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Demand:
    demand_id: str
    uscc: str
    amount: Decimal
    """万元."""
    purpose: Purpose
    term_months: Decimal | None = None
    collateral_offered: frozenset[CollateralKind] = frozenset()
    urgency: Urgency = Urgency.NORMAL
    consent: DemandConsent = field(default_factory=DemandConsent)
    product_kinds: frozenset[ProductKind] | None = None
    has_existing_loan: bool | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite() or self.amount <= 0:
            raise DomainError(
                "invalid_demand",
                f"amount must be a positive Decimal (万元), got {self.amount!r}",
                field="amount",
            )
        if self.term_months is not None and (
            not isinstance(self.term_months, Decimal) or not self.term_months.is_finite() or self.term_months <= 0
        ):
            raise DomainError(
                "invalid_demand",
                f"term_months must be a positive Decimal, got {self.term_months!r}",
                field="term_months",
            )
        try:
            object.__setattr__(self, "purpose", Purpose(self.purpose))
            object.__setattr__(self, "urgency", Urgency(self.urgency))
            offered = frozenset(CollateralKind(c) for c in self.collateral_offered)
            kinds = None if self.product_kinds is None else frozenset(ProductKind(k) for k in self.product_kinds)
        except ValueError as exc:
            raise DomainError("invalid_demand", str(exc)) from exc
        if not offered <= OFFERABLE_COLLATERAL:
            raise DomainError(
                "invalid_demand",
                f"collateral_offered may not contain {sorted(offered - OFFERABLE_COLLATERAL)}",
                field="collateral_offered",
            )
        if kinds is not None and not kinds:
            raise DomainError(
                "invalid_demand",
                "product_kinds, when given, must name at least one kind",
                field="product_kinds",
            )
        object.__setattr__(self, "collateral_offered", offered)
        object.__setattr__(self, "product_kinds", kinds)
