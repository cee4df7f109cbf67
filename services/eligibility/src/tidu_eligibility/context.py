"""What the eligibility use cases need besides the database: the settings, the rule book (rule
sets and engine) and the clock.

Built in :func:`tidu_eligibility.app.create_app` (nothing at import time). The rule book is loaded
on first use — by the lifespan before the service serves, or by a consumer handler that runs
first (consumers start before the service's own start-up) — from the files and the ``rulesets``
table, and replaced as a whole when an admin uploads a version (or another replica did).
``clock`` is the one source of "today" (China time): tests replace it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.models import rulesets
from tidu_eligibility.rulebook import Entry, RuleBook, Upload, load_files, with_uploads
from tidu_eligibility.settings import Settings

log = logging.getLogger(__name__)

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def today_cn() -> dt.date:
    """Today's date in China (UTC+8, no daylight saving)."""
    return dt.datetime.now(CHINA_TZ).date()


class EligibilityContext:
    def __init__(self, settings: Settings, clock: Callable[[], dt.date] = today_cn) -> None:
        self.settings = settings
        self.clock = clock
        self._files: list[Entry] | None = None
        self._book: RuleBook | None = None
        self._lock: asyncio.Lock | None = None
        self._upload_lock: asyncio.Lock | None = None

    def today(self) -> dt.date:
        return self.clock()

    @property
    def files(self) -> list[Entry]:
        """The rule-set files, validated (raises RuleSetError naming file and field)."""
        if self._files is None:
            self._files = load_files(self.settings.rulesets_dir)
        return self._files

    @property
    def book(self) -> RuleBook:
        if self._book is None:
            raise RuntimeError("rule sets not loaded yet (EligibilityContext.load_rules)")
        return self._book

    @property
    def upload_lock(self) -> asyncio.Lock:
        """Serialises uploads in this process (each builds on the book the previous one left)."""
        if self._upload_lock is None:
            self._upload_lock = asyncio.Lock()
        return self._upload_lock

    def replace_book(self, book: RuleBook) -> None:
        self._book = book

    async def rules(self, session: AsyncSession) -> RuleBook:
        """The rule book, loaded with ``session`` if this is the first use."""
        if self._book is not None:
            return self._book
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._book is None:
                self._book = with_uploads(self.files, await stored_uploads(session))
        return self._book

    async def refresh(self, session: AsyncSession) -> bool:
        """Rebuild the rule book when the stored uploads changed (another replica). True if rebuilt."""
        row = (await session.execute(select(func.count(), func.max(rulesets.c.uploaded_at)))).one()
        fingerprint = (int(row[0]), row[1])
        if self._book is not None and self._book.uploads_fingerprint == fingerprint:
            return False
        self._book = with_uploads(self.files, await stored_uploads(session))
        log.info("rule sets reloaded: %d uploaded versions", fingerprint[0])
        return True


async def stored_uploads(session: AsyncSession) -> list[Upload]:
    rows = (
        await session.execute(
            select(rulesets.c.body, rulesets.c.body_format, rulesets.c.uploaded_by, rulesets.c.uploaded_at).order_by(
                rulesets.c.uploaded_at, rulesets.c.id, rulesets.c.version
            )
        )
    ).all()
    return [Upload(r.body, r.body_format, r.uploaded_by, r.uploaded_at) for r in rows]
