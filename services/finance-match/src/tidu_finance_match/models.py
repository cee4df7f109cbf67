"""ORM models of the finance-match service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tidu_shared.consumer import dead_letter_table, inbox_table
from tidu_shared.db import UtcDateTime, new_metadata
from tidu_shared.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)


class EnterpriseProfile(Base):
    """Projection of the registry's enterprise events (this service never reads the registry's tables)."""

    __tablename__ = "enterprise_profiles"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str] = mapped_column(String(5))
    established_on: Mapped[dt.date] = mapped_column(Date)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_event_id: Mapped[str] = mapped_column(String(36))
