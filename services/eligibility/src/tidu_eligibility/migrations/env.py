"""Alembic environment of the eligibility service (see tidu_shared.migrations)."""

from tidu_shared.migrations import run_env

from tidu_eligibility.models import metadata

run_env(metadata)
