"""The lifecycle of one demand at one product: a small state machine with guards.

States and the actions between them::

    (push) ──► pushed ──view──► viewed
                 │                │
                 ├──accept────────┼──► accepted ──grant_credit──► credit_granted ──disburse──► disbursed
                 └──decline───────┴──► declined ◄──decline── accepted
    withdraw (by the enterprise): pushed | viewed | accepted | credit_granted ──► withdrawn

- An institution may accept or decline straight from ``pushed`` (it need not
  record a view first), and may decline after accepting (the credit review
  failed). Viewing is recorded once; a second view is an illegal transition
  (the use case may check :func:`allowed_actions` first and skip it).
- Declining needs a reason code (:class:`DeclineReason`: credit, collateral,
  documents, policy, other); ``other`` also needs a note.
- ``decided_at`` is set by the first accept or decline and is what decision
  times measure (:mod:`decision_stats`) and what the first-response deadline
  (:mod:`deadlines`) checks: viewing is not a response.
- Granting needs amount > 0 (万元), rate ≥ 0 (% a year), term > 0 (months);
  disbursing needs 0 < amount ≤ the granted amount and a date on or after the
  grant. One disbursement per case; terminal states are ``declined``,
  ``disbursed`` and ``withdrawn``.
- Actors: institution actions need an institution actor scoped to the case's
  institution; withdrawing needs the enterprise itself; pushing needs
  ``system`` or ``operator``. ``admin`` may do anything (corrections). These
  guards duplicate the API's authorisation on purpose: the domain refuses
  nonsense whoever calls it.
- Pushing requires the enterprise's consent to share its data with matched
  institutions (``consent_required`` otherwise).
- Every action takes its time ``at`` (timezone-aware) and refuses one earlier
  than the case's last event (``time_order``).

Each action returns a :class:`Transition`: the new (immutable) case and the
:class:`TimelineEntry` to store and publish. Illegal actions raise
:class:`~tidu_finance_match.domain.errors.IllegalTransition` (code
``illegal_transition``) or :class:`DomainError` with the codes above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tidu_finance_match.domain.catalogue import Product
from tidu_finance_match.domain.demands import Demand
from tidu_finance_match.domain.errors import DomainError, IllegalTransition


class CaseState(StrEnum):
    PUSHED = "pushed"
    VIEWED = "viewed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CREDIT_GRANTED = "credit_granted"
    DISBURSED = "disbursed"
    WITHDRAWN = "withdrawn"


TERMINAL_STATES: frozenset[CaseState] = frozenset({CaseState.DECLINED, CaseState.DISBURSED, CaseState.WITHDRAWN})
AWAITING_RESPONSE: frozenset[CaseState] = frozenset({CaseState.PUSHED, CaseState.VIEWED})
POSITIVE_STATES: frozenset[CaseState] = frozenset({CaseState.ACCEPTED, CaseState.CREDIT_GRANTED, CaseState.DISBURSED})


class DeclineReason(StrEnum):
    CREDIT = "credit"
    COLLATERAL = "collateral"
    DOCUMENTS = "documents"
    POLICY = "policy"
    OTHER = "other"


DECLINE_REASON_ZH: dict[DeclineReason, str] = {
    DeclineReason.CREDIT: "信用原因",
    DeclineReason.COLLATERAL: "担保或抵押不足",
    DeclineReason.DOCUMENTS: "材料不全",
    DeclineReason.POLICY: "不符合机构政策",
    DeclineReason.OTHER: "其他",
}


class Action(StrEnum):
    PUSH = "push"
    VIEW = "view"
    ACCEPT = "accept"
    DECLINE = "decline"
    GRANT_CREDIT = "grant_credit"
    DISBURSE = "disburse"
    WITHDRAW = "withdraw"


ALLOWED_FROM: Mapping[Action, frozenset[CaseState]] = MappingProxyType(
    {
        Action.VIEW: frozenset({CaseState.PUSHED}),
        Action.ACCEPT: frozenset({CaseState.PUSHED, CaseState.VIEWED}),
        Action.DECLINE: frozenset({CaseState.PUSHED, CaseState.VIEWED, CaseState.ACCEPTED}),
        Action.GRANT_CREDIT: frozenset({CaseState.ACCEPTED}),
        Action.DISBURSE: frozenset({CaseState.CREDIT_GRANTED}),
        Action.WITHDRAW: frozenset({CaseState.PUSHED, CaseState.VIEWED, CaseState.ACCEPTED, CaseState.CREDIT_GRANTED}),
    }
)


class ActorRole(StrEnum):
    SYSTEM = "system"
    OPERATOR = "operator"
    INSTITUTION = "institution"
    ENTERPRISE = "enterprise"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    role: ActorRole
    actor_id: str
    scope: str | None = None
    """The institution code for an institution, the USCC for an enterprise."""


@dataclass(frozen=True, slots=True)
class CreditGrant:
    amount: Decimal
    """万元."""
    rate_pct: Decimal
    term_months: Decimal
    granted_on: date


@dataclass(frozen=True, slots=True)
class Disbursement:
    amount: Decimal
    """万元."""
    disbursed_on: date


@dataclass(frozen=True, slots=True)
class MatchCase:
    demand_id: str
    product_code: str
    institution_code: str
    uscc: str
    state: CaseState
    pushed_at: datetime
    updated_at: datetime
    requested_amount: Decimal
    viewed_at: datetime | None = None
    decided_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: DeclineReason | None = None
    decline_note: str | None = None
    grant: CreditGrant | None = None
    disbursement: Disbursement | None = None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None

    @property
    def decision_time_seconds(self) -> float | None:
        if self.decided_at is None:
            return None
        return (self.decided_at - self.pushed_at).total_seconds()


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    demand_id: str
    product_code: str
    institution_code: str
    at: datetime
    action: Action
    from_state: CaseState | None
    to_state: CaseState
    actor: Actor
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Transition:
    case: MatchCase
    entry: TimelineEntry


def allowed_actions(case: MatchCase) -> frozenset[Action]:
    return frozenset(a for a, states in ALLOWED_FROM.items() if case.state in states)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise DomainError("time_order", "timestamps must be timezone-aware", at=str(at))


def _guard(case: MatchCase, action: Action, actor: Actor, at: datetime) -> None:
    allowed = ALLOWED_FROM[action]
    if case.state not in allowed:
        raise IllegalTransition(action.value, case.state.value, sorted(s.value for s in allowed))
    _require_aware(at)
    if at < case.updated_at:
        raise DomainError(
            "time_order",
            f"{action.value} at {at.isoformat()} precedes the case's last event at {case.updated_at.isoformat()}",
            at=at.isoformat(),
            last=case.updated_at.isoformat(),
        )
    role = actor.role
    if role is ActorRole.ADMIN:
        return
    if action is Action.WITHDRAW:
        ok = role is ActorRole.ENTERPRISE and actor.scope == case.uscc
    else:
        ok = role is ActorRole.INSTITUTION and actor.scope == case.institution_code
    if not ok:
        raise DomainError(
            "actor_not_allowed",
            f"{role.value} {actor.actor_id} (scope {actor.scope}) may not {action.value} this case",
            action=action.value,
            role=role.value,
        )


def _entry(case: MatchCase, new: MatchCase, action: Action, actor: Actor, at: datetime, **details: Any) -> Transition:
    entry = TimelineEntry(
        demand_id=case.demand_id,
        product_code=case.product_code,
        institution_code=case.institution_code,
        at=at,
        action=action,
        from_state=case.state if action is not Action.PUSH else None,
        to_state=new.state,
        actor=actor,
        details=MappingProxyType({k: v for k, v in details.items() if v is not None}),
    )
    return Transition(new, entry)


def push(demand: Demand, product: Product, *, at: datetime, actor: Actor) -> Transition:
    """Open a case: the demand is sent to the product's institution."""
    _require_aware(at)
    if actor.role not in (ActorRole.SYSTEM, ActorRole.OPERATOR, ActorRole.ADMIN):
        raise DomainError("actor_not_allowed", f"{actor.role.value} may not push demands", action="push")
    if not demand.consent.share_with_institutions:
        raise DomainError(
            "consent_required",
            f"enterprise {demand.uscc} has not consented to share demand {demand.demand_id} with institutions",
            demand_id=demand.demand_id,
        )
    case = MatchCase(
        demand_id=demand.demand_id,
        product_code=product.code,
        institution_code=product.institution_code,
        uscc=demand.uscc,
        state=CaseState.PUSHED,
        pushed_at=at,
        updated_at=at,
        requested_amount=demand.amount,
    )
    return _entry(case, case, Action.PUSH, actor, at, amount=str(demand.amount), consent_id=demand.consent.consent_id)


def view(case: MatchCase, *, at: datetime, actor: Actor) -> Transition:
    _guard(case, Action.VIEW, actor, at)
    new = replace(case, state=CaseState.VIEWED, viewed_at=at, updated_at=at)
    return _entry(case, new, Action.VIEW, actor, at)


def accept(case: MatchCase, *, at: datetime, actor: Actor, note: str | None = None) -> Transition:
    _guard(case, Action.ACCEPT, actor, at)
    new = replace(
        case,
        state=CaseState.ACCEPTED,
        accepted_at=at,
        decided_at=case.decided_at or at,
        viewed_at=case.viewed_at or at,
        updated_at=at,
    )
    return _entry(case, new, Action.ACCEPT, actor, at, note=note)


def decline(
    case: MatchCase,
    *,
    at: datetime,
    actor: Actor,
    reason: DeclineReason | str | None,
    note: str | None = None,
) -> Transition:
    _guard(case, Action.DECLINE, actor, at)
    if reason is None or reason == "":
        raise DomainError(
            "decline_reason_required",
            "declining needs a reason code: " + ", ".join(r.value for r in DeclineReason),
            allowed=tuple(r.value for r in DeclineReason),
        )
    try:
        code = DeclineReason(reason)
    except ValueError:
        raise DomainError(
            "decline_reason_required",
            f"unknown decline reason {reason!r}; expected one of " + ", ".join(r.value for r in DeclineReason),
            allowed=tuple(r.value for r in DeclineReason),
        ) from None
    note = note.strip() if note else None
    if code is DeclineReason.OTHER and not note:
        raise DomainError("decline_note_required", "a decline for reason 'other' needs a note")
    new = replace(
        case,
        state=CaseState.DECLINED,
        declined_at=at,
        decided_at=case.decided_at or at,
        viewed_at=case.viewed_at or at,
        decline_reason=code,
        decline_note=note,
        updated_at=at,
    )
    return _entry(case, new, Action.DECLINE, actor, at, reason=code.value, note=note)


def _positive(name: str, value: Decimal, code: str, *, allow_zero: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise DomainError(code, f"{name} must be a {'non-negative' if allow_zero else 'positive'} Decimal", field=name)


def grant_credit(
    case: MatchCase,
    *,
    at: datetime,
    actor: Actor,
    amount: Decimal,
    rate_pct: Decimal,
    term_months: Decimal,
    granted_on: date | None = None,
) -> Transition:
    _guard(case, Action.GRANT_CREDIT, actor, at)
    _positive("amount", amount, "invalid_grant")
    _positive("rate_pct", rate_pct, "invalid_grant", allow_zero=True)
    _positive("term_months", term_months, "invalid_grant")
    if rate_pct > 100:
        raise DomainError("invalid_grant", "rate_pct must be at most 100", field="rate_pct")
    grant = CreditGrant(amount, rate_pct, term_months, granted_on or at.date())
    new = replace(case, state=CaseState.CREDIT_GRANTED, grant=grant, updated_at=at)
    return _entry(
        case,
        new,
        Action.GRANT_CREDIT,
        actor,
        at,
        amount=str(amount),
        rate_pct=str(rate_pct),
        term_months=str(term_months),
        granted_on=grant.granted_on.isoformat(),
    )


def disburse(case: MatchCase, *, at: datetime, actor: Actor, amount: Decimal, disbursed_on: date) -> Transition:
    _guard(case, Action.DISBURSE, actor, at)
    _positive("amount", amount, "invalid_disbursement")
    grant = case.grant
    assert grant is not None  # guaranteed by the state
    if amount > grant.amount:
        raise DomainError(
            "invalid_disbursement",
            f"disbursed {amount} 万元 exceeds the {grant.amount} 万元 granted",
            amount=str(amount),
            granted=str(grant.amount),
        )
    if disbursed_on < grant.granted_on:
        raise DomainError(
            "invalid_disbursement",
            f"disbursed on {disbursed_on}, before the grant on {grant.granted_on}",
            field="disbursed_on",
        )
    new = replace(case, state=CaseState.DISBURSED, disbursement=Disbursement(amount, disbursed_on), updated_at=at)
    return _entry(case, new, Action.DISBURSE, actor, at, amount=str(amount), disbursed_on=disbursed_on.isoformat())


def withdraw(case: MatchCase, *, at: datetime, actor: Actor, reason: str | None = None) -> Transition:
    _guard(case, Action.WITHDRAW, actor, at)
    new = replace(case, state=CaseState.WITHDRAWN, withdrawn_at=at, withdraw_reason=reason, updated_at=at)
    return _entry(case, new, Action.WITHDRAW, actor, at, reason=reason)
