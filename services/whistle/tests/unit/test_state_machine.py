"""The state machine, walked exhaustively: every (state, action) pair, every party."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tidu_whistle.domain import sla
from tidu_whistle.domain.errors import DomainError, ErrorCode, ErrorKind
from tidu_whistle.domain.model import ROLE_PARTIES, Action, Actor, Command, Issue, IssueState, Party, Role
from tidu_whistle.domain.rating import LowRatingAction, RatingPolicy
from tidu_whistle.domain.reference import DepartmentCode
from tidu_whistle.domain.state_machine import (
    TRANSITIONS,
    WorkflowContext,
    WorkflowPolicy,
    apply,
    permitted_actions,
)
from tidu_whistle.domain.working_days import SHANGHAI

S, A = IssueState, Action
E, C, L, CO, K, SY = (
    Party.ENTERPRISE,
    Party.COMMISSIONER,
    Party.LEAD_DEPARTMENT,
    Party.CO_DEPARTMENT,
    Party.COORDINATOR,
    Party.SYSTEM,
)
T0 = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)

# The table as the product describes it, written out independently of the implementation.
EXPECTED: dict[tuple[IssueState, Action], tuple[IssueState, set[Party]]] = {
    (S.SUBMITTED, A.ROUTE): (S.ROUTED, {SY, K}),
    (S.TRIAGE, A.ROUTE): (S.ROUTED, {K}),
    (S.RETURNED, A.ROUTE): (S.ROUTED, {K}),
    (S.SUBMITTED, A.SEND_TO_TRIAGE): (S.TRIAGE, {SY, K}),
    (S.ROUTED, A.CHECK_IN): (S.CHECKED_IN, {L}),
    (S.ESCALATED, A.CHECK_IN): (S.CHECKED_IN, {L}),
    (S.CHECKED_IN, A.START): (S.IN_PROGRESS, {L}),
    (S.REOPENED, A.START): (S.IN_PROGRESS, {L}),
    (S.CHECKED_IN, A.REQUEST_EXTENSION): (S.EXTENSION_REQUESTED, {L}),
    (S.IN_PROGRESS, A.REQUEST_EXTENSION): (S.EXTENSION_REQUESTED, {L}),
    (S.REOPENED, A.REQUEST_EXTENSION): (S.EXTENSION_REQUESTED, {L}),
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): (S.IN_PROGRESS, {K}),
    (S.EXTENSION_REQUESTED, A.REFUSE_EXTENSION): (S.IN_PROGRESS, {K}),
    (S.CHECKED_IN, A.RESOLVE): (S.RESOLVED, {L}),
    (S.IN_PROGRESS, A.RESOLVE): (S.RESOLVED, {L}),
    (S.EXTENSION_REQUESTED, A.RESOLVE): (S.RESOLVED, {L}),
    (S.REOPENED, A.RESOLVE): (S.RESOLVED, {L}),
    **{(s, A.RETURN): (S.RETURNED, {L}) for s in (
        S.ROUTED, S.ESCALATED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED)},
    **{(s, A.TRANSFER): (S.ROUTED, {L, K}) for s in (
        S.ROUTED, S.ESCALATED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED)},
    **{(s, A.ESCALATE): (S.ESCALATED, {SY, K}) for s in (
        S.ROUTED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.REOPENED)},
    (S.RESOLVED, A.CONFIRM): (S.CLOSED, {E}),
    (S.RESOLVED, A.AUTO_CLOSE): (S.CLOSED, {SY}),
    (S.RESOLVED, A.RATE): (S.CLOSED, {E}),
    (S.CLOSED, A.RATE): (S.CLOSED, {E}),
    (S.RESOLVED, A.REOPEN): (S.REOPENED, {E, C}),
    (S.CLOSED, A.REOPEN): (S.REOPENED, {E, C}),
    **{(s, A.WITHDRAW): (S.WITHDRAWN, {E, C}) for s in (
        S.SUBMITTED, S.TRIAGE, S.ROUTED, S.CHECKED_IN, S.IN_PROGRESS, S.EXTENSION_REQUESTED,
        S.RETURNED, S.ESCALATED, S.REOPENED)},
    **{(s, A.COMMENT): (s, {E, C, L, CO, K}) for s in IssueState if s not in (S.CLOSED, S.WITHDRAWN)},
}  # fmt: skip

NOTE_REQUIRED = {A.REQUEST_EXTENSION, A.REFUSE_EXTENSION, A.RESOLVE, A.RETURN, A.TRANSFER, A.REOPEN, A.COMMENT}


def valid_command(action: Action) -> dict[str, Any]:
    cmd: dict[str, Any] = {"note": "说明 / note"}
    if action is A.ROUTE:
        cmd |= {"department": "500113-ghzy", "co_departments": ("500113-jxw",)}
    elif action is A.TRANSFER:
        cmd |= {"department": "500113-zjw"}
    elif action is A.REQUEST_EXTENSION:
        cmd |= {"working_days": 3}
    elif action is A.RATE:
        cmd |= {"rating": 4}
    return cmd


def moment_for(action: Action) -> datetime:
    # issue_in(RESOLVED/CLOSED) resolved at T0 + 1 day: reopen within 7 days, auto-close after 7.
    return T0 + timedelta(days=10 if action is A.AUTO_CLOSE else 2)


def test_expected_table_matches_implementation() -> None:
    implemented = {key: (rule.target, set(rule.parties)) for key, rule in TRANSITIONS.items()}
    assert implemented == EXPECTED


def test_note_requirements_match() -> None:
    for (_, action), rule in TRANSITIONS.items():
        assert rule.note_required == (action in NOTE_REQUIRED), action


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in IssueState for a in Action],
    ids=[f"{s}-{a}" for s in IssueState for a in Action],
)
def test_walk_every_state_and_action(world: Any, state: IssueState, action: Action) -> None:
    issue = world.issue_in(state)
    at = moment_for(action)
    command = Command(action, **valid_command(action))
    expected = EXPECTED.get((state, action))

    if expected is None:
        for actor in (world.system, world.admin, world.enterprise, world.dept("500113-ghzy"), world.commissioner):
            with pytest.raises(DomainError) as err:
                apply(issue, command, actor=actor, at=at, ctx=world.ctx, expected_version=issue.version)
            assert err.value.code is ErrorCode.ILLEGAL_TRANSITION
            assert err.value.kind is ErrorKind.CONFLICT
        return

    target, allowed = expected
    has_lead = issue.lead_department is not None
    for party in Party:
        holds = party not in (L, CO) or has_lead
        actor = world.actor_for(party, issue) if holds else world.dept("500113-ghzy")
        if holds and party in allowed:
            outcome = apply(issue, command, actor=actor, at=at, ctx=world.ctx, expected_version=issue.version)
            assert outcome.issue.state is target
            assert outcome.issue.version == issue.version + 1
            first = outcome.entries[0]
            assert (first.from_state, first.to_state, first.action) == (state, target, action)
            assert (first.actor_role, first.actor_id) == (actor.role, actor.subject)
            assert first.seq == issue.version + 1
            assert first.at == at
            continue
        with pytest.raises(DomainError) as err:
            apply(issue, command, actor=actor, at=at, ctx=world.ctx, expected_version=issue.version)
        role_could = bool(ROLE_PARTIES[actor.role] & allowed)
        assert err.value.code is (ErrorCode.ACTOR_OUT_OF_SCOPE if role_could else ErrorCode.ACTOR_NOT_PERMITTED)
        assert err.value.kind is ErrorKind.FORBIDDEN

    # someone of an allowed role but not party to this issue is out of scope
    for party in allowed - {SY}:
        outsider = world.outsider_for(party)
        with pytest.raises(DomainError) as err:
            apply(issue, command, actor=outsider, at=at, ctx=world.ctx, expected_version=issue.version)
        assert err.value.code is ErrorCode.ACTOR_OUT_OF_SCOPE
    # institutions take no part in whistle issues
    with pytest.raises(DomainError) as err:
        apply(issue, command, actor=world.institution, at=at, ctx=world.ctx, expected_version=issue.version)
    assert err.value.code is ErrorCode.ACTOR_NOT_PERMITTED


@pytest.mark.parametrize("action", sorted(NOTE_REQUIRED))
def test_reason_required(world: Any, action: Action) -> None:
    state = next(s for (s, a) in EXPECTED if a is action)
    issue = world.issue_in(state)
    party = next(p for p in (E, K, L) if p in EXPECTED[(state, action)][1])
    actor = world.actor_for(party, issue)
    for blank in (None, "", "   "):
        cmd = valid_command(action) | {"note": blank}
        with pytest.raises(DomainError) as err:
            apply(issue, Command(action, **cmd), actor=actor, at=moment_for(action), ctx=world.ctx,
                  expected_version=None)  # fmt: skip
        assert err.value.code is ErrorCode.REASON_REQUIRED


def test_note_too_long(world: Any) -> None:
    issue = world.issue_in(S.IN_PROGRESS)
    with pytest.raises(DomainError) as err:
        world.do(issue, world.dept(world.lead), A.COMMENT, T0, note="字" * 2001)
    assert err.value.code is ErrorCode.NOTE_TOO_LONG


def test_submit_is_never_a_transition(world: Any) -> None:
    for state in IssueState:
        with pytest.raises(DomainError) as err:
            world.do(world.issue_in(state), world.enterprise, A.SUBMIT, T0)
        assert err.value.code is ErrorCode.ILLEGAL_TRANSITION


# -- optimistic concurrency ---------------------------------------------------------------


def test_stale_version_is_refused_before_anything_else(world: Any) -> None:
    issue = world.issue_in(S.ROUTED)
    with pytest.raises(DomainError) as err:
        apply(issue, Command(A.CONFIRM), actor=world.institution, at=T0, ctx=world.ctx, expected_version=4)
    assert err.value.code is ErrorCode.VERSION_CONFLICT
    assert err.value.kind is ErrorKind.PRECONDITION
    assert dict(err.value.details) == {"expected": 4, "actual": 5}


def test_no_expected_version_skips_the_check(world: Any) -> None:
    issue = world.issue_in(S.ROUTED)
    outcome = apply(
        issue, Command(A.COMMENT, note="补充材料已上传"), actor=world.enterprise, at=T0, ctx=world.ctx,
        expected_version=None,
    )  # fmt: skip
    assert outcome.issue.version == 6
    assert outcome.issue.state is S.ROUTED


def test_naive_datetime_is_a_programming_error(world: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        world.do(world.issue_in(S.ROUTED), world.dept(world.lead), A.CHECK_IN, datetime(2025, 9, 26, 10))


# -- the whole story ----------------------------------------------------------------------


def test_happy_path_timeline(world: Any) -> None:
    issue = world.raise_issue()
    assert (issue.state, issue.version) == (S.SUBMITTED, 1)
    issue = world.do(issue, world.system, A.ROUTE, T0, department=world.lead, co_departments=world.co)
    assert issue.deadlines.check_in.due_date.isoformat() == "2025-09-28"  # 调休 Sunday
    assert issue.deadlines.resolution.due_date.isoformat() == "2025-10-30"  # land: 20 working days
    lead = world.dept(world.lead)
    issue = world.do(issue, lead, A.CHECK_IN, T0 + timedelta(hours=3))
    issue = world.do(issue, lead, A.START, T0 + timedelta(hours=4))
    issue = world.do(issue, lead, A.REQUEST_EXTENSION, T0 + timedelta(days=5), working_days=5, note="需现场踏勘")
    assert issue.pending_extension_days == 5
    issue = world.do(issue, world.operator, A.APPROVE_EXTENSION, T0 + timedelta(days=6), working_days=3)
    assert issue.deadlines.resolution.due_date.isoformat() == "2025-11-04"  # 10-30 + 3 working days
    assert (issue.extensions_granted, issue.pending_extension_days) == (1, None)
    issue = world.do(issue, lead, A.RESOLVE, T0 + timedelta(days=20), note="已调剂用地指标")
    issue = world.do(issue, world.enterprise, A.RATE, T0 + timedelta(days=21), rating=5, note="满意")
    assert (issue.state, issue.rating, issue.closed_at) == (S.CLOSED, 5, T0 + timedelta(days=21))

    entries = world.entries[issue.id]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    for before, after in itertools.pairwise(entries):
        assert after.from_state == before.to_state
    assert [e.event_name for e in entries] == [
        "submitted", "routed", "checked_in", "started", "extension_requested", "extension_approved",
        "resolved", "rated",
    ]  # fmt: skip
    json.dumps([e.to_dict() for e in entries], ensure_ascii=False)


# -- action guards ------------------------------------------------------------------------


def test_route_needs_a_known_department(world: Any) -> None:
    issue = world.issue_in(S.SUBMITTED)
    with pytest.raises(DomainError) as err:
        world.do(issue, world.system, A.ROUTE, T0)
    assert err.value.code is ErrorCode.DEPARTMENT_REQUIRED
    with pytest.raises(DomainError) as err:
        world.do(issue, world.system, A.ROUTE, T0, department="500113-nosuch")
    assert err.value.code is ErrorCode.UNKNOWN_DEPARTMENT
    with pytest.raises(DomainError) as err:
        world.do(issue, world.system, A.ROUTE, T0, department="ghzy")
    assert err.value.code is ErrorCode.INVALID_DEPARTMENT_CODE


def test_route_drops_the_lead_and_duplicates_from_co(world: Any) -> None:
    issue = world.do(
        world.issue_in(S.SUBMITTED), world.system, A.ROUTE, T0,
        department="500113-ghzy", co_departments=("500113-ghzy", "500113-jxw", "500113-jxw"),
    )  # fmt: skip
    assert issue.co_departments == (DepartmentCode("500113", "jxw"),)


def test_triage_then_coordinator_routes(world: Any) -> None:
    issue = world.do(world.issue_in(S.SUBMITTED), world.system, A.SEND_TO_TRIAGE, T0, note="类别为其他")
    assert issue.state is S.TRIAGE and issue.lead_department is None
    assert issue.deadlines.dispatch is not None and issue.deadlines.check_in is None
    with pytest.raises(DomainError) as err:
        world.do(issue, world.system, A.ROUTE, T0, department="500113-kjj")
    assert err.value.code is ErrorCode.ACTOR_NOT_PERMITTED
    issue = world.do(issue, world.operator, A.ROUTE, T0 + timedelta(hours=1), department="500113-kjj")
    assert issue.state is S.ROUTED and issue.lead_department == DepartmentCode("500113", "kjj")


def test_return_goes_back_to_the_coordinator(world: Any) -> None:
    issue = world.do(world.issue_in(S.IN_PROGRESS), world.dept(world.lead), A.RETURN, T0, note="不属于本部门职责")
    assert (issue.state, issue.lead_department, issue.co_departments) == (S.RETURNED, None, ())
    entry = world.entries[issue.id][-1]
    assert entry.previous_lead == world.lead and entry.note == "不属于本部门职责"
    assert issue.deadlines.dispatch.due_date.isoformat() == "2025-09-28"


def test_transfer(world: Any) -> None:
    issue = world.issue_in(S.CHECKED_IN)
    lead = world.dept(world.lead)
    with pytest.raises(DomainError) as err:
        world.do(issue, lead, A.TRANSFER, T0, department=world.lead, note="x")
    assert err.value.code is ErrorCode.SAME_DEPARTMENT
    at = datetime(2025, 9, 30, 18, 0, tzinfo=SHANGHAI)
    moved = world.do(issue, lead, A.TRANSFER, at, department="500113-jxw", note="属经信委职责")
    assert moved.state is S.ROUTED
    assert moved.lead_department == DepartmentCode("500113", "jxw")
    assert moved.co_departments == (DepartmentCode("500113", "yq"),)  # new lead removed from co
    assert moved.deadlines.check_in.start == at
    assert moved.deadlines.check_in.due_date.isoformat() == "2025-10-09"  # after National Day
    # the old lead can no longer act; the new one checks in
    with pytest.raises(DomainError) as err:
        world.do(moved, lead, A.CHECK_IN, at)
    assert err.value.code is ErrorCode.ACTOR_OUT_OF_SCOPE
    assert world.do(moved, world.dept("500113-jxw"), A.CHECK_IN, at).state is S.CHECKED_IN


def test_extension_guards(world: Any) -> None:
    lead = world.dept(world.lead)
    issue = world.issue_in(S.IN_PROGRESS)
    for bad in (0, 11, None, True, "3"):
        with pytest.raises(DomainError) as err:
            world.do(issue, lead, A.REQUEST_EXTENSION, T0, working_days=bad, note="x")
        assert err.value.code is ErrorCode.INVALID_WORKING_DAYS
    asked = world.do(issue, lead, A.REQUEST_EXTENSION, T0, working_days=4, note="x")
    with pytest.raises(DomainError) as err:
        world.do(asked, world.operator, A.APPROVE_EXTENSION, T0, working_days=5)
    assert err.value.code is ErrorCode.INVALID_WORKING_DAYS
    granted = world.do(asked, world.operator, A.APPROVE_EXTENSION, T0)
    assert granted.deadlines.resolution.working_days == 24
    refused = world.do(asked, world.operator, A.REFUSE_EXTENSION, T0, note="时限充足")
    assert refused.deadlines == asked.deadlines and refused.pending_extension_days is None
    limited = replace(issue, extensions_granted=2)
    with pytest.raises(DomainError) as err:
        world.do(limited, lead, A.REQUEST_EXTENSION, T0, working_days=2, note="x")
    assert err.value.code is ErrorCode.EXTENSION_LIMIT_REACHED


def test_escalation_goes_to_the_city_department_of_the_same_kind(world: Any) -> None:
    issue = world.issue_in(S.ROUTED)
    at = T0 + timedelta(days=3)
    up = world.do(issue, world.system, A.ESCALATE, at, note="报到超时")
    assert up.state is S.ESCALATED
    assert up.lead_department == DepartmentCode("500000", "ghzy")
    assert up.escalation_level == 1
    assert up.co_departments == world.co  # district co-handling departments stay (市区联动)
    assert up.deadlines.check_in.start == at
    assert world.reference.department_name(up.lead_department) == "重庆市规划自然资源局"
    # the city department checks in; a district operator of the issue still coordinates
    city = world.dept("500000-ghzy")
    checked = world.do(up, city, A.CHECK_IN, at)
    with pytest.raises(DomainError) as err:
        world.do(checked, world.system, A.ESCALATE, at)
    assert err.value.code is ErrorCode.ESCALATION_UNAVAILABLE
    with pytest.raises(DomainError) as err:
        world.do(up, world.system, A.ESCALATE, at)
    assert err.value.code is ErrorCode.ILLEGAL_TRANSITION


def test_auto_close_waits_for_the_confirm_window(world: Any) -> None:
    issue = world.issue_in(S.RESOLVED)  # resolved at T0 + 1 day
    with pytest.raises(DomainError) as err:
        world.do(issue, world.system, A.AUTO_CLOSE, T0 + timedelta(days=8) - timedelta(seconds=1))
    assert err.value.code is ErrorCode.CONFIRM_WINDOW_OPEN
    closed = world.do(issue, world.system, A.AUTO_CLOSE, T0 + timedelta(days=8, seconds=1))
    assert closed.state is S.CLOSED


def test_reopen_window(world: Any) -> None:
    closed = world.issue_in(S.CLOSED, rating=5)
    with pytest.raises(DomainError) as err:
        world.do(closed, world.enterprise, A.REOPEN, T0 + timedelta(days=8, seconds=1), note="问题复发")
    assert err.value.code is ErrorCode.REOPEN_WINDOW_EXPIRED
    at = T0 + timedelta(days=8)
    reopened = world.do(closed, world.commissioner, A.REOPEN, at, note="问题复发")
    assert (reopened.state, reopened.reopen_count, reopened.rating, reopened.closed_at) == (S.REOPENED, 1, None, None)
    assert reopened.lead_department == world.lead
    assert reopened.deadlines.resolution.start == at and reopened.deadlines.check_in is None
    assert sla.running_clocks(reopened)[0][0] is sla.Clock.RESOLUTION


def test_policy_windows_are_configurable(world: Any) -> None:
    ctx = WorkflowContext(world.reference, policy=WorkflowPolicy(reopen_window_days=1))
    closed = world.issue_in(S.CLOSED)
    with pytest.raises(DomainError) as err:
        apply(closed, Command(A.REOPEN, note="x"), actor=world.enterprise, at=T0 + timedelta(days=3), ctx=ctx,
              expected_version=None)  # fmt: skip
    assert err.value.code is ErrorCode.REOPEN_WINDOW_EXPIRED


# -- ratings through the state machine ----------------------------------------------------


@pytest.mark.parametrize("score", [0, 6, -1, None, True, 4.5, "5"])
def test_rating_must_be_1_to_5(world: Any, score: object) -> None:
    with pytest.raises(DomainError) as err:
        world.do(world.issue_in(S.RESOLVED), world.enterprise, A.RATE, T0 + timedelta(days=2), rating=score)
    assert err.value.code is ErrorCode.INVALID_RATING


def test_rating_once_per_resolution(world: Any) -> None:
    rated = world.do(world.issue_in(S.RESOLVED), world.enterprise, A.RATE, T0 + timedelta(days=2), rating=4)
    with pytest.raises(DomainError) as err:
        world.do(rated, world.enterprise, A.RATE, T0 + timedelta(days=2), rating=5)
    assert err.value.code is ErrorCode.ALREADY_RATED


def test_late_rating_of_an_auto_closed_issue_keeps_closed_at(world: Any) -> None:
    closed = world.issue_in(S.CLOSED)
    rated = world.do(closed, world.enterprise, A.RATE, T0 + timedelta(days=3), rating=3)
    assert (rated.state, rated.rating, rated.closed_at) == (S.CLOSED, 3, closed.closed_at)


def test_low_rating_reopens_by_default(world: Any) -> None:
    issue = world.issue_in(S.RESOLVED)
    at = T0 + timedelta(days=2)
    outcome = world.run(issue, world.enterprise, A.RATE, at, rating=2, note="未解决")
    assert [e.action for e in outcome.entries] == [A.RATE, A.REOPEN]
    assert [e.seq for e in outcome.entries] == [6, 7]
    assert [(e.from_state, e.to_state) for e in outcome.entries] == [(S.RESOLVED, S.CLOSED), (S.CLOSED, S.REOPENED)]
    assert outcome.entries[0].rating == 2
    assert "低评分" in (outcome.entries[1].note or "")
    assert outcome.issue.state is S.REOPENED and outcome.issue.version == 7
    assert outcome.issue.rating is None and not outcome.issue.flagged_for_review


def test_low_rating_flags_when_configured_or_too_late(world: Any) -> None:
    flag_ctx = WorkflowContext(world.reference, policy=WorkflowPolicy(rating=RatingPolicy(on_low=LowRatingAction.FLAG)))
    issue = world.issue_in(S.RESOLVED)
    outcome = apply(issue, Command(A.RATE, rating=1), actor=world.enterprise, at=T0 + timedelta(days=2),
                    ctx=flag_ctx, expected_version=5)  # fmt: skip
    assert len(outcome.entries) == 1
    assert (outcome.issue.state, outcome.issue.flagged_for_review) == (S.CLOSED, True)
    assert outcome.entry.flagged_for_review
    late = world.do(world.issue_in(S.CLOSED), world.enterprise, A.RATE, T0 + timedelta(days=30), rating=2)
    assert (late.state, late.flagged_for_review) == (S.CLOSED, True)


def test_commissioner_may_not_rate_or_confirm(world: Any) -> None:
    issue = world.issue_in(S.RESOLVED)
    for action, extra in ((A.RATE, {"rating": 5}), (A.CONFIRM, {})):
        with pytest.raises(DomainError) as err:
            world.do(issue, world.commissioner, action, T0 + timedelta(days=2), **extra)
        assert err.value.code is ErrorCode.ACTOR_NOT_PERMITTED


# -- scopes ---------------------------------------------------------------------------------


def test_coordinator_scope_follows_gbt2260(world: Any) -> None:
    issue = world.issue_in(S.EXTENSION_REQUESTED)
    for actor in (world.operator, world.city_operator, world.admin):
        assert world.do(issue, actor, A.APPROVE_EXTENSION, T0).state is S.IN_PROGRESS
    for actor in (world.other_operator, Actor(Role.OPERATOR, "no-district")):
        with pytest.raises(DomainError) as err:
            world.do(issue, actor, A.APPROVE_EXTENSION, T0)
        assert err.value.code is ErrorCode.ACTOR_OUT_OF_SCOPE


def test_co_department_comments_but_does_not_check_in(world: Any) -> None:
    issue = world.issue_in(S.ROUTED)
    co = world.dept(world.co[0])
    commented = world.do(issue, co, A.COMMENT, T0, note="配合提供产业政策意见")
    assert commented.state is S.ROUTED and commented.version == issue.version + 1
    assert world.entries[issue.id][-1].actor_department == world.co[0]
    with pytest.raises(DomainError) as err:
        world.do(issue, co, A.CHECK_IN, T0)
    assert err.value.code is ErrorCode.ACTOR_OUT_OF_SCOPE


def test_permitted_actions(world: Any) -> None:
    issue = world.issue_in(S.IN_PROGRESS)
    assert set(permitted_actions(issue, world.dept(world.lead))) == {
        A.REQUEST_EXTENSION, A.RESOLVE, A.RETURN, A.TRANSFER, A.COMMENT,
    }  # fmt: skip
    assert set(permitted_actions(issue, world.enterprise)) == {A.WITHDRAW, A.COMMENT}
    assert set(permitted_actions(issue, world.operator)) == {A.TRANSFER, A.ESCALATE, A.COMMENT}
    assert permitted_actions(issue, world.other_enterprise) == ()
    assert permitted_actions(issue, world.institution) == ()


def test_withdraw_drops_a_pending_extension(world: Any) -> None:
    issue = world.do(world.issue_in(S.EXTENSION_REQUESTED), world.enterprise, A.WITHDRAW, T0)
    assert (issue.state, issue.pending_extension_days, issue.is_open) == (S.WITHDRAWN, None, False)


def test_escalable_states_in_sla_match_the_table() -> None:
    assert {s for (s, a) in TRANSITIONS if a is A.ESCALATE} == set(sla._ESCALABLE)


def test_issue_snapshot_is_immutable(world: Any) -> None:
    issue: Issue = world.issue_in(S.ROUTED)
    with pytest.raises(AttributeError):
        issue.state = S.CLOSED  # type: ignore[misc]


def test_actor_accepts_the_token_string_for_its_department(world: Any) -> None:
    actor = Actor(Role.DEPARTMENT, "staff", dept="500113-ghzy")  # type: ignore[arg-type]
    assert actor.dept == world.lead
    assert world.do(world.issue_in(S.ROUTED), actor, A.CHECK_IN, T0).state is S.CHECKED_IN
