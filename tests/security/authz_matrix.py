"""The authorization matrix (docs/authorization-matrix.yaml): loading and checking the table, walking
the live route tables of the apps, and rendering the table as docs/authorization-matrix.md.

``python tests/security/authz_matrix.py`` writes the Markdown rendering; a test keeps it in sync.

A rule says what one role may do with one endpoint, against the tenant its token's claim binds:

* ``any`` — allowed on every tenant;
* ``own <tenant>, else 403`` / ``own <tenant>, else 404`` — allowed on its own tenant, the other
  tenant's resource is refused with that status (404 where even existence must not leak);
* ``own <tenant>, else hidden`` — a list: allowed, and the other tenant's records are not in it;
* ``deny 403`` / ``deny 404`` — refused on every tenant; ``deny 403, other 404``: refused, and the
  other tenant's resource answers 404 (its own exists to it, the other's must not leak).

``<tenant>`` is the one the role's claim binds: ``enterprise`` (uscc), ``district`` (operator),
``department`` (dept), ``institution`` (inst), ``commissioner's enterprises`` (sub).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# TIDU_AUTHZ_MATRIX: check another copy of the table (to see the test fail on a changed rule).
TABLE = Path(os.environ.get("TIDU_AUTHZ_MATRIX") or ROOT / "docs" / "authorization-matrix.yaml")
RENDERING = ROOT / "docs" / "authorization-matrix.md"

ROLES: tuple[str, ...] = ("admin", "operator", "enterprise", "commissioner", "department", "institution")
# The city operator (``district: 500000``) is an operator whose district is every district: unless an
# entry says otherwise (``city operator: …``), it may do on every tenant what a district operator may
# do on its own, and nothing a district operator is refused.
CITY = "city operator"
PRINCIPALS: tuple[str, ...] = (*ROLES, CITY)
SIDES: tuple[str, ...] = ("own", "other")
TENANT_OF_ROLE: dict[str, str] = {
    "operator": "district",
    "enterprise": "enterprise",
    "commissioner": "commissioner's enterprises",
    "department": "department",
    "institution": "institution",
    "admin": "all",
    CITY: "all",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_OWN = re.compile(
    r"^own (?P<tenant>enterprise|district|department|institution|commissioner's enterprises), "
    r"else (?P<else>403|404|hidden)$"
)
_DENY = re.compile(r"^deny (?P<status>403|404)(, other (?P<other>403|404))?$")


class MatrixError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    """One role's rule for one endpoint: what the own and the other tenant's request must answer."""

    text: str
    own_allowed: bool
    other_allowed: bool
    own_status: int | None = None  # the denial status when not allowed
    other_status: int | None = None
    hides_other: bool = False  # a list that must not show the other tenant's records

    def allowed(self, side: str) -> bool:
        return self.own_allowed if side == "own" else self.other_allowed

    def denial(self, side: str) -> int | None:
        return self.own_status if side == "own" else self.other_status


def parse_rule(role: str, text: Any, where: str) -> Rule:
    if not isinstance(text, str):
        raise MatrixError(f"{where}: the rule for {role} must be a string, got {text!r}")
    t = " ".join(text.split())
    if t == "any":
        return Rule(t, True, True)
    m = _DENY.match(t)
    if m:
        status = int(m.group("status"))
        return Rule(t, False, False, status, int(m.group("other") or status))
    m = _OWN.match(t)
    if m:
        if m.group("tenant") != TENANT_OF_ROLE[role]:
            raise MatrixError(
                f"{where}: {role}'s claim binds its {TENANT_OF_ROLE[role]}, not {m.group('tenant')!r} ({t!r})"
            )
        if m.group("else") == "hidden":
            return Rule(t, True, True, hides_other=True)
        return Rule(t, True, False, None, int(m.group("else")))
    raise MatrixError(
        f"{where}: {role}: {t!r} is not a rule "
        "(any | deny 403|404 | deny 403, other 404 | own <tenant>, else 403|404|hidden)"
    )


@dataclass(frozen=True)
class Entry:
    service: str
    method: str
    path: str
    rules: dict[str, dict[str, Rule]]  # variant ("" when none) → role → rule
    variant_param: str | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Matrix:
    public: frozenset[str]
    entries: dict[str, dict[str, Entry]]  # service → "METHOD /path" → entry

    def size(self, services: Iterable[str] | None = None) -> tuple[int, int, int]:
        """(endpoint variants, roles, tenants)."""
        names = list(services) if services is not None else list(self.entries)
        n = sum(len(e.rules) for s in names for e in self.entries[s].values())
        return n, len(PRINCIPALS), len(SIDES)


def _rules(roles: Any, where: str) -> dict[str, Rule]:
    if not isinstance(roles, dict):
        raise MatrixError(f"{where}: expected a mapping of roles to rules")
    missing = [r for r in ROLES if r not in roles]
    unknown = [r for r in roles if r not in PRINCIPALS]
    if missing or unknown:
        raise MatrixError(f"{where}: roles missing {missing}, unknown {unknown}")
    rules = {r: parse_rule(r, roles[r], where) for r in ROLES}
    if CITY in roles:
        rules[CITY] = parse_rule(CITY, roles[CITY], where)
    else:
        op = rules["operator"]
        rules[CITY] = Rule("any", True, True) if op.own_allowed else op
    return rules


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a key given twice (plain YAML keeps the last silently)."""


def _mapping(loader: _UniqueKeys, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    twice = sorted({str(k) for k in keys if keys.count(k) > 1})
    if twice:
        raise MatrixError(f"line {node.start_mark.line + 1}: {twice} given more than once")
    return loader.construct_mapping(node, deep=deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(path: Path | None = None) -> Matrix:
    raw = yaml.load((path or TABLE).read_text(encoding="utf-8"), Loader=_UniqueKeys)
    public = frozenset(raw.get("public", []))
    entries: dict[str, dict[str, Entry]] = {}
    for service, endpoints in raw["services"].items():
        out: dict[str, Entry] = {}
        for key, spec in (endpoints or {}).items():
            method, _, p = key.partition(" ")
            where = f"{service}: {key}"
            if method not in {"GET", "POST", "PUT", "PATCH", "DELETE"} or not p.startswith("/"):
                raise MatrixError(f"{where}: keys are 'METHOD /path/{{param}}'")
            spec = dict(spec or {})
            note = spec.pop("note", None)
            by = [k for k in spec if k.startswith("by ")]
            if by:
                param = by[0][3:]
                variants = spec.pop(by[0])
                if spec:
                    raise MatrixError(f"{where}: with '{by[0]}', the rules go under it")
                rules = {str(v): _rules(roles, f"{where} [{param}={v}]") for v, roles in variants.items()}
                out[key] = Entry(service, method, p, rules, param, note)
            else:
                out[key] = Entry(service, method, p, {"": _rules(spec, where)}, None, note)
        entries[service] = out
    return Matrix(public, entries)


# --- the live route tables ---------------------------------------------------------------------


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    for r in routes:
        candidates = getattr(r, "effective_candidates", None)
        if candidates is not None:  # FastAPI's included router: its routes with the prefixes applied
            yield from _walk(candidates())
            continue
        target = getattr(r, "starlette_route", None) or getattr(r, "original_route", None) or r
        path = getattr(r, "path", "") or getattr(target, "path", "")
        sub = getattr(target, "routes", None)
        methods = getattr(target, "methods", None)
        if methods is None and sub is not None:  # a mount (static files): the prefix itself
            yield ("MOUNT", path)
            continue
        for m in sorted(methods or ()):
            if m != "HEAD":
                yield (m, path)


def live_operations(app: Any, *, cross_check: bool = True) -> set[str]:
    """Every "METHOD /path" the app answers, including routes left out of the OpenAPI document.
    Cross-checked against the OpenAPI document, so that a FastAPI change to how included routers are
    stored cannot make the walk miss routes silently."""
    walked = {f"{m} {p}" for m, p in _walk(app.routes)}
    if not cross_check:
        return walked
    documented = {f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops}
    unseen = documented - walked
    if unseen:
        raise AssertionError(f"the route walk missed documented operations: {sorted(unseen)}")
    return walked


def coverage_problems(matrix: Matrix, service: str, live: set[str]) -> list[str]:
    table = set(matrix.entries.get(service, {}))
    problems = [
        f"{service}: live endpoint {op} has no entry in docs/authorization-matrix.yaml"
        for op in sorted(live - table - matrix.public)
    ]
    problems += [f"{service}: the table's entry {op} matches no live route" for op in sorted(table - live)]
    problems += [f"{service}: {op} is both public and in the table" for op in sorted(table & matrix.public)]
    return problems


# --- rendering ---------------------------------------------------------------------------------

_SHORT = {
    "any": "✔",
    "deny 403": "403",
    "deny 404": "404",
    "deny 403, other 404": "403 (other 404)",
}


def _cell(rule: Rule) -> str:
    if rule.text in _SHORT:
        return _SHORT[rule.text]
    tenant = rule.text.split(",")[0].removeprefix("own ")
    tail = "hidden" if rule.hides_other else str(rule.other_status)
    return f"own {tenant} (else {tail})"


def render(matrix: Matrix) -> str:
    rows = sum(len(e.rules) for s in matrix.entries.values() for e in s.values())
    templates = sum(len(s) for s in matrix.entries.values())
    lines = [
        "# Authorization matrix",
        "",
        "<!-- Generated from authorization-matrix.yaml by `python tests/security/authz_matrix.py`; "
        "tests/security/test_authorization_matrix.py checks that it is current. -->",
        "",
        "Who may call which endpoint, on which tenant. Each role's token binds one tenant: an operator its "
        "district (`district`), an enterprise itself (`uscc`), a commissioner the enterprises assigned to it "
        "(`sub`), a department itself (`dept`), an institution itself (`inst`); the city operator "
        "(`district: 500000`) is an operator of every district. ✔ any tenant; *own … (else 403/404)*: its "
        "own tenant, the other's answers 403, or 404 where even existence must not leak; *(else hidden)*: a "
        "list that shows its own tenant and leaves the other out; 403/404: refused. Without a token every "
        "endpoint answers 401.",
        "",
        f"{templates} endpoints ({rows} rows: whistle's issue actions one by one) × {len(PRINCIPALS)} "
        f"principals (the {len(ROLES)} roles and the city operator) × "
        f"{len(SIDES)} tenants (own, other) = {rows * len(PRINCIPALS) * len(SIDES)} checked answers, plus {rows} "
        "without a token.",
        "",
        "Public (no token): " + ", ".join(f"`{p}`" for p in sorted(matrix.public)) + ".",
        "",
    ]
    for service, entries in matrix.entries.items():
        lines += [
            f"## {service}",
            "",
            "| endpoint | " + " | ".join(PRINCIPALS) + " |",
            "|---" * (len(PRINCIPALS) + 1) + "|",
        ]
        notes: list[str] = []
        for key, e in entries.items():
            mark = ""
            if e.note:
                notes.append(f"{len(notes) + 1}. `{key}`: {e.note}")
                mark = f" [{len(notes)}]"
            for variant, rules in e.rules.items():
                label = f"`{key}`{mark}" + (f" ({e.variant_param}={variant})" if variant else "")
                lines.append(f"| {label} | " + " | ".join(_cell(rules[r]) for r in PRINCIPALS) + " |")
        lines += ["", *notes, ""] if notes else [""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render(load())
    if "--check" in argv:
        return 0 if RENDERING.read_text(encoding="utf-8") == text else 1
    RENDERING.write_text(text, encoding="utf-8")
    print(f"wrote {RENDERING.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
