"""``tidu`` — the command line of the platform.

tidu token --role operator --district 500113     mint a development token
tidu tokens                                       one development token per role
tidu migrate [SERVICE …]                          migrate service databases to head
tidu dev                                          run everything (broker, 4 services, demo data)
tidu broker                                       run the development broker alone
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tidu_shared.auth import Role, mint_token
from tidu_shared.services_catalog import SERVICES, service
from tidu_shared.settings import AuthSettings

DEMO_SCOPES: dict[str, dict[str, str]] = {
    "admin": {"sub": "admin-1"},
    "operator": {"sub": "op-500113", "district": "500113"},
    "operator-city": {"sub": "op-city", "district": "500000"},
    "enterprise": {"sub": "ent-91500113MA5U7LXX3F", "uscc": "91500113MA5U7LXX3F"},
    "commissioner": {"sub": "commissioner-1"},
    "department": {"sub": "dept-500113-jrb", "dept": "500113-jrb"},
    "institution": {"sub": "inst-demo-ccb", "inst": "demo-ccb"},
}


def dev_tokens(settings: AuthSettings | None = None, ttl_s: int = 7 * 24 * 3600) -> dict[str, str]:
    settings = settings or AuthSettings()
    out = {}
    for label, claims in DEMO_SCOPES.items():
        role = label.split("-")[0]
        c = dict(claims)
        sub = c.pop("sub")
        out[label] = mint_token(settings, sub=sub, role=role, ttl_s=ttl_s, **c)
    return out


def _cmd_token(a: argparse.Namespace) -> int:
    scope = {k: getattr(a, k) for k in ("uscc", "dept", "inst", "district") if getattr(a, k)}
    print(mint_token(AuthSettings(), sub=a.sub or f"{a.role}-dev", role=Role(a.role), ttl_s=a.ttl, **scope))
    return 0


def _cmd_tokens(_: argparse.Namespace) -> int:
    for label, tok in dev_tokens().items():
        print(f"{label:14} {tok}")
    return 0


def _cmd_migrate(a: argparse.Namespace) -> int:
    from tidu_shared.migrations import upgrade

    names = a.services or [s.name for s in SERVICES]
    for n in names:
        info = service(n)
        url = os.environ.get(f"{info.env_prefix}DATABASE_URL", f"sqlite+aiosqlite:///var/{info.db_name}.db")
        upgrade(info.package, info.name, url)
        print(f"migrated {info.name} ({url.split('@')[-1]})")
    return 0


def _cmd_dev(a: argparse.Namespace) -> int:
    from tidu_shared.devrun import run

    return run(demo=not a.no_demo)


def _cmd_broker(_: argparse.Namespace) -> int:
    from tidu_shared.devbroker import main as broker_main

    broker_main()
    return 0


def _cmd_status(_: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import status

    return status()


def _cmd_dead_letters(a: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import dead_letters

    return dead_letters(a.service, a.replay)


def _cmd_import(a: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import import_file

    return import_file(a.file)


def _cmd_export(a: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import export

    return export(a.kind, a.format, a.out)


def _cmd_export_enterprise(a: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import export_enterprise

    return export_enterprise(a.uscc, a.out, bearer=a.token)


def _cmd_reseal(_: argparse.Namespace) -> int:
    import asyncio

    from tidu_registry.reseal import reseal
    from tidu_registry.settings import Settings
    from tidu_shared import crypto

    settings = Settings()
    ring = crypto.configure(settings.data)
    counts = asyncio.run(reseal(settings.database_url, ring))
    for table, n in counts.items():
        print(f"{table:14s} {n} rows re-sealed under key {ring.current!r}")
    return 0


def _cmd_batch(a: argparse.Namespace) -> int:
    from tidu_shared.cli_ops import batch

    body = {
        "ruleset": a.ruleset,
        "tier": a.tier,
        "as_of": a.as_of,
        "district": a.district,
        "industry_prefix": a.industry_prefix,
    }
    return batch({k: v for k, v in body.items() if v is not None})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tidu", description="Tidu platform command line")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("token", help="mint a development token (HS256)")
    t.add_argument("--role", required=True, choices=[r.value for r in Role])
    t.add_argument("--sub")
    t.add_argument("--uscc")
    t.add_argument("--dept")
    t.add_argument("--inst")
    t.add_argument("--district")
    t.add_argument("--ttl", type=int, default=12 * 3600)
    t.set_defaults(fn=_cmd_token)
    sub.add_parser("tokens", help="one development token per role").set_defaults(fn=_cmd_tokens)
    m = sub.add_parser("migrate", help="migrate service databases to head")
    m.add_argument("services", nargs="*")
    m.set_defaults(fn=_cmd_migrate)
    d = sub.add_parser("dev", help="run broker + four services + demo data")
    d.add_argument("--no-demo", action="store_true")
    d.set_defaults(fn=_cmd_dev)
    sub.add_parser("broker", help="run the development broker").set_defaults(fn=_cmd_broker)
    sub.add_parser("status", help="readiness of every service at a glance").set_defaults(fn=_cmd_status)
    dl = sub.add_parser("dead-letters", help="list (or replay) a service's dead-lettered events")
    dl.add_argument("service")
    dl.add_argument("--replay", type=int, metavar="ID")
    dl.set_defaults(fn=_cmd_dead_letters)
    im = sub.add_parser("import", help="import enterprises / indicators from CSV or XLSX into the registry")
    im.add_argument("file", type=Path)
    im.set_defaults(fn=_cmd_import)
    ex = sub.add_parser("export", help="export enterprises or indicators from the registry")
    ex.add_argument("kind", choices=["enterprises", "indicators"])
    ex.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    ex.add_argument("--out", type=Path, required=True)
    ex.set_defaults(fn=_cmd_export)
    ee = sub.add_parser(
        "export-enterprise", help="all data the four services hold about one enterprise, in one JSON file"
    )
    ee.add_argument("uscc")
    ee.add_argument("--token", help="bearer token (default: TIDU_TOKEN, or a development admin token)")
    ee.add_argument("--out", type=Path, help="file to write (default: stdout)")
    ee.set_defaults(fn=_cmd_export_enterprise)
    sub.add_parser(
        "reseal-personal-data", help="re-seal the registry's personal data under the current TIDU_DATA_KEYS key"
    ).set_defaults(fn=_cmd_reseal)
    b = sub.add_parser("batch", help="run a batch re-assessment and follow its progress")
    b.add_argument("--ruleset")
    b.add_argument("--tier")
    b.add_argument("--district")
    b.add_argument("--industry-prefix")
    b.add_argument("--as-of")
    b.set_defaults(fn=_cmd_batch)
    a = p.parse_args(argv)
    return int(a.fn(a))


if __name__ == "__main__":
    sys.exit(main())
