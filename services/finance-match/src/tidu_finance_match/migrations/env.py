"""Alembic environment of the finance-match service (see tidu_shared.migrations)."""

from tidu_finance_match.models import metadata
from tidu_shared.migrations import run_env

run_env(metadata)
