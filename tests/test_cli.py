"""The ``tidu`` command line against the four running services."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tidu_registry.domain.uscc import make_uscc
from tidu_shared.cli import main
from tidu_shared.services_catalog import SERVICES
from tidu_shared.testing.stack import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for s in SERVICES:
        monkeypatch.setenv(f"{s.env_prefix}URL", stack.url(s.name))
    monkeypatch.delenv("TIDU_TOKEN", raising=False)
    return stack


def test_status_shows_every_service_ready(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    for s in SERVICES:
        assert f"{s.name}" in out
    assert out.count("READY") == len(SERVICES)
    assert "NOT READY" not in out


def test_dead_letters_listing(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dead-letters", "whistle"]) == 0
    assert "no dead letters" in capsys.readouterr().out


def test_batch_runs_to_completion_with_a_progress_bar(
    cli_env: Any, auth_header: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = make_uscc()
    r = httpx.post(
        f"{cli_env.url('registry')}/v1/enterprises",
        json={
            "uscc": code,
            "name": "批量企业",
            "district_code": "500113",
            "industry_code": "C3825",
            "established_on": "2018-01-01",
        },
        headers=auth_header("admin"),
        timeout=10,
    )
    assert r.status_code == 201
    # the batch covers what eligibility has projected: wait until the registration has arrived there
    wait_until(
        lambda: (
            httpx.get(
                f"{cli_env.url('eligibility')}/v1/enterprises/{code}", headers=auth_header("admin"), timeout=10
            ).status_code
            == 200
        )
    )
    assert main(["batch", "--ruleset", "size-2011", "--district", "500113"]) == 0
    out = capsys.readouterr().out
    assert "[" in out and "100.0%" in out
