"""faq revisions, publications, training sets, audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:16:30.683742
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "faq_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("percent", sa.Double(), nullable=False),
        sa.Column("revision_ids", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_publications")),
    )
    op.create_table(
        "faq_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_revisions")),
        sa.UniqueConstraint("slug", "number", name=op.f("uq_faq_revisions_slug_number")),
    )
    with op.batch_alter_table("faq_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_revisions_slug"), ["slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_revisions_state"), ["state"], unique=False)

    op.create_table(
        "nlu_training_sets",
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("training_yaml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model", name=op.f("pk_nlu_training_sets")),
    )


def downgrade() -> None:
    op.drop_table("nlu_training_sets")
    with op.batch_alter_table("faq_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_revisions_state"))
        batch_op.drop_index(batch_op.f("ix_faq_revisions_slug"))

    op.drop_table("faq_revisions")
    op.drop_table("faq_publications")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
