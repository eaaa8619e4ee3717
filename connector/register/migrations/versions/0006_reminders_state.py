"""Reminders: the internal unit (phòng) the Director assigned a task to, and a two-step claim
("sending" committed before the e-mail goes out, "sent" or "failed" after), so a crash between
the send and the commit never sends the same reminder twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handling_unit_code", sa.String(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_handling_unit_code"), ["handling_unit_code"], unique=False)
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(), nullable=False, server_default="sent"))
        batch_op.add_column(sa.Column("error", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("state")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_handling_unit_code"))
        batch_op.drop_column("handling_unit_code")
