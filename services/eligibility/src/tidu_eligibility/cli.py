"""Command line of the eligibility service: start a batch re-assessment and follow its progress.

    python -m tidu_eligibility.cli batch --ruleset srdi-2026 --district 500113 \\
        --url http://127.0.0.1:8002 --token "$TOKEN"
    python -m tidu_eligibility.cli batch --tier srdi --as-of 2026-06-01          # every district (city/admin)
    python -m tidu_eligibility.cli batch --resume RUN_ID                        # an interrupted run
    python -m tidu_eligibility.cli batch --follow RUN_ID                        # watch a running one

It talks to the service's HTTP API (``POST /v1/batch-runs``, then ``GET /v1/batch-runs/{id}`` every
``--interval`` seconds) and draws a plain-text progress bar (done / total, rate, ETA), then prints the
summary. ``--url`` defaults to ``$TIDU_ELIGIBILITY_URL`` or http://127.0.0.1:8002, ``--token`` to
``$TIDU_TOKEN`` (``tidu token --role operator --district 500113`` mints one). Exit status: 0 when
the run completed, 1 when it failed or was interrupted, 2 when the API refused the request.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import httpx

FINAL = ("completed", "failed", "interrupted")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def progress_line(run: dict[str, Any], width: int = 30) -> str:
    """``[#########---------------]  30.0%  3,000/10,000  1,250/s  ETA 00:06  running``"""
    total, done = int(run.get("total") or 0), int(run.get("done") or 0)
    fraction = 1.0 if total == 0 and run.get("status") == "completed" else (min(done / total, 1.0) if total else 0.0)
    filled = round(fraction * width)
    rate = run.get("rate")
    rate_text = f"{rate:,.0f}/s" if rate else "-/s"
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:5.1f}%  {done:,}/{total:,}  "
        f"{rate_text}  ETA {duration(run.get('eta_s'))}  {run.get('status')}"
    )


def summary_lines(run: dict[str, Any]) -> list[str]:
    s = run.get("summary") or {}
    if not s:
        return [f"run {run['id']}: {run['status']}" + (f" — {run['error']}" if run.get("error") else "")]
    lines = [
        f"run {run['id']} {run['status']}: {s.get('enterprises', 0):,} enterprises, "
        f"{s.get('assessments', 0):,} assessments in {duration(s.get('elapsed_s'))}",
        "  by result: " + ", ".join(f"{k} {v:,}" for k, v in s.get("by_result", {}).items()),
        "  changes:   " + ", ".join(f"{k} {v:,}" for k, v in s.get("changes", {}).items()),
    ]
    for rid, c in sorted(s.get("by_ruleset", {}).items()):
        versions = "/".join(f"v{v}" for v in c.get("versions", []))
        counts = ", ".join(f"{k} {c.get(k, 0):,}" for k in ("eligible", "not_eligible", "undetermined"))
        moves = ", ".join(f"{t} {n:,}" for t, n in sorted(c.get("transitions", {}).items()))
        lines.append(f"  {rid} {versions}: {counts}" + (f"; {moves}" if moves else ""))
    if s.get("recommended"):
        lines.append(f"  recommended for cultivation: {s['recommended']:,}")
    delta = s.get("since_previous_run")
    if delta:
        for rid, d in sorted(delta.items()):
            lines.append(f"  since the previous run, {rid}: " + ", ".join(f"{k} {v:+,}" for k, v in d.items()))
    return lines


class ApiRefused(Exception):
    pass


def _check(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 400:
        try:
            p = r.json()
            message = f"{r.status_code} {p.get('code')}: {p.get('detail')} ({p.get('detail_en')})"
        except ValueError:
            message = f"{r.status_code}: {r.text[:200]}"
        raise ApiRefused(message)
    body: dict[str, Any] = r.json()
    return body


def start(client: httpx.Client, args: argparse.Namespace) -> dict[str, Any]:
    if args.resume:
        return _check(client.post(f"/v1/batch-runs/{args.resume}/resume"))
    if args.follow:
        return _check(client.get(f"/v1/batch-runs/{args.follow}"))
    body: dict[str, Any] = {"publish": not args.no_publish}
    for key in ("ruleset", "tier", "district", "industry_prefix", "as_of", "year"):
        value = getattr(args, key)
        if value is not None:
            body[key] = value
    return _check(client.post("/v1/batch-runs", json=body))


def follow(
    client: httpx.Client,
    run: dict[str, Any],
    out: TextIO,
    *,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll the run until it ends, redrawing the bar (in place on a terminal, a line per change
    elsewhere)."""
    tty = out.isatty()
    last = ""
    while True:
        line = progress_line(run)
        if line != last:
            out.write(("\r" + line) if tty else (line + "\n"))
            out.flush()
            last = line
        if run["status"] in FINAL:
            break
        sleep(interval)
        run = _check(client.get(f"/v1/batch-runs/{run['id']}"))
    if tty:
        out.write("\n")
    return run


def batch(args: argparse.Namespace, out: TextIO, client: httpx.Client | None = None) -> int:
    token = args.token or os.environ.get("TIDU_TOKEN")
    if client is None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=args.url, headers=headers, timeout=30)
    with client:
        try:
            run = start(client, args)
            out.write(f"batch run {run['id']}: {', '.join(run.get('rulesets', []))} as of {run.get('as_of')}\n")
            run = follow(client, run, out, interval=args.interval)
        except ApiRefused as exc:
            out.write(f"refused: {exc}\n")
            return 2
        except httpx.HTTPError as exc:
            out.write(f"cannot reach {args.url}: {exc}\n")
            return 2
    for line in summary_lines(run):
        out.write(line + "\n")
    return 0 if run["status"] == "completed" else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tidu_eligibility.cli", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("batch", help="start (or resume, or follow) a batch re-assessment and show its progress")
    what = b.add_mutually_exclusive_group()
    what.add_argument("--ruleset", help="rule-set id, e.g. srdi-2026")
    what.add_argument("--tier", choices=["size", "pool", "innovative", "srdi", "little_giant"])
    what.add_argument("--resume", metavar="RUN_ID", help="resume an interrupted or failed run")
    what.add_argument("--follow", metavar="RUN_ID", help="follow a run already started")
    b.add_argument("--district", help="GB/T 2260 code (district operators: their own)")
    b.add_argument("--industry-prefix", dest="industry_prefix", help="GB/T 4754 prefix, e.g. C38")
    b.add_argument("--as-of", dest="as_of", help="assessment date YYYY-MM-DD (default today, China time)")
    b.add_argument("--year", type=int, help="data year (default the as-of year − 1)")
    b.add_argument("--no-publish", action="store_true", help="do not publish assessment events")
    b.add_argument("--url", default=os.environ.get("TIDU_ELIGIBILITY_URL", "http://127.0.0.1:8002"))
    b.add_argument("--token", help="bearer token (default $TIDU_TOKEN)")
    b.add_argument("--interval", type=float, default=0.5, help="seconds between progress polls")
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    return batch(args, out or sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
