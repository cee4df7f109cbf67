"""Alembic environment of the registry service (see tidu_shared.migrations)."""

from tidu_registry.models import metadata
from tidu_shared.migrations import run_env

run_env(metadata)
