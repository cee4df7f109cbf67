"""Alembic environment of the finance-match service (see tidu_shared.migrations)."""

from tidu_shared.migrations import run_env

from tidu_finance_match.models import metadata

run_env(metadata)
