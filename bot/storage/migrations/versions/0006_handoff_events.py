"""handoff events, ratings, CRM links, media, delivery statuses, languages agents serve

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:37:11.000367
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=256), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
        sa.UniqueConstraint("channel", "reference", name=op.f("uq_media_files_channel_reference")),
    )
    op.create_table(
        "handoff_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_handoff_events_handoff_id_handoffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_events")),
    )
    with op.batch_alter_table("handoff_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_events_handoff_id"), ["handoff_id"], unique=False
        )

    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("crm_ref", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_handoffs_crm_ref"), ["crm_ref"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media", sa.String(length=512), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("error", sa.String(length=300), nullable=False, server_default="")
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        # Existing agents serve both languages, as everyone did before routing by language.
        batch_op.add_column(
            sa.Column("serves", sa.String(length=32), nullable=False, server_default="de,en")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("serves")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("status")
        batch_op.drop_column("media")

    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_crm_ref"))
        batch_op.drop_column("crm_ref")
        batch_op.drop_column("rating")

    with op.batch_alter_table("handoff_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_events_handoff_id"))

    op.drop_table("handoff_events")
    op.drop_table("media_files")
