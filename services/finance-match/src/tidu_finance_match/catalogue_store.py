"""The product catalogue in memory, reloaded when it changes.

Products live in the ``products`` table as the products.yaml-shaped data they were validated
from; matching reads them as compiled domain :class:`Product` objects (gates compiled to checks
once). Every catalogue change writes a new random token into ``catalogue_state``; a replica
compares the token with the one it loaded (one primary-key read per use) and reloads on a
difference, so several replicas stay consistent without a broadcast. A random token (not a
counter) means a rolled-back change can never be mistaken for a committed one.

After a (re)load the cache can move every live object into the garbage collector's permanent
generation (``gc.freeze``, setting ``gc_freeze_catalogue``): the compiled catalogue is long-lived,
and full collections re-scanning it were the tail of matching a thousand products (p99 of rendering
every reason fell about fivefold in ``bench.finance_bench``). Before freezing it unfreezes and
collects, so a replaced catalogue is freed; catalogue changes are rare, a full collection each is
affordable.

Inactive (withdrawn) products stay in the loaded catalogue for look-ups by code (names in
statistics, cases opened before the withdrawal); matching reads ``active`` only.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_finance_match.domain.catalogue import Catalogue, Institution, Product, parse_catalogue
from tidu_finance_match.models import CatalogueState, InstitutionRow, ProductRow

STATE_ID = 1


def jsonable(value: Any) -> Any:
    """YAML/pydantic data as plain JSON values (dates as ISO text, Decimals as text)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class LoadedCatalogue:
    token: str
    catalogue: Catalogue
    active: tuple[Product, ...]
    versions: Mapping[str, int] = field(default_factory=dict)

    def product(self, code: str) -> Product | None:
        try:
            return self.catalogue.product(code)
        except KeyError:
            return None

    def institution(self, code: str) -> Institution | None:
        try:
            return self.catalogue.institution(code)
        except KeyError:
            return None


async def catalogue_token(session: AsyncSession) -> str:
    return (await session.execute(select(CatalogueState.token).where(CatalogueState.id == STATE_ID))).scalar_one()


async def load_catalogue(session: AsyncSession) -> LoadedCatalogue:
    token = await catalogue_token(session)
    institutions = (await session.execute(select(InstitutionRow).order_by(InstitutionRow.code))).scalars().all()
    products = (await session.execute(select(ProductRow).order_by(ProductRow.code))).scalars().all()
    catalogue = parse_catalogue(
        {"institutions": [i.spec for i in institutions], "products": [p.spec for p in products]},
        source="database",
    )
    active_codes = {p.code for p in products if p.active}
    return LoadedCatalogue(
        token=token,
        catalogue=catalogue,
        active=tuple(p for p in catalogue.products if p.code in active_codes),
        versions={p.code: p.version for p in products},
    )


class CatalogueCache:
    """One per process (on the service context)."""

    def __init__(self, *, freeze: bool = False) -> None:
        self._loaded: LoadedCatalogue | None = None
        self.loads = 0
        self.freeze = freeze

    async def get(self, session: AsyncSession) -> LoadedCatalogue:
        """The catalogue as of ``session``'s view of the database (reloaded when its token changed)."""
        token = await catalogue_token(session)
        loaded = self._loaded
        if loaded is not None and loaded.token == token:
            return loaded
        loaded = await load_catalogue(session)
        self.loads += 1
        self._loaded = loaded
        if self.freeze:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        return loaded

    def invalidate(self) -> None:
        self._loaded = None
