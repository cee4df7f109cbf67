"""audit log: append-only audit_log (writes, denials, sensitive reads) and its audit_outbox

The service's audit trail (tidu_shared.audit); the operations are shared by every service's
revision 0003 (tidu_shared.audit_migration). audit_outbox holds its tidu.audit.recorded.v1 events
until their relay publishes them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:40:00
"""

from collections.abc import Sequence

from tidu_shared.audit_migration import create_audit_log_v1, drop_audit_log_v1

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_log_v1()


def downgrade() -> None:
    drop_audit_log_v1()
