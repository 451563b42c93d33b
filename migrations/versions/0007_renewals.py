"""subscriptions for renewals, renewal quotes and notices; credit notes; the incentive ledger

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07 02:53:13.475349
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import order_core.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "renewal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("distributor_id", sa.Integer(), nullable=True),
        sa.Column("end_customer_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("new_term_end", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("unit_list", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("unit_buy", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("unit_resale", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("buy_total", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column(
            "resale_total", order_core.types.MoneyType(precision=24, scale=8), nullable=False
        ),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("last_notice_days", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("renewed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("renewed_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("po_number", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("renewed_at", order_core.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["distributor_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["end_customer_id"],
            ["end_customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("subscription_id", "term_end"),
    )
    with op.batch_alter_table("renewal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renewal_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_renewal_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_renewal_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_renewal_term_end"), ["term_end"], unique=False)

    op.create_table(
        "subscription_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("unit_price", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("created_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["sales_order_line.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscription_term", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_term_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscription_term_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "renewal_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("renewal_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["renewal_id"],
            ["renewal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("renewal_id", "days"),
    )
    with op.batch_alter_table("renewal_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renewal_notice_renewal_id"), ["renewal_id"], unique=False
        )

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("term_months", sa.Integer(), server_default="12", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "currency",
                sqlmodel.sql.sqltypes.AutoString(length=3),
                server_default="USD",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "unit_price",
                order_core.types.MoneyType(precision=24, scale=8),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "resale_unit_price",
                order_core.types.MoneyType(precision=24, scale=8),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("auto_renew", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "pricing_method",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                server_default="same",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "uplift_percent", order_core.types.MoneyType(precision=24, scale=8), nullable=True
            )
        )
        batch_op.add_column(sa.Column("renewed_order_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_subscription_renewed_order_id", "sales_order", ["renewed_order_id"], ["id"]
        )
    # Subscriptions made before: the order's currency and the line's buy price (resale: list).
    op.execute(
        "UPDATE subscription SET "
        "currency = (SELECT o.currency FROM sales_order o WHERE o.id = subscription.order_id), "
        "unit_price = (SELECT l.unit_net FROM sales_order_line l "
        "WHERE l.id = subscription.order_line_id), "
        "resale_unit_price = (SELECT l.unit_list FROM sales_order_line l "
        "WHERE l.id = subscription.order_line_id)"
    )
    op.create_table(
        "incentive_credit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("incentive_credit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incentive_credit_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "commission_period",
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("approved_at", order_core.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", order_core.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "incentive_program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("base", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("accrue_on", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("tier_mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("payout", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "commission_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("accrued", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("clawed_back", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("total", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("credit", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("updated_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id", "period", "currency"),
    )
    with op.batch_alter_table("commission_statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_statement_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commission_statement_period"), ["period"], unique=False
        )

    op.create_table(
        "incentive_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("threshold", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("percent", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["incentive_program.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "threshold"),
    )
    with op.batch_alter_table("incentive_tier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incentive_tier_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_issued_on"), ["issued_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "incentive_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("base", order_core.types.MoneyType(precision=24, scale=8), nullable=False),
        sa.Column("amount", order_core.types.MoneyType(precision=24, scale=8), nullable=True),
        sa.Column("created_at", order_core.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_note.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["incentive_program.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("incentive_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incentive_entry_credit_note_id"), ["credit_note_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incentive_entry_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incentive_entry_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incentive_entry_period"), ["period"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incentive_entry_program_id"), ["program_id"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("incentive_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_entry_program_id"))
        batch_op.drop_index(batch_op.f("ix_incentive_entry_period"))
        batch_op.drop_index(batch_op.f("ix_incentive_entry_partner_id"))
        batch_op.drop_index(batch_op.f("ix_incentive_entry_order_id"))
        batch_op.drop_index(batch_op.f("ix_incentive_entry_credit_note_id"))

    op.drop_table("incentive_entry")
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_partner_id"))
        batch_op.drop_index(batch_op.f("ix_credit_note_order_id"))
        batch_op.drop_index(batch_op.f("ix_credit_note_issued_on"))
        batch_op.drop_index(batch_op.f("ix_credit_note_invoice_id"))

    op.drop_table("credit_note")
    with op.batch_alter_table("incentive_tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_tier_program_id"))

    op.drop_table("incentive_tier")
    with op.batch_alter_table("commission_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_statement_period"))
        batch_op.drop_index(batch_op.f("ix_commission_statement_partner_id"))

    op.drop_table("commission_statement")
    op.drop_table("incentive_program")
    op.drop_table("commission_period")
    with op.batch_alter_table("incentive_credit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_credit_partner_id"))
    op.drop_table("incentive_credit")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_constraint("fk_subscription_renewed_order_id", type_="foreignkey")
        batch_op.drop_column("renewed_order_id")
        batch_op.drop_column("uplift_percent")
        batch_op.drop_column("pricing_method")
        batch_op.drop_column("auto_renew")
        batch_op.drop_column("resale_unit_price")
        batch_op.drop_column("unit_price")
        batch_op.drop_column("currency")
        batch_op.drop_column("term_months")

    with op.batch_alter_table("renewal_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_notice_renewal_id"))

    op.drop_table("renewal_notice")
    with op.batch_alter_table("subscription_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_term_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_term_order_id"))

    op.drop_table("subscription_term")
    with op.batch_alter_table("renewal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_term_end"))
        batch_op.drop_index(batch_op.f("ix_renewal_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_renewal_state"))
        batch_op.drop_index(batch_op.f("ix_renewal_partner_id"))

    op.drop_table("renewal")
