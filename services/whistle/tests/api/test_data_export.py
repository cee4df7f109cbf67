"""``GET /v1/enterprises/{uscc}/data-export``: everything whistle holds about one enterprise (its
issues with their departments and timelines, its ratings), for the enterprise itself, operators of
its district and admins; numbers written into free text masked."""

from __future__ import annotations

import pytest

from tidu_whistle.testing import USCC, Whistle

OTHER = "91500113MA5U9ABC2L"
LEAD = "500113-ghzy"


async def test_export_holds_issues_timelines_and_ratings(whistle: Whistle) -> None:
    await whistle.seed(USCC)
    await whistle.seed(OTHER)
    issue = await whistle.raise_issue(description="扩建二期厂房需新增工业用地 30 亩，联系人手机 13812345678。")
    await whistle.raise_issue(whistle.enterprise(OTHER), title="另一家企业的诉求")
    lead = whistle.dept(LEAD)
    issue = await whistle.act(issue, "check_in", lead)
    issue = await whistle.act(issue, "resolve", lead, note="已回电 13987654321 说明政策")
    me = whistle.enterprise()
    issue = await whistle.act(issue, "confirm", me)
    r = await whistle.client.post(
        f"/v1/issues/{issue['id']}/rating",
        json={"score": 4, "comment": "较及时"},
        headers={**me, "If-Match": f'"{issue["version"]}"'},
    )
    assert r.status_code == 200, r.text

    for headers in (me, whistle.operator("500113"), whistle.operator("500000"), whistle.admin()):
        r = await whistle.client.get(f"/v1/enterprises/{USCC}/data-export", headers=headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert (doc["service"], doc["uscc"]) == ("whistle", USCC)
        sec = doc["sections"]
        assert sec["profile"]["uscc"] == USCC
        assert [i["id"] for i in sec["issues"]] == [issue["id"]]
        exported = sec["issues"][0]
        assert exported["description"].endswith("联系人手机 138****5678。")
        assert {d["department"] for d in exported["departments"]} >= {LEAD}
        actions = [t["action"] for t in exported["timeline"]]
        assert actions[:2] == ["submit", "route"] and actions[-1] == "rate"
        assert any(t["note"] == "已回电 139****4321 说明政策" for t in exported["timeline"])
        assert sec["ratings"] == [{"issue_id": issue["id"], "rating": 4, "flagged_for_review": False}]
        assert "13812345678" not in r.text and "13987654321" not in r.text
        assert "另一家企业的诉求" not in r.text


@pytest.mark.parametrize(
    ("role", "scope", "status", "code"),
    [
        ("enterprise", {"uscc": OTHER}, 404, "enterprise_not_found"),
        ("operator", {"district": "500114"}, 403, "other_district"),
        ("department", {"dept": LEAD}, 403, "role_not_allowed"),
        ("commissioner", {}, 403, "role_not_allowed"),
        ("institution", {"inst": "demo-ccb"}, 403, "role_not_allowed"),
    ],
)
async def test_export_refused_to_others(
    whistle: Whistle, role: str, scope: dict[str, str], status: int, code: str
) -> None:
    await whistle.seed(USCC)
    await whistle.raise_issue()
    r = await whistle.client.get(f"/v1/enterprises/{USCC}/data-export", headers=whistle.h(role, **scope))
    assert (r.status_code, r.json()["code"]) == (status, code)
