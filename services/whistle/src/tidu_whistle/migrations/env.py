"""Alembic environment of the whistle service (see tidu_shared.migrations)."""

from tidu_shared.migrations import run_env
from tidu_whistle.models import metadata

run_env(metadata)
