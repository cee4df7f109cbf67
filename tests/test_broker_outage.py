"""The broker stops while the services run: they stay up, /readyz turns not-ready and back, the
writes made meanwhile wait in the outbox and are delivered once the broker returns. The
development broker comes back empty (no topics, no offsets): the services recreate topics and
the inbox keeps re-read events from applying twice."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx
import pytest

from tidu_registry.domain.uscc import make_uscc
from tidu_shared.services_catalog import SERVICES
from tidu_shared.testing.stack import run_stack, wait_until

pytestmark = pytest.mark.integration

# How long the broker stays down (issue 8: 60 s).
OUTAGE_S = float(os.environ.get("TIDU_BROKER_OUTAGE_S", "60"))


def register(url: str, headers: dict[str, str], code: str) -> int:
    body = {"uscc": code, "name": f"断网企业{code[-4:]}", "district_code": "500113", "industry_code": "C3825",
            "established_on": "2019-05-05"}  # fmt: skip
    # generous: a write must answer, not answer fast (a loaded CI machine can stall a process for seconds)
    return httpx.post(f"{url}/v1/enterprises", json=body, headers=headers, timeout=30).status_code


def test_broker_outage_is_survived_and_the_outbox_delivers_afterwards(
    dev_broker_handle: Any, test_databases: Any, tmp_path: Any, auth_header: Any
) -> None:
    broker = dev_broker_handle
    urls = {s.name: test_databases.fresh(s.name) for s in SERVICES}
    admin = auth_header("admin")
    with run_stack(
        bootstrap=broker.bootstrap_servers, database_urls=urls, workdir=tmp_path, namespace=f"o{uuid.uuid4().hex[:6]}."
    ) as stack:
        reg = stack.url("registry")
        before = make_uscc()
        assert register(reg, admin, before) == 201
        broker.stop()
        stopped_at = time.monotonic()
        try:
            during = [make_uscc() for _ in range(5)]
            assert [register(reg, admin, c) for c in during] == [201] * 5  # writes keep answering
            wait_until(lambda: httpx.get(f"{reg}/readyz", timeout=5).status_code == 503, timeout=40)
            checks = httpx.get(f"{reg}/readyz", timeout=5).json()["checks"]
            assert checks["broker"] == "unreachable"
            assert checks["database"] == "ok"
            assert httpx.get(f"{reg}/healthz", timeout=5).status_code == 200
            # The rest of the outage (60 s in all): a write every few seconds still answers 201,
            # and the service stays not-ready the whole time.
            while time.monotonic() - stopped_at < OUTAGE_S:
                code = make_uscc()
                assert register(reg, admin, code) == 201
                during.append(code)
                assert httpx.get(f"{reg}/readyz", timeout=5).status_code == 503
                time.sleep(min(5.0, max(0.0, OUTAGE_S - (time.monotonic() - stopped_at))))
        finally:
            broker.start()
        wait_until(lambda: httpx.get(f"{reg}/readyz", timeout=5).status_code == 200, timeout=40)
        for svc in ("eligibility", "finance-match", "whistle"):
            for code in [before, *during]:
                u = f"{stack.url(svc)}/v1/enterprises/{code}"
                wait_until(lambda u=u: httpx.get(u, headers=admin, timeout=5).status_code == 200, timeout=60)
        assert httpx.get(f"{reg}/readyz", timeout=5).json()["checks"]["outbox_backlog"] == 0
