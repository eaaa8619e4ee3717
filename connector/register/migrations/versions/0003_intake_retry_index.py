"""Intake ledger: index (source, status) so the per-run "failed items to retry" query does not
read every ledger row of the source (17 ms per run at 100,000 documents, growing with history).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_items", schema=None) as batch_op:
        batch_op.create_index("ix_intake_items_source_status", ["source", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_items", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_items_source_status")
