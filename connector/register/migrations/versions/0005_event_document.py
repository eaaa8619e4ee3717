"""Events name the document they are about by id, so a document's page and `connector log --doc`
show its whole history (intake, review, push) whichever route or number the line was written with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_document_id"), ["document_id"], unique=False)
        batch_op.create_foreign_key("fk_events_document_id", "documents", ["document_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_events_document_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_document_id"))
        batch_op.drop_column("document_id")
