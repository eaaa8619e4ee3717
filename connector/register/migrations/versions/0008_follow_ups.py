"""Follow-ups (issue 14): the earlier documents a document acts on (`follow_ups`), and the events
later documents caused in a task's life (`task_history`: a new deadline with the old one, an
urging, a continuation, its end), each with the document that caused it and when.

Two new tables only; nothing existing changes, so this migration stands on its own beside any
other branch's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00.000000
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
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("number_key", sa.String(), nullable=True),
        sa.Column("issuer_name", sa.String(), nullable=True),
        sa.Column("issuer_code", sa.String(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=True),
        sa.Column("part", sa.String(), nullable=True),
        sa.Column("cited_document_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["cited_document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "seq", name="uq_follow_up_document_seq"),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_number_key"), ["number_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follow_ups_cited_document_id"), ["cited_document_id"], unique=False
        )

    op.create_table(
        "task_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=True),
        sa.Column("new_deadline", sa.Date(), nullable=True),
        sa.Column("by_document_id", sa.Integer(), nullable=True),
        sa.Column("status_change_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["by_document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["status_change_id"], ["status_changes.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("task_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_history_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_history_by_document_id"), ["by_document_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_history_status_change_id"), ["status_change_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("task_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_history_status_change_id"))
        batch_op.drop_index(batch_op.f("ix_task_history_by_document_id"))
        batch_op.drop_index(batch_op.f("ix_task_history_task_id"))
    op.drop_table("task_history")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_cited_document_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_number_key"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_document_id"))
    op.drop_table("follow_ups")
