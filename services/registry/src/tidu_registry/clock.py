"""The registry's calendar: dates are China Standard Time (UTC+8), timestamps UTC."""

from __future__ import annotations

import datetime as dt

from tidu_registry.domain.history import CHINA_TZ
from tidu_shared.outbox import utcnow

__all__ = ["CHINA_TZ", "today_cn", "utcnow"]


def today_cn() -> dt.date:
    """Today's date in China (what "today" means for validation, validity and jobs)."""
    return dt.datetime.now(CHINA_TZ).date()
