"""A department's work queue: what it leads or co-handles, overdue first, filtered by status."""

from __future__ import annotations

from tidu_whistle.testing import T0, Whistle

JXW = "500113-jxw"


async def test_queue_overdue_first_with_roles(whistle: Whistle) -> None:
    await whistle.seed()
    land = await whistle.raise_issue(category="land")  # jxw co-handles; land check-in due 09-28
    whistle.clock.set(T0.replace(day=29))  # Monday
    energy = await whistle.raise_issue(category="energy", title="用电", description="增容")  # jxw leads
    labour = await whistle.raise_issue(category="labour", title="招工", description="缺技工")  # jxw co
    done = await whistle.raise_issue(category="digital", title="上云", description="数字化")  # jxw leads
    done = await whistle.act(done, "check_in", whistle.dept(JXW))
    await whistle.act(done, "resolve", whistle.dept(JXW), note="已对接服务商")

    r = await whistle.client.get(f"/v1/departments/{JXW}/queue", headers=whistle.dept(JXW))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == {"code": JXW, "name": "巴南区经济信息委"}
    items = body["items"]
    assert items[0]["id"] == land["id"]  # overdue first
    assert items[0]["overdue"] is True and items[0]["role"] == "co"
    assert {i["id"]: i["role"] for i in items[1:]} == {energy["id"]: "lead", labour["id"]: "co"}
    assert done["id"] not in {i["id"] for i in items}  # resolved is not open

    resolved = await whistle.client.get(
        f"/v1/departments/{JXW}/queue", params={"status": "resolved"}, headers=whistle.dept(JXW)
    )
    assert [i["id"] for i in resolved.json()["items"]] == [done["id"]]
    overdue = await whistle.client.get("/v1/issues", params={"overdue": "true"}, headers=whistle.dept(JXW))
    assert [i["id"] for i in overdue.json()["items"]] == [land["id"]]
    not_overdue = await whistle.client.get(
        "/v1/issues", params={"overdue": "false", "department": JXW}, headers=whistle.admin()
    )
    assert land["id"] not in {i["id"] for i in not_overdue.json()["items"]}


async def test_queue_access(whistle: Whistle) -> None:
    url = f"/v1/departments/{JXW}/queue"
    assert (await whistle.client.get(url, headers=whistle.dept(JXW))).status_code == 200
    assert (await whistle.client.get(url, headers=whistle.operator("500113"))).status_code == 200
    assert (await whistle.client.get(url, headers=whistle.operator("500000"))).status_code == 200
    assert (await whistle.client.get(url, headers=whistle.admin())).status_code == 200
    for other in (whistle.dept("500113-ghzy"), whistle.operator("500114"), whistle.enterprise()):
        r = await whistle.client.get(url, headers=other)
        assert r.status_code == 403
    assert (await whistle.client.get("/v1/departments/500113-nosuch/queue", headers=whistle.admin())).status_code == 404
    bad = await whistle.client.get(url, params={"status": "sleeping"}, headers=whistle.admin())
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "unknown_state")


async def test_list_pagination_and_filters(whistle: Whistle) -> None:
    await whistle.seed()
    ids = []
    for n in range(5):
        whistle.clock.set(T0.replace(minute=n))
        ids.append((await whistle.raise_issue(title=f"用地 {n}"))["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await whistle.client.get("/v1/issues", params=params, headers=whistle.enterprise())).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    bad = await whistle.client.get("/v1/issues", params={"cursor": "garbage!"}, headers=whistle.enterprise())
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cursor")
    routed = await whistle.client.get("/v1/issues", params={"status": "routed,closed"}, headers=whistle.admin())
    assert len(routed.json()["items"]) == 5
    none = await whistle.client.get("/v1/issues", params={"category": "labour"}, headers=whistle.admin())
    assert none.json()["items"] == []
