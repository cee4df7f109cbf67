"""The batch worker: an asyncio task inside the service process that runs queued batch runs one at
a time, chunk after chunk (:mod:`tidu_eligibility.use_cases.batch_steps`).

Started and stopped by the app's lifespan. It wakes when a run is created or resumed here, and
looks for runs queued through another replica every ``batch_poll_s``; a run is claimed with a
conditional update, so one replica runs it. At start-up, runs left ``running`` by a process that
stopped are marked ``interrupted``; at shutdown, this worker's own running run is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.use_cases import batch_steps
from tidu_shared.db import Database

log = logging.getLogger(__name__)


class BatchRunner:
    def __init__(self, db: Database, ctx: EligibilityContext) -> None:
        self.db = db
        self.ctx = ctx
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        swept = await batch_steps.sweep_stale(self.db, self.ctx.settings.batch_stale_after_s)
        if swept:
            log.warning("%d batch run(s) left running by a stopped process marked interrupted", swept)
        self._task = asyncio.create_task(self._loop(), name="batch-runner")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await batch_steps.interrupt_own(self.db, self.worker)
        except Exception as exc:  # the database may be gone already; the next start-up sweeps
            log.warning("could not mark batch runs interrupted: %s", exc)

    async def _loop(self) -> None:
        while True:
            try:
                run_id = await batch_steps.claim_next(self.db, self.worker)
            except Exception as exc:
                log.warning("batch runner: cannot claim a run: %s: %s", type(exc).__name__, exc)
                run_id = None
            if run_id is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.ctx.settings.batch_poll_s)
                continue
            await self._execute(run_id)

    async def _execute(self, run_id: str) -> None:
        log.info("batch run %s started by %s", run_id, self.worker)
        try:
            while await batch_steps.step(self.db, self.ctx, run_id, self.worker):
                pass
        except batch_steps.LostRun:
            log.warning("batch run %s is no longer ours; stopped", run_id)
        except Exception as exc:
            log.exception("batch run %s failed", run_id)
            with contextlib.suppress(Exception):
                await batch_steps.fail(self.db, run_id, self.worker, f"{type(exc).__name__}: {exc}")
        else:
            log.info("batch run %s done", run_id)
