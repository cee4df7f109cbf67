"""The demand × product state machine: happy paths, guards, typed errors, timeline entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tidu_finance_match.domain import workflow as wf
from tidu_finance_match.domain.demands import DemandConsent
from tidu_finance_match.domain.errors import DomainError, IllegalTransition
from tidu_finance_match.domain.workflow import Action, Actor, ActorRole, CaseState, DeclineReason

D = Decimal
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
SYSTEM = Actor(ActorRole.SYSTEM, "matcher")
BANK = Actor(ActorRole.INSTITUTION, "officer-7", scope="demo-ccb")
OTHER_BANK = Actor(ActorRole.INSTITUTION, "officer-9", scope="demo-rcb")
ADMIN = Actor(ActorRole.ADMIN, "root")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def enterprise(make) -> Actor:
    return Actor(ActorRole.ENTERPRISE, "user-1", scope=make.uscc_a)


@pytest.fixture
def pushed(make, catalogue) -> wf.MatchCase:
    return wf.push(make.demand(), catalogue.product("srdi-loan"), at=T0, actor=SYSTEM).case


def test_push_opens_a_case_with_a_timeline_entry(make, catalogue):
    t = wf.push(make.demand(), catalogue.product("srdi-loan"), at=T0, actor=SYSTEM)
    assert t.case.state is CaseState.PUSHED
    assert (t.case.institution_code, t.case.requested_amount) == ("demo-ccb", D("800"))
    assert (t.entry.action, t.entry.from_state, t.entry.to_state) == (Action.PUSH, None, CaseState.PUSHED)
    assert t.entry.details == {"amount": "800", "consent_id": "cs-1"}


def test_push_needs_consent_to_share(make, catalogue):
    demand = make.demand(consent=DemandConsent(share_with_institutions=False, credit_lookup=True))
    with pytest.raises(DomainError) as err:
        wf.push(demand, catalogue.product("srdi-loan"), at=T0, actor=SYSTEM)
    assert err.value.code == "consent_required"


def test_full_path_to_disbursement(pushed):
    steps = [
        wf.view(pushed, at=at(1), actor=BANK),
    ]
    steps.append(wf.accept(steps[-1].case, at=at(5), actor=BANK, note="资料齐全"))
    steps.append(
        wf.grant_credit(steps[-1].case, at=at(48), actor=BANK, amount=D("600"), rate_pct=D("3.65"), term_months=D("24"))
    )
    steps.append(wf.disburse(steps[-1].case, at=at(72), actor=BANK, amount=D("600"), disbursed_on=date(2025, 6, 5)))
    case = steps[-1].case
    assert case.state is CaseState.DISBURSED
    assert [s.entry.to_state for s in steps] == [
        CaseState.VIEWED,
        CaseState.ACCEPTED,
        CaseState.CREDIT_GRANTED,
        CaseState.DISBURSED,
    ]
    assert case.decided_at == at(5)
    assert case.decision_time_seconds == 5 * 3600
    assert case.grant == wf.CreditGrant(D("600"), D("3.65"), D("24"), date(2025, 6, 4))
    assert steps[2].entry.details["rate_pct"] == "3.65"
    assert wf.allowed_actions(case) == frozenset()


def test_accept_or_decline_straight_from_pushed(pushed):
    accepted = wf.accept(pushed, at=at(2), actor=BANK).case
    assert accepted.viewed_at == at(2) and accepted.decided_at == at(2)
    declined = wf.decline(pushed, at=at(3), actor=BANK, reason="collateral").case
    assert declined.state is CaseState.DECLINED and declined.decline_reason is DeclineReason.COLLATERAL


@pytest.mark.parametrize("reason", [None, "", "bogus"])
def test_decline_needs_a_reason_code(pushed, reason):
    with pytest.raises(DomainError) as err:
        wf.decline(pushed, at=at(1), actor=BANK, reason=reason)
    assert err.value.code == "decline_reason_required"
    assert "credit" in err.value.details["allowed"]


def test_decline_for_other_needs_a_note(pushed):
    with pytest.raises(DomainError) as err:
        wf.decline(pushed, at=at(1), actor=BANK, reason=DeclineReason.OTHER, note="  ")
    assert err.value.code == "decline_note_required"
    t = wf.decline(pushed, at=at(1), actor=BANK, reason="other", note="行业限额已满")
    assert t.entry.details == {"reason": "other", "note": "行业限额已满"}


def test_decline_after_accepting_keeps_the_first_decision_time(pushed):
    accepted = wf.accept(pushed, at=at(2), actor=BANK).case
    declined = wf.decline(accepted, at=at(30), actor=BANK, reason="credit").case
    assert declined.decided_at == at(2)
    assert declined.declined_at == at(30)


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ([], "grant"),
        ([], "disburse"),
        (["view"], "view"),
        (["accept"], "accept"),
        (["accept"], "disburse"),
        (["decline"], "accept"),
        (["decline"], "withdraw"),
        (["withdraw"], "view"),
        (["accept", "grant", "disburse"], "withdraw"),
        (["accept", "grant"], "decline"),
    ],
)
def test_illegal_transitions_raise_a_typed_error(pushed, enterprise, path, action):
    run = {
        "view": lambda c, t: wf.view(c, at=t, actor=BANK),
        "accept": lambda c, t: wf.accept(c, at=t, actor=BANK),
        "decline": lambda c, t: wf.decline(c, at=t, actor=BANK, reason="policy"),
        "grant": lambda c, t: wf.grant_credit(
            c, at=t, actor=BANK, amount=D("100"), rate_pct=D("4"), term_months=D("12")
        ),
        "disburse": lambda c, t: wf.disburse(c, at=t, actor=BANK, amount=D("100"), disbursed_on=t.date()),
        "withdraw": lambda c, t: wf.withdraw(c, at=t, actor=enterprise),
    }
    case = pushed
    for i, step in enumerate(path, start=1):
        case = run[step](case, at(i)).case
    with pytest.raises(IllegalTransition) as err:
        run[action](case, at(10))
    assert err.value.code == "illegal_transition"
    assert err.value.details["state"] == case.state.value


@pytest.mark.parametrize("path", [[], ["view"], ["accept"], ["accept", "grant"]])
def test_enterprise_may_withdraw_until_disbursement(pushed, enterprise, path):
    case = pushed
    if path:
        case = (
            wf.accept(case, at=at(1), actor=BANK).case if "accept" in path else wf.view(case, at=at(1), actor=BANK).case
        )
    if "grant" in path:
        case = wf.grant_credit(case, at=at(2), actor=BANK, amount=D("1"), rate_pct=D("0"), term_months=D("1")).case
    t = wf.withdraw(case, at=at(3), actor=enterprise, reason="已从其他渠道获得资金")
    assert t.case.state is CaseState.WITHDRAWN
    assert t.entry.actor == enterprise


@pytest.mark.parametrize(
    ("actor", "action"),
    [
        (OTHER_BANK, "view"),
        (OTHER_BANK, "accept"),
        (Actor(ActorRole.ENTERPRISE, "u", scope="91110108551385082Q"), "accept"),
        (BANK, "withdraw"),
        (Actor(ActorRole.ENTERPRISE, "u", scope="91110000600037341L"), "withdraw"),
        (Actor(ActorRole.OPERATOR, "op"), "decline"),
    ],
)
def test_actor_guards(pushed, actor, action):
    calls = {
        "view": lambda: wf.view(pushed, at=at(1), actor=actor),
        "accept": lambda: wf.accept(pushed, at=at(1), actor=actor),
        "decline": lambda: wf.decline(pushed, at=at(1), actor=actor, reason="credit"),
        "withdraw": lambda: wf.withdraw(pushed, at=at(1), actor=actor),
    }
    with pytest.raises(DomainError) as err:
        calls[action]()
    assert err.value.code == "actor_not_allowed"


def test_admin_may_correct_and_institutions_may_not_push(make, catalogue, pushed):
    assert wf.accept(pushed, at=at(1), actor=ADMIN).case.state is CaseState.ACCEPTED
    with pytest.raises(DomainError) as err:
        wf.push(make.demand(), catalogue.product("srdi-loan"), at=T0, actor=BANK)
    assert err.value.code == "actor_not_allowed"


def test_time_must_not_run_backwards(pushed):
    with pytest.raises(DomainError) as err:
        wf.view(pushed, at=T0 - timedelta(seconds=1), actor=BANK)
    assert err.value.code == "time_order"
    with pytest.raises(DomainError):
        wf.view(pushed, at=datetime(2025, 6, 2, 10, 0), actor=BANK)  # naive


@pytest.mark.parametrize(
    ("amount", "rate", "term"),
    [(D("0"), D("4"), D("12")), (D("-1"), D("4"), D("12")), (D("100"), D("-0.1"), D("12")), (D("100"), D("4"), D("0"))],
)
def test_grant_guards(pushed, amount, rate, term):
    accepted = wf.accept(pushed, at=at(1), actor=BANK).case
    with pytest.raises(DomainError) as err:
        wf.grant_credit(accepted, at=at(2), actor=BANK, amount=amount, rate_pct=rate, term_months=term)
    assert err.value.code == "invalid_grant"


def test_disbursement_guards(pushed):
    accepted = wf.accept(pushed, at=at(1), actor=BANK).case
    granted = wf.grant_credit(
        accepted, at=at(2), actor=BANK, amount=D("500"), rate_pct=D("3.9"), term_months=D("12")
    ).case
    with pytest.raises(DomainError) as err:
        wf.disburse(granted, at=at(3), actor=BANK, amount=D("500.01"), disbursed_on=date(2025, 6, 3))
    assert err.value.code == "invalid_disbursement"
    with pytest.raises(DomainError) as err:
        wf.disburse(granted, at=at(3), actor=BANK, amount=D("100"), disbursed_on=date(2025, 6, 1))
    assert err.value.code == "invalid_disbursement"
    ok = wf.disburse(granted, at=at(3), actor=BANK, amount=D("500"), disbursed_on=date(2025, 6, 2))
    assert ok.case.disbursement == wf.Disbursement(D("500"), date(2025, 6, 2))


def test_allowed_actions(pushed):
    assert wf.allowed_actions(pushed) == {Action.VIEW, Action.ACCEPT, Action.DECLINE, Action.WITHDRAW}
