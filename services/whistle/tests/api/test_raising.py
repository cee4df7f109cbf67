"""Raising an issue: who may, for whom, Idempotency-Key, possible duplicates, routing to
triage, validation in Chinese, and the projection it relies on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tidu_whistle.models import IdempotencyKey, IssueRow
from tidu_whistle.testing import OTHER_USCC, THIRD_USCC, USCC, Whistle

BODY = {"category": "energy", "title": "用电增容", "description": "新产线需增容 2000 kVA。"}


async def count_issues(w: Whistle) -> int:
    async with w.app.state.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(IssueRow))).scalar_one())


async def post(w: Whistle, body: dict[str, Any], headers: dict[str, str], key: str | None = None) -> Any:
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return await w.client.post("/v1/issues", json=body, headers=h)


async def test_idempotency_key_returns_the_first_response(whistle: Whistle) -> None:
    await whistle.seed()
    me = whistle.enterprise()
    first = await post(whistle, BODY, me, key="k-1")
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    whistle.clock.advance(minutes=5)
    again = await post(whistle, BODY, me, key="k-1")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await count_issues(whistle) == 1

    changed = await post(whistle, {**BODY, "title": "用电增容（改）"}, me, key="k-1")
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused"
    assert await count_issues(whistle) == 1

    # keys are per principal: the commissioner's k-1 is another key
    await whistle.assign(USCC, "comm-1")
    theirs = await post(whistle, {**BODY, "enterprise_uscc": USCC}, whistle.commissioner("comm-1"), key="k-1")
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert await count_issues(whistle) == 2
    async with whistle.app.state.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(IdempotencyKey))).scalar_one() == 2


async def test_possible_duplicates_are_pointed_out_not_refused(whistle: Whistle) -> None:
    await whistle.seed()
    first = await whistle.raise_issue(**BODY)
    whistle.clock.advance(days=3)
    second = await whistle.raise_issue(**{**BODY, "title": "用电增容（第二次）"})
    assert [d["issue_id"] for d in second["possible_duplicates"]] == [first["id"]]
    assert second["possible_duplicates"][0]["state"] == "routed"
    other_category = await whistle.raise_issue(category="labour", title="招工", description="缺技工")
    assert other_category["possible_duplicates"] == []
    # withdrawn or older than 30 days: no longer a duplicate
    await whistle.act(first, "withdraw", whistle.enterprise())
    whistle.clock.advance(days=31)
    third = await whistle.raise_issue(**BODY)
    assert third["possible_duplicates"] == []


async def test_enterprise_must_be_known_to_the_projection(whistle: Whistle) -> None:
    r = await post(whistle, BODY, whistle.enterprise(THIRD_USCC))
    assert r.status_code == 422
    assert r.json()["code"] == "enterprise_unknown"
    assert "企业库" in r.json()["detail"]


async def test_only_the_enterprise_or_its_commissioner_raises(whistle: Whistle) -> None:
    await whistle.seed(USCC, commissioner="comm-1")
    await whistle.seed(OTHER_USCC, "500114")
    r = await post(whistle, {**BODY, "enterprise_uscc": OTHER_USCC}, whistle.enterprise(USCC))
    assert (r.status_code, r.json()["code"]) == (403, "actor_out_of_scope")
    r = await post(whistle, BODY, whistle.commissioner("comm-1"))
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "enterprise_uscc")
    r = await post(whistle, {**BODY, "enterprise_uscc": OTHER_USCC}, whistle.commissioner("comm-1"))
    assert (r.status_code, r.json()["code"]) == (403, "actor_out_of_scope")
    for role in (whistle.operator(), whistle.dept("500113-jxw"), whistle.admin()):
        r = await post(whistle, {**BODY, "enterprise_uscc": USCC}, role)
        assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    ok = await post(whistle, {**BODY, "enterprise_uscc": USCC}, whistle.commissioner("comm-1"))
    assert ok.status_code == 201
    assert ok.json()["source"] == "commissioner"
    assert ok.json()["timeline"][0]["actor"]["role"] == "commissioner"


async def test_validation_problems_are_422_in_chinese(whistle: Whistle) -> None:
    await whistle.seed()
    me = whistle.enterprise()
    r = await post(whistle, {**BODY, "category": "teleport"}, me)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "category",
        "code": "unknown_category",
        "message": "诉求类别不存在",
        "message_en": "unknown category 'teleport'",
    }
    r = await post(whistle, {**BODY, "district": "999999"}, me)
    assert (r.status_code, r.json()["errors"][0]["code"]) == (422, "unknown_district")
    r = await post(whistle, {**BODY, "title": "   "}, me)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_issue")
    assert r.json()["errors"][0]["field"] == "title"
    r = await post(whistle, {"title": "x" * 101, "urgency": "panic"}, me)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"category", "description", "title", "urgency"}
    assert all(e["message"] for e in r.json()["errors"])
    r = await whistle.client.post(
        "/v1/issues", content=b"{not json", headers={**me, "content-type": "application/json"}
    )
    assert r.status_code == 422


async def test_other_goes_to_the_coordinator_who_routes_it(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue(category="other", title="其他问题", description="园区道路照明不足")
    assert issue["state"] == "triage"
    assert issue["lead_department"] is None
    assert issue["routing"]["source"] == "triage"
    assert issue["deadlines"]["dispatch"]["due_date"] == "2025-09-28"
    operator = whistle.operator("500113")
    assert "route" in (await whistle.get(issue["id"], operator))["permitted_actions"]
    routed = await whistle.act(
        issue, "route", operator, department="500113-zjw", co_departments=["500113-yq"], note="路灯归住建"
    )
    assert routed["state"] == "routed"
    assert routed["lead_department"]["code"] == "500113-zjw"
    assert [d["code"] for d in routed["co_departments"]] == ["500113-yq"]
    await whistle.act(routed, "route", whistle.operator("500114"), expect=403, department="500113-zjw")


async def test_district_defaults_to_the_projection_and_follows_profile_changes(whistle: Whistle) -> None:
    await whistle.seed(USCC, "500113")
    issue = await whistle.raise_issue(category="labour", title="招工", description="缺技工")
    assert issue["district"] == "500113"
    await whistle.change_profile(USCC, district="500114")
    moved = await whistle.raise_issue(category="labour", title="招工", description="缺技工 2")
    assert moved["district"] == "500114"
    assert moved["lead_department"]["code"] == "500114-rsj"
    # an older change arriving late changes nothing
    await whistle.change_profile(USCC, district="500113", at="2025-02-01T00:00:00Z")
    r = await whistle.client.get(f"/v1/enterprises/{USCC}", headers=whistle.admin())
    assert r.json()["district_code"] == "500114"
    # an explicit district wins (a plant elsewhere)
    there = await whistle.raise_issue(category="labour", title="招工", description="缺技工 3", district="500113")
    assert there["lead_department"]["code"] == "500113-rsj"
