"""Every access rule as a table: role × own/other × what is read or changed about one enterprise.

An operator sees and edits its own district (city operators and admins all); an enterprise only
itself (another enterprise's records: 404, existence does not leak); a commissioner reads its
enterprises and writes their plans; others 403; no token 401. Each actor gets an enterprise of its own
in 巴南区 (500113) so that the writes do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tidu_registry.domain.uscc import make_uscc

READS = ["profile", "as_of", "history", "indicators", "qualifications", "pool", "ladder", "plan", "commissioner"]
WRITES = ["edit", "figures", "grant", "pool_move", "white_list", "plan_goal", "assign"]

OK_READ = dict.fromkeys(READS, 200)
AUTHORITY = {
    "edit": 200,
    "figures": 200,
    "grant": 201,
    "pool_move": 201,
    "white_list": 201,
    "plan_goal": 201,
    "assign": 200,
}


def everything(code: int) -> dict[str, int]:
    return dict.fromkeys(READS + WRITES, code)


EXPECTED: dict[str, dict[str, int]] = {
    "admin": {**OK_READ, **AUTHORITY},
    "city operator": {**OK_READ, **AUTHORITY},
    "operator of its district": {**OK_READ, **AUTHORITY},
    "operator of another district": everything(403),
    "the enterprise itself": {
        **OK_READ,
        "edit": 200,
        "figures": 200,
        "grant": 403,
        "pool_move": 403,
        "white_list": 403,
        "plan_goal": 403,
        "assign": 403,
    },
    "another enterprise": everything(404),
    "its commissioner": {
        **OK_READ,
        "edit": 403,
        "figures": 403,
        "grant": 403,
        "pool_move": 403,
        "white_list": 403,
        "plan_goal": 201,
        "assign": 403,
    },
    "another commissioner": everything(403),
    "department": everything(403),
    "institution": everything(403),
    "no token": everything(401),
}


def actors(reg: Any, code: str) -> dict[str, Callable[[], dict[str, str]]]:
    return {
        "admin": lambda: reg.admin,
        "city operator": lambda: reg.op("500000"),
        "operator of its district": lambda: reg.op("500113"),
        "operator of another district": lambda: reg.op("500114"),
        "the enterprise itself": lambda: reg.ent(code),
        "another enterprise": lambda: reg.ent(make_uscc()),
        "its commissioner": lambda: reg.comm("c-own"),
        "another commissioner": lambda: reg.comm("c-other"),
        "department": lambda: reg.h("department", dept="500113-kjj"),
        "institution": lambda: reg.h("institution", inst="demo-ccb"),
        "no token": lambda: {},
    }


async def _try_everything(reg: Any, code: str, headers: dict[str, str]) -> dict[str, int]:
    c = reg.client
    e = f"/v1/enterprises/{code}"
    out: dict[str, int] = {}
    reads = {
        "profile": e,
        "as_of": f"{e}?as_of=2099-01-01",
        "history": f"{e}/history",
        "indicators": f"{e}/indicators",
        "qualifications": f"{e}/qualifications",
        "pool": f"{e}/pool",
        "ladder": f"{e}/ladder",
        "plan": f"{e}/plan",
        "commissioner": f"{e}/commissioner",
    }
    for name, url in reads.items():
        out[name] = (await c.get(url, headers=headers)).status_code
    out["edit"] = (await c.patch(e, json={"own_brand": True}, headers=headers)).status_code
    out["figures"] = (await c.put(f"{e}/indicators/2024", json=reg.indicators(), headers=headers)).status_code
    out["grant"] = (
        await c.post(
            f"{e}/qualifications",
            json={"kind": "tech_sme", "level": "provincial", "document_no": make_uscc(), "granted_on": "2024-01-01"},
            headers=headers,
        )
    ).status_code
    out["pool_move"] = (
        await c.post(f"{e}/pool/moves", json={"to_stage": "reserve", "reason": "决定"}, headers=headers)
    ).status_code
    out["white_list"] = (
        await c.post(
            f"{e}/white-list", json={"list_code": "w", "effective_from": "2025-01-01", "reason": "x"}, headers=headers
        )
    ).status_code
    out["plan_goal"] = (await c.post(f"{e}/plan/goals", json={"title": "目标"}, headers=headers)).status_code
    out["assign"] = (await c.put(f"{e}/commissioner", json={"commissioner_id": "c-new"}, headers=headers)).status_code
    return out


async def test_access_matrix_for_one_enterprise(reg: Any) -> None:
    await reg.commissioner("c-own")
    await reg.commissioner("c-other")
    await reg.commissioner("c-new")
    actual: dict[str, dict[str, int]] = {}
    for actor in EXPECTED:
        code = (await reg.register())["uscc"]
        await reg.assign(code, "c-own")
        actual[actor] = await _try_everything(reg, code, actors(reg, code)[actor]())
    assert actual == EXPECTED


async def test_access_matrix_for_qualification_and_plan_items(reg: Any) -> None:
    """Records reached by their own id (qualification, plan goal, white-list entry) follow the same rules."""
    await reg.commissioner("c-own")
    expected = {
        "admin": (200, 200, 204, 204),
        "operator of its district": (200, 200, 204, 204),
        "operator of another district": (403, 403, 403, 403),
        "the enterprise itself": (200, 403, 403, 403),
        "another enterprise": (404, 404, 404, 404),
        "its commissioner": (200, 403, 204, 403),
        "another commissioner": (403, 403, 403, 403),
        "department": (403, 403, 403, 403),
    }
    actual = {}
    for actor in expected:
        code = (await reg.register())["uscc"]
        await reg.assign(code, "c-own")
        q = await reg.grant(code, granted_on="2022-01-01")
        goal = (
            await reg.client.post(f"/v1/enterprises/{code}/plan/goals", json={"title": "g"}, headers=reg.admin)
        ).json()["id"]
        entry = (
            await reg.client.post(
                f"/v1/enterprises/{code}/white-list",
                json={"list_code": "w", "effective_from": "2025-01-01", "reason": "x"},
                headers=reg.admin,
            )
        ).json()["id"]
        h = actors(reg, code)[actor]()
        actual[actor] = (
            (await reg.client.get(f"/v1/qualifications/{q['id']}", headers=h)).status_code,
            (
                await reg.client.post(
                    f"/v1/qualifications/{q['id']}/renewals", json={"reviewed_on": "2024-12-01"}, headers=h
                )
            ).status_code,
            (await reg.client.patch(f"/v1/plan/goals/{goal}", json={"status": "done"}, headers=h)).status_code,
            (
                await reg.client.post(f"/v1/white-list/{entry}/end", json={"effective_to": "2025-06-01"}, headers=h)
            ).status_code,
        )
    assert actual == expected


async def test_registry_wide_operations(reg: Any) -> None:
    """Import, export, jobs, commissioners, districts, targets: operators and admins (districts: the city)."""
    code = make_uscc()
    who = {
        "admin": reg.admin,
        "district operator": reg.op("500113"),
        "enterprise": reg.ent(code),
        "commissioner": reg.comm("c1"),
        "department": reg.h("department", dept="500113-kjj"),
    }
    csv = f"uscc,name,district_code,industry_code,established_on\n{code},重庆矩阵公司,500113,C3825,2018-01-01\n"
    actual = {}
    for name, h in who.items():
        actual[name] = (
            (await reg.client.get("/v1/exports/enterprises", params={"format": "csv"}, headers=h)).status_code,
            (await reg.client.get("/v1/commissioners", headers=h)).status_code,
            (await reg.client.get("/v1/targets", headers=h)).status_code,
            (await reg.client.get("/v1/white-list", headers=h)).status_code,
            (
                await reg.client.post(
                    "/v1/districts",
                    json={"code": "510105", "name": "青羊区", "province": "四川省", "kind": "district"},
                    headers=h,
                )
            ).status_code,
            (await reg.client.post("/v1/imports", files={"file": ("a.csv", csv.encode())}, headers=h)).status_code,
        )
    assert actual == {
        "admin": (200, 200, 200, 200, 201, 201),
        "district operator": (200, 200, 200, 200, 403, 201),
        "enterprise": (403, 403, 403, 403, 403, 403),
        "commissioner": (403, 403, 403, 403, 403, 403),
        "department": (403, 403, 403, 403, 403, 403),
    }
