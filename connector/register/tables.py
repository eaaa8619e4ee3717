"""The register's tables (SQLModel). Facts only: a task's status is derived (connector.status).

One row per incoming item in `intake_items` (source, source_ref) keeps "was this handled, and how
did it end" a query (paperless-ngx's ProcessedMail). A status change and its outbox row are
written in the same transaction; a source's cursor is stored in the same transaction as the
documents it covers (dlt), so a crash loses nothing and repeats nothing.

Datetimes are stored as UTC and come back timezone-aware; dates are calendar dates in Vietnam.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, naive UTC in the database (portable)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the register; use connector.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class Document(SQLModel, table=True):
    """One directive, however many routes it arrived by. Secret ones keep only the arrival notice."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_merge_key", "issuer_code", "number_key", "issued_on"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = None
    number_key: str | None = None
    issuer_code: str | None = None
    issuer_name: str | None = None
    doc_type: str | None = None
    subject: str | None = None
    issued_on: date | None = None
    received_on: date | None = None
    secrecy: str | None = None
    urgency: str | None = None
    origin: str | None = None
    state: str = Field(default="registered", index=True)
    normalised: dict[str, Any] | None = _json()
    content_sha256: str | None = None
    classify_due_on: date | None = None
    text_from: str | None = None
    """The file(s) the directive's text was read from; None when it was the source's own text."""
    text_method: str | None = None
    """How: "pdf" (a text layer), "ocr" (a scan), "docx", "doc", "html", "plain"."""
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DocumentRevision(SQLModel, table=True):
    """A document's previous version, copied here when a new version (new sha256) replaces it."""

    __tablename__ = "document_revisions"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    source: str
    source_ref: str
    sha256: str | None = None
    normalised: dict[str, Any] | None = _json()
    received_at: datetime = _ts()
    replaced_at: datetime = _ts()


class IntakeItem(SQLModel, table=True):
    """The intake ledger: one row per (source, source_ref), with how its handling ended."""

    __tablename__ = "intake_items"
    __table_args__ = (
        UniqueConstraint("source", "source_ref", name="uq_intake_source_ref"),
        Index("ix_intake_items_source_status", "source", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_ref: str
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    sha256: str | None = None
    status: str = Field(default="fetched", index=True)
    error: str | None = None
    attempts: int = 0
    first_seen: datetime = _ts()
    last_seen: datetime = _ts()


class Task(SQLModel, table=True):
    """One task of a directive: Điều 5 fields plus the facts its status is derived from."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("document_id", "seq", name="uq_task_document_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    seq: int
    summary: str
    lead_unit_code: str | None = Field(default=None, index=True)
    lead_unit_name: str | None = None
    handling_unit_code: str | None = Field(default=None, index=True)  # the phòng the Director assigned
    cooperating_units: list[dict[str, Any]] | None = _json()
    tracker: str | None = None
    deadline: date | None = Field(default=None, index=True)
    deadline_time: str | None = None
    deadline_text: str | None = None
    deadline_rule: dict[str, Any] | None = _json()
    recurring: dict[str, Any] | None = _json()
    concerns_us: bool = True
    origin: str | None = None
    started_on: date | None = None
    completed_on: date | None = None
    blocked_reason: str | None = None
    progress_note: str | None = None
    portal_ref: str | None = Field(default=None, index=True)
    needs_review: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class StatusChange(SQLModel, table=True):
    """A change of a task's facts, as a clerk or a unit reported it; the outbox pushes it."""

    __tablename__ = "status_changes"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="tasks.id", index=True)
    changed_at: datetime = _ts()
    status: str
    progress_note: str | None = None
    facts: dict[str, Any] | None = _json()
    actor: str | None = None


class FollowUpLink(SQLModel, table=True):
    """An earlier document that a stored document acts on (issue 14): urges, extends, changes,
    adds to, withdraws, replaces or continues it, and what the register made of it.

    `cited_document_id` is the earlier document when the register has it; `state` says how it
    ended: "applied" (the earlier tasks changed), "missing" (the register lacks that document:
    the follow-up went to review), "ambiguous" (several documents carry that number), "partial"
    (only part of it is acted on: a clerk picks the tasks). One row per (document, seq), so a new
    version of the same letter finds what it already did and does it once.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("document_id", "seq", name="uq_follow_up_document_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    seq: int
    number: str
    number_key: str | None = Field(default=None, index=True)
    issuer_name: str | None = None
    issuer_code: str | None = None
    issued_on: date | None = None
    action: str
    new_deadline: date | None = None
    part: str | None = None
    cited_document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    state: str = "applied"
    applied_at: datetime | None = _ts(nullable=True)


class TaskHistory(SQLModel, table=True):
    """One event of a task's life that a later document caused, with when and by which document:
    a new deadline (old and new), an urging, a continuation, its end (withdrawn or replaced).

    A deadline change also has its `StatusChange` (and outbox row when the portal receives the
    task); `status_change_id` links the two, so the uploader can tell which document a push came
    from and hold it while that document waits for a clerk.
    """

    __tablename__ = "task_history"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="tasks.id", index=True)
    at: datetime = _ts()
    kind: str
    old_deadline: date | None = None
    new_deadline: date | None = None
    by_document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    status_change_id: int | None = Field(default=None, foreign_key="status_changes.id", index=True)
    note: str | None = None


class OutboxItem(SQLModel, table=True):
    """A status change waiting to reach the portal, due `push_working_days` after the change."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    status_change_id: int = Field(foreign_key="status_changes.id", unique=True)
    task_id: int = Field(foreign_key="tasks.id", index=True)
    due_by: datetime = _ts(index=True)
    state: str = Field(default="pending", index=True)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = _ts(nullable=True)
    pushed_at: datetime | None = _ts(nullable=True)
    receipt: dict[str, Any] | None = _json()


class ReviewItem(SQLModel, table=True):
    """Something the normaliser was unsure of, waiting for a clerk; nothing under review is pushed."""

    __tablename__ = "review_items"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="tasks.id")
    reasons: list[str] | None = _json()
    state: str = Field(default="open", index=True)
    created_at: datetime = _ts()
    resolved_at: datetime | None = _ts(nullable=True)
    resolved_by: str | None = None


class SyncRun(SQLModel, table=True):
    """One run of one job (poll a source, push the outbox, reconcile, remind, report)."""

    __tablename__ = "sync_runs"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(index=True)
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    outcome: str = "running"
    counts: dict[str, int] | None = _json()
    message: str | None = None


class Event(SQLModel, table=True):
    """One line of the sync log: what happened to which document, in Vietnamese, with detail."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="sync_runs.id", index=True)
    at: datetime = _ts(index=True)
    level: str = "info"
    kind: str
    source: str | None = None
    document_ref: str | None = Field(default=None, index=True)
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    message: str
    detail: dict[str, Any] | None = _json()


class SourceCursor(SQLModel, table=True):
    """Where each source stopped; moved only with the documents before it (same transaction)."""

    __tablename__ = "source_cursors"

    source: str = Field(primary_key=True)
    cursor: dict[str, Any] | None = _json()
    updated_at: datetime = _ts()


class ReminderSent(SQLModel, table=True):
    """One reminder e-mail per unit per day and kind, so a restart never sends it twice.

    The row is claimed ("sending") and committed before the e-mail goes out, then marked "sent";
    a "sending" row found later means a crash in between and is never resent. "failed" means
    nothing was delivered, so a later run that day may claim it again.
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("unit_code", "day", "kind", name="uq_reminder_unit_day_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str
    day: date
    kind: str
    task_ids: list[int] | None = _json()
    sent_at: datetime = _ts()
    state: str = Field(default="sent", sa_column_kwargs={"server_default": "sent"})  # sending|sent|failed
    error: str | None = None
