"""The authorization matrix tests itself: docs/authorization-matrix.yaml says, for every endpoint of
the four services, which role may call it on which tenant; this walks the live route tables of the
four apps × every role (and the city operator) × the role's own and another tenant, and checks every
answer.

* allowed: not 401, 403 or 404 (and no 5xx); a list ruled ``own …, else hidden`` shows the own
  tenant's records and not the other tenant's;
* refused: exactly the table's 403 or 404;
* without a token: 401 everywhere but the public operations endpoints;
* a live endpoint without an entry, and an entry without a live endpoint, fail.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tidu_shared.services_catalog import SERVICES


def _load(name: str) -> ModuleType:
    """The helpers next to this file (test modules are imported with --import-mode=importlib)."""
    qualified = f"tidu_security_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


authz = _load("authz_matrix")
worlds = _load("worlds")

WORLDS: dict[str, type[Any]] = {
    "registry": worlds.RegistryWorld,
    "eligibility": worlds.EligibilityWorld,
    "finance-match": worlds.FinanceWorld,
    "whistle": worlds.WhistleWorld,
}


def _app(name: str) -> Any:
    from tidu_shared.services_catalog import service

    info = service(name)
    settings = importlib.import_module(f"{info.package}.settings").Settings(database_url="sqlite+aiosqlite://")
    return importlib.import_module(f"{info.package}.app").create_app(settings)


def test_the_rendering_is_current() -> None:
    """docs/authorization-matrix.md is the table's rendering (``python tests/security/authz_matrix.py``)."""
    assert authz.RENDERING.read_text(encoding="utf-8") == authz.render(authz.load()), (
        "docs/authorization-matrix.md is stale: run `python tests/security/authz_matrix.py`"
    )


def test_every_live_endpoint_has_exactly_one_entry() -> None:
    """Both ways: a live endpoint without an entry, an entry without a live endpoint (the walk of each
    service below also checks its route table against its OpenAPI document)."""
    matrix = authz.load()
    assert set(matrix.entries) == {s.name for s in SERVICES}
    problems = []
    for s in SERVICES:
        live = authz.live_operations(_app(s.name), cross_check=False)
        problems += authz.coverage_problems(matrix, s.name, live)
    assert problems == [], "\n".join(problems)


def check(matrix: Any, service: str, answers: list[Any], world: Any) -> list[str]:
    wrong: list[str] = []
    entries = matrix.entries[service]
    for a in answers:
        where = f"{service} {a.key}" + (f" [{entries[a.key].variant_param}={a.variant}]" if a.variant else "")
        got = f"{a.status}" + (f" {a.code}" if a.code else "")
        if a.role == "no token":
            if a.status != 401:
                wrong.append(f"{where} without a token: expected 401, got {got}")
            continue
        rule = entries[a.key].rules[a.variant][a.role]
        who = f"{where} as {a.role} on the {a.side} tenant ({rule.text!r})"
        if rule.allowed(a.side):
            if a.status in (401, 403, 404) or a.status >= 500:
                wrong.append(f"{who}: expected to be allowed, got {got}")
            elif rule.hides_other and a.status < 300:
                shown = [m for m in world.other_markers if m in a.body]
                if shown:
                    wrong.append(f"{who}: the answer shows the other tenant's {shown}")
                own = a.key in world.aggregates or any(m in a.body for m in world.own_markers)
                if a.side == "own" and not own:  # an empty list would hide the other tenant trivially
                    wrong.append(f"{who}: the list shows none of its own tenant's records")
        elif a.status != rule.denial(a.side):
            wrong.append(f"{who}: expected {rule.denial(a.side)}, got {got}")
    return wrong


@pytest.fixture
def quiet_http_log() -> Iterator[None]:
    """Some 2,000 requests: httpx's INFO line for each is noise in a failure's captured log."""
    log = logging.getLogger("httpx")
    level = log.level
    log.setLevel(logging.WARNING)
    yield
    log.setLevel(level)


@pytest.mark.usefixtures("quiet_http_log")
@pytest.mark.parametrize("service", list(WORLDS))
async def test_the_matrix(service: str, app_client_factory: Any, token: Callable[..., str]) -> None:
    matrix = authz.load()
    world_type = WORLDS[service]
    async with app_client_factory(service, write_rate_per_s=100_000.0, write_burst=100_000, **world_type.overrides) as (
        app,
        client,
    ):
        live = authz.live_operations(app)
        problems = authz.coverage_problems(matrix, service, live)
        world = world_type(app, client, token)
        await world.seed()
        entries = {k: e for k, e in matrix.entries[service].items() if k in live}
        answers = await worlds.walk(world, {k: list(e.rules) for k, e in entries.items()}, authz.PRINCIPALS)
    wrong = problems + check(matrix, service, answers, world)
    assert wrong == [], f"{len(wrong)} of {len(answers)} answers disagree with the table:\n" + "\n".join(wrong)
