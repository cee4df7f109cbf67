"""An enterprise registered over HTTP appears in the other three services' projections,
through the outbox, the real broker and each service's consumer."""

from __future__ import annotations

import httpx
import pytest
from stdnum.cn import uscc as stdnum_uscc

from tidu_shared.testing.stack import wait_until

pytestmark = pytest.mark.integration

PROJECTING = ("eligibility", "finance-match", "whistle")


def new_uscc() -> str:
    import random

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91500113" + "".join(random.choice(alphabet) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


def test_registered_enterprise_reaches_every_projection(stack, auth_header) -> None:  # type: ignore[no-untyped-def]
    code = new_uscc()
    admin = auth_header("admin")
    body = {
        "uscc": f"  {code.lower()} ",
        "name": "重庆示例精工有限公司",
        "district_code": "500113",
        "industry_code": "C3825",
        "established_on": "2018-04-01",
    }
    r = httpx.post(f"{stack.url('registry')}/v1/enterprises", json=body, headers=admin, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()["uscc"] == code  # normalised
    assert r.headers["location"] == f"/v1/enterprises/{code}"

    for svc in PROJECTING:
        url = f"{stack.url(svc)}/v1/enterprises/{code}"
        wait_until(lambda url=url: httpx.get(url, headers=admin, timeout=5).status_code == 200)
        got = httpx.get(url, headers=admin, timeout=5).json()
        assert got["name"] == "重庆示例精工有限公司"
        assert got["district_code"] == "500113"
        assert got["established_on"] == "2018-04-01"

    # a second registration of the same code is a conflict, and changes nothing downstream
    again = httpx.post(f"{stack.url('registry')}/v1/enterprises", json=body, headers=admin, timeout=10)
    assert again.status_code == 409
    assert again.json()["code"] == "enterprise_exists"


def test_every_service_is_ready_and_serves_offline_docs(stack) -> None:  # type: ignore[no-untyped-def]
    for name, proc in stack.services.items():
        ready = httpx.get(f"{proc.url}/readyz", timeout=5)
        assert ready.status_code == 200, (name, ready.text)
        assert ready.json()["checks"]["migrations"] == "ok"
        docs = httpx.get(f"{proc.url}/docs", timeout=5)
        assert docs.status_code == 200
        assert "cdn" not in docs.text.lower()
        asset = httpx.get(f"{proc.url}/static-offline-docs/swagger-ui-bundle.js", timeout=5)
        assert asset.status_code == 200 and len(asset.content) > 100_000


def test_enterprise_token_reads_only_itself(stack, auth_header) -> None:  # type: ignore[no-untyped-def]
    code = new_uscc()
    admin = auth_header("admin")
    r = httpx.post(
        f"{stack.url('registry')}/v1/enterprises",
        json={
            "uscc": code,
            "name": "自有企业",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2019-01-01",
        },
        headers=admin,
        timeout=10,
    )
    assert r.status_code == 201
    own = auth_header("enterprise", uscc=code)
    other = auth_header("enterprise", uscc=new_uscc())
    assert httpx.get(f"{stack.url('registry')}/v1/enterprises/{code}", headers=own, timeout=5).status_code == 200
    assert httpx.get(f"{stack.url('registry')}/v1/enterprises/{code}", headers=other, timeout=5).status_code == 404
    assert httpx.get(f"{stack.url('registry')}/v1/enterprises/{code}", timeout=5).status_code == 401
