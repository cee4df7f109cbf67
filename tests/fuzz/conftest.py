"""OpenAPI fuzzing machinery: schemathesis generates requests from a service's own OpenAPI
document; they reach the service app (running in this process with its real lifespan, on a fresh
migrated database and the session broker) through a ``requests`` adapter that hands each request
to the test's event loop; every response is checked against the same document.

Bounded and reproducible: ``TIDU_FUZZ_EXAMPLES`` examples per operation, generation mode and
role (default 2), hypothesis derandomized, no example database. A larger run:
``TIDU_FUZZ_EXAMPLES=10 .venv/bin/pytest tests/fuzz -p no:randomly -s`` (about 5 minutes). The counts of each run
are written to ``<pytest tmp>/fuzz/<service>.json`` and printed (``-s``).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import random
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import requests.adapters
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

EXAMPLES = int(os.environ.get("TIDU_FUZZ_EXAMPLES", "2"))
BASE_URL = "http://testserver"

# What each generation mode must satisfy.
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MODES = ((GenerationMode.POSITIVE, POSITIVE_CHECKS), (GenerationMode.NEGATIVE, NEGATIVE_CHECKS))


class ASGIBridge(requests.adapters.HTTPAdapter):
    """A ``requests`` adapter that answers from the in-process app: the request is sent by the
    test's ``httpx.AsyncClient`` (ASGI transport) on the test's event loop, which this adapter's
    thread waits for."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.client = client
        self.loop = loop

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        body = request.body
        content = body.encode() if isinstance(body, str) else (body or b"")
        coro = self.client.request(
            str(request.method), str(request.url), headers=dict(request.headers), content=content
        )
        answer = asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)
        raw = HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=HTTPHeaderDict(list(answer.headers.multi_items())),
            status=answer.status_code,
            reason=answer.reason_phrase,
            version=11,
            preload_content=False,
            decode_content=False,
        )
        return self.build_response(request, raw)


@dataclass
class Failure:
    operation: str
    role: str
    mode: str
    status: int | None
    message: str


@dataclass
class FuzzReport:
    service: str
    examples: int = 0
    server_errors: int = 0
    failures: list[Failure] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    operations: int = 0
    unsatisfiable: list[str] = field(default_factory=list)
    seconds_in_app: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "examples_per_operation_mode_role": EXAMPLES,
            "operations": self.operations,
            "examples": self.examples,
            "server_errors": self.server_errors,
            "failures": len(self.failures),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "unsatisfiable": self.unsatisfiable,
            "seconds": round(self.seconds, 1),
            "seconds_in_app": round(self.seconds_in_app, 1),
            "failure_details": [f.__dict__ for f in self.failures[:50]],
        }

    def describe(self, limit: int = 8) -> str:
        lines = [f"{len(self.failures)} failures in {self.service}:"]
        seen: set[tuple[str, int | None]] = set()
        for f in self.failures:
            key = (f.operation, f.status)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"--- {f.operation} as {f.role} ({f.mode}) → {f.status}\n{f.message}")
            if len(seen) >= limit:
                break
        return "\n".join(lines)


_ANNOTATIONS = {"title", "description", "examples", "example"}


def _negatable(operation: Mapping[str, Any]) -> bool:
    """Whether a request can violate the operation's schema at all: it has a body, a query or
    header parameter, or a path parameter constrained beyond "a string" (a bare string path
    parameter takes any text, and hypothesis would search for a long time before giving up)."""
    if operation.get("requestBody"):
        return True
    for param in operation.get("parameters", []):
        if param.get("in") != "path":
            return True
        schema = {k: v for k, v in param.get("schema", {}).items() if k not in _ANNOTATIONS}
        if schema != {"type": "string"}:
            return True
    return False


def _summary(exc: BaseException) -> str:
    text = str(exc) or "".join(traceback.format_exception_only(type(exc), exc))
    return text[:1500]


async def fuzz_service(
    service: str,
    app: Any,
    client: httpx.AsyncClient,
    roles: Mapping[str, dict[str, str]],
    resources: Mapping[str, Sequence[Any]],
    *,
    skip: Callable[[str, str], bool] = lambda method, path: False,
    out_dir: Path,
) -> FuzzReport:
    """Fuzz every operation of ``app``'s OpenAPI document with each of ``roles`` (name →
    headers), in positive and negative generation modes. Path parameters named in
    ``resources`` take a real value half of the time, so that requests reach existing records."""
    loop = asyncio.get_running_loop()
    schema = schemathesis.openapi.from_dict(app.openapi())
    report = FuzzReport(service)

    def run_all() -> None:
        with warnings.catch_warnings():
            # schemathesis' generators use the random module inside strategies (a hypothesis
            # deprecation); derandomized runs stay reproducible regardless.
            warnings.simplefilter("ignore", HypothesisDeprecationWarning)
            _run_all()

    def _run_all() -> None:
        session = requests.Session()
        session.mount(BASE_URL, ASGIBridge(client, loop))
        for result in schema.get_all_operations():
            op = result.ok()
            if skip(op.method.upper(), op.path):
                continue
            report.operations += 1
            negatable = _negatable(op.definition.raw)
            for mode, checks in MODES:
                if mode.is_negative and not negatable:
                    continue  # nothing to send that could violate the schema
                _fuzz_operation(op, mode, checks, session)

    def _fuzz_operation(op: Any, mode: GenerationMode, checks: list[Any], session: requests.Session) -> None:
        real = [p.name for p in op.path_parameters if resources.get(p.name)]
        role_names = list(roles)
        turn = [0]

        @settings(
            max_examples=EXAMPLES * len(role_names),
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy(generation_mode=mode), pick=st.randoms(use_true_random=False))
        def one(case: Any, pick: random.Random) -> None:
            role = role_names[turn[0] % len(role_names)]  # each role in turn
            turn[0] += 1
            headers = roles[role]
            if real and mode.is_positive and pick.random() < 0.5:
                for name in real:
                    case.path_parameters[name] = pick.choice(list(resources[name]))
            report.examples += 1
            started = time.perf_counter()
            try:
                response = case.call(base_url=BASE_URL, session=session, headers=headers)
            except Exception as exc:  # the app raised through the transport: a server error
                report.server_errors += 1
                report.failures.append(Failure(op.label, role, mode.value, None, _summary(exc)))
                return
            report.seconds_in_app += time.perf_counter() - started
            report.statuses[response.status_code] += 1
            if response.status_code >= 500:
                report.server_errors += 1
            run = checks
            if mode.is_negative and (case.media_type or "").startswith("multipart/"):
                # On the wire every form field is text: "an integer instead of a file" is not a
                # violation the server can see.
                run = [c for c in checks if c is not negative_data_rejection]
            try:
                case.validate_response(response, checks=run, headers=headers)
            except (Exception, FailureGroup) as exc:
                report.failures.append(Failure(op.label, role, mode.value, response.status_code, _summary(exc)))

        try:
            one()
        except Unsatisfiable:
            report.unsatisfiable.append(f"{op.label} [{mode.value}]")

    quiet = logging.getLogger("httpx")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        started = time.perf_counter()
        await asyncio.to_thread(run_all)
        report.seconds = time.perf_counter() - started
    finally:
        quiet.setLevel(level)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report.as_dict()
    (out_dir / f"{service}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"\nfuzz {service}: {report.operations} operations, {report.examples} examples, "
        f"{report.server_errors} server errors, {len(report.failures)} check failures; statuses {data['statuses']}"
    )
    return report


@pytest.fixture
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Awaitable[FuzzReport]]:
    """``await fuzz(service, app, client, roles, resources)`` → the report of one service's run."""
    out_dir = tmp_path_factory.getbasetemp() / "fuzz"

    async def _fuzz(
        service: str,
        app: Any,
        client: httpx.AsyncClient,
        roles: Mapping[str, dict[str, str]],
        resources: Mapping[str, Sequence[Any]],
    ) -> FuzzReport:
        return await fuzz_service(service, app, client, roles, resources, out_dir=out_dir)

    return _fuzz
