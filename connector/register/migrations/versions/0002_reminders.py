"""Reminders ledger: one e-mail per unit per day and kind, never twice after a restart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:44:17.098510
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
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_code", "day", "kind", name="uq_reminder_unit_day_kind"),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
