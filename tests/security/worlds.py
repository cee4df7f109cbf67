"""Two tenants per service — "own" (A) and "other" (B) — and, for every endpoint of the matrix, a
well-formed request against either (valid path parameters and body, so that access and not
validation decides the answer).

The principals are always A's: the operator of 巴南区 (500113; B is in 黔江区, 500114), enterprise A,
A's commissioner, the department that leads A's issue, the institution A's demand was pushed to, and
an admin. An endpoint's "own" request names A's resource, its "other" request B's. Requests that
change state get a fresh resource of their own where a second call would otherwise find it gone
(revoked, withdrawn, transferred), so that the cases do not depend on each other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import insert

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
DISTRICT = {"own": "500113", "other": "500114"}


def make_uscc(district: str = "500113") -> str:
    """A random USCC with a valid check character (GB 32100)."""
    body = "91" + district + "".join(random.choice(ALPHABET) for _ in range(9))
    total = sum(_VALUE[c] * pow(3, i, 31) for i, c in enumerate(body))
    return body + ALPHABET[(31 - total % 31) % 31]


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    async def send(self, client: httpx.AsyncClient, auth: dict[str, str]) -> httpx.Response:
        kw: dict[str, Any] = {"params": self.params, "headers": {**self.headers, **auth}}
        if self.json is not None:
            kw["json"] = self.json
        if self.content is not None:
            kw["content"] = self.content
        if self.files is not None:
            kw["files"] = self.files
        return await client.request(self.method, self.path, **kw)


Builder = Callable[[Any, str, str], Awaitable[Req]]  # (world, side, variant) → request


class World:
    """One service's app with tenants A and B seeded, and a request builder per endpoint."""

    service: str = ""
    builders: dict[str, Builder]
    overrides: dict[str, Any] = {}

    def __init__(self, app: Any, client: httpx.AsyncClient, mint: Callable[..., str]) -> None:
        self.app = app
        self.client = client
        self._mint = mint
        self.principals: dict[str, dict[str, str]] = {}
        self.other_markers: list[str] = []  # strings that name B's records (lists must not show them)
        self.own_markers: list[str] = []  # A's (a list the role may read shows at least one of them)
        self.aggregates: set[str] = set()  # lists of figures only, that name no record

    def h(self, role: str, sub: str, **scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._mint(role, sub=sub, **scope)}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.principals["admin"]

    async def ok(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        r = await self.client.request(method, path, headers=headers or self.admin, **kw)
        assert r.status_code < 300, f"seeding {method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    async def seed(self) -> None:
        raise NotImplementedError

    async def fresh(self, key: str, side: str, make: Callable[[], Awaitable[Any]]) -> Any:
        """A resource for ``key``'s requests on ``side``, made again once a request changed it."""
        cache: dict[tuple[str, str], Any] = self.__dict__.setdefault("_fresh", {})
        if (key, side) not in cache:
            cache[(key, side)] = await make()
        return cache[(key, side)]

    def spent(self, key: str, side: str) -> None:
        """A write on ``key`` succeeded: its next request gets a new resource."""
        self.__dict__.setdefault("_fresh", {}).pop((key, side), None)

    async def dead_letter(self) -> int:
        """A dead-lettered event to replay (its consumer is not running in these tests: 409)."""
        table = self.app.state.spec.dead_letters
        async with self.app.state.db.transaction() as s:
            result = await s.execute(
                insert(table).values(
                    consumer="authz-matrix",
                    topic="tidu.test",
                    partition=0,
                    offset=random.randint(1, 10**9),
                    event_id=uuid.uuid4().hex,
                    event_type="tidu.test.v1",
                    payload=b"{}",
                    error="test",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            return int(result.inserted_primary_key[0])

    async def build(self, key: str, side: str, variant: str) -> Req:
        builder = self.builders.get(key)
        if builder is not None:
            return await builder(self, side, variant)
        method, path = key.split(" ", 1)
        if "{" not in path:  # nothing tenant-specific to fill in: the bare request
            return Req(method, path)
        raise LookupError(f"{self.service}: no request builder for {key} in tests/security/worlds.py")


def endpoint(builders: dict[str, Builder], key: str) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        builders[key] = fn
        return fn

    return deco


async def _dead_letters(w: World, side: str, variant: str) -> Req:
    return Req("GET", "/v1/dead-letters")


async def _replay(w: World, side: str, variant: str) -> Req:
    return Req("POST", f"/v1/dead-letters/{await w.dead_letter()}/replay")


async def _audit(w: World, side: str, variant: str) -> Req:
    return Req("GET", "/v1/audit")


async def _data_export(w: Any, side: str, variant: str) -> Req:
    return Req("GET", f"/v1/enterprises/{w.uscc[side]}/data-export")


COMMON: dict[str, Builder] = {
    "GET /v1/enterprises/{uscc}/data-export": _data_export,
    "GET /v1/audit": _audit,
    "GET /v1/dead-letters": _dead_letters,
    "POST /v1/dead-letters/{dead_letter_id}/replay": _replay,
}


# --- registry ------------------------------------------------------------------------------------

REG: dict[str, Builder] = dict(COMMON)


def _indicators() -> dict[str, Any]:
    return {
        "employees": 120,
        "rd_staff": 30,
        "operating_revenue": "3000",
        "main_business_revenue": "2400",
        "net_profit": "180.5",
        "total_assets": "1000",
        "total_liabilities": "300",
        "rd_expense": "120",
        "ip_class_i": 3,
        "ip_class_ii": 5,
    }


class RegistryWorld(World):
    service = "registry"
    builders = REG
    overrides = {"run_relay": False, "run_consumers": False, "qualification_job_enabled": False}

    def profile(self, side: str, uscc: str | None = None) -> dict[str, Any]:
        return {
            "uscc": uscc or make_uscc(DISTRICT[side]),
            "name": f"重庆矩阵{'甲' if side == 'own' else '乙'}科技有限公司",
            "district_code": DISTRICT[side],
            "industry_code": "C3983",
            "established_on": "2018-04-01",
        }

    async def seed(self) -> None:
        self.principals["admin"] = self.h("admin", "admin-authz")
        self.uscc: dict[str, str] = {}
        self.comm = {"own": "comm-a", "other": "comm-b"}
        for side in ("own", "other"):
            await self.ok(
                "POST",
                "/v1/commissioners",
                json={"id": self.comm[side], "name": "王专员", "phone": "13900001111", "district_code": DISTRICT[side]},
            )
            code = (await self.ok("POST", "/v1/enterprises", json=self.profile(side)))["uscc"]
            self.uscc[side] = code
            await self.ok("PUT", f"/v1/enterprises/{code}/commissioner", json={"commissioner_id": self.comm[side]})
            await self.ok("PUT", f"/v1/enterprises/{code}/indicators/2024", json=_indicators())
        self.principals.update(
            operator=self.h("operator", "op-500113", district="500113"),
            enterprise=self.h("enterprise", f"ent-{self.uscc['own']}", uscc=self.uscc["own"]),
            commissioner=self.h("commissioner", "comm-a"),
            department=self.h("department", "staff-500113-kjj", dept="500113-kjj"),
            institution=self.h("institution", "bank-demo-ccb", inst="demo-ccb"),
        )
        self.imports = {}
        for side in ("own", "other"):
            op = self.h("operator", f"op-{DISTRICT[side]}", district=DISTRICT[side])
            self.imports[side] = (
                await self.ok("POST", "/v1/imports", headers=op, files={"file": ("a.csv", self.csv(side).encode())})
            )["id"]
        for side in ("own", "other"):  # so that the white list has B's entry for lists to leave out
            await self.ok(
                "POST",
                f"{self.e(side)}/white-list",
                json={"list_code": "authz", "effective_from": "2025-01-01", "reason": "培育"},
            )
        self.qualifications = {side: await self.qualification(side) for side in ("own", "other")}
        self.goals = {side: await self.goal(side) for side in ("own", "other")}
        # B's district too: the lists of A's operator (targets, commissioners …) name no region of it.
        self.other_markers = [self.uscc["other"], self.comm["other"], self.imports["other"], DISTRICT["other"]]
        self.own_markers = [self.uscc["own"], self.comm["own"], DISTRICT["own"]]

    def csv(self, side: str) -> str:
        code = make_uscc(DISTRICT[side])
        return (
            "uscc,name,district_code,industry_code,established_on\n"
            f"{code},重庆矩阵导入公司,{DISTRICT[side]},C3825,2018-01-01\n"
        )

    def e(self, side: str) -> str:
        return f"/v1/enterprises/{self.uscc[side]}"

    async def qualification(self, side: str) -> str:
        body = {"kind": "tech_sme", "level": "provincial", "document_no": make_uscc(), "granted_on": "2024-01-01"}
        return str((await self.ok("POST", f"{self.e(side)}/qualifications", json=body))["id"])

    async def goal(self, side: str) -> str:
        return str((await self.ok("POST", f"{self.e(side)}/plan/goals", json={"title": "目标"}))["id"])

    async def action(self, side: str) -> str:
        goal = await self.goal(side)
        return str((await self.ok("POST", f"/v1/plan/goals/{goal}/actions", json={"title": "措施"}))["id"])


@endpoint(REG, "POST /v1/enterprises")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    # The enterprise's own registration is its own code (already registered: 409); others' a new one.
    return Req("POST", "/v1/enterprises", json=w.profile(side, w.uscc["own"] if side == "own" else None))


for _p in (
    "",
    "/history",
    "/indicators",
    "/indicators/2024",
    "/qualifications",
    "/ladder",
    "/pool",
    "/plan",
    "/commissioner",
):

    def _read(suffix: str) -> Builder:
        async def b(w: RegistryWorld, side: str, v: str) -> Req:
            return Req("GET", w.e(side) + suffix)

        return b

    REG[f"GET /v1/enterprises/{{uscc}}{_p.replace('2024', '{year}')}"] = _read(_p)


@endpoint(REG, "PATCH /v1/enterprises/{uscc}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("PATCH", w.e(side), json={"own_brand": True})


@endpoint(REG, "POST /v1/districts")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req(
        "POST", "/v1/districts", json={"code": "510105", "name": "青羊区", "province": "四川省", "kind": "district"}
    )


@endpoint(REG, "PUT /v1/enterprises/{uscc}/indicators/{year}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("PUT", f"{w.e(side)}/indicators/2024", json=_indicators())


@endpoint(REG, "POST /v1/enterprises/{uscc}/qualifications")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    body = {"kind": "tech_sme", "level": "provincial", "document_no": make_uscc(), "granted_on": "2024-01-01"}
    return Req("POST", f"{w.e(side)}/qualifications", json=body)


@endpoint(REG, "GET /v1/qualifications/{qualification_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/qualifications/{w.qualifications[side]}")


@endpoint(REG, "POST /v1/qualifications/{qualification_id}/renewals")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    q = await w.fresh("POST /v1/qualifications/{qualification_id}/renewals ", side, lambda: w.qualification(side))
    return Req("POST", f"/v1/qualifications/{q}/renewals", json={"reviewed_on": "2024-12-01"})


@endpoint(REG, "POST /v1/qualifications/{qualification_id}/revocation")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    q = await w.fresh("POST /v1/qualifications/{qualification_id}/revocation ", side, lambda: w.qualification(side))
    return Req(
        "POST",
        f"/v1/qualifications/{q}/revocation",
        json={"revoked_on": "2025-01-01", "reason": "复核未通过"},
    )


@endpoint(REG, "POST /v1/enterprises/{uscc}/pool/moves")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("POST", f"{w.e(side)}/pool/moves", json={"to_stage": "reserve", "reason": "决定"})


@endpoint(REG, "POST /v1/enterprises/{uscc}/white-list")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req(
        "POST",
        f"{w.e(side)}/white-list",
        json={"list_code": f"w{uuid.uuid4().hex[:6]}", "effective_from": "2025-01-01", "reason": "x"},
    )


@endpoint(REG, "POST /v1/white-list/{entry_id}/end")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    async def entry() -> str:
        body = {"list_code": f"w{uuid.uuid4().hex[:6]}", "effective_from": "2025-01-01", "reason": "x"}
        return str((await w.ok("POST", f"{w.e(side)}/white-list", json=body))["id"])

    entry_id = await w.fresh("POST /v1/white-list/{entry_id}/end ", side, entry)
    return Req("POST", f"/v1/white-list/{entry_id}/end", json={"effective_to": "2025-06-01"})


@endpoint(REG, "POST /v1/commissioners")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    body = {"id": f"comm-{uuid.uuid4().hex[:8]}", "name": "李专员", "district_code": DISTRICT[side]}
    return Req("POST", "/v1/commissioners", json=body)


@endpoint(REG, "GET /v1/commissioners/{commissioner_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/commissioners/{w.comm[side]}")


@endpoint(REG, "PATCH /v1/commissioners/{commissioner_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("PATCH", f"/v1/commissioners/{w.comm[side]}", json={"phone": "13900002222"})


@endpoint(REG, "PUT /v1/enterprises/{uscc}/commissioner")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    # Re-assigning the same commissioner: the assignment the other cases rely on stays.
    return Req("PUT", f"{w.e(side)}/commissioner", json={"commissioner_id": w.comm[side]})


@endpoint(REG, "POST /v1/enterprises/{uscc}/plan/goals")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("POST", f"{w.e(side)}/plan/goals", json={"title": "目标"})


@endpoint(REG, "PATCH /v1/plan/goals/{goal_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    goal = await w.fresh("PATCH /v1/plan/goals/{goal_id} ", side, lambda: w.goal(side))
    return Req("PATCH", f"/v1/plan/goals/{goal}", json={"status": "done"})


@endpoint(REG, "POST /v1/plan/goals/{goal_id}/actions")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("POST", f"/v1/plan/goals/{w.goals[side]}/actions", json={"title": "措施"})


@endpoint(REG, "PATCH /v1/plan/actions/{action_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    action = await w.fresh("PATCH /v1/plan/actions/{action_id} ", side, lambda: w.action(side))
    return Req("PATCH", f"/v1/plan/actions/{action}", json={"status": "done"})


@endpoint(REG, "POST /v1/imports")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("POST", "/v1/imports", files={"file": ("a.csv", w.csv(side).encode())})


@endpoint(REG, "GET /v1/imports/{import_id}")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/imports/{w.imports[side]}")


@endpoint(REG, "GET /v1/imports/{import_id}/report.xlsx")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/imports/{w.imports[side]}/report.xlsx")


@endpoint(REG, "GET /v1/exports/enterprises")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/exports/enterprises", params={"format": "csv"})


@endpoint(REG, "GET /v1/exports/indicators")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/exports/indicators", params={"format": "csv"})


@endpoint(REG, "GET /v1/targets/{region}/progress")
async def _(w: RegistryWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/targets/{DISTRICT[side]}/progress")


# --- eligibility ---------------------------------------------------------------------------------

ELIG: dict[str, Builder] = dict(COMMON)
ELIG_TODAY = dt.date(2026, 6, 1)  # srdi-2026 in force, data year 2025
SRDI26_2025: dict[str, Any] = {
    "operating_revenue": "3000",
    "main_business_revenue": "2700",
    "rd_expense": "150",
    "total_assets": "2000",
    "total_liabilities": "1000",
    "ip_class_i": 2,
    "rd_institution_level": "city",
    "equity_financing": "0",
    "development_score": "70",
    "market_share_pct": "5",
    "market_rank_domestic": 8,
}


class EligibilityWorld(World):
    """Enterprises reach eligibility as registry events; they are fed to the service's own handlers,
    each in a transaction as its consumer runs them, so that the assessments are made the real way."""

    service = "eligibility"
    builders = ELIG
    overrides = {"run_relay": False, "run_consumers": False}

    async def send(self, type_: str, data: dict[str, Any]) -> None:
        import orjson

        from tidu_eligibility.consumers import subscriptions
        from tidu_shared.events import event_type, new_envelope

        handlers: dict[str, Any] = {}
        for sub in subscriptions(self.app.state.eligibility):
            handlers.update(sub.handlers)
        env = new_envelope(source="/tidu/registry", type=type_, subject=str(data["uscc"]), data=data)
        model = event_type(type_).validate(orjson.loads(orjson.dumps(env.data, default=str)))
        async with self.app.state.db.transaction() as s:
            await handlers[type_](s, env, model)

    async def seed(self) -> None:
        from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED, INDICATORS_REPORTED, QUALIFICATION_GRANTED

        self.app.state.eligibility.clock = lambda: ELIG_TODAY
        now = dt.datetime.now(dt.UTC).isoformat()
        self.uscc = {}
        for side in ("own", "other"):
            code = make_uscc(DISTRICT[side])
            self.uscc[side] = code
            await self.send(
                ENTERPRISE_REGISTERED,
                {
                    "uscc": code,
                    "name": "重庆矩阵科技有限公司",
                    "district_code": DISTRICT[side],
                    "industry_code": "C3825",
                    "established_on": "2015-03-01",
                    "registered_at": now,
                    "niche_market_since": "2018-01-01",
                },
            )
            for year, values in ((2025, SRDI26_2025), (2024, {"operating_revenue": "2500", "rd_expense": "120"})):
                await self.send(
                    INDICATORS_REPORTED,
                    {
                        "uscc": code,
                        "year": year,
                        "indicators": values,
                        "source": "self_declared",
                        "reported_by": "ent",
                        "reported_at": now,
                    },
                )
            await self.send(
                QUALIFICATION_GRANTED,
                {
                    "qualification_id": f"q-{uuid.uuid4().hex[:10]}",
                    "uscc": code,
                    "kind": "innovative_sme",
                    "level": "provincial",
                    "granted_on": "2025-03-01",
                    "expires_on": "2028-02-29",
                },
            )
        self.principals.update(
            admin=self.h("admin", "admin-authz"),
            operator=self.h("operator", "op-500113", district="500113"),
            enterprise=self.h("enterprise", f"ent-{self.uscc['own']}", uscc=self.uscc["own"]),
            commissioner=self.h("commissioner", "comm-a"),
            department=self.h("department", "staff-500113-kjj", dept="500113-kjj"),
            institution=self.h("institution", "bank-demo-ccb", inst="demo-ccb"),
        )
        self.assessment = {}
        for side in ("own", "other"):
            latest = await self.ok("GET", f"/v1/enterprises/{self.uscc[side]}/assessments")
            self.assessment[side] = latest["latest"][0]["assessment_id"]
        self.runs = {}
        for side in ("own", "other"):
            op = self.h("operator", f"op-{DISTRICT[side]}", district=DISTRICT[side])
            self.runs[side] = (await self.batch(side, op))["id"]
        self.other_markers = [self.uscc["other"], self.runs["other"], self.assessment["other"]]
        self.own_markers = [self.uscc["own"], self.runs["own"]]

    async def batch(self, side: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        body = {"ruleset": "srdi-2026", "district": DISTRICT[side], "publish": False}
        run: dict[str, Any] = await self.ok("POST", "/v1/batch-runs", json=body, headers=headers)
        for _ in range(200):  # a few enterprises: done at once, but in a task of its own
            run = await self.ok("GET", f"/v1/batch-runs/{run['id']}")
            if run["status"] not in ("pending", "running"):
                break
            await asyncio.sleep(0.02)
        return run

    def e(self, side: str) -> str:
        return f"/v1/enterprises/{self.uscc[side]}"


@endpoint(ELIG, "POST /v1/evaluations")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    body = {
        "tier": "size",
        "as_of": "2026-06-01",
        "year": 2025,
        "enterprise": {"industry_code": "C3825"},
        "indicators": {"2025": {"employees": 100, "operating_revenue": "3000"}},
    }
    return Req("POST", "/v1/evaluations", json=body)


@endpoint(ELIG, "GET /v1/rulesets/{ruleset_id}")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/rulesets/srdi-2026")


@endpoint(ELIG, "POST /v1/rulesets")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    import json

    import yaml

    from tidu_eligibility.domain.ruleset_loader import default_ruleset_dir

    data = yaml.safe_load((default_ruleset_dir() / "pool-qianjiang-2022.yaml").read_text("utf-8"))
    data.update(
        id=f"pool-authz-{uuid.uuid4().hex[:6]}", district="500113", effective_from="2026-01-01", effective_to=None
    )
    data["parameters"]["district_code"]["value"] = "500113"
    return Req(
        "POST",
        "/v1/rulesets",
        content=json.dumps(data, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )


@endpoint(ELIG, "GET /v1/enterprises/{uscc}")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", w.e(side))


@endpoint(ELIG, "GET /v1/enterprises/{uscc}/assessments")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", f"{w.e(side)}/assessments")


@endpoint(ELIG, "GET /v1/enterprises/{uscc}/assessments/{assessment_id}")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", f"{w.e(side)}/assessments/{w.assessment[side]}")


@endpoint(ELIG, "GET /v1/enterprises/{uscc}/evaluations/{target}")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", f"{w.e(side)}/evaluations/srdi")


@endpoint(ELIG, "GET /v1/candidates")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/candidates", params={"tier": "srdi", "district": DISTRICT[side]})


@endpoint(ELIG, "POST /v1/batch-runs")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("POST", "/v1/batch-runs", json={"ruleset": "srdi-2026", "district": DISTRICT[side], "publish": False})


@endpoint(ELIG, "GET /v1/batch-runs/{run_id}")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/batch-runs/{w.runs[side]}")


@endpoint(ELIG, "POST /v1/batch-runs/{run_id}/resume")
async def _(w: EligibilityWorld, side: str, v: str) -> Req:
    return Req("POST", f"/v1/batch-runs/{w.runs[side]}/resume")


# --- finance-match -------------------------------------------------------------------------------

FIN: dict[str, Builder] = dict(COMMON)
INST = {"own": "authz-bank-a", "other": "authz-bank-b"}


class FinanceWorld(World):
    """Two institutions of its own, each with a product only its district's demands match, so that A's
    demand is pushed to A's institution and B's to B's. Enterprise profiles arrive as registry events,
    fed to the service's handlers."""

    service = "finance-match"
    builders = FIN
    overrides = {
        "run_relay": False,
        "run_consumers": False,
        "scheduler_enabled": False,
        "decision_speed_ttl_s": 0,
        "gc_freeze_catalogue": False,
    }

    async def deliver(self, type_: str, data: dict[str, Any]) -> None:
        from tidu_finance_match.consumers import handlers
        from tidu_shared.events import event_type, new_envelope

        model = event_type(type_).validate(data)
        env = new_envelope(source="/tidu/test", type=type_, subject=str(data.get("uscc", "")), data=data)
        async with self.app.state.db.transaction() as s:
            await handlers(self.app.state.finance)[type_](s, env, model)

    def product(self, side: str, code: str | None = None) -> dict[str, Any]:
        return {
            "code": code or f"{INST[side]}-{uuid.uuid4().hex[:6]}",
            "name": "矩阵测试贷",
            "kind": "loan",
            "institution": INST[side],
            "collateral": "none",
            "amount": {"min": 50, "max": 800},
            "term_months": {"min": 6, "max": 36},
            "rate_pct": {"min": 3.5, "max": 5.0},
            "gates": {"region_prefix": [DISTRICT[side]]},
        }

    async def seed(self) -> None:
        from tidu_shared.contracts.registry import ENTERPRISE_REGISTERED

        self.principals["admin"] = self.h("admin", "admin-authz")
        self.uscc = {}
        now = dt.datetime.now(dt.UTC).isoformat()
        for side in ("own", "other"):
            code = make_uscc(DISTRICT[side])
            self.uscc[side] = code
            await self.deliver(
                ENTERPRISE_REGISTERED,
                {
                    "uscc": code,
                    "name": "重庆矩阵精密制造有限公司",
                    "district_code": DISTRICT[side],
                    "industry_code": "C3825",
                    "established_on": "2015-03-01",
                    "registered_at": now,
                },
            )
            await self.ok(
                "POST", "/v1/institutions", json={"code": INST[side], "name": f"矩阵银行{side}", "kind": "bank"}
            )
        self.products = {}
        for side in ("own", "other"):
            self.products[side] = (await self.ok("POST", "/v1/products", json=self.product(side)))["code"]
        self.principals.update(
            operator=self.h("operator", "op-500113", district="500113"),
            enterprise=self.h("enterprise", f"ent-{self.uscc['own']}", uscc=self.uscc["own"]),
            commissioner=self.h("commissioner", "comm-a"),
            department=self.h("department", "staff-500113-jrb", dept="500113-jrb"),
            institution=self.h("institution", f"staff-{INST['own']}", inst=INST["own"]),
        )
        self.demands: dict[str, dict[str, Any]] = {}
        self.cases: dict[str, str] = {}
        for side in ("own", "other"):
            self.demands[side], self.cases[side] = await self.demand(side)
        self.other_markers = [self.uscc["other"], self.demands["other"]["id"], self.cases["other"]]
        self.own_markers = [self.uscc["own"], self.demands["own"]["id"]]
        self.aggregates = {"GET /v1/statistics"}

    async def new_product(self, side: str) -> str:
        return str((await self.ok("POST", "/v1/products", json=self.product(side)))["code"])

    async def demand(self, side: str) -> tuple[dict[str, Any], str]:
        """A new demand of the side's enterprise, and its case at the side's institution."""
        d = await self.ok("POST", "/v1/demands", json=self.demand_body(side))
        case = [c["id"] for c in d["cases"] if c["institution_code"] == INST[side]]
        assert case, f"the demand was not pushed to {INST[side]}: {d['cases']}"
        return d, case[0]

    def demand_body(self, side: str) -> dict[str, Any]:
        return {
            "uscc": self.uscc[side],
            "amount": "300",
            "term_months": 12,
            "purpose": "working_capital",
            "collateral_offered": [],
            "has_existing_loan": False,
            "consent": {"share_with_institutions": True, "credit_lookup": True},
        }


@endpoint(FIN, "POST /v1/demands")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("POST", "/v1/demands", json=w.demand_body(side), headers={"Idempotency-Key": uuid.uuid4().hex})


@endpoint(FIN, "GET /v1/demands/{demand_id}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/demands/{w.demands[side]['id']}")


@endpoint(FIN, "GET /v1/demands/{demand_id}/matches")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/demands/{w.demands[side]['id']}/matches")


@endpoint(FIN, "POST /v1/demands/{demand_id}/withdraw")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    d, _ = await w.fresh("POST /v1/demands/{demand_id}/withdraw ", side, lambda: w.demand(side))
    return Req("POST", f"/v1/demands/{d['id']}/withdraw", json={"reason": "已自筹"})


@endpoint(FIN, "POST /v1/demands/{demand_id}/consent/revoke")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    d, _ = await w.fresh("POST /v1/demands/{demand_id}/consent/revoke ", side, lambda: w.demand(side))
    return Req("POST", f"/v1/demands/{d['id']}/consent/revoke")


@endpoint(FIN, "GET /v1/institutions/{code}/queue")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/institutions/{INST[side]}/queue")


@endpoint(FIN, "GET /v1/cases/{case_id}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/cases/{w.cases[side]}")


def _case_action(action: str, body: dict[str, Any] | None) -> Builder:
    async def b(w: FinanceWorld, side: str, v: str) -> Req:
        _, case = await w.fresh(f"POST /v1/cases/{{case_id}}/{action} ", side, lambda: w.demand(side))
        return Req("POST", f"/v1/cases/{case}/{action}", json=body)

    return b


FIN["POST /v1/cases/{case_id}/view"] = _case_action("view", None)
FIN["POST /v1/cases/{case_id}/accept"] = _case_action("accept", {"note": "已受理"})
FIN["POST /v1/cases/{case_id}/decline"] = _case_action("decline", {"reason": "policy"})
FIN["POST /v1/cases/{case_id}/grant"] = _case_action("grant", {"amount": "300", "rate_pct": "4", "term_months": 12})
FIN["POST /v1/cases/{case_id}/disburse"] = _case_action("disburse", {"amount": "300", "disbursed_on": "2026-01-05"})


@endpoint(FIN, "POST /v1/products")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("POST", "/v1/products", json=w.product(side))


@endpoint(FIN, "GET /v1/products/{code}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/products/{w.products[side]}")


@endpoint(FIN, "PUT /v1/products/{code}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    code = await w.fresh("PUT /v1/products/{code} ", side, lambda: w.new_product(side))
    return Req("PUT", f"/v1/products/{code}", json={**w.product(side, code), "name": "矩阵测试贷（新）"})


@endpoint(FIN, "DELETE /v1/products/{code}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    code = await w.fresh("DELETE /v1/products/{code} ", side, lambda: w.new_product(side))
    return Req("DELETE", f"/v1/products/{code}")


@endpoint(FIN, "POST /v1/institutions")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req(
        "POST", "/v1/institutions", json={"code": f"authz-{uuid.uuid4().hex[:8]}", "name": "新银行", "kind": "bank"}
    )


@endpoint(FIN, "GET /v1/enterprises/{uscc}")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/enterprises/{w.uscc[side]}")


@endpoint(FIN, "GET /v1/enterprises/{uscc}/credit")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/enterprises/{w.uscc[side]}/credit")


@endpoint(FIN, "GET /v1/consents")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/consents", params={"uscc": w.uscc[side]})


@endpoint(FIN, "POST /v1/consents/{consent_id}/revoke")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    async def make() -> str:
        await w.demand(side)
        consents = await w.ok("GET", "/v1/consents", params={"uscc": w.uscc[side]})
        return str(next(c["id"] for c in consents if not c.get("revoked_at")))

    consent = await w.fresh("POST /v1/consents/{consent_id}/revoke ", side, make)
    return Req("POST", f"/v1/consents/{consent}/revoke")


@endpoint(FIN, "GET /v1/statistics")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/statistics", params={"district": DISTRICT[side]})


@endpoint(FIN, "POST /v1/scheduler/sweep")
async def _(w: FinanceWorld, side: str, v: str) -> Req:
    return Req("POST", "/v1/scheduler/sweep", json={})


# --- whistle -------------------------------------------------------------------------------------

WH: dict[str, Builder] = dict(COMMON)
# What each action needs besides the issue's version (If-Match).
ACTION_BODY: dict[str, dict[str, Any]] = {
    "route": {"department": "500113-ghzy"},
    "send_to_triage": {"note": "需协调"},
    "request_extension": {"note": "需现场踏勘", "working_days": 5},
    "refuse_extension": {"note": "不予延期"},
    "resolve": {"note": "已办结"},
    "return": {"note": "不属本部门职责"},
    "transfer": {"note": "属住建部门职责", "department": "500113-zjw"},
    "escalate": {"note": "需市级协调"},
    "reopen": {"note": "问题仍未解决"},
    "comment": {"note": "补充说明"},
}


class WhistleWorld(World):
    """Enterprise A's issue (土地, led by 巴南区规划自然资源局 500113-ghzy) and enterprise B's (用工, led by
    黔江区人社局 500114-rsj); the department principal is A's lead."""

    service = "whistle"
    builders = WH
    overrides = {"run_relay": False, "run_consumers": False, "scheduler_enabled": False}

    async def seed(self) -> None:
        from tidu_whistle.testing import OTHER_USCC, T0, USCC, FakeClock, Whistle

        clock = FakeClock(T0)
        self.app.state.whistle.clock = clock
        self.wh = Whistle(self.app, self.client, clock, lambda role, **kw: self.h(role, kw.pop("sub", role), **kw))
        self.uscc = {"own": USCC, "other": OTHER_USCC}
        self.category = {"own": "land", "other": "labour"}
        self.dept = {"own": "500113-ghzy", "other": "500114-rsj"}
        await self.wh.seed(USCC, "500113", commissioner="comm-a")
        await self.wh.seed(OTHER_USCC, "500114", commissioner="comm-b")
        self.principals.update(
            admin=self.h("admin", "admin-authz"),
            operator=self.h("operator", "op-500113", district="500113"),
            enterprise=self.h("enterprise", f"ent-{USCC}", uscc=USCC),
            commissioner=self.h("commissioner", "comm-a"),
            department=self.h("department", "staff-500113-ghzy", dept="500113-ghzy"),
            institution=self.h("institution", "bank-demo-ccb", inst="demo-ccb"),
        )
        self.issues = {side: await self.issue(side) for side in ("own", "other")}
        self.other_markers = [OTHER_USCC, self.issues["other"]["id"]]
        self.own_markers = [USCC, self.issues["own"]["id"]]
        self.aggregates = {"GET /v1/statistics"}

    async def issue(self, side: str) -> dict[str, Any]:
        ent = self.h("enterprise", f"ent-{self.uscc[side]}", uscc=self.uscc[side])
        return await self.wh.raise_issue(
            ent, category=self.category[side], title="矩阵测试诉求", description="用于权限矩阵测试。"
        )


@endpoint(WH, "POST /v1/issues")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    body = {"enterprise_uscc": w.uscc[side], "category": w.category[side], "title": "新诉求", "description": "说明"}
    return Req("POST", "/v1/issues", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})


@endpoint(WH, "GET /v1/issues/{issue_id}")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/issues/{w.issues[side]['id']}")


@endpoint(WH, "POST /v1/issues/{issue_id}/actions/{action}")
async def _(w: WhistleWorld, side: str, action: str) -> Req:
    issue = await w.fresh(f"POST /v1/issues/{{issue_id}}/actions/{{action}} {action}", side, lambda: w.issue(side))
    return Req(
        "POST",
        f"/v1/issues/{issue['id']}/actions/{action}",
        json=ACTION_BODY.get(action) or None,
        headers={"If-Match": f'"{issue["version"]}"'},
    )


@endpoint(WH, "POST /v1/issues/{issue_id}/rating")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    issue = await w.fresh("POST /v1/issues/{issue_id}/rating ", side, lambda: w.issue(side))
    return Req(
        "POST",
        f"/v1/issues/{issue['id']}/rating",
        json={"score": 5, "comment": "满意"},
        headers={"If-Match": f'"{issue["version"]}"'},
    )


@endpoint(WH, "GET /v1/departments/{code}/queue")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/departments/{w.dept[side]}/queue")


@endpoint(WH, "GET /v1/routing-rules/{category}/{district}")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/routing-rules/{w.category[side]}/{DISTRICT[side]}")


@endpoint(WH, "PUT /v1/routing-rules/{category}/{district}")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("PUT", f"/v1/routing-rules/{w.category[side]}/{DISTRICT[side]}", json={"lead": "ghzy", "reason": "调整"})


@endpoint(WH, "GET /v1/statistics")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", "/v1/statistics", params={"district": DISTRICT[side]})


@endpoint(WH, "GET /v1/enterprises/{uscc}")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", f"/v1/enterprises/{w.uscc[side]}")


@endpoint(WH, "GET /open311/v2/requests/{service_request_id}.json")
async def _(w: WhistleWorld, side: str, v: str) -> Req:
    return Req("GET", f"/open311/v2/requests/{w.issues[side]['id']}.json")


# --- the walk ------------------------------------------------------------------------------------


@dataclass
class Answer:
    key: str
    variant: str
    role: str  # or "no token"
    side: str
    status: int
    code: str | None
    body: str


async def walk(world: World, variants: dict[str, list[str]], roles: tuple[str, ...]) -> list[Answer]:
    """Every endpoint (``"METHOD /path"`` → its variants) × role × tenant, and each endpoint without a
    token; reads first (they change nothing), then writes, each write on a request built for it."""
    out: list[Answer] = []
    world.principals.setdefault("city operator", world.h("operator", "op-500000", district="500000"))
    order = sorted(variants, key=lambda k: (not k.startswith("GET "), k))
    for key in order:
        for variant in variants[key]:
            cases = [(role, side) for role in roles for side in ("own", "other")] + [("no token", "own")]
            reqs = {side: await world.build(key, side, variant) for side in ("own", "other")}
            same = reqs["own"] == reqs["other"] and reqs["own"].method == "GET"
            last: dict[str, httpx.Response] = {}
            for role, side in cases:
                req = reqs[side] if reqs[side].method == "GET" else await world.build(key, side, variant)
                auth = {} if role == "no token" else world.principals[role]
                if same and side == "other" and role in last:  # a list: the same request answers both
                    r = last[role]
                else:
                    r = last[role] = await req.send(world.client, auth)
                code = None
                if r.headers.get("content-type", "").startswith("application/problem+json"):
                    code = r.json().get("code")
                out.append(Answer(key, variant, role, side, r.status_code, code, r.text[:20000]))
                if req.method != "GET" and r.status_code < 300:
                    world.spent(f"{key} {variant}", side)
    return out
