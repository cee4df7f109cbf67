"""A tiny ASGI app that plays a credit platform over HTTP, for local runs and end-to-end tests.

It speaks the protocol of :mod:`tidu_finance_match.credit.models`:

``GET /v1/credit-reports/{uscc}`` with header ``X-Api-Key: <key>``
    200 ``{"uscc", "grade", "score", "records": [{"kind", "date", "summary"}], "report_time"}``
    (from :class:`~.simulated.SimulatedCreditPlatform`: deterministic per USCC);
    404 ``{"error": "not_found"}`` for an unknown or invalid USCC;
    401 ``{"error": "unauthorized"}`` without the right key (when a key is configured).
``GET /healthz``
    200 ``{"status": "ok"}``.
Anything else: 404; methods other than GET: 405.

No framework: a plain ASGI callable (HTTP and lifespan scopes), served by any
ASGI server. Run it on its own::

    python -m tidu_finance_match.credit.simulator_app --port 8093 --api-key dev-credit-key

and point the service at it (credit platform URL ``http://127.0.0.1:8093``).
"""

from __future__ import annotations

import argparse
import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote

from tidu_finance_match.credit.errors import CreditReportNotFound
from tidu_finance_match.credit.models import report_to_json
from tidu_finance_match.credit.simulated import SimulatedCreditPlatform

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PREFIX = "/v1/credit-reports/"
DEFAULT_DEV_API_KEY = "dev-credit-key"


class CreditSimulatorApp:
    def __init__(
        self, *, api_key: str | None = DEFAULT_DEV_API_KEY, platform: SimulatedCreditPlatform | None = None
    ) -> None:
        self.api_key = api_key
        self.platform = platform or SimulatedCreditPlatform()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        status, body = self._handle(scope)
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _handle(self, scope: Scope) -> tuple[int, dict[str, Any]]:
        path: str = scope.get("path", "")
        if scope.get("method") != "GET":
            return 405, {"error": "method_not_allowed"}
        if path == "/healthz":
            return 200, {"status": "ok"}
        if not path.startswith(PREFIX):
            return 404, {"error": "no_such_endpoint"}
        if self.api_key is not None:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not hmac.compare_digest(headers.get("x-api-key", ""), self.api_key):
                return 401, {"error": "unauthorized"}
        uscc = unquote(path[len(PREFIX) :])
        try:
            report = self.platform.report_for(uscc)
        except CreditReportNotFound:
            return 404, {"error": "not_found"}
        return 200, report_to_json(report)


def create_app(*, api_key: str | None = DEFAULT_DEV_API_KEY, unknown: Iterable[str] = ()) -> CreditSimulatorApp:
    """The app; USCCs in ``unknown`` answer 404 like enterprises the platform has never seen."""
    return CreditSimulatorApp(api_key=api_key, platform=SimulatedCreditPlatform(unknown=unknown))


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a dev entry point
    parser = argparse.ArgumentParser(description="Simulated credit platform (HTTP)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--api-key", default=DEFAULT_DEV_API_KEY, help="empty string: no key required")
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(create_app(api_key=args.api_key or None), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    main()
