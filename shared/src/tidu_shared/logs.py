"""Logging with a request id in every line, and the request-id middleware.

``X-Request-ID`` is taken from the request (or made) and returned; inside a request every log
record carries it. Consumers set it to the event id they handle.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from stdnum.cn.ric import calc_check_digit as identity_check_digit

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
event_id_var: ContextVar[str] = ContextVar("event_id", default="")

# Never written to logs, whatever a message or an extra field carries (personal data, secrets).
# A resident identity number: 6-digit region, birth date (YYYYMMDD), 3-digit sequence, check
# character. The date keeps most enterprise codes (USCCs of digits only) from being taken for one.
_BIRTH_DATE = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_IDENTITY = r"(\d{6})(" + _BIRTH_DATE + r")(\d{3}[0-9X])"
_REDACT = re.compile(
    r"(?<![0-9A-Z])" + _IDENTITY + r"(?![0-9A-Z])"  # resident identity numbers
    r"|(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)"  # mobile phones
)
_IDENTITY_FULL = re.compile(_IDENTITY)


def looks_like_identity_number(text: str) -> bool:
    """``text`` has the shape of a resident identity number and its check character holds (GB 11643:
    ISO 7064 MOD 11-2, as python-stdnum's ``cn.ric`` computes it)."""
    return _IDENTITY_FULL.fullmatch(text) is not None and identity_check_digit(text[:17]) == text[17]


def redact(text: str) -> str:
    def _mask(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)}********{m.group(3)[-4:]}"
        return f"{m.group(4)}****{m.group(6)}"

    return _REDACT.sub(_mask, text)


def current_trace_id() -> str:
    try:
        from opentelemetry import trace

        ctx = trace.get_current_span().get_span_context()
        return f"{ctx.trace_id:032x}" if ctx.is_valid else ""
    except Exception:
        return ""


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.event_id = event_id_var.get()
        record.trace_id = current_trace_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, request_id, trace_id,
    event_id (and the exception, if any). Identity and phone numbers are masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        import orjson

        out = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
            "trace_id": getattr(record, "trace_id", ""),
            "event_id": getattr(record, "event_id", ""),
        }
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(out).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_tidu", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._tidu = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter(service)
        formatter.converter = time.gmtime  # type: ignore[assignment]
    else:
        formatter = TextFormatter(f"%(asctime)s %(levelname)s {service} [%(request_id)s] %(name)s: %(message)s")
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Pure ASGI middleware (cheap): sets the request id context and echoes the header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for k, v in scope.get("headers", ()):
            if k == b"x-request-id":
                rid = v.decode("latin-1")[:100]
                break
        rid = rid or uuid.uuid4().hex
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Refuses bodies larger than ``max_bytes`` with 413 problem+json (checked on
    Content-Length and while streaming)."""

    def __init__(self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    def _limit(self, path: str) -> int:
        for prefix, n in self.overrides.items():
            if path.startswith(prefix):
                return n
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        for k, v in scope.get("headers", ()):
            if k == b"content-length" and v.isdigit() and int(v) > limit:
                await _too_large(send, limit)
                return
        seen = 0
        too_large = False

        async def _receive() -> Message:
            nonlocal seen, too_large
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    too_large = True
                    raise _BodyTooLarge
            return msg

        try:
            await self.app(scope, _receive, send)
        except _BodyTooLarge:
            await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    import orjson

    body = orjson.dumps(
        {
            "type": "https://tidu.example/problems/payload_too_large",
            "title": "请求体过大",
            "status": 413,
            "code": "payload_too_large",
            "detail": f"请求体超过允许的大小（{limit} 字节）",
            "detail_en": f"request body larger than {limit} bytes",
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
