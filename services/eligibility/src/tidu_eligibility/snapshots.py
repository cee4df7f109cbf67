"""From projection rows to what the engine reads, and to the record of what an assessment used.

An enterprise's projection (profile row, yearly indicator rows, qualification rows) becomes:

- ``inputs``: the engine's input dict (domain-rules §3 names; ``inputs.py`` of the domain), built
  only from fields the engine knows (the registry may report more: they are kept in the projection,
  not passed on);
- a *snapshot*: the same values with the registry event each came from (the input statements),
  stored once per distinct content in ``assessment_inputs`` and named by its hash from every
  assessment that used it.

Mapping decisions (the registry's events and the engine's dictionary differ in two places):

- ``main_product.time_honoured_brand`` (中华老字号, a profile flag in the registry) is what the engine
  reads as the qualification kind ``time_honoured_brand``: a true flag becomes such a qualification,
  valid from the enterprise's registration date, with no expiry.
- A revoked qualification counts up to the day before ``revoked_on``; an expired one keeps its
  dates (the engine checks validity on the assessment date). Qualification kinds or levels the
  engine does not know are left out (the list is closed: a kind it cannot read is not held).

Awards (科学技术奖, 创客中国) have no registry event yet: stored assessments read none (closed list:
no award). What-if evaluations may send them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from tidu_eligibility.domain.inputs import QUALIFICATION_KINDS, QUALIFICATION_LEVELS, YEAR_FIELDS

MAIN_PRODUCT_FLAGS = ("strategic_emerging", "six_foundations", "key_chain_link", "supplies_chain_leader")
TIME_HONOURED = "time_honoured_brand"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Canonical JSON text (sorted keys, decimals as exact strings)."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def plain_indicators(values: Mapping[str, Any]) -> str:
    """The reported indicators as stored: JSON, decimals as exact strings, None values left out."""
    return dumps({k: v for k, v in values.items() if v is not None})


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def enterprise_inputs(p: Any) -> dict[str, Any]:
    """The engine's ``enterprise`` dict from a profile row (unknown values left out)."""
    out: dict[str, Any] = {"uscc": p.uscc}
    for name in ("name", "district_code", "industry_code", "independent_legal_person", "own_brand"):
        value = getattr(p, name)
        if value is not None:
            out[name] = value
    for name in ("established_on", "niche_market_since"):
        value = getattr(p, name)
        if value is not None:
            out[name] = value.isoformat()
    product = {f: getattr(p, f) for f in MAIN_PRODUCT_FLAGS if getattr(p, f) is not None}
    if p.main_product_text is not None:
        product["text"] = p.main_product_text
    if product:
        out["main_product"] = product
    return out


def year_inputs(indicator_values: str) -> dict[str, Any]:
    """One year's engine row from the stored JSON (only the fields the engine knows)."""
    values = orjson.loads(indicator_values)
    return {k: v for k, v in values.items() if k in YEAR_FIELDS and v is not None}


def qualification_inputs(q: Any) -> dict[str, Any] | None:
    """The engine's qualification dict, or None when the engine cannot read it or it never held."""
    if q.kind not in QUALIFICATION_KINDS:
        return None
    expires_on = q.expires_on
    if q.status == "revoked" and q.revoked_on is not None:
        last_day = q.revoked_on - dt.timedelta(days=1)
        expires_on = last_day if expires_on is None else min(expires_on, last_day)
        if expires_on < q.granted_on:
            return None
    out: dict[str, Any] = {"kind": q.kind, "granted_on": q.granted_on.isoformat()}
    if q.level in QUALIFICATION_LEVELS:
        out["level"] = q.level
    if expires_on is not None:
        out["expires_on"] = expires_on.isoformat()
    if q.document_no:
        out["document_no"] = q.document_no
    return out


def time_honoured_inputs(p: Any) -> dict[str, Any] | None:
    if not p.time_honoured_brand:
        return None
    return {"kind": TIME_HONOURED, "granted_on": p.established_on.isoformat()}


@dataclass(slots=True)
class EnterpriseData:
    """One enterprise's projection rows and the engine input built from them."""

    profile: Any
    years: list[Any] = field(default_factory=list)
    quals: list[Any] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def uscc(self) -> str:
        return str(self.profile.uscc)

    def ensure_inputs(self) -> dict[str, Any]:
        """The engine input, built now if :func:`group` left it out (a batch chunk builds it only
        for the enterprises whose results it records)."""
        if not self.inputs:
            self.inputs = build_inputs(self)
        return self.inputs

    @property
    def district_code(self) -> str | None:
        return self.profile.district_code  # type: ignore[no-any-return]

    def held(self, as_of: dt.date) -> frozenset[str]:
        """Qualification kinds valid on ``as_of``."""
        kinds: set[str] = set()
        for q in self.inputs.get("qualifications", ()):
            granted = dt.date.fromisoformat(q["granted_on"])
            expires = q.get("expires_on")
            if granted <= as_of and (expires is None or as_of <= dt.date.fromisoformat(expires)):
                kinds.add(q["kind"])
        return frozenset(kinds)

    def snapshot(self) -> tuple[str, str]:
        """(sha256, canonical JSON) of the inputs with the registry event each came from."""
        p = self.profile
        body: dict[str, Any] = {
            "enterprise": {
                "values": self.inputs["enterprise"],
                "event_id": p.last_event_id,
                "stated_at": _iso(p.stated_at),
            },
            "years": {
                str(y.year): {
                    "values": self.inputs["years"].get(str(y.year), {}),
                    "event_id": y.event_id,
                    "reported_at": _iso(y.reported_at),
                }
                for y in self.years
            },
            "qualifications": [
                {
                    "qualification_id": q.qualification_id,
                    "status": q.status,
                    "event_id": q.event_id,
                    "values": qualification_inputs(q),
                }
                for q in self.quals
            ],
            "awards": [],
        }
        if p.time_honoured_brand:
            body["qualifications"].append(
                {"qualification_id": None, "status": "profile_flag", "event_id": p.last_event_id,
                 "values": time_honoured_inputs(p)}
            )  # fmt: skip
        text = dumps(body)
        return hashlib.sha256(text.encode()).hexdigest(), text


def build_inputs(data: EnterpriseData) -> dict[str, Any]:
    quals = [v for v in (qualification_inputs(q) for q in data.quals) if v is not None]
    th = time_honoured_inputs(data.profile)
    if th is not None:
        quals.append(th)
    return {
        "enterprise": enterprise_inputs(data.profile),
        "years": {str(y.year): year_inputs(y.indicator_values) for y in data.years},
        "qualifications": quals,
    }


def group(profiles: Sequence[Any], years: Iterable[Any], quals: Iterable[Any]) -> list[EnterpriseData]:
    """Group rows by enterprise (in the order of ``profiles``), engine inputs not built."""
    by_uscc = {p.uscc: EnterpriseData(p) for p in profiles}
    for y in years:
        d = by_uscc.get(y.uscc)
        if d is not None:
            d.years.append(y)
    for q in quals:
        d = by_uscc.get(q.uscc)
        if d is not None:
            d.quals.append(q)
    return list(by_uscc.values())


def assemble(profiles: Sequence[Any], years: Iterable[Any], quals: Iterable[Any]) -> list[EnterpriseData]:
    """Group rows by enterprise (in the order of ``profiles``) and build each engine input."""
    out = group(profiles, years, quals)
    for d in out:
        d.inputs = build_inputs(d)
    return out
