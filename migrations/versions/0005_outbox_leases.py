"""outbox leases (leased_until, leased_by) and partner PRM webhook endpoints

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import order_core.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("leased_until", order_core.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("leased_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    op.create_table(
        "partner_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id"),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("partner_webhook")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_column("leased_by")
        batch_op.drop_column("leased_until")
