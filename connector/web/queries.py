"""The dashboard's own read queries (what `connector.register.views` does not already answer).

Every function takes an open session from `Register.read()` and writes nothing. The derived
status (DESIGN §5) is not stored; `connector.register.derived.status_sql` restates it in SQL, so
every filter (status, unit, origin, overdue, search) and the page itself are answered by the
database: a page costs what it shows, not what the register holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, or_, select

from connector.register.derived import status_sql
from connector.register.tables import Document, OutboxItem, ReviewItem, StatusChange, Task

PAGE_SIZE = 50


@dataclass(frozen=True)
class TaskRow:
    """One line of the register page."""

    task: Task
    doc: Document
    status: str

    @property
    def overdue(self) -> bool:
        return "quá hạn" in self.status and not self.status.startswith("Đã hoàn thành")


@dataclass(frozen=True)
class RegisterFilter:
    """The register page's GET parameters."""

    status: str = ""
    unit: str = ""
    overdue: bool = False
    origin: str = ""
    q: str = ""
    page: int = 1
    everything: bool = False
    """Also tasks that do not concern the department and those of revoked or replaced documents."""


def task_rows(session: Session, f: RegisterFilter, today: date) -> tuple[list[TaskRow], int]:
    """The page `f.page` of tasks matching `f` (newest documents first) and the total count."""
    stmt = select(Task, Document).join(Document, col(Task.document_id) == Document.id)
    stmt = stmt.where(col(Document.state).not_in(("secret_notice",)))
    if not f.everything:
        stmt = stmt.where(Task.concerns_us == True, col(Document.state).in_(("registered", "review")))  # noqa: E712
    if f.unit:
        stmt = stmt.where(or_(Task.lead_unit_code == f.unit, Task.handling_unit_code == f.unit))
    if f.origin:
        stmt = stmt.where(
            or_(Task.origin == f.origin, (col(Task.origin).is_(None)) & (Document.origin == f.origin))
        )
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(
            or_(
                col(Document.number).ilike(like),
                col(Document.subject).ilike(like),
                col(Task.summary).ilike(like),
            )
        )
    if f.overdue:  # (derive_status's "quá hạn", in SQL: not done and the deadline day has passed)
        stmt = stmt.where(
            col(Task.completed_on).is_(None), col(Task.deadline).is_not(None), col(Task.deadline) < today
        )
    stmt = stmt.order_by(col(Document.received_on).desc(), col(Document.id).desc(), col(Task.seq))
    # (the whole parsed text is most of the cost per row)
    stmt = stmt.options(defer(cast(QueryableAttribute[Any], Document.normalised)))
    if f.status:
        stmt = stmt.where(status_sql(today) == f.status)
    start = (max(f.page, 1) - 1) * PAGE_SIZE
    total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    page = session.execute(stmt.add_columns(status_sql(today)).offset(start).limit(PAGE_SIZE))
    return [TaskRow(t, d, status) for t, d, status in page], int(total)


def outbox_rows(session: Session) -> list[tuple[OutboxItem, Task, Document, StatusChange | None]]:
    """Rows not yet pushed (pending, sending, held, failed), earliest limit first."""
    stmt = (
        select(OutboxItem, Task, Document)
        .join(Task, col(OutboxItem.task_id) == Task.id)
        .join(Document, col(Task.document_id) == Document.id)
        .where(OutboxItem.state != "pushed")
        .order_by(col(OutboxItem.due_by), col(OutboxItem.id))
    )
    return [(o, t, d, session.get(StatusChange, o.status_change_id)) for o, t, d in session.exec(stmt)]


def open_reviews(session: Session) -> list[tuple[ReviewItem, Document, list[Task]]]:
    """Review items waiting for a clerk, oldest first, with their document and its tasks."""
    stmt = (
        select(ReviewItem, Document)
        .join(Document, col(ReviewItem.document_id) == Document.id)
        .where(ReviewItem.state == "open")
        .order_by(col(ReviewItem.created_at), col(ReviewItem.id))
    )
    out = []
    for item, doc in session.exec(stmt):
        tasks = list(session.exec(select(Task).where(Task.document_id == doc.id).order_by(col(Task.seq))))
        if item.task_id is not None:
            tasks = [t for t in tasks if t.id == item.task_id]
        out.append((item, doc, tasks))
    return out


def document_reviews(session: Session, document_id: int) -> list[ReviewItem]:
    """Every review item of a document, open or resolved, oldest first."""
    stmt = select(ReviewItem).where(ReviewItem.document_id == document_id).order_by(col(ReviewItem.id))
    return list(session.exec(stmt))


def document_outbox(session: Session, document_id: int) -> list[OutboxItem]:
    """The outbox rows of a document's tasks, newest first."""
    stmt = (
        select(OutboxItem)
        .join(Task, col(OutboxItem.task_id) == Task.id)
        .where(Task.document_id == document_id)
        .order_by(col(OutboxItem.id).desc())
    )
    return list(session.exec(stmt))


def local(value: datetime | None) -> datetime | None:
    """A stored UTC time in Vietnam's zone, for display."""
    from connector.clock import TZ

    return value.astimezone(TZ) if value is not None else None
