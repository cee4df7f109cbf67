"""The 融资难 path across services: an enterprise registered at the registry asks finance-match for
financing, every institution its demand was pushed to declines, and the whistle service raises a
``financing`` issue for that enterprise — through the outbox, the real broker and each service's
consumer (registry → finance-match → whistle)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc(district: str = "500113") -> str:
    """A random valid USCC (random ids: the stack is shared by the session's tests)."""
    body = "91" + district + "".join(random.choice(ALPHABET) for _ in range(9))
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return body + ALPHABET[(31 - total % 31) % 31]


def wait_for(fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until ``fn`` returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("not reached before the deadline")


def test_a_demand_every_institution_declines_becomes_a_financing_issue(stack: Any, auth_header: Any) -> None:
    uscc = new_uscc()
    admin = auth_header("admin")
    registry, finance, whistle = stack.url("registry"), stack.url("finance-match"), stack.url("whistle")

    r = httpx.post(
        f"{registry}/v1/enterprises",
        json={
            "uscc": uscc,
            "name": "重庆示例智能装备有限公司",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2017-06-01",
        },
        headers=admin,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    wait_for(lambda: httpx.get(f"{finance}/v1/enterprises/{uscc}", headers=admin, timeout=5).status_code == 200)

    # A technical-upgrade loan secured by a mortgage and confirmed receivables: with a profile
    # only, the products without data-hungry gates match (渝链贷, 技改专项贷 …).
    r = httpx.post(
        f"{finance}/v1/demands",
        json={
            "amount": "500",
            "term_months": 12,
            "purpose": "technical_upgrade",
            "collateral_offered": ["mortgage", "receivables"],
            "has_existing_loan": False,
            "consent": {"share_with_institutions": True, "credit_lookup": True},
        },
        headers={**auth_header("enterprise", uscc=uscc), "Idempotency-Key": f"cross-{uscc}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    demand = r.json()
    cases = demand["cases"]
    assert cases, demand["match"]
    assert {c["state"] for c in cases} == {"pushed"}

    for case in cases:
        institution = auth_header("institution", inst=case["institution_code"])
        queue = httpx.get(
            f"{finance}/v1/institutions/{case['institution_code']}/queue", headers=institution, timeout=10
        )
        assert case["id"] in {item["id"] for item in queue.json()["items"]}
        declined = httpx.post(
            f"{finance}/v1/cases/{case['id']}/decline",
            json={"reason": "collateral", "note": "抵押物评估值不足"},
            headers={**institution, "If-Match": f'"{case["version"]}"'},
            timeout=10,
        )
        assert declined.status_code == 200, declined.text

    after = httpx.get(f"{finance}/v1/demands/{demand['id']}", headers=admin, timeout=10).json()
    assert after["failure"]["reason"] == "all_declined"

    def financing_issues() -> list[dict[str, Any]]:
        got = httpx.get(
            f"{whistle}/v1/issues",
            params={"category": "financing", "enterprise_uscc": uscc},
            headers=admin,
            timeout=5,
        )
        return got.json()["items"] if got.status_code == 200 else []

    items = wait_for(financing_issues)
    assert len(items) == 1
    issue = httpx.get(f"{whistle}/v1/issues/{items[0]['id']}", headers=admin, timeout=5).json()
    assert issue["category"] == "financing" and issue["district"] == "500113"
    assert issue["source"] == "financing_failed"
    assert demand["id"] in issue["description"]
    assert "抵押物评估值不足" in issue["description"] or "担保或抵押不足" in issue["description"]
    # the district's financial office leads it
    assert issue["lead_department"] is not None
