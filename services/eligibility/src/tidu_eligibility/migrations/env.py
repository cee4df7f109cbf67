"""Alembic environment of the eligibility service (see tidu_shared.migrations)."""

from tidu_eligibility.models import metadata
from tidu_shared.migrations import run_env

run_env(metadata)
