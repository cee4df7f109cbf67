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
    a = p.parse_args(argv)
    return int(a.fn(a))


if __name__ == "__main__":
    sys.exit(main())
