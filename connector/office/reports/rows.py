"""Which tasks a report lists, and what each row of the Phụ lục says about them (read-only).

A task is listed when all of these hold:
- its document is in force (`state == "registered"`: not revoked, not replaced) and not secret
  (secret documents have no tasks in the register anyway, DESIGN §7);
- it concerns the department (`concerns_us`) and came from a source the profile tracks;
- it has been confirmed (tasks waiting in the review queue are counted, not listed: the clerk
  confirms them first, then makes the report again);
- it was open at some time during the period: assigned (issued, else received, else
  registered) on or before the report's date, and not completed before the period began.
  So a report lists the tasks assigned in the period and those carried over still open, plus
  those completed during it; tasks finished in an earlier period were reported then.

Its status is derived (`derive_status`) as of the report's date — the period's last day, or
today if the period is not over — from the facts as they stood then: a start or completion
recorded after that date does not count yet, so a report made again later says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from connector.clock import TZ
from connector.config import Profile
from connector.domain import Status, TaskFacts
from connector.mappings import Mappings
from connector.register.tables import Document, Task
from connector.status import derive_status

NO_DEADLINE = "Không có thời hạn"
UNKNOWN_UNIT = "(chưa xác định đơn vị)"


@dataclass(frozen=True)
class ReportRow:
    """One row of the Phụ lục table, in the order of its columns."""

    task_id: int
    document_id: int
    document: str  # Văn bản chỉ đạo: number, then the subject on a second line
    issued_on: date | None
    issuer: str  # Cơ quan đề nghị
    summary: str  # Nội dung chỉ đạo
    unit: str  # Đơn vị chủ trì triển khai (name from mappings/units.toml)
    deadline: date | None
    deadline_text: str  # shown when there is no single deadline date
    explanation: str  # Diễn giải trạng thái
    status: Status


@dataclass(frozen=True)
class Selection:
    rows: list[ReportRow]
    held_for_review: int


def facts_as_of(task: Task, day: date) -> TaskFacts:
    """The task's facts as they stood on `day` (later starts and completions not yet known)."""
    started = task.started_on if task.started_on and task.started_on <= day else None
    completed = task.completed_on if task.completed_on and task.completed_on <= day else None
    return TaskFacts(task.deadline, started, completed, task.blocked_reason if started else None)


def assigned_on(task: Task, document: Document) -> date:
    """When the task reached the department: the issue date, else receipt, else registration."""
    if document.issued_on or document.received_on:
        return document.issued_on or document.received_on  # type: ignore[return-value]
    return task.created_at.astimezone(TZ).date()


def select_rows(session: Session, maps: Mappings, profile: Profile, start: date, as_of: date) -> Selection:
    """The rows of a report covering `start`..`as_of`, ordered by issue date, document, task."""
    stmt = (
        select(Task, Document)
        .join(Document, col(Task.document_id) == col(Document.id))
        .where(
            col(Task.concerns_us).is_(True),
            col(Document.state) == "registered",
            col(Document.secrecy).is_(None),
        )
    )
    tracked = {str(o) for o in profile.tracked_origins}
    rows: list[ReportRow] = []
    held = 0
    for task, document in session.exec(stmt):
        origin = task.origin or document.origin
        if document.secrecy or (origin is not None and origin not in tracked):
            continue
        if assigned_on(task, document) > as_of:
            continue
        if task.completed_on is not None and task.completed_on < start:
            continue
        if task.needs_review:
            held += 1
            continue
        rows.append(_row(maps, task, document, as_of))
    rows.sort(key=lambda r: (r.issued_on or date.min, r.document_id, r.task_id))
    return Selection(rows, held)


def unit_name(maps: Mappings, task: Task) -> str:
    """The unit in charge: the phòng the Director assigned, else the lead unit, by its mapped name."""
    for code in (task.handling_unit_code, task.lead_unit_code):
        if code:
            unit = maps.unit(code)
            return unit.name if unit else code
    return task.lead_unit_name or UNKNOWN_UNIT


def _row(maps: Mappings, task: Task, document: Document, as_of: date) -> ReportRow:
    facts = facts_as_of(task, as_of)
    status = derive_status(facts, as_of)
    number = document.number or "(văn bản không số)"
    text = f"{document.doc_type} số {number}" if document.doc_type else f"Số {number}"
    if document.subject:
        text += f"\n{document.subject}"
    issuer = document.issuer_name or document.issuer_code or ""
    assert task.id is not None and document.id is not None
    return ReportRow(
        task_id=task.id,
        document_id=document.id,
        document=text,
        issued_on=document.issued_on,
        issuer=issuer,
        summary=task.summary,
        unit=unit_name(maps, task),
        deadline=task.deadline,
        deadline_text=task.deadline_text or NO_DEADLINE,
        explanation=explain(task, facts),
        status=status,
    )


def explain(task: Task, facts: TaskFacts) -> str:
    """Diễn giải trạng thái: the progress note, the difficulty, the completion day."""
    parts = [task.progress_note.strip()] if task.progress_note and task.progress_note.strip() else []
    if facts.blocked_reason and facts.blocked_reason.strip() and facts.completed_on is None:
        parts.append(f"Khó khăn, vướng mắc: {facts.blocked_reason.strip()}")
    if facts.completed_on is not None:
        parts.append(f"Hoàn thành ngày {facts.completed_on:%d/%m/%Y}.")
    return "\n".join(parts)
