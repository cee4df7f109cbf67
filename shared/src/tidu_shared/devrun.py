"""The embedded development launcher behind ``make run`` / ``tidu dev``.

Starts the development broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` is set), migrates each
service's SQLite database under ``var/``, starts the four services on ports 8001–8004, loads
the demo data in ``deploy/demo/`` through the public APIs, and prints each service's URL, docs
URL and a development token per role. Ctrl-C stops everything; children are also tied to this
process (they get SIGTERM if it dies).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tidu_shared.cli import dev_tokens
from tidu_shared.devbroker import DevBroker, die_with_parent
from tidu_shared.migrations import upgrade
from tidu_shared.services_catalog import SERVICES, ServiceInfo

DEV_KAFKA_ENV = {
    # The development broker joins a group in about half the session timeout.
    "KAFKA_SESSION_TIMEOUT_MS": "2000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
}


def repo_root() -> Path:
    here = Path.cwd()
    for p in (here, *here.parents):
        if (p / "deploy" / "demo").is_dir() and (p / "services").is_dir():
            return p
    return here


def start_service(info: ServiceInfo, env: dict[str, str], port: int, log_path: Path | None) -> subprocess.Popen[bytes]:
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            info.app_factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "10",
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )


def wait_ready(url: str, timeout_s: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        try:
            r = httpx.get(f"{url}/readyz", timeout=3)
            if r.status_code == 200:
                return
            last = r.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout_s}s: {last}")


def load_demo(root: Path, registry_url: str, admin_token: str) -> int:
    path = root / "deploy" / "demo" / "enterprises.json"
    if not path.exists():
        return 0
    n = 0
    with httpx.Client(base_url=registry_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=10) as c:
        for ent in json.loads(path.read_text("utf-8")):
            r = c.post("/v1/enterprises", json=ent)
            if r.status_code == 201:
                n += 1
            elif r.status_code != 409:
                print(f"demo enterprise {ent['uscc']}: {r.status_code} {r.text}", file=sys.stderr)
    return n


def terminate(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    # uvicorn's graceful shutdown (10 s for requests in flight) plus the lifespan's (consumers finish
    # their batch, the relay flushes: up to 5 s each) before a kill
    deadline = time.monotonic() + 30
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _raise_interrupt(_sig: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(demo: bool = True) -> int:
    root = repo_root()
    var = root / "var"
    (var / "log").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("TIDU_ENVIRONMENT", "development")
    broker: DevBroker | None = None
    procs: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            broker = DevBroker(log_path=var / "log" / "broker.log").start()
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
            for k, v in DEV_KAFKA_ENV.items():
                env.setdefault(k, v)
            print(f"broker (tansu, in memory)  {broker.bootstrap_servers}")
        for info in SERVICES:
            url = env.setdefault(f"{info.env_prefix}DATABASE_URL", f"sqlite+aiosqlite:///{var}/{info.db_name}.db")
            upgrade(info.package, info.name, url)
        for info in SERVICES:
            procs.append(start_service(info, env, info.port, var / "log" / f"{info.name}.log"))
        for info, p in zip(SERVICES, procs, strict=True):
            wait_ready(f"http://127.0.0.1:{info.port}", proc=p)
        tokens = dev_tokens()
        if demo:
            n = load_demo(root, f"http://127.0.0.1:{SERVICES[0].port}", tokens["admin"])
            print(f"demo data: {n} enterprises registered")
        print()
        for info in SERVICES:
            print(f"{info.name:14} http://127.0.0.1:{info.port}    docs http://127.0.0.1:{info.port}/docs")
        print(f"\nlogs in {var / 'log'}; databases in {var}\n\ndevelopment tokens (valid 7 days):")
        for label, tok in tokens.items():
            print(f"  {label:14} {tok}")
        print("\nCtrl-C stops everything.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print("a service exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
        return 0
    finally:
        # A second Ctrl-C or SIGTERM must not interrupt the shutdown itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        terminate(procs)
        if broker is not None:
            broker.stop()
