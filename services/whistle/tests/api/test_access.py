"""Who sees and does what, as a matrix: an enterprise its own issues, a department those it
leads or co-handles, a commissioner its enterprises', an operator its region's, the city and
admins all; institutions nothing. Existence does not leak (404) except to operators (403)."""

from __future__ import annotations

from typing import Any

import pytest

from tidu_whistle.testing import OTHER_USCC, USCC, Whistle


@pytest.fixture
async def two_issues(whistle: Whistle) -> tuple[Whistle, dict[str, Any], dict[str, Any]]:
    await whistle.seed(USCC, "500113", commissioner="comm-1")
    await whistle.seed(OTHER_USCC, "500114", commissioner="comm-2")
    a = await whistle.raise_issue(whistle.enterprise(USCC), category="land")  # 500113-ghzy + jxw, yq
    b = await whistle.raise_issue(whistle.enterprise(OTHER_USCC), category="labour")  # 500114-rsj + jxw
    return whistle, a, b


READERS: list[tuple[str, tuple[Any, ...], int, int]] = [
    # (who, how to build the header, status for issue A, status for issue B)
    ("own enterprise", ("enterprise", USCC), 200, 404),
    ("other enterprise", ("enterprise", OTHER_USCC), 404, 200),
    ("its commissioner", ("commissioner", "comm-1"), 200, 404),
    ("other commissioner", ("commissioner", "comm-2"), 404, 200),
    ("lead department", ("dept", "500113-ghzy"), 200, 404),
    ("co-handling department", ("dept", "500113-yq"), 200, 404),
    ("same kind, other district", ("dept", "500114-ghzy"), 404, 404),
    ("other department, same district", ("dept", "500113-rsj"), 404, 404),
    ("co-handler of B", ("dept", "500114-jxw"), 404, 200),
    ("district operator", ("operator", "500113"), 200, 403),
    ("other district operator", ("operator", "500114"), 403, 200),
    ("city operator", ("operator", "500000"), 200, 200),
    ("admin", ("admin",), 200, 200),
    ("institution", ("institution",), 403, 403),
]


def header(w: Whistle, spec: tuple[Any, ...]) -> dict[str, str]:
    kind, *args = spec
    if kind == "enterprise":
        return w.enterprise(args[0])
    if kind == "commissioner":
        return w.commissioner(args[0])
    if kind == "dept":
        return w.dept(args[0])
    if kind == "operator":
        return w.operator(args[0])
    if kind == "admin":
        return w.admin()
    return w.h("institution", sub="bank-1", inst="demo-ccb")


async def test_reading_one_issue(two_issues: Any) -> None:
    w, a, b = two_issues
    for who, spec, a_status, b_status in READERS:
        h = header(w, spec)
        for issue, expected in ((a, a_status), (b, b_status)):
            r = await w.client.get(f"/v1/issues/{issue['id']}", headers=h)
            assert r.status_code == expected, (who, r.text)
            if expected != 200:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["detail"]  # Chinese message
            r311 = await w.client.get(f"/open311/v2/requests/{issue['id']}.json", headers=h)
            assert r311.status_code == expected, (who, r311.text)


async def test_lists_show_exactly_what_one_may_read(two_issues: Any) -> None:
    w, a, b = two_issues
    for who, spec, a_status, b_status in READERS:
        h = header(w, spec)
        r = await w.client.get("/v1/issues", headers=h)
        r311 = await w.client.get("/open311/v2/requests.json", headers=h)
        if spec[0] == "institution":
            assert (r.status_code, r311.status_code) == (403, 403)
            continue
        assert r.status_code == 200, r.text
        expected = {i["id"] for i, status in ((a, a_status), (b, b_status)) if status == 200}
        assert {i["id"] for i in r.json()["items"]} == expected, who
        assert {i["service_request_id"] for i in r311.json()} == expected, who


async def test_unknown_issue_is_404(whistle: Whistle) -> None:
    r = await whistle.client.get("/v1/issues/no-such-issue", headers=whistle.admin())
    assert r.status_code == 404
    assert r.json()["code"] == "issue_not_found"


async def test_no_token_is_401(whistle: Whistle) -> None:
    for path in ("/v1/issues", "/open311/v2/services.json", "/v1/statistics"):
        assert (await whistle.client.get(path)).status_code == 401


ACTORS: list[tuple[str, tuple[Any, ...], int, str | None]] = [
    # check_in on issue A (routed to 500113-ghzy)
    ("lead department", ("dept", "500113-ghzy"), 200, None),
    ("co-handling department", ("dept", "500113-jxw"), 403, "actor_out_of_scope"),
    ("other department", ("dept", "500114-ghzy"), 404, "issue_not_found"),
    ("own enterprise", ("enterprise", USCC), 403, "actor_not_permitted"),
    ("other enterprise", ("enterprise", OTHER_USCC), 404, "issue_not_found"),
    ("its commissioner", ("commissioner", "comm-1"), 403, "actor_not_permitted"),
    ("district operator", ("operator", "500113"), 403, "actor_not_permitted"),
    ("other district operator", ("operator", "500114"), 403, "other_district"),
    ("institution", ("institution",), 403, "role_not_allowed"),
]


async def test_who_may_check_in(two_issues: Any) -> None:
    w, a, _ = two_issues
    for who, spec, status, code in sorted(ACTORS, key=lambda x: x[2] == 200):  # the lead last
        r = await w.client.post(
            f"/v1/issues/{a['id']}/actions/check_in", headers={**header(w, spec), "If-Match": '"2"'}
        )
        assert r.status_code == status, (who, r.text)
        if code is not None:
            assert r.json()["code"] == code, who


async def test_withdraw_by_owner_or_commissioner_only(two_issues: Any) -> None:
    w, a, b = two_issues
    await w.act(a, "withdraw", w.enterprise(OTHER_USCC), expect=404)
    await w.act(a, "withdraw", w.commissioner("comm-2"), expect=404)
    await w.act(a, "withdraw", w.dept("500113-ghzy"), expect=403)
    out = await w.act(a, "withdraw", w.commissioner("comm-1"))
    assert out["state"] == "withdrawn"
    assert out["timeline"][-1]["actor"] == {"role": "commissioner", "id": "comm-1", "department": None}
    out_b = await w.act(b, "withdraw", w.enterprise(OTHER_USCC))
    assert out_b["state"] == "withdrawn"


async def test_a_department_that_hands_an_issue_on_stops_seeing_it(two_issues: Any) -> None:
    w, a, _ = two_issues
    lead = w.dept("500113-ghzy")
    a = await w.act(a, "transfer", lead, note="属住建部门职责", department="500113-zjw")
    assert a["state"] == "routed"
    assert a["lead_department"]["code"] == "500113-zjw"
    await w.get(a["id"], lead, expect=404)
    await w.get(a["id"], w.dept("500113-zjw"))
    await w.get(a["id"], w.dept("500113-yq"))  # the co-handlers stay
