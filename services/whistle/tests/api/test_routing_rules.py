"""Operators edit routing rules (category × district) with history; new issues follow them."""

from __future__ import annotations

from typing import Any

from tidu_whistle.testing import Whistle


async def put(w: Whistle, category: str, district: str, headers: dict[str, str], **body: Any) -> Any:
    return await w.client.put(f"/v1/routing-rules/{category}/{district}", json=body, headers=headers)


async def test_a_district_rule_with_history_routes_new_issues(whistle: Whistle) -> None:
    await whistle.seed()
    op = whistle.operator("500113")
    before = (await whistle.client.get("/v1/routing-rules/land/500113", headers=op)).json()
    assert before["current"] is None and before["history"] == []
    assert before["decision"] == {
        "source": "default",
        "lead": "500113-ghzy",
        "co": ["500113-jxw", "500113-yq"],
        "rule_id": None,
        "rule_revision": None,
        "triage_reason": None,
    }
    r = await put(whistle, "land", "500113", op, lead="yq", co=["ghzy"], reason="园区内用地由管委会牵头")
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"'
    assert r.json()["current"]["revision"] == 1
    assert r.json()["decision"]["lead"] == "500113-yq"

    issue = await whistle.raise_issue()
    assert issue["lead_department"]["code"] == "500113-yq"
    assert [d["code"] for d in issue["co_departments"]] == ["500113-ghzy"]
    assert (issue["routing"]["source"], issue["routing"]["rule_revision"]) == ("district_rule", 1)

    stale = await whistle.client.put(
        "/v1/routing-rules/land/500113",
        json={"to_triage": True, "reason": "x"},
        headers={**op, "If-Match": '"0"'},
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "version_conflict")
    r = await whistle.client.put(
        "/v1/routing-rules/land/500113",
        json={"to_triage": True, "reason": "暂由经信委统一分拨"},
        headers={**op, "If-Match": '"1"'},
    )
    assert r.status_code == 200
    whistle.clock.advance(minutes=1)
    assert (await whistle.raise_issue())["state"] == "triage"

    r = await put(whistle, "land", "500113", op, retired=True, reason="恢复默认")
    whistle.clock.advance(minutes=1)
    assert (await whistle.raise_issue())["lead_department"]["code"] == "500113-ghzy"
    history = r.json()["history"]
    assert [(h["revision"], h["lead"], h["to_triage"], h["retired"]) for h in history] == [
        (1, "yq", False, False),
        (2, None, True, False),
        (3, None, False, True),
    ]
    assert history[0]["changed_by"] == "op-500113"
    listed = (await whistle.client.get("/v1/routing-rules", headers=whistle.dept("500113-jxw"))).json()
    assert [(v["category"], v["district"], len(v["history"])) for v in listed] == [("land", "500113", 3)]


async def test_a_category_wide_rule_is_the_citys(whistle: Whistle) -> None:
    await whistle.seed()
    body = {"lead": "500000-kjj", "reason": "技术创新诉求由市科技局统一牵头"}
    r = await put(whistle, "technology", "*", whistle.operator("500113"), **body)
    assert (r.status_code, r.json()["code"]) == (403, "other_district")
    r = await put(whistle, "technology", "*", whistle.operator("500000"), **body)
    assert r.status_code == 200, r.text
    issue = await whistle.raise_issue(category="technology", title="成果转化", description="需要中试平台")
    assert issue["lead_department"]["code"] == "500000-kjj"
    assert issue["routing"]["source"] == "category_rule"


async def test_who_may_edit_and_what_is_valid(whistle: Whistle) -> None:
    body = {"lead": "zjw", "reason": "r"}
    assert (await put(whistle, "land", "500113", whistle.operator("500114"), **body)).status_code == 403
    assert (await put(whistle, "land", "500113", whistle.dept("500113-ghzy"), **body)).status_code == 403
    assert (await put(whistle, "land", "500113", whistle.admin(), **body)).status_code == 200
    assert (await put(whistle, "land", "500113", whistle.operator("500000"), **body)).status_code == 200
    bad = await put(whistle, "land", "500113", whistle.admin(), lead="nosuch", co=["land"], reason="r")
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_routing_rule"
    assert len(bad.json()["details"]["problems"]) == 2
    assert (await put(whistle, "land", "500113", whistle.admin(), reason="no lead")).status_code == 422
    assert (await put(whistle, "teleport", "500113", whistle.admin(), **body)).status_code == 404
    assert (await put(whistle, "land", "999999", whistle.admin(), **body)).status_code == 404
    assert (await put(whistle, "land", "5001", whistle.admin(), **body)).status_code == 422
    assert (await whistle.client.get("/v1/routing-rules", headers=whistle.enterprise())).status_code == 403
