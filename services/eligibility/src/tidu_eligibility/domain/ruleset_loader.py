"""Load rule-set files, validate them once, and pick the version in force on a date.

The only I/O of the domain: reading YAML (or JSON, a subset of YAML) files. Rule sets are loaded at
start into a ``Catalog``; selection is then a scan of a few entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import yaml

from .ruleset_schema import TIERS, RuleSet, RuleSetError, parse_ruleset

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleSetNotFound(LookupError):
    """No rule set matches the id or tier on the date asked."""


def default_ruleset_dir() -> Path:
    """The rule sets shipped with the package (``tidu_eligibility/rulesets``)."""
    return Path(str(resources.files("tidu_eligibility") / "rulesets"))


def load_ruleset(path: str | Path) -> RuleSet:
    """Read and validate one rule-set file; a malformed one raises RuleSetError naming file and field."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleSetError(source, "<file>", f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise RuleSetError(source, "<file>", f"not valid YAML: {exc}") from exc
    return parse_ruleset(data, source)


def load_rulesets(directory: str | Path | None = None) -> Catalog:
    """Every ``*.yaml`` / ``*.yml`` / ``*.json`` file of a directory (default: the packaged rule sets)."""
    folder = Path(directory) if directory is not None else default_ruleset_dir()
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return Catalog(tuple(load_ruleset(p) for p in paths))


@dataclass(frozen=True)
class Catalog:
    """Validated rule sets: versions of one id must not overlap in time, (id, version) is unique."""

    rulesets: tuple[RuleSet, ...]

    def __post_init__(self) -> None:
        seen: dict[tuple[str, int], RuleSet] = {}
        for rs in self.rulesets:
            if (rs.id, rs.version) in seen:
                raise RuleSetError(rs.source, "version", f"{rs.id} version {rs.version} defined twice")
            seen[(rs.id, rs.version)] = rs
        for a, b in _pairs(self.rulesets):
            if a.id == b.id and _overlap(a, b):
                raise RuleSetError(
                    b.source, "effective_from", f"{b.id} versions {a.version} and {b.version} overlap in time"
                )

    def ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rs.id for rs in self.rulesets))

    def by_id(self, ruleset_id: str, as_of: date) -> RuleSet:
        """The version of ``ruleset_id`` that applies on ``as_of``.

        The version in force, else the latest one that started before ``as_of``: asking for an id by
        name after its end date is how a re-review (复核) applies the rules a certificate was granted
        under (e.g. ``little-giant-2022`` in 2026). Before the first version started: not found.
        """
        versions = [rs for rs in self.rulesets if rs.id == ruleset_id]
        if not versions:
            raise RuleSetNotFound(f"no rule set {ruleset_id!r}")
        started = [rs for rs in versions if rs.effective_from <= as_of]
        if not started:
            raise RuleSetNotFound(f"rule set {ruleset_id!r} is not in force on {as_of.isoformat()}")
        in_force = [rs for rs in started if rs.in_force(as_of)]
        return max(in_force or started, key=lambda rs: (rs.effective_from, rs.version))

    def by_tier(self, tier: str, as_of: date, district: str | None = None) -> RuleSet:
        """The rule set in force for a tier on a date; district rule sets only for their district."""
        if tier not in TIERS:
            raise RuleSetNotFound(f"unknown tier {tier!r} (one of {', '.join(TIERS)})")
        candidates = [rs for rs in self.rulesets if rs.tier == tier and rs.in_force(as_of)]
        local = [rs for rs in candidates if rs.district is not None]
        if local:
            candidates = [rs for rs in candidates if rs.district is None or rs.district == district]
            if any(rs.district == district for rs in candidates):
                candidates = [rs for rs in candidates if rs.district == district]
        if not candidates:
            where = "" if district is None else f" for district {district}"
            raise RuleSetNotFound(f"no {tier} rule set in force on {as_of.isoformat()}{where}")
        latest = max(rs.effective_from for rs in candidates)
        chosen = [rs for rs in candidates if rs.effective_from == latest]
        if len({rs.id for rs in chosen}) > 1:
            names = ", ".join(sorted(rs.id for rs in chosen))
            raise RuleSetNotFound(f"several {tier} rule sets in force on {as_of.isoformat()}: {names}")
        return max(chosen, key=lambda rs: rs.version)


def _overlap(a: RuleSet, b: RuleSet) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def _pairs(items: Sequence[RuleSet]) -> Iterable[tuple[RuleSet, RuleSet]]:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            yield a, b
