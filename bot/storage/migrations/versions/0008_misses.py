"""misses: actions of inbound messages, answer flags, resolutions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:32:09.526451
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_answer_flags_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_flags")),
        sa.UniqueConstraint("message_id", name=op.f("uq_answer_flags_message_id")),
    )
    op.create_table(
        "miss_resolutions",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_miss_resolutions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_miss_resolutions")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("action", sa.String(length=16), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("action")

    op.drop_table("miss_resolutions")
    op.drop_table("answer_flags")
