"""outbox: an index on (topic, aggregate, aggregate_id, status) for leasing in aggregate order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_index(
        "ix_outbox_event_aggregate",
        "outbox_event",
        ["topic", "aggregate", "aggregate_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_outbox_event_aggregate", table_name="outbox_event")
