"""handoffs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:23:22.025820
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("customer_number", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=1), nullable=False),
        sa.Column("tier_rank", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_handoffs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoffs_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_handoffs_state_rank", ["state", "tier_rank", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_state_rank")
        batch_op.drop_index(batch_op.f("ix_handoffs_conversation_id"))

    op.drop_table("handoffs")
