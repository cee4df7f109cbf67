"""Fixtures of the whistle's API and integration tests (helpers: ``tidu_whistle.testing``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tidu_whistle.testing import T0, FakeClock, Whistle


@pytest.fixture
async def whistle(app_client_factory: Any, auth_header: Any) -> AsyncIterator[Whistle]:
    async with app_client_factory("whistle", run_relay=False, run_consumers=False, scheduler_enabled=False) as (
        app,
        client,
    ):
        clock = FakeClock(T0)
        app.state.whistle.clock = clock
        yield Whistle(app, client, clock, auth_header)
