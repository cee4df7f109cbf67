"""Bugs found by tests/fuzz (schemathesis over the OpenAPI document), each pinned here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.parametrize(
    "path",
    ["/v1/rulesets/srdi-2026", "/v1/candidates?tier=srdi", "/v1/enterprises/91500113MA5U8XYZ1K/evaluations/srdi"],
)
@pytest.mark.parametrize("value", ["0.0", "1700000000"])
async def test_as_of_must_be_an_iso_day_not_a_number(
    service: tuple[Any, Any], auth_header: Callable[..., dict[str, str]], path: str, value: str
) -> None:
    _, client = service
    sep = "&" if "?" in path else "?"
    r = await client.get(f"{path}{sep}as_of={value}", headers=auth_header("admin"))
    assert r.status_code == 422, r.text  # was read as a Unix time (1970-01-01 for 0.0)
    assert r.json()["errors"][0]["message"] == "日期格式应为 YYYY-MM-DD"


async def test_as_of_still_takes_an_iso_day(
    service: tuple[Any, Any], auth_header: Callable[..., dict[str, str]]
) -> None:
    _, client = service
    r = await client.get("/v1/rulesets/srdi-2026?as_of=2026-06-01", headers=auth_header("admin"))
    assert r.status_code == 200, r.text
