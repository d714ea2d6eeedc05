"""customers and orders for the SQL order provider

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:57:54.327653
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=1), nullable=False),
        sa.Column("account_manager", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("phone_digits", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_phone_digits"), ["phone_digits"], unique=False
        )

    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("customer_number", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("eta", sa.Date(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total_net_eur", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_number"],
            ["customers.number"],
            name=op.f("fk_orders_customer_number_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_customer_number"), ["customer_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_customer_number"))

    op.drop_table("orders")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_phone_digits"))

    op.drop_table("customers")
