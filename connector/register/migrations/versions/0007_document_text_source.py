"""Documents: which file the directive's text was read from, and how (a text layer, OCR of a scan,
DOCX …), so that a clerk checking a document knows what to open and how far to trust it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_from", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("text_method", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("text_method")
        batch_op.drop_column("text_from")
