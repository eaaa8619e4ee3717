"""Document revisions: the previous version of a document (its normalised JSON and sha256) is
kept when a new version arrives (an edXML "update" packet, an edited eOffice record).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_ref", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("normalised", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_revisions_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_revisions_document_id"))
    op.drop_table("document_revisions")
