"""The four services as real processes (uvicorn) on free loopback ports, against the session's
broker and fresh databases — for cross-service tests, fault tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tidu_shared.devbroker import free_port
from tidu_shared.devrun import start_service, wait_ready
from tidu_shared.services_catalog import SERVICES, ServiceInfo


@dataclass
class ServiceProcess:
    info: ServiceInfo
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        self.proc = start_service(self.info, self.env, self.port, self.log_path)
        if wait:
            wait_ready(self.url, timeout_s=60, proc=self.proc)

    def kill(self) -> None:
        """kill -9."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)  # as devrun.terminate
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""


@dataclass
class Stack:
    services: dict[str, ServiceProcess]

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def url(self, name: str) -> str:
        return self.services[name].url


@contextmanager
def run_stack(
    *,
    bootstrap: str,
    database_urls: dict[str, str],
    workdir: Path,
    namespace: str,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    base = dict(os.environ)
    base.update(
        {
            "TIDU_ENVIRONMENT": "test",
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "KAFKA_NAMESPACE": namespace,
            "KAFKA_SESSION_TIMEOUT_MS": "2000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        }
    )
    base.update(extra_env or {})
    procs: dict[str, ServiceProcess] = {}
    for info in SERVICES:
        env = dict(base)
        env[f"{info.env_prefix}DATABASE_URL"] = database_urls[info.name]
        procs[info.name] = ServiceProcess(info, free_port(), env, workdir / f"{info.name}.log")
    try:
        for p in procs.values():
            p.start(wait=False)
        for p in procs.values():
            assert p.proc is not None
            wait_ready(p.url, timeout_s=60, proc=p.proc)
        yield Stack(procs)
    finally:
        for p in procs.values():
            p.stop()


def wait_until(fn: Callable[[], bool], timeout: float = 20.0, interval: float = 0.05) -> None:
    """Wait for eventual consistency with a deadline (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout} s")
