"""``python -m tidu_shared.makemigration SERVICE "message" [REV_ID]`` — autogenerate a migration
for SERVICE against a scratch SQLite database migrated to the current head."""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from tidu_shared.migrations import alembic_config, upgrade
from tidu_shared.services_catalog import service


def main(argv: list[str]) -> None:
    name, message = argv[0], argv[1]
    rev_id = argv[2] if len(argv) > 2 else None
    info = service(name)
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/scratch.db"
    upgrade(info.package, info.name, url)
    command.revision(alembic_config(info.package, info.name, url), message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main(sys.argv[1:])
