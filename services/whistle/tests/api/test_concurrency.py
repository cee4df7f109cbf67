"""Optimistic concurrency: ETag = version; a change needs If-Match (428 without, 400 malformed,
412 stale); a transition the state does not allow is 409."""

from __future__ import annotations

import asyncio

from tidu_whistle.testing import USCC, Whistle

LEAD = "500113-ghzy"


async def test_if_match_is_required_and_checked(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    url = f"/v1/issues/{issue['id']}/actions/check_in"
    lead = whistle.dept(LEAD)

    missing = await whistle.client.post(url, headers=lead)
    assert missing.status_code == 428
    assert missing.json()["code"] == "if_match_required"
    assert "If-Match" in missing.json()["detail"]

    for bad in ("*", "abc", '"2", "3"'):
        malformed = await whistle.client.post(url, headers={**lead, "If-Match": bad})
        assert malformed.status_code == 400, bad
        assert malformed.json()["code"] == "invalid_if_match"

    stale = await whistle.client.post(url, headers={**lead, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_conflict"
    assert stale.json()["details"] == {"expected": 1, "actual": 2}

    for accepted in ('W/"2"',):
        ok = await whistle.client.post(url, headers={**lead, "If-Match": accepted})
        assert ok.status_code == 200, ok.text
        assert ok.headers["etag"] == '"3"'

    # the same request again is now stale
    again = await whistle.client.post(url, headers={**lead, "If-Match": '"2"'})
    assert again.status_code == 412


async def test_illegal_transitions_are_409(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/resolve",
        json={"note": "已办结"},
        headers={**whistle.dept(LEAD), "If-Match": '"2"'},
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "illegal_transition"
    assert body["detail"] == "诉求当前状态不允许该操作"
    assert body["details"] == {"state": "routed", "action": "resolve"}
    confirm = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/confirm", headers={**whistle.enterprise(), "If-Match": '"2"'}
    )
    assert confirm.status_code == 409


async def test_a_missing_reason_or_department_is_422(whistle: Whistle) -> None:
    await whistle.seed()
    issue = await whistle.raise_issue()
    lead = whistle.dept(LEAD)
    r = await whistle.client.post(f"/v1/issues/{issue['id']}/actions/return", headers={**lead, "If-Match": '"2"'})
    assert (r.status_code, r.json()["code"]) == (422, "reason_required")
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/transfer", json={"note": "不归我管"}, headers={**lead, "If-Match": '"2"'}
    )
    assert (r.status_code, r.json()["code"]) == (422, "department_required")
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/transfer",
        json={"note": "不归我管", "department": "500113-nosuch"},
        headers={**lead, "If-Match": '"2"'},
    )
    assert (r.status_code, r.json()["code"]) == (404, "unknown_department")
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/transfer",
        json={"note": "不归我管", "department": "ghzy"},
        headers={**lead, "If-Match": '"2"'},
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_department_code")
    r = await whistle.client.post(f"/v1/issues/{issue['id']}/actions/fly", json={}, headers={**lead, "If-Match": '"2"'})
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/actions/check_in", json={"unexpected": 1}, headers={**lead, "If-Match": '"2"'}
    )
    assert (r.status_code, r.json()["errors"][0]["code"]) == (422, "extra_forbidden")


async def test_two_writers_at_the_same_version_one_wins(whistle: Whistle) -> None:
    await whistle.seed(USCC)
    issue = await whistle.raise_issue()
    issue = await whistle.act(issue, "check_in", whistle.dept(LEAD))
    headers = {**whistle.dept(LEAD), "If-Match": f'"{issue["version"]}"'}
    url = f"/v1/issues/{issue['id']}/actions/"
    results = await asyncio.gather(
        whistle.client.post(url + "start", headers=headers),
        whistle.client.post(url + "comment", json={"note": "同时"}, headers=headers),
    )
    assert sorted(r.status_code for r in results) == [200, 412]
    final = await whistle.get(issue["id"], whistle.admin())
    assert final["version"] == issue["version"] + 1
