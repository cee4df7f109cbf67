"""Rate limits on writes per principal: a token bucket per (role, subject), per process.
Exceeding it answers 429 with ``Retry-After``. Reads are not limited here (pagination caps
bound their cost). With several replicas the effective limit is per replica; a shared limiter
(Redis, the gateway) is the production upgrade."""

from __future__ import annotations

import math
import time

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from tidu_shared.errors import ProblemError

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        tokens, last = self._state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return 0.0
        self._state[key] = (tokens, now)
        if len(self._state) > 100_000:  # bound memory: forget the oldest half
            for k in list(self._state)[: len(self._state) // 2]:
                del self._state[k]
        return (1.0 - tokens) / self.rate


class WriteRateLimitMiddleware:
    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.bucket = TokenBucket(rate, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        key = self._principal_key(scope)
        if key is not None:
            wait = self.bucket.take(key)
            if wait > 0:
                retry = max(1, math.ceil(wait))
                body = orjson.dumps(
                    {
                        "type": "https://tidu.example/problems/rate_limited",
                        "title": "请求过于频繁",
                        "status": 429,
                        "code": "rate_limited",
                        "detail": f"提交过于频繁，请 {retry} 秒后再试",
                        "detail_en": f"too many writes; retry in {retry} s",
                    }
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"retry-after", str(retry).encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _principal_key(scope: Scope) -> str | None:
        app = scope.get("app")
        verifier = getattr(getattr(app, "state", None), "token_verifier", None)
        if verifier is None:
            return None
        for k, v in scope.get("headers", ()):
            if k == b"authorization":
                scheme, _, token = v.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token:
                    return None
                try:
                    p = verifier.verify(token.strip())
                except ProblemError:
                    return None  # the route answers 401
                return f"{p.role}:{p.sub}"
        return None
