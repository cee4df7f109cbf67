"""A frame: the inputs of many enterprises as columns, validated as ``parse_inputs`` validates one.

Built from the engine's input dicts (``Frame.from_enterprises``, what ``assess_batch`` takes) or
from columns (``Frame.from_columns``: arrays or sequences per field, as a batch run reads them from
the database). Either way every value is the one the engine would see:

- decimal and integer fields become exact int64 ``value · SCALE``; a float is read as the engine
  reads it, through its shortest repr (``Decimal(repr(x))``), which for a float within 10^9 of zero
  whose ``rint(x · SCALE) / SCALE`` is ``x`` again is exactly that scaled integer;
- flags are three-valued codes, levels ranks, dates (year, month·100 + day), texts factorised.

A value that would not parse (negative revenue, a boolean for a number, an unknown level …) makes
the build raise the engine's own ``InputError`` for the first enterprise, in order, that has one.
A row the columns cannot hold exactly (a value with more than 6 decimals or beyond int64, a
qualification without level, an award without rank) is marked in ``engine_rows``: the batch
evaluates those with the engine itself.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import numpy as np

from ..inputs import (
    AWARD_LEVELS,
    MAIN_PRODUCT_FLAGS,
    QUALIFICATION_KINDS,
    QUALIFICATION_LEVELS,
    RD_INSTITUTION_LEVELS,
    YEAR_FIELDS,
    FieldSpec,
    InputError,
    Inputs,
    parse_inputs,
)
from .exact import F64, I8, I64, SCALE, Arr, Bool, T, U
from .exact import F as FALSE

I32 = np.ndarray[Any, np.dtype[np.int32]]

ENTERPRISE_TEXTS: Final = ("district_code", "industry_code")
ENTERPRISE_DATES: Final = ("established_on", "niche_market_since")
ENTERPRISE_FLAGS: Final = (
    "independent_legal_person",
    "own_brand",
    *(f"main_product.{flag}" for flag in MAIN_PRODUCT_FLAGS),
)
ENTERPRISE_COLUMNS: Final = (*ENTERPRISE_TEXTS, *ENTERPRISE_DATES, *ENTERPRISE_FLAGS)
NUMERIC_KINDS: Final = ("decimal", "integer")
LEVEL_RANK: Final = {level: i for i, level in enumerate(RD_INSTITUTION_LEVELS)}
_FLOAT_FAST_LIMIT: Final = 1e9  # |x| below this: SCALE·x below 10^15, so repr(x) is the scaled integer
_INT_LIMIT: Final = 2**62 // SCALE
_NO_EXPIRY: Final = date.max.toordinal()
_ENTERPRISE_KEYS: Final = frozenset(
    {
        "uscc",
        "name",
        "district_code",
        "industry_code",
        "established_on",
        "independent_legal_person",
        "niche_market_since",
        "main_product",
        "own_brand",
    }
)
_PRODUCT_KEYS: Final = frozenset({"text", *MAIN_PRODUCT_FLAGS})
_TOP_KEYS: Final = frozenset({"enterprise", "years", "qualifications", "awards"})
_QUALIFICATION_KEYS: Final = frozenset({"kind", "level", "granted_on", "expires_on", "document_no"})
_AWARD_KEYS: Final = frozenset({"kind", "level", "rank", "year"})


# --- columns ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class NumCol:
    """A decimal or integer field: ``v`` = value · SCALE where ``known``."""

    v: Arr
    known: Bool


@dataclasses.dataclass(frozen=True, slots=True)
class FlagCol:
    tri: I8  # F / U (missing) / T

    @property
    def known(self) -> Bool:
        return self.tri != U


@dataclasses.dataclass(frozen=True, slots=True)
class LevelCol:
    rank: I8  # index in RD_INSTITUTION_LEVELS, -1 missing

    @property
    def known(self) -> Bool:
        return self.rank >= 0


@dataclasses.dataclass(frozen=True, slots=True)
class DateCol:
    year: I32
    md: I32  # month · 100 + day
    known: Bool


@dataclasses.dataclass(frozen=True, slots=True)
class TextCol:
    codes: I32  # index in ``uniques``, -1 missing
    uniques: tuple[str, ...]

    @property
    def known(self) -> Bool:
        return self.codes >= 0

    def map(self, fn: Callable[[str], Any], dtype: Any, missing: Any) -> np.ndarray[Any, Any]:
        """fn applied to each distinct text, spread over the rows (``missing`` where none)."""
        table = np.array([*(fn(u) for u in self.uniques), missing], dtype=dtype)
        return table[self.codes]  # -1 picks the trailing ``missing``


YearCol = NumCol | FlagCol | LevelCol


@dataclasses.dataclass(frozen=True, slots=True)
class Qualifications:
    row: I64
    pos: I64  # index within the enterprise's list (the engine names a missing level by it)
    kind: I32  # index in ``kinds``
    level: I32  # index in ``levels``, -1 when not recorded
    granted: I64  # ordinal
    expires: I64  # ordinal, date.max when none
    kinds: tuple[str, ...]
    levels: tuple[str, ...]

    def kind_in(self, names: Sequence[str]) -> Bool:
        return np.isin(self.kind, [k for k, name in enumerate(self.kinds) if name in names])

    def level_in(self, names: Sequence[str]) -> Bool:
        return np.isin(self.level, [k for k, name in enumerate(self.levels) if name in names])


@dataclasses.dataclass(frozen=True, slots=True)
class Awards:
    row: I64
    pos: I64  # index within the enterprise's list (the engine names a missing rank by it)
    kind: tuple[str, ...]
    level: tuple[str, ...]
    year: I64
    rank: I64  # -1 when not known


class Frame:
    """Columns of ``n`` enterprises; see the module docstring."""

    def __init__(
        self,
        uscc: Sequence[str],
        enterprise: Mapping[str, TextCol | DateCol | FlagCol],
        years: Mapping[int, Mapping[str, YearCol]],
        qualifications: Qualifications,
        awards: Awards,
        engine_rows: Bool,
        row_inputs: Callable[[int], Mapping[str, Any] | Inputs],
    ) -> None:
        self.n = len(uscc)
        self.uscc = uscc
        self.enterprise = enterprise
        self.years = years
        self.qualifications = qualifications
        self.awards = awards
        self.engine_rows = engine_rows
        self._row_inputs = row_inputs
        self._absent: dict[str, YearCol] = {}
        self._parsed: dict[int, Inputs] = {}

    def year_col(self, name: str, year: int) -> YearCol:
        col = self.years.get(year, {}).get(name)
        if col is not None:
            return col
        if name not in self._absent:
            kind = YEAR_FIELDS[name].kind
            if kind == "flag":
                self._absent[name] = FlagCol(np.full(self.n, U, np.int8))
            elif kind == "level":
                self._absent[name] = LevelCol(np.full(self.n, -1, np.int8))
            else:
                self._absent[name] = NumCol(Arr(np.zeros(self.n, np.int64)), np.zeros(self.n, np.bool_))
        return self._absent[name]

    def raw_inputs(self, row: int) -> Mapping[str, Any] | Inputs:
        """One row as the engine's input dict (or parsed inputs) carry it."""
        return self._row_inputs(row)

    def inputs(self, row: int) -> Inputs:
        """The engine's inputs for one row (parsed as the engine parses them)."""
        found = self._parsed.get(row)
        if found is None:
            found = self._parsed[row] = parse_inputs(self._row_inputs(row))
        return found

    # --- builders -------------------------------------------------------------------------------

    @classmethod
    def from_enterprises(cls, enterprises: Sequence[Mapping[str, Any]]) -> Frame:
        """The enterprises of ``assess_batch``: input dicts as ``parse_inputs`` takes, ``enterprise.uscc`` set."""
        gathered = _Gatherer(enterprises)
        gathered.run()
        return gathered.build()

    @classmethod
    def from_columns(
        cls,
        uscc: Sequence[str],
        enterprise: Mapping[str, Any],
        years: Mapping[int, Mapping[str, Any]],
        qualifications: Mapping[str, Sequence[Any]] | None = None,
        awards: Mapping[str, Sequence[Any]] | None = None,
    ) -> Frame:
        """Columns, each a sequence or array with one value per enterprise (row ``i`` = ``uscc[i]``).

        - ``enterprise``: any of ``district_code``, ``industry_code`` (text), ``established_on``,
          ``niche_market_since`` (date or ISO text), ``independent_legal_person``, ``own_brand``,
          ``main_product.<flag>`` (bool, or 0/1 as SQLite stores booleans); None = unknown.
        - ``years``: year -> field -> column, fields as in domain-rules §3; a float64 array with NaN
          for unknown, an int array, or a sequence of int / float / Decimal / str / None (floats are
          read as the engine reads them, through their repr); a year or field not given is unknown.
        - ``qualifications``: ``row`` (index into uscc), ``kind``, ``level``, ``granted_on``,
          ``expires_on``; ``awards``: ``row``, ``kind``, ``level``, ``year``, ``rank``.
        """
        n = len(uscc)
        unknown = sorted(set(enterprise) - set(ENTERPRISE_COLUMNS))
        if unknown:
            raise InputError(f"enterprise: unknown column(s) {', '.join(unknown)}")
        for year, fields in years.items():
            bad = sorted(set(fields) - set(YEAR_FIELDS))
            if bad:
                raise InputError(f"years[{year}]: unknown column(s) {', '.join(bad)}")
        for name, values in [*enterprise.items(), *((f, v) for cols in years.values() for f, v in cols.items())]:
            if len(values) != n:
                raise InputError(f"column {name}: {len(values)} values for {n} enterprises")
        q = _table(qualifications, ("row", "kind", "level", "granted_on", "expires_on"))
        a = _table(awards, ("row", "kind", "level", "year", "rank"))
        q_entries, a_entries = _Entries(q["row"]), _Entries(a["row"])

        def row_inputs(i: int) -> dict[str, Any]:
            ent: dict[str, Any] = {"uscc": uscc[i]}
            product: dict[str, Any] = {}
            for name, values in enterprise.items():
                value = _raw(values, i, flag=name in ENTERPRISE_FLAGS)
                if name.startswith("main_product."):
                    product[name.split(".", 1)[1]] = value
                else:
                    ent[name] = value
            if product:
                ent["main_product"] = product
            rows: dict[int, dict[str, Any]] = {}
            for year, fields in years.items():
                row = {name: _raw(values, i, flag=YEAR_FIELDS[name].kind == "flag") for name, values in fields.items()}
                row = {k: v for k, v in row.items() if v is not None}
                if row:
                    rows[year] = row
            quals = [
                {
                    "kind": q["kind"][k],
                    "level": q["level"][k],
                    "granted_on": q["granted_on"][k],
                    "expires_on": q["expires_on"][k],
                }
                for k in q_entries.of(i)
            ]
            awards_ = [
                {
                    "kind": a["kind"][k],
                    "level": a["level"][k],
                    "year": _int_or_none(a["year"][k]),
                    "rank": _int_or_none(a["rank"][k]),
                }
                for k in a_entries.of(i)
            ]
            return {"enterprise": ent, "years": rows, "qualifications": quals, "awards": awards_}

        builder = _Builder(n, row_inputs)
        ent_cols: dict[str, TextCol | DateCol | FlagCol] = {}
        for name in ENTERPRISE_COLUMNS:
            values = enterprise.get(name)
            if values is None:
                values = [None] * n
            if name in ENTERPRISE_TEXTS:
                ent_cols[name] = builder.text(values, nan_missing=True)
            elif name in ENTERPRISE_DATES:
                ent_cols[name] = builder.date(values, nan_missing=True)
            else:
                ent_cols[name] = builder.flag(values, numeric_ok=True)
        year_cols = {
            year: {name: builder.year_column(YEAR_FIELDS[name], values, columns=True) for name, values in f.items()}
            for year, f in years.items()
        }
        quals = builder.qualifications(
            q["row"], q["kind"], q["level"], q["granted_on"], q["expires_on"], [None] * len(q["row"])
        )
        award_table = builder.awards(a["row"], a["kind"], a["level"], a["year"], a["rank"])
        builder.raise_first_invalid()
        return Frame(list(uscc), ent_cols, year_cols, quals, award_table, builder.engine_rows, row_inputs)


def _table(data: Mapping[str, Sequence[Any]] | None, keys: tuple[str, ...]) -> dict[str, Sequence[Any]]:
    if data is None:
        return {k: [] for k in keys}
    missing = [k for k in keys if k not in data and k not in ("level", "expires_on", "rank")]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}")
    size = len(data["row"])
    return {k: data[k] if k in data else [None] * size for k in keys}


class _Entries:
    """The entries (qualifications or awards) of each enterprise, in the order given; built on first use."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows = rows
        self._index: dict[int, list[int]] | None = None

    def of(self, row: int) -> list[int]:
        if self._index is None:
            self._index = {}
            for k, r in enumerate(self._rows):
                self._index.setdefault(int(r), []).append(k)
        return self._index.get(row, [])


def _int_or_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer) or (isinstance(value, float) and value == int(value)):
        return int(value)
    return value


def _raw(values: Any, i: int, *, flag: bool) -> Any:
    """One cell as the engine's input dict would carry it."""
    value = values[i]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if flag and isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


# --- conversion and validation ----------------------------------------------------------------------


class _Builder:
    """Converts raw columns, recording rows whose values would not parse and rows left to the engine."""

    def __init__(self, n: int, row_inputs: Callable[[int], Mapping[str, Any] | Inputs]) -> None:
        self.n = n
        self.invalid = np.zeros(n, np.bool_)
        self.engine_rows = np.zeros(n, np.bool_)
        self.row_inputs = row_inputs

    def raise_first_invalid(self, limit: int | None = None) -> None:
        """Raise the engine's InputError for the first row that would not parse (before ``limit``)."""
        rows = np.flatnonzero(self.invalid if limit is None else self.invalid[:limit])
        for row in rows.tolist():
            parse_inputs(self.row_inputs(row))  # raises the engine's own message
            self.engine_rows[row] = True  # stricter here than the engine: leave the row to it
            self.invalid[row] = False

    # --- year columns -----------------------------------------------------------------------------

    def year_column(self, spec: FieldSpec, values: Any, *, columns: bool = False) -> YearCol:
        if spec.kind == "flag":
            return self.flag(values, numeric_ok=columns)
        if spec.kind == "level":
            return self.level(values, nan_missing=columns)
        return self.numeric(spec, values)

    def numeric(self, spec: FieldSpec, values: Any) -> NumCol:
        n = self.n
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            return self._floats(spec, values.astype(np.float64, copy=False))
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            ints = values.astype(np.int64)
            big = np.abs(ints) >= _INT_LIMIT
            self.engine_rows |= big
            return self._checked(spec, np.where(big, 0, ints) * SCALE, np.ones(n, np.bool_), values.astype(np.float64))
        seq = values if isinstance(values, list) else list(values)
        types = set(map(type, seq))
        if types <= {int, float, type(None)}:
            floats = np.array(seq, dtype=np.float64)  # None -> NaN
            nan = np.flatnonzero(np.isnan(floats))
            if all(seq[i] is None for i in nan.tolist()) and not (np.abs(floats) >= _FLOAT_FAST_LIMIT).any():
                return self._floats(spec, floats)
        return self._objects(spec, seq)

    def _floats(self, spec: FieldSpec, floats: F64) -> NumCol:
        known = floats == floats  # not NaN
        scaled = np.rint(floats * SCALE)
        exact = (np.abs(floats) < _FLOAT_FAST_LIMIT) & (scaled / SCALE == floats)  # False for NaN, ±inf, large
        other = known & ~exact
        if other.any():
            infinite = np.isinf(floats)
            self.invalid |= infinite
            self.engine_rows |= other & ~infinite
            scaled[~exact] = 0.0
            return self._checked(spec, scaled.astype(np.int64), known, np.where(infinite, 0.0, floats))
        scaled[~known] = 0.0
        return self._checked(spec, scaled.astype(np.int64), known, floats)

    def _checked(self, spec: FieldSpec, ints: I64, known: Bool, approx: F64) -> NumCol:
        """Range and whole-number checks: exact on ``ints`` (zero where unknown), on ``approx`` for the
        rows left to the engine."""
        inexact = known & self.engine_rows if self.engine_rows.any() else None
        exact = known if inexact is None else known & ~self.engine_rows
        if spec.lo is not None:
            lo = int(spec.lo * SCALE)
            if ints.min(initial=0) < lo:
                self.invalid |= exact & (ints < lo)
            if inexact is not None:
                self.invalid |= inexact & (approx < float(spec.lo))
        if spec.hi is not None:
            hi = int(spec.hi * SCALE)
            if ints.max(initial=0) > hi:
                self.invalid |= exact & (ints > hi)
            if inexact is not None:
                self.invalid |= inexact & (approx > float(spec.hi))
        if spec.kind == "integer":
            self.invalid |= exact & (ints % SCALE != 0)
            if inexact is not None:
                self.invalid |= inexact & (np.floor(approx) != approx)
        return NumCol(Arr(ints), known)

    def _objects(self, spec: FieldSpec, seq: list[Any]) -> NumCol:
        n = self.n
        ints = np.zeros(n, np.int64)
        known = np.zeros(n, np.bool_)
        for i, value in enumerate(seq):
            if value is None:
                continue
            known[i] = True
            number = _to_decimal(value)
            if number is None:
                self.invalid[i] = True
                continue
            if spec.kind == "integer" and number != number.to_integral_value():
                self.invalid[i] = True
            if (spec.lo is not None and number < spec.lo) or (spec.hi is not None and number > spec.hi):
                self.invalid[i] = True
            scaled = _scaled(number)
            if scaled is None:
                self.engine_rows[i] = True
            else:
                ints[i] = scaled
        return NumCol(Arr(ints), known)

    def flag(self, values: Any, *, numeric_ok: bool) -> FlagCol:
        n = self.n
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiub" and numeric_ok:
            floats = values.astype(np.float64)
            known = ~np.isnan(floats)
            tri = np.full(n, U, np.int8)
            tri[floats == 1] = T
            tri[floats == 0] = FALSE
            self.invalid |= known & (floats != 0) & (floats != 1)
            return FlagCol(tri)
        seq = values if isinstance(values, list) else list(values)
        types = set(map(type, seq))
        if types <= {bool, type(None)}:
            return FlagCol(np.fromiter(map(_FLAG_CODES.__getitem__, seq), np.int8, n))
        tri = np.full(n, U, np.int8)
        for i, value in enumerate(seq):
            if isinstance(value, np.generic):
                value = value.item()
            if value is None or (isinstance(value, float) and math.isnan(value) and numeric_ok):
                continue
            if value is True or value is False:
                tri[i] = T if value else FALSE
            elif numeric_ok and type(value) in (int, float) and value in (0, 1):
                tri[i] = T if value == 1 else FALSE
            else:
                self.invalid[i] = True
        return FlagCol(tri)

    def _by_value(
        self, values: Sequence[Any], convert: Callable[[Any], Any], nan_missing: bool, rows: I64 | None = None
    ) -> tuple[I32, list[Any]]:
        """Each distinct value converted once: (codes, converted) with converted[code] one of a value,
        ``_MISSING`` or ``_INVALID``; rows holding an invalid value are marked (``rows``: the frame rows
        of ``values`` when they are not all of them)."""
        codes, uniques = _factorize(values)
        converted = []
        for value in uniques:
            if value is None or (nan_missing and _is_missing(value)):
                converted.append(_MISSING)
            else:
                converted.append(convert(value))
        bad = np.array([c is _INVALID for c in converted], np.bool_)
        if bad.any():
            if rows is None:
                self.invalid[: len(codes)] |= bad[codes]
            else:
                self.invalid[rows[bad[codes]]] = True
        return codes, converted

    def level(self, values: Any, *, nan_missing: bool = False) -> LevelCol:
        codes, converted = self._by_value(values, _level_rank, nan_missing)
        table = np.array([c if isinstance(c, int) else -1 for c in converted], np.int8)
        return LevelCol(table[codes] if len(codes) else np.full(self.n, -1, np.int8))

    def text(self, values: Any, *, nan_missing: bool = False) -> TextCol:
        codes, converted = self._by_value(values, _text_value, nan_missing)
        index: dict[str, int] = {}
        table = np.array([index.setdefault(c, len(index)) if isinstance(c, str) else -1 for c in converted], np.int32)
        return TextCol(table[codes] if len(codes) else np.full(self.n, -1, np.int32), tuple(index))

    def date(self, values: Any, *, nan_missing: bool = False) -> DateCol:
        fast = _iso_text_dates(values)
        if fast is not None:
            year, md, parsed = fast
            rest = np.flatnonzero(~parsed)
            if len(rest):  # None, or text that is not plain YYYY-MM-DD: as the engine reads it
                seq = values if isinstance(values, list) else list(values)
                other = self._dates([seq[i] for i in rest.tolist()], nan_missing, rest)
                year[rest], md[rest], parsed[rest] = other.year, other.md, other.known
            return DateCol(year, md, parsed)
        return self._dates(values, nan_missing)

    def _dates(self, values: Any, nan_missing: bool, rows: I64 | None = None) -> DateCol:
        codes, converted = self._by_value(values, _date_parts, nan_missing, rows)
        ok = [isinstance(c, tuple) for c in converted]
        years = np.array([c[0] if k else 0 for c, k in zip(converted, ok, strict=True)], np.int32)
        mds = np.array([c[1] if k else 0 for c, k in zip(converted, ok, strict=True)], np.int32)
        known = np.array(ok, np.bool_)
        if not len(codes):
            size = self.n if rows is None else len(rows)
            return DateCol(np.zeros(size, np.int32), np.zeros(size, np.int32), np.zeros(size, np.bool_))
        return DateCol(years[codes], mds[codes], known[codes])

    # --- qualifications and awards ----------------------------------------------------------------

    def _mark(self, rows: I64, bad: Bool) -> None:
        if bad.any():
            self.invalid[rows[bad]] = True

    def qualifications(
        self,
        rows: Sequence[Any],
        kinds: Sequence[Any],
        levels: Sequence[Any],
        granted: Sequence[Any],
        expires: Sequence[Any],
        documents: Sequence[Any],
    ) -> Qualifications:
        row_ = np.array(rows, dtype=np.int64).reshape(-1)
        kind_c, kind_v = self._column_values(kinds, _qualification_kind)
        level_c, level_v = self._column_values(levels, _qualification_level, missing_ok=True)
        doc_c, doc_v = self._column_values(documents, _text_value, missing_ok=True)
        g_c, g_v = self._column_values(granted, _ordinal)
        e_c, e_v = self._column_values(expires, _ordinal, missing_ok=True)
        g = np.array([v if isinstance(v, int) else 0 for v in g_v], np.int64)[g_c]
        e = np.array([v if isinstance(v, int) else _NO_EXPIRY for v in e_v], np.int64)[e_c]
        bad = _bad(kind_v, kind_c) | _bad(level_v, level_c) | _bad(doc_v, doc_c) | _bad(g_v, g_c) | _bad(e_v, e_c)
        bad |= np.array([v is _MISSING for v in g_v], np.bool_)[g_c]  # granted_on is required
        bad |= e < g
        self._mark(row_, bad)
        kinds = tuple(v if isinstance(v, str) else "" for v in kind_v)
        levels = tuple(v if isinstance(v, str) else "" for v in level_v)
        level_codes = np.array([k if isinstance(v, str) else -1 for k, v in enumerate(level_v)], np.int32)
        level = level_codes[level_c] if len(level_c) else np.zeros(0, np.int32)
        return Qualifications(row_, _positions(row_), kind_c, level, g, e, kinds, levels)

    def _column_values(
        self, values: Sequence[Any], convert: Callable[[Any], Any], *, missing_ok: bool = False
    ) -> tuple[I32, list[Any]]:
        """Like ``_by_value`` for the columns of qualifications and awards (invalid rows marked by the caller)."""
        codes, uniques = _factorize(values)
        converted = [_MISSING if _is_missing(u) else convert(u) for u in uniques]
        if not missing_ok:
            converted = [_INVALID if c is _MISSING else c for c in converted]
        return (codes if len(codes) else np.zeros(0, np.int32)), converted

    def awards(
        self,
        rows: Sequence[Any],
        kinds: Sequence[Any],
        levels: Sequence[Any],
        years: Sequence[Any],
        ranks: Sequence[Any],
    ) -> Awards:
        m = len(rows)
        row_ = np.array(rows, dtype=np.int64).reshape(-1)
        year_ = np.zeros(m, np.int64)
        rank_ = np.full(m, -1, np.int64)
        bad = np.zeros(m, np.bool_)
        kind_out: list[str] = []
        level_out: list[str] = []
        for k in range(m):
            kind, level = kinds[k], levels[k]
            year = _whole(years[k])
            rank = None if _is_missing(ranks[k]) else _whole(ranks[k])
            ok = isinstance(kind, str) and kind in AWARD_LEVELS and isinstance(level, str)
            ok = ok and level in AWARD_LEVELS[kind] and isinstance(year, int)
            ok = ok and (_is_missing(ranks[k]) or (isinstance(rank, int) and rank >= 1))
            kind_out.append(str(kind) if ok else "")
            level_out.append(str(level) if ok else "")
            if not ok:
                bad[k] = True
                continue
            assert isinstance(year, int)
            year_[k] = year
            if rank is not None:
                rank_[k] = rank
        self._mark(row_, bad)
        return Awards(row_, _positions(row_), tuple(kind_out), tuple(level_out), year_, rank_)


_MISSING: Final = object()
_INVALID: Final = object()


def _factorize(values: Sequence[Any]) -> tuple[I32, list[Any]]:
    """Codes of equal values and the distinct values, in order of first appearance."""
    try:
        index = dict.fromkeys(values)
    except TypeError:  # an unhashable value: every position its own
        seq = list(values)
        return np.arange(len(seq), dtype=np.int32), seq
    uniques = list(index)
    for code, value in enumerate(uniques):
        index[value] = code
    return np.fromiter(map(index.__getitem__, values), np.int32, len(values)), uniques


def _bad(converted: list[Any], codes: I32) -> Bool:
    table = np.array([c is _INVALID for c in converted], np.bool_)
    return table[codes] if len(codes) else np.zeros(0, np.bool_)


def _positions(rows: I64) -> I64:
    """Each entry's index within its enterprise's list (the order given)."""
    m = len(rows)
    if not m:
        return np.zeros(0, np.int64)
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    start = np.r_[True, sorted_rows[1:] != sorted_rows[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(m), 0))
    out = np.empty(m, np.int64)
    out[order] = np.arange(m) - first
    return out


def _level_rank(value: Any) -> Any:
    rank = LEVEL_RANK.get(value) if isinstance(value, str) else None
    return _INVALID if rank is None else rank


def _text_value(value: Any) -> Any:
    return str(value) if isinstance(value, str) else _INVALID


def _qualification_kind(value: Any) -> Any:
    return value if isinstance(value, str) and value in QUALIFICATION_KINDS else _INVALID


def _qualification_level(value: Any) -> Any:
    return value if isinstance(value, str) and value in QUALIFICATION_LEVELS else _INVALID


def _ordinal(value: Any) -> Any:
    day = _to_date(value)
    return day.toordinal() if isinstance(day, date) else _INVALID


_FLAG_CODES: Final = {True: T, False: FALSE, None: U}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _whole(value: Any) -> int | None:
    """An integer as ``_int`` of the engine accepts it (int or digits), else None."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _to_decimal(value: Any) -> Decimal | None:
    """The engine's ``_decimal``; None where it raises."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, float):
            result = Decimal(repr(value))
        elif isinstance(value, int | str | Decimal):
            result = Decimal(value)
        else:
            return None
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _scaled(number: Decimal) -> int | None:
    """number · SCALE if that is an integer that fits in int64, else None."""
    if number.adjusted() > 15:
        return None
    num, den = number.as_integer_ratio()
    scaled, rest = divmod(num * SCALE, den)
    return scaled if rest == 0 and abs(scaled) < _INT_LIMIT * SCALE else None


_DAYS_IN_MONTH: Final = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int32)


def _iso_text_dates(values: Any) -> tuple[I32, I32, Bool] | None:
    """(year, month·100 + day, parsed) of a column of texts and Nones, parsed in numpy where a text is
    exactly YYYY-MM-DD of a real day (``date.fromisoformat`` reads those alike); None if the column
    holds anything but texts and Nones."""
    if not set(map(type, values)) <= {str, type(None)}:
        return None
    try:
        raw = np.array(values, dtype="S11")  # None -> b"None": not parsed here
    except UnicodeEncodeError:
        return None
    b = raw.view(np.uint8).reshape(-1, 11).astype(np.int32)
    d = b[:, [0, 1, 2, 3, 5, 6, 8, 9]] - 48
    shaped = (b[:, 4] == 45) & (b[:, 7] == 45) & (b[:, 10] == 0) & ((d >= 0) & (d <= 9)).all(axis=1)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last = _DAYS_IN_MONTH[np.clip(month - 1, 0, 11)] + (leap & (month == 2))
    parsed = shaped & month_ok & (day >= 1) & (day <= last) & (year >= 1)
    return np.where(parsed, year, 0).astype(np.int32), np.where(parsed, month * 100 + day, 0).astype(np.int32), parsed


_ISO_DAYS: dict[str, date | bool] = {}  # ISO text -> date (or False), shared by all frames; bounded below


def _to_date(value: Any) -> date | bool | None:
    """The engine's ``_date``: a date, None if missing, False where it raises."""
    if value is None:
        return None
    if type(value) is str:
        found = _ISO_DAYS.get(value)
        if found is None:
            if len(_ISO_DAYS) > 500_000:
                _ISO_DAYS.clear()
            try:
                found = _ISO_DAYS[value] = date.fromisoformat(value)
            except ValueError:
                found = _ISO_DAYS[value] = False
        return found
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return False
    return False


def _date_parts(value: Any) -> Any:
    day = _to_date(value)
    if not isinstance(day, date):
        return _INVALID
    return day.year, day.month * 100 + day.day


# --- from the engine's input dicts ----------------------------------------------------------------


class _Gatherer:
    """Collects the input dicts into raw columns: a fast path for plain dicts of the documented shape,
    ``parse_inputs`` for anything else (so that the values, and the errors, are the engine's)."""

    def __init__(self, enterprises: Sequence[Mapping[str, Any]]) -> None:
        self.data = enterprises
        n = self.n = len(enterprises)
        self.uscc: list[str] = []
        self.ent: dict[str, list[Any]] = {name: [None] * n for name in ENTERPRISE_COLUMNS}
        self.years: dict[int, dict[str, list[Any]]] = {}
        self.q: dict[str, list[Any]] = {k: [] for k in ("row", "kind", "level", "granted_on", "expires_on", "doc")}
        self.a: dict[str, list[Any]] = {k: [] for k in ("row", "kind", "level", "year", "rank")}
        self.builder = _Builder(n, lambda i: self.data[i])
        self._checked_upto = 0

    def _year(self, year: int) -> dict[str, list[Any]]:
        cols = self.years.get(year)
        if cols is None:
            cols = self.years[year] = {name: [None] * self.n for name in YEAR_FIELDS}
        return cols

    def run(self) -> None:
        for i, data in enumerate(self.data):
            try:
                self.uscc.append(str(data["enterprise"]["uscc"]))
                if not self._fast(i, data):
                    self._slow(i, parse_inputs(data))
            except Exception:
                self._raise_earlier(i)
                raise

    def _raise_earlier(self, limit: int) -> None:
        """An enterprise failed while gathering: an earlier one whose values would not parse fails first."""
        if limit == 0:
            return
        partial = _Gatherer(self.data[:limit])
        partial.uscc, partial.ent, partial.years, partial.q, partial.a = (
            self.uscc[:limit],
            {k: v[:limit] for k, v in self.ent.items()},
            {y: {k: v[:limit] for k, v in cols.items()} for y, cols in self.years.items()},
            {k: v[: _count_below(self.q["row"], limit)] for k, v in self.q.items()},
            {k: v[: _count_below(self.a["row"], limit)] for k, v in self.a.items()},
        )
        partial.build()

    def _fast(self, i: int, data: Mapping[str, Any]) -> bool:
        if type(data) is not dict or not data.keys() <= _TOP_KEYS:
            return False
        ent = data.get("enterprise") or {}
        if type(ent) is not dict or not ent.keys() <= _ENTERPRISE_KEYS:
            return False
        for key in ("uscc", "name", "district_code", "industry_code"):
            value = ent.get(key)
            if value is not None and type(value) is not str:
                return False
        product = ent.get("main_product") or {}
        if type(product) is not dict or not product.keys() <= _PRODUCT_KEYS:
            return False
        text = product.get("text")
        if text is not None and type(text) is not str:
            return False
        years = data.get("years") or {}
        if type(years) is not dict:
            return False
        for year, row in years.items():
            if type(year) is not int or type(row) is not dict:
                return False
            if "year" in row and (type(row["year"]) is not int or row["year"] != year):
                return False
            if not row.keys() <= _YEAR_KEYS:
                return False
        quals = data.get("qualifications")
        if quals is not None and (type(quals) is not list or any(type(q) is not dict for q in quals)):
            return False
        if quals and any(not q.keys() <= _QUALIFICATION_KEYS for q in quals):
            return False
        awards = data.get("awards")
        if awards is not None and (type(awards) is not list or any(type(a) is not dict for a in awards)):
            return False
        if awards and any(not a.keys() <= _AWARD_KEYS for a in awards):
            return False
        # the shape is the documented one: copy the values
        cols = self.ent
        for key in (
            "district_code",
            "industry_code",
            "established_on",
            "niche_market_since",
            "independent_legal_person",
            "own_brand",
        ):
            value = ent.get(key)
            if value is not None:
                cols[key][i] = value
        for flag in MAIN_PRODUCT_FLAGS:
            value = product.get(flag)
            if value is not None:
                cols["main_product." + flag][i] = value
        for year, row in years.items():
            ycols = self._year(year)
            for key, value in row.items():
                if value is not None and key != "year":
                    ycols[key][i] = value
        for q in quals or ():
            self._qualification(
                i, q.get("kind"), q.get("level"), q.get("granted_on"), q.get("expires_on"), q.get("document_no")
            )
        for a in awards or ():
            self._award(i, a.get("kind"), a.get("level"), a.get("year"), a.get("rank"))
        return True

    def _qualification(self, i: int, kind: Any, level: Any, granted: Any, expires: Any, doc: Any) -> None:
        q = self.q
        q["row"].append(i)
        q["kind"].append(kind)
        q["level"].append(level)
        q["granted_on"].append(granted)
        q["expires_on"].append(expires)
        q["doc"].append(doc)

    def _award(self, i: int, kind: Any, level: Any, year: Any, rank: Any) -> None:
        a = self.a
        a["row"].append(i)
        a["kind"].append(kind)
        a["level"].append(level)
        a["year"].append(year)
        a["rank"].append(rank)

    def _slow(self, i: int, inputs: Inputs) -> None:
        """Values from the engine's own parse (rows not in the plain shape)."""
        e = inputs.enterprise
        cols = self.ent
        for key in (
            "district_code",
            "industry_code",
            "established_on",
            "niche_market_since",
            "independent_legal_person",
            "own_brand",
        ):
            cols[key][i] = getattr(e, key)
        for flag in MAIN_PRODUCT_FLAGS:
            cols["main_product." + flag][i] = getattr(e.main_product, flag)
        for year, row in inputs.years.items():
            ycols = self._year(year)
            for key in YEAR_FIELDS:
                ycols[key][i] = getattr(row, key)
        for q in inputs.qualifications:
            self._qualification(i, q.kind, q.level, q.granted_on, q.expires_on, q.document_no)
        for a in inputs.awards:
            self._award(i, a.kind, a.level, a.year, a.rank)

    def build(self) -> Frame:
        b = self.builder
        ent: dict[str, TextCol | DateCol | FlagCol] = {}
        for name in ENTERPRISE_COLUMNS:
            if name in ENTERPRISE_TEXTS:
                ent[name] = b.text(self.ent[name])
            elif name in ENTERPRISE_DATES:
                ent[name] = b.date(self.ent[name])
            else:
                ent[name] = b.flag(self.ent[name], numeric_ok=False)
        years = {
            year: {name: b.year_column(YEAR_FIELDS[name], values) for name, values in cols.items()}
            for year, cols in self.years.items()
        }
        q, a = self.q, self.a
        quals = b.qualifications(q["row"], q["kind"], q["level"], q["granted_on"], q["expires_on"], q["doc"])
        awards = b.awards(a["row"], a["kind"], a["level"], a["year"], a["rank"])
        b.raise_first_invalid()
        data = self.data
        return Frame(self.uscc, ent, years, quals, awards, b.engine_rows, lambda i: data[i])


_YEAR_KEYS: Final = frozenset({"year", *YEAR_FIELDS})


def _count_below(rows: list[int], limit: int) -> int:
    count = 0
    for r in rows:
        if r >= limit:
            break
        count += 1
    return count
