"""The rule sets a running service applies: files merged with uploaded versions, and the engine.

- Files: the packaged rule sets (``tidu_eligibility/rulesets``) and, when ``rulesets_dir`` is set,
  that directory's files. Each is validated by the domain's schema when the service starts: a
  malformed file stops start-up with the loader's message (file, field, what is wrong).
- Uploads: versions an admin added over the API (``POST /v1/rulesets``), kept in the ``rulesets``
  table as sent and re-validated at start-up.

An upload *supersedes*: the versions of the same id that are still open on the new version's
``effective_from`` are closed the day before (``effective_to``), so that the new version applies
from its date and the older one keeps deciding earlier dates. A version must be numbered above
every existing version of its id and must not start on or before the start of one of them.
Uploads are applied in the order they were made, the same way every time a process starts.

The engine is rebuilt from the merged list on every change (building takes a few milliseconds);
``RuleBook`` is immutable, so a request or batch chunk that holds one keeps a consistent view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.ruleset_loader import Catalog, RuleSetNotFound, load_rulesets
from tidu_eligibility.domain.ruleset_schema import TIERS, RuleSet, RuleSetError, parse_ruleset

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PACKAGED, FILE, UPLOADED = "packaged", "file", "uploaded"


@dataclass(frozen=True, slots=True)
class Upload:
    """A stored upload: the body as sent, and who sent it when."""

    body: str
    body_format: str  # yaml | json
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Entry:
    ruleset: RuleSet
    origin: str  # packaged | file | uploaded
    uploaded_by: str | None = None
    uploaded_at: dt.datetime | None = None
    closed_by: str | None = None  # "srdi-2026@2" when an upload closed this version


@dataclass(frozen=True)
class RuleBook:
    entries: tuple[Entry, ...]
    engine: Engine
    uploads_fingerprint: tuple[int, dt.datetime | None] = (0, None)
    _index: dict[tuple[str, int], Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({(e.ruleset.id, e.ruleset.version): e for e in self.entries})

    @property
    def catalog(self) -> Catalog:
        return self.engine.catalog

    def entry(self, ruleset: RuleSet) -> Entry:
        return self._index[(ruleset.id, ruleset.version)]

    def in_force(self, as_of: dt.date, district: str | None = None) -> list[RuleSet]:
        """Every rule set in force on ``as_of`` that applies to an enterprise of ``district``
        (a district's own rule set only to its district; ``None``: the general ones only)."""
        return [
            rs
            for rs in self.catalog.rulesets
            if rs.in_force(as_of) and (rs.district is None or rs.district == district)
        ]

    def all_in_force(self, as_of: dt.date) -> list[RuleSet]:
        return sorted((rs for rs in self.catalog.rulesets if rs.in_force(as_of)), key=lambda rs: rs.id)

    def versions(self, ruleset_id: str) -> list[RuleSet]:
        return sorted((rs for rs in self.catalog.rulesets if rs.id == ruleset_id), key=lambda rs: rs.version)


# --- building -------------------------------------------------------------------------------------------


def load_files(extra_dir: Path | None) -> list[Entry]:
    """The packaged rule sets and those of ``extra_dir``; raises RuleSetError naming file and field."""
    entries = [Entry(rs, PACKAGED) for rs in load_rulesets().rulesets]
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise RuleSetError(str(extra_dir), "<directory>", "rulesets_dir is not a directory")
        entries += [Entry(rs, FILE) for rs in load_rulesets(extra_dir).rulesets]
    return entries


def parse_body(body: str, body_format: str, source: str) -> RuleSet:
    """A rule set sent as YAML or JSON, validated by the domain's schema."""
    try:
        data: Any = json.loads(body) if body_format == "json" else yaml.load(body, Loader=_LOADER)
    except (ValueError, yaml.YAMLError) as exc:
        what = "JSON" if body_format == "json" else "YAML"
        raise RuleSetError(source, "<body>", f"not valid {what}: {exc}") from None
    return parse_ruleset(data, source)


def upload_source(ruleset_id: str, version: int) -> str:
    return f"upload:{ruleset_id}@{version}"


def supersede(entries: Sequence[Entry], new: Entry) -> list[Entry]:
    """``entries`` with ``new`` added: open versions of its id closed the day before it starts."""
    rs = new.ruleset
    same = [e.ruleset for e in entries if e.ruleset.id == rs.id]
    if any(o.version == rs.version for o in same):
        raise RuleSetError(rs.source, "version", f"{rs.id} version {rs.version} exists already")
    if same and rs.version <= max(o.version for o in same):
        latest = max(o.version for o in same)
        raise RuleSetError(rs.source, "version", f"must be above the latest version of {rs.id} ({latest})")
    later = [o for o in same if o.effective_from >= rs.effective_from]
    if later:
        o = later[0]
        raise RuleSetError(
            rs.source,
            "effective_from",
            f"{rs.id} version {o.version} starts on {o.effective_from}; a new version must start after it",
        )
    label = f"{rs.id}@{rs.version}"
    out: list[Entry] = []
    for e in entries:
        o = e.ruleset
        if o.id == rs.id and (o.effective_to is None or o.effective_to >= rs.effective_from):
            # o starts before rs (checked above), so the day before rs starts exists
            day_before = rs.effective_from - dt.timedelta(days=1)
            e = dataclasses.replace(e, ruleset=dataclasses.replace(o, effective_to=day_before), closed_by=label)
        out.append(e)
    out.append(new)
    return out


def check_selectable(catalog: Catalog, rs: RuleSet) -> None:
    """A tier must name one rule set on every date: a new one must not make ``by_tier`` ambiguous."""
    if rs.tier not in TIERS:
        return
    for day in (rs.effective_from, rs.effective_to) if rs.effective_to else (rs.effective_from,):
        try:
            catalog.by_tier(rs.tier, day, rs.district)
        except RuleSetNotFound as exc:
            raise RuleSetError(rs.source, "tier", str(exc)) from None


def build(entries: Sequence[Entry], fingerprint: tuple[int, dt.datetime | None] = (0, None)) -> RuleBook:
    """Validate the whole set (no two versions of an id overlap), compile the engine, and check that
    every rule set evaluates (a parameter naming a missing rule set, say, fails here, not in a
    consumer later)."""
    catalog = Catalog(tuple(e.ruleset for e in entries))
    engine = Engine(catalog)
    for e in entries:
        smoke_test(engine, e.ruleset)
    return RuleBook(tuple(entries), engine, fingerprint)


def smoke_test(engine: Engine, rs: RuleSet) -> None:
    """Evaluate ``rs`` once, with nothing known, on its first day (raises RuleSetError)."""
    try:
        engine.evaluate(rs.id, rs.effective_from, None, {"enterprise": {"district_code": rs.district}})
    except Exception as exc:
        raise RuleSetError(rs.source, "<evaluation>", f"cannot be evaluated: {type(exc).__name__}: {exc}") from exc


def with_uploads(files: Sequence[Entry], uploads: Iterable[Upload]) -> RuleBook:
    """The files with every stored upload applied in order (start-up and refresh)."""
    entries = list(files)
    count, last = 0, None
    for up in uploads:
        rs = parse_body(up.body, up.body_format, "upload")
        rs = dataclasses.replace(rs, source=upload_source(rs.id, rs.version))
        entries = supersede(entries, Entry(rs, UPLOADED, up.uploaded_by, up.uploaded_at))
        count, last = count + 1, up.uploaded_at
    return build(entries, (count, last))


def add_upload(book: RuleBook, rs: RuleSet, uploaded_by: str, uploaded_at: dt.datetime) -> RuleBook:
    """``book`` with one more uploaded version (validated as a whole; raises RuleSetError)."""
    entries = supersede(book.entries, Entry(rs, UPLOADED, uploaded_by, uploaded_at))
    new = build(entries, (book.uploads_fingerprint[0] + 1, uploaded_at))
    check_selectable(new.catalog, rs)
    return new
