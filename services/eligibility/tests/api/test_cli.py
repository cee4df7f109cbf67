"""The batch CLI: starts a run through the real API, draws the progress bar while polling GET, and
prints the summary; refusals are reported with the problem's code and exit status 2."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx

from tidu_eligibility.cli import main, progress_line


def bridged_client(async_client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, token: str) -> httpx.Client:
    """A synchronous client (the CLI's) whose requests the test's async client sends to the app."""

    def handle(request: httpx.Request) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(
            async_client.request(request.method, request.url.raw_path.decode(), content=request.content,
                                 headers=request.headers),
            loop,
        )  # fmt: skip
        r = future.result(timeout=30)
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)

    return httpx.Client(
        transport=httpx.MockTransport(handle), base_url="http://cli", headers={"Authorization": f"Bearer {token}"}
    )


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line() -> None:
    line = progress_line({"total": 10_000, "done": 3_000, "rate": 1250.4, "eta_s": 5.6, "status": "running"}, width=10)
    assert line == "[###-------]  30.0%  3,000/10,000  1,250/s  ETA 00:06  running"
    assert progress_line({"total": 0, "done": 0, "rate": None, "eta_s": None, "status": "completed"}, 4).startswith(
        "[####] 100.0%"
    )


async def test_cli_runs_a_batch_with_a_progress_bar(service: Any, registry: Any, token: Any) -> None:
    import tidu_eligibility.cli as cli

    _, client = service
    for _ in range(3):
        await registry.register(district="500113")
    sync = bridged_client(client, asyncio.get_running_loop(), token("operator", district="500113"))
    out = Tty()
    args = cli.parser().parse_args(
        ["batch", "--ruleset", "size-2011", "--district", "500113", "--url", "http://cli", "--interval", "0.01"]
    )
    status = await asyncio.to_thread(cli.batch, args, out, sync)
    text = out.getvalue()
    assert status == 0, text
    assert "\r[" in text and "100.0%  3/3" in text and "completed" in text
    assert "by result:" in text and "changes:   new 0, changed 0, unchanged 3" in text


async def test_cli_reports_a_refusal(service: Any, token: Any) -> None:
    import tidu_eligibility.cli as cli

    _, client = service
    sync = bridged_client(client, asyncio.get_running_loop(), token("operator", district="500113"))
    out = io.StringIO()
    args = cli.parser().parse_args(["batch", "--ruleset", "srdi-2026", "--district", "500114"])
    assert await asyncio.to_thread(cli.batch, args, out, sync) == 2
    assert "refused: 403 forbidden" in out.getvalue()


def test_cli_without_a_server_exits_2() -> None:
    out = io.StringIO()
    assert main(["batch", "--tier", "srdi", "--url", "http://127.0.0.1:9", "--token", "x"], out) == 2
    assert "cannot reach" in out.getvalue()
