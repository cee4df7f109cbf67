"""Operations commands of ``tidu`` that talk to running services over HTTP.

Service URLs come from ``TIDU_<SERVICE>_URL`` (default ``http://127.0.0.1:800N``); the bearer
token from ``TIDU_TOKEN`` (outside production a development admin token is minted when unset).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tidu_shared.services_catalog import SERVICES, service


def base_url(name: str) -> str:
    info = service(name)
    return os.environ.get(f"{info.env_prefix}URL", f"http://127.0.0.1:{info.port}")


def token() -> str:
    tok = os.environ.get("TIDU_TOKEN")
    if tok:
        return tok
    if os.environ.get("TIDU_ENVIRONMENT") == "production":
        sys.exit("set TIDU_TOKEN to an admin token from your identity provider")
    from tidu_shared.cli import dev_tokens

    return dev_tokens(ttl_s=3600)["admin"]


def client(name: str, timeout: float = 30.0) -> httpx.Client:
    return httpx.Client(base_url=base_url(name), headers={"Authorization": f"Bearer {token()}"}, timeout=timeout)


def status() -> int:
    """One line per service: ready or not, and why."""
    worst = 0
    for s in SERVICES:
        url = base_url(s.name)
        try:
            r = httpx.get(f"{url}/readyz", timeout=5)
            body = r.json()
            checks = ", ".join(f"{k}={v}" for k, v in body.get("checks", {}).items())
            state = "READY" if r.status_code == 200 else "NOT READY"
            worst = max(worst, 0 if r.status_code == 200 else 1)
        except (httpx.HTTPError, ValueError) as exc:
            state, checks, worst = "DOWN", type(exc).__name__, 2
        print(f"{s.name:14} {state:10} {url:28} {checks}")
    return worst


def dead_letters(name: str, replay: int | None) -> int:
    with client(name) as c:
        if replay is not None:
            r = c.post(f"/v1/dead-letters/{replay}/replay")
            print(json.dumps(r.json(), ensure_ascii=False))
            return 0 if r.status_code == 200 else 1
        r = c.get("/v1/dead-letters")
        r.raise_for_status()
        rows = r.json()
        if not rows:
            print("no dead letters")
        for d in rows:
            state = f"replayed {d['replayed_at']}" if d["replayed_at"] else "parked"
            head = f"#{d['id']:<6} {d['created_at'][:19]}  {d['consumer']}  {d['event_type'] or '?'}  {state}"
            print(f"{head}\n        {d['error']}")
    return 0


def import_file(path: Path) -> int:
    with client("registry", timeout=600) as c:
        r = c.post("/v1/imports", files={"file": (path.name, path.read_bytes())})
    body = r.json()
    if r.status_code >= 400:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 1
    print(json.dumps({k: v for k, v in body.items() if k != "rejected"}, ensure_ascii=False, indent=2))
    for rej in body.get("rejected", [])[:50]:
        print(f"row {rej.get('row')}: {rej.get('column')}: {rej.get('message')}")
    return 0


def export(kind: str, fmt: str, out: Path) -> int:
    with client("registry", timeout=600) as c:
        r = c.get(f"/v1/exports/{kind}", params={"format": fmt})
    if r.status_code >= 400:
        print(r.text)
        return 1
    out.write_bytes(r.content)
    print(f"wrote {out} ({len(r.content)} bytes)")
    return 0


def progress_bar(done: int, total: int, width: int = 40) -> str:
    frac = 0.0 if total <= 0 else min(1.0, done / total)
    filled = int(frac * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {frac:6.1%}"


def batch(body: dict[str, Any], poll_s: float = 1.0) -> int:
    with client("eligibility") as c:
        r = c.post("/v1/batch-runs", json=body)
        if r.status_code >= 400:
            print(json.dumps(r.json(), ensure_ascii=False, indent=2))
            return 1
        run = r.json()
        run_id = run["id"]
        while True:
            run = c.get(f"/v1/batch-runs/{run_id}").json()
            done, total = int(run.get("done") or 0), int(run.get("total") or 0)
            eta = run.get("eta_s")
            rate = run.get("rate")
            line = f"\r{progress_bar(done, total)} {done}/{total}"
            if rate:
                line += f"  {float(rate):,.0f}/s"
            if eta is not None:
                line += f"  ETA {float(eta):,.0f}s"
            print(line, end="", flush=True)
            if run.get("status") in ("completed", "failed", "interrupted"):
                print()
                print(json.dumps(run.get("summary", {}), ensure_ascii=False, indent=2))
                return 0 if run.get("status") == "completed" else 1
            time.sleep(poll_s)


def export_enterprise(
    uscc: str, out: Path | None, *, bearer: str | None = None, transport: httpx.BaseTransport | None = None
) -> int:
    """``tidu export-enterprise USCC``: every service's ``/v1/enterprises/{uscc}/data-export`` in
    one JSON file (or on stdout). A service that knows nothing of the enterprise answers 404 and is
    recorded as such; a refusal (401/403) or a failure of any service fails the command."""
    from tidu_shared.data_export import EXPORT_PATH

    code = uscc.strip().upper()
    headers = {"Authorization": f"Bearer {bearer or token()}"}
    result: dict[str, Any] = {"uscc": code, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    services: dict[str, Any] = {}
    failed = False
    for s in SERVICES:
        url = base_url(s.name) + EXPORT_PATH.format(uscc=code)
        try:
            with httpx.Client(headers=headers, timeout=60.0, transport=transport) as c:
                r = c.get(url)
        except httpx.HTTPError as exc:
            services[s.name] = {"status": None, "error": str(exc)}
            print(f"{s.name:14s} unreachable: {exc}", file=sys.stderr)
            failed = True
            continue
        if r.status_code == 200:
            services[s.name] = r.json()
            print(f"{s.name:14s} ok", file=sys.stderr)
            continue
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text[:200]}
        services[s.name] = {"status": r.status_code, "problem": problem}
        print(f"{s.name:14s} {r.status_code} {problem.get('code', '')} {problem.get('detail', '')}", file=sys.stderr)
        failed = failed or r.status_code != 404
    result["services"] = services
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    if all(v.get("status") == 404 for v in services.values()):
        return 1  # no service knows the enterprise
    return 1 if failed else 0
