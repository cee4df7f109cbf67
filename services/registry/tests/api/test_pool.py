"""The cultivation pool (培育库), white list (白名单), and what the registry does with the eligibility
service's events (handlers run here in a transaction as the consumer runs them; over the broker in
tests/integration)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tidu_registry.consumers import on_assessment_completed, on_candidate_recommended
from tidu_registry.models import changes
from tidu_shared.consumer import PoisonEvent
from tidu_shared.contracts.eligibility import (
    ASSESSMENT_COMPLETED,
    CANDIDATE_RECOMMENDED,
    AssessmentCompleted,
    CandidateRecommended,
)
from tidu_shared.events import new_envelope


async def _move(reg: Any, code: str, to: str | None, reason: str = "经研究决定", **extra: Any) -> Any:
    return await reg.client.post(
        f"/v1/enterprises/{code}/pool/moves", json={"to_stage": to, "reason": reason, **extra}, headers=reg.op()
    )


async def test_stages_move_with_reasons_and_events(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    for to in ("reserve", "cultivating", "promoting", "cultivating", None, "reserve"):
        r = await _move(reg, code, to)
        assert r.status_code == 201, r.text
        assert r.json()["stage"] == to
    pool = (await reg.client.get(f"/v1/enterprises/{code}/pool", headers=reg.ent(code))).json()
    assert [(m["from_stage"], m["to_stage"]) for m in pool["moves"]] == [
        (None, "reserve"),
        ("reserve", "cultivating"),
        ("cultivating", "promoting"),
        ("promoting", "cultivating"),
        ("cultivating", None),
        (None, "reserve"),
    ]
    assert all(m["reason_kind"] == "operator" and m["reason_text"] == "经研究决定" for m in pool["moves"])
    events = await reg.events("pool.changed.v1")
    assert [(e["data"]["previous_stage"], e["data"]["stage"]) for e in events][-2:] == [
        ("cultivating", None),
        (None, "reserve"),
    ]
    assert events[-1]["data"]["reason_source"] == "operator" and events[-1]["data"]["decided_by"] == "op-500113"
    assert (await reg.client.get(f"/v1/enterprises/{code}", headers=reg.admin)).json()["pool_stage"] == "reserve"


ILLEGAL_MOVES: list[tuple[tuple[str, ...], str | None]] = [
    ((), "cultivating"),  # must enter as reserve
    ((), None),  # cannot leave when outside
    (("reserve",), "promoting"),  # no skipping
    (("reserve",), "reserve"),  # no "move" to the same stage
    (("reserve", "cultivating", "promoting"), "reserve"),
]


async def test_illegal_moves_are_409(reg: Any) -> None:
    found = {}
    for path, to in ILLEGAL_MOVES:
        ent = await reg.register()
        for stage in path:
            assert (await _move(reg, ent["uscc"], stage)).status_code == 201
        r = await _move(reg, ent["uscc"], to)
        found[(path, to)] = (r.status_code, r.json()["code"])
    assert found == {(path, to): (409, "pool_transition_illegal") for path, to in ILLEGAL_MOVES}


async def test_move_needs_a_reason_and_a_date_not_in_the_future(reg: Any) -> None:
    ent = await reg.register()
    r = await _move(reg, ent["uscc"], "reserve", reason="")
    assert r.status_code == 422
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    r = await _move(reg, ent["uscc"], "reserve", effective_on=tomorrow)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "date_in_future"
    assert (await _move(reg, ent["uscc"], "reserve", effective_on="2025-01-01")).status_code == 201
    r = await _move(reg, ent["uscc"], "cultivating", effective_on="2024-12-31")
    assert r.status_code == 409 and r.json()["code"] == "pool_move_backdated"
    r = await _move(reg, ent["uscc"], "bogus")
    assert r.status_code == 422


async def test_white_list_with_effective_dates(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    url = f"/v1/enterprises/{code}/white-list"
    body = {"list_code": "srdi-finance", "effective_from": "2025-01-01", "reason": "融资白名单"}
    r = await reg.client.post(url, json=body, headers=reg.op())
    assert r.status_code == 201, r.text
    entry = r.json()["id"]
    overlap = await reg.client.post(url, json={**body, "effective_from": "2025-06-01"}, headers=reg.op())
    assert overlap.status_code == 409 and overlap.json()["code"] == "white_list_overlap"
    bad = await reg.client.post(url, json={**body, "effective_to": "2024-01-01", "reason": ""}, headers=reg.op())
    assert {e["code"] for e in bad.json()["errors"]} == {"ends_before_start", "required"}
    listed = await reg.client.get("/v1/white-list", params={"on": "2025-03-01"}, headers=reg.op())
    assert [w["uscc"] for w in listed.json()] == [code]
    ended = await reg.client.post(f"/v1/white-list/{entry}/end", json={"effective_to": "2025-02-28"}, headers=reg.op())
    assert ended.status_code == 204
    assert (await reg.client.get("/v1/white-list", params={"on": "2025-03-01"}, headers=reg.op())).json() == []
    assert (await reg.client.get("/v1/white-list", params={"on": "2025-03-01"}, headers=reg.op("500114"))).json() == []
    pool = (await reg.client.get(f"/v1/enterprises/{code}/pool", headers=reg.admin)).json()
    assert pool["white_list"][0]["effective_to"] == "2025-02-28" and pool["white_list"][0]["effective"] is False


def _recommended(code: str, tier: str = "srdi", assessment: str | None = None) -> CandidateRecommended:
    return CandidateRecommended(
        uscc=code,
        district_code="500113",
        tier=tier,
        ruleset_id="srdi-2026",
        ruleset_version="1",
        assessment_id=assessment or uuid.uuid4().hex,
        as_of=dt.date.today(),
        reason="满足专精特新中小企业认定条件",
        recommended_at=dt.datetime.now(dt.UTC),
    )


async def _handle(reg: Any, handler: Any, event_type: str, data: Any) -> None:
    env = new_envelope(
        source="/tidu/eligibility", type=event_type, subject=data.uscc, data=data.model_dump(mode="json")
    )
    async with reg.app.state.db.transaction() as s:
        await handler(s, env, data)


async def test_recommendation_enters_the_pool_once(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await _handle(reg, on_candidate_recommended, CANDIDATE_RECOMMENDED, _recommended(code, assessment="a-1"))
    pool = (await reg.client.get(f"/v1/enterprises/{code}/pool", headers=reg.admin)).json()
    assert pool["stage"] == "reserve"
    move = pool["moves"][0]
    assert (move["reason_kind"], move["assessment_id"], move["recommended_tier"]) == ("assessment", "a-1", "srdi")
    event = (await reg.events("pool.changed.v1"))[-1]["data"]
    assert event["reason_source"] == "assessment" and event["assessment_id"] == "a-1"
    assert await reg.count(changes) == 2  # registered + pool changed, also in the change feed
    await _handle(reg, on_candidate_recommended, CANDIDATE_RECOMMENDED, _recommended(code, tier="little_giant"))
    assert len((await reg.client.get(f"/v1/enterprises/{code}/pool", headers=reg.admin)).json()["moves"]) == 1


async def test_recommendation_for_a_tier_already_held_does_nothing(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await reg.grant(code, kind="little_giant", level="national", granted_on=dt.date.today().isoformat())
    await _handle(reg, on_candidate_recommended, CANDIDATE_RECOMMENDED, _recommended(code, tier="srdi"))
    assert (await reg.client.get(f"/v1/enterprises/{code}/pool", headers=reg.admin)).json()["stage"] is None
    with pytest.raises(PoisonEvent):
        await _handle(reg, on_candidate_recommended, CANDIDATE_RECOMMENDED, _recommended("91110108551385082Q"))


def _assessed(code: str, year: int, size: str | None, at: dt.datetime, ruleset: str = "size-2011") -> Any:
    return AssessmentCompleted(
        assessment_id=uuid.uuid4().hex,
        uscc=code,
        district_code="500113",
        ruleset_id=ruleset,
        ruleset_version="2011.1",
        tier="size",
        as_of=dt.date.today(),
        data_year=year,
        result="eligible" if size else "undetermined",
        size_class=size,
        assessed_at=at,
    )


async def test_size_class_of_the_latest_year(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for year, size, at in [
        (2024, "small", t0),
        (2023, "micro", t0),
        (2024, "medium", t0 + dt.timedelta(hours=1)),
        (2024, "large", t0 - dt.timedelta(hours=1)),  # an older assessment arriving late changes nothing
    ]:
        await _handle(reg, on_assessment_completed, ASSESSMENT_COMPLETED, _assessed(code, year, size, at))
    await _handle(
        reg, on_assessment_completed, ASSESSMENT_COMPLETED, _assessed(code, 2025, "large", t0, ruleset="srdi-2026")
    )
    got = (await reg.client.get(f"/v1/enterprises/{code}", headers=reg.admin)).json()
    assert (got["size_class"], got["size_class_year"]) == ("medium", 2024)
    found = await reg.client.get("/v1/enterprises", params={"size_class": "medium"}, headers=reg.admin)
    assert [i["uscc"] for i in found.json()["items"]] == [code]
