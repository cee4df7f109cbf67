"""Alembic environment of the registry service (see tidu_shared.migrations)."""

from tidu_shared.migrations import run_env

from tidu_registry.models import metadata

run_env(metadata)
