"""Registry ``GET /v1/enterprises/{uscc}`` under load (wrk, 2 threads, 32 connections, 10 s,
rotating over the seeded enterprises) beside the floor measured in the same run: a bare
FastAPI JSON endpoint with the same uvicorn settings (one process, no access log).

Needs ``wrk`` (Debian package ``wrk``; ``make bench`` installs it when missing and apt is usable).

    .venv/bin/python -m bench.http_load_bench [--profile DIR] [--postgres URL]

``--postgres URL``: the registry on PostgreSQL (a throw-away server's admin URL, e.g. from
``scripts/postgres.sh start``; a fresh database is created in it) instead of SQLite.

``--profile DIR``: py-spy samples the registry's uvicorn process during its wrk run and writes a
flame graph (``registry.svg``) and the collapsed stacks (``registry.txt``) to DIR (needs ``py-spy``
and the permission to attach to a child process).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Figure, print_table
from tidu_registry.domain.uscc import make_uscc
from tidu_shared.cli import dev_tokens
from tidu_shared.devbroker import DevBroker, die_with_parent, free_port
from tidu_shared.devrun import wait_ready
from tidu_shared.migrations import upgrade

SEED = 200


def uvicorn(target: str, port: int, env: dict[str, str], log: Path, factory: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    if factory:
        cmd.append("--factory")
    return subprocess.Popen(cmd, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT, preexec_fn=die_with_parent)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, headers: dict[str, str], paths: list[str], seconds: int = 10) -> tuple[float, float, float]:
    """Requests/s and the p50 and p99 latency (ms) of one wrk run."""
    script = Path(tempfile.mkdtemp()) / "rotate.lua"
    lua_paths = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{lua_paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n",
        encoding="utf-8",
    )
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"wrk saw {non2xx.group(1)} error responses:\n{out}")
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    assert m and p50 and p99, out
    return float(m.group(1)), _ms(*p50.groups()), _ms(*p99.groups())


def _fresh_postgres(admin_url: str) -> str:
    from tidu_shared.testing.databases import ServiceDatabases

    os.environ["TIDU_TEST_POSTGRES_URL"] = admin_url  # where ServiceDatabases creates the database
    return ServiceDatabases(Path(tempfile.mkdtemp(prefix="tidu-http-pg-")), "httpbench").fresh("registry")


def run(profile: Path | None = None, postgres: str | None = None) -> list[Figure]:
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install wrk", file=sys.stderr)
        return []
    work = Path(tempfile.mkdtemp(prefix="tidu-http-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        db_url = _fresh_postgres(postgres) if postgres else f"sqlite+aiosqlite:///{work}/registry.db"
        upgrade("tidu_registry", "registry", db_url)
        env = dict(
            os.environ,
            TIDU_ENVIRONMENT="test",
            KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
            TIDU_REGISTRY_DATABASE_URL=db_url,
            TIDU_REGISTRY_LOG_LEVEL="WARNING",
            TIDU_REGISTRY_WRITE_RATE_PER_S="100000",
            TIDU_REGISTRY_WRITE_BURST="100000",
        )
        reg_port, bare_port = free_port(), free_port()
        procs.append(uvicorn("tidu_registry.app:create_app", reg_port, env, work / "registry.log", factory=True))
        procs.append(uvicorn("bench.bare_app:app", bare_port, env, work / "bare.log", factory=False))
        wait_ready(f"http://127.0.0.1:{reg_port}", proc=procs[0])
        token = dev_tokens()["admin"]
        headers = {"Authorization": f"Bearer {token}"}
        codes = [make_uscc(seed=i) for i in range(SEED)]
        with httpx.Client(base_url=f"http://127.0.0.1:{reg_port}", headers=headers, timeout=10) as c:
            for code in codes:
                r = c.post(
                    "/v1/enterprises",
                    json={
                        "uscc": code,
                        "name": "压测企业",
                        "district_code": "500113",
                        "industry_code": "C3825",
                        "established_on": "2018-01-01",
                    },
                )
                assert r.status_code in (201, 409), r.text
        for _ in range(50):
            try:
                if httpx.get(f"http://127.0.0.1:{bare_port}/v1/enterprises/x", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        paths = [f"/v1/enterprises/{c}" for c in codes]
        floor = wrk(f"http://127.0.0.1:{bare_port}", headers, paths)
        spies: list[subprocess.Popen[bytes]] = []
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            for fmt, name in (("flamegraph", "registry.svg"), ("raw", "registry.txt")):
                cmd = [spy, "record", "-p", str(procs[0].pid), "-d", "9", "-r", "200", "-f", fmt]
                cmd += ["-o", str(profile / name), "--nonblocking", "--threads"]
                spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        value = wrk(f"http://127.0.0.1:{reg_port}", headers, paths)
        for spy in spies:
            spy.wait(timeout=60)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        broker.stop()
    backend = "PostgreSQL" if postgres else "SQLite"
    return [
        Figure(
            f"registry GET /v1/enterprises/{{uscc}} under wrk ({backend})",
            value[0],
            "req/s",
            floor[0],
            "bare FastAPI endpoint",
        ),
        Figure("  the same: latency p50", value[1], "ms", floor[1], "bare FastAPI endpoint"),
        Figure("  the same: latency p99", value[2], "ms", floor[2], "bare FastAPI endpoint"),
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", type=Path, default=None, help="py-spy the registry into this folder")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL admin URL: run the registry on it")
    args = parser.parse_args()
    print_table(run(args.profile, args.postgres))
