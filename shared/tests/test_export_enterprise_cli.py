"""``tidu export-enterprise``: the four services' data exports gathered into one file (the services'
answers stand in for them here; each service's endpoint has its own API tests)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tidu_shared.cli import main
from tidu_shared.services_catalog import SERVICES

USCC = "91500113MA5U7LXX3F"


def _transport(statuses: dict[str, int], seen: list[httpx.Request]) -> httpx.MockTransport:
    ports = {f"svc-{s.name}": s.name for s in SERVICES}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = ports[request.url.host]
        status = statuses.get(name, 200)
        assert request.url.path == f"/v1/enterprises/{USCC}/data-export"
        if status == 200:
            return httpx.Response(200, json={"service": name, "uscc": USCC, "sections": {"x": [1]}})
        return httpx.Response(status, json={"status": status, "code": "enterprise_not_found", "detail": "企业不存在"})

    return httpx.MockTransport(handler)


@pytest.fixture
def urls(monkeypatch: pytest.MonkeyPatch) -> None:
    for s in SERVICES:
        monkeypatch.setenv(f"{s.env_prefix}URL", f"http://svc-{s.name}")


def _run(monkeypatch: pytest.MonkeyPatch, transport: httpx.MockTransport, argv: list[str]) -> int:
    import tidu_shared.cli_ops as ops

    real = ops.export_enterprise

    def with_transport(uscc: str, out: Path | None, *, bearer: str | None = None) -> int:
        return real(uscc, out, bearer=bearer, transport=transport)

    monkeypatch.setattr(ops, "export_enterprise", with_transport)
    return main(argv)


def test_one_file_with_every_service(urls: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    out = tmp_path / "export.json"
    code = _run(
        monkeypatch,
        _transport({"whistle": 404}, seen),
        ["export-enterprise", USCC.lower(), "--token", "T", "--out", str(out)],
    )
    assert code == 0
    doc = json.loads(out.read_text("utf-8"))
    assert doc["uscc"] == USCC
    assert set(doc["services"]) == {s.name for s in SERVICES}
    assert doc["services"]["registry"]["sections"] == {"x": [1]}
    assert doc["services"]["whistle"]["status"] == 404  # knows nothing of it: recorded, not a failure
    assert {r.headers["authorization"] for r in seen} == {"Bearer T"}


def test_a_refusal_fails_the_command(urls: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    assert (
        _run(
            monkeypatch,
            _transport({"finance-match": 403}, []),
            ["export-enterprise", USCC, "--token", "T", "--out", str(out)],
        )
        == 1
    )
    assert json.loads(out.read_text("utf-8"))["services"]["finance-match"]["status"] == 403
