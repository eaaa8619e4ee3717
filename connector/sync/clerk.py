"""What a logged-in clerk can change: confirm or correct a task under review, record progress.

Each action is one register transaction that also writes a sync-log event naming the clerk, so
`connector log` shows who did what. Confirming releases the task's outbox rows the uploader held
for review (`connector.sync.outbox.HOLD_REVIEW`): they go back to "pending" and the next push
sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from connector import clock
from connector.calendar import WorkingCalendar, due_by
from connector.domain import TaskFacts
from connector.errors import UserError
from connector.mappings import Mappings
from connector.register.db import Register
from connector.register.queries import log_event, record_status_change
from connector.register.tables import Document, OutboxItem, ReviewItem, Task


class FormError(UserError):
    """A form field the clerk must fix (the message says which and how)."""


@dataclass(frozen=True)
class Correction:
    """A clerk's corrected fields of one task (None: leave as is)."""

    task_id: int
    summary: str
    lead_unit: str
    deadline: date | None


def check_correction(maps: Mappings, c: Correction) -> None:
    """Refuse an empty summary or a unit not in mappings/units.toml."""
    if not c.summary.strip():
        raise FormError("Nội dung nhiệm vụ không được để trống.")
    if c.lead_unit and maps.unit(c.lead_unit) is None:
        raise FormError(f"Đơn vị «{c.lead_unit}» không có trong danh mục (mappings/units.toml).")


def confirm_review(
    register: Register, maps: Mappings, item_id: int, *, clerk: str, correction: Correction | None = None
) -> str:
    """Resolve review item `item_id` (after applying `correction`); return the Vietnamese outcome."""
    if correction is not None:
        check_correction(maps, correction)
    with register.write() as s:
        item = s.get(ReviewItem, item_id)
        if item is None or item.state != "open":
            raise FormError("Mục kiểm tra này không còn chờ xử lý (có thể người khác đã xác nhận).")
        doc = s.get(Document, item.document_id)
        assert doc is not None
        tasks = list(s.exec(select(Task).where(Task.document_id == doc.id)))
        if item.task_id is not None:
            tasks = [t for t in tasks if t.id == item.task_id]
        detail: dict[str, object] = {"review_item": item_id, "reasons": item.reasons or []}
        if correction is not None:
            detail["correction"] = _correct(s, maps, tasks, correction)
        at = clock.now()
        item.state, item.resolved_at, item.resolved_by = "resolved", at, clerk
        s.add(item)
        released = 0
        for task in tasks:
            task.needs_review = False
            task.updated_at = at
            s.add(task)
            released += _release(s, task)
        s.flush()
        still_open = s.exec(
            select(ReviewItem).where(ReviewItem.document_id == doc.id, ReviewItem.state == "open")
        ).first()
        if still_open is None and doc.state == "review":
            doc.state = "registered"
            s.add(doc)
        name = doc.number or f"#{doc.id}"
        verb = "sửa và xác nhận" if correction is not None else "xác nhận"
        message = (
            f"Văn thư {clerk} đã {verb} văn bản {name} trên trang theo dõi; "
            f"{released} thay đổi trạng thái được giải phóng để cập nhật lên Phần mềm ở lần gửi sau."
        )
        detail["released"] = released
        log_event(
            s,
            kind="review",
            message=message,
            document_ref=name,
            document_id=doc.id,
            detail=detail | {"clerk": clerk},
        )
        return message


def _correct(s: Session, maps: Mappings, tasks: list[Task], c: Correction) -> dict[str, object]:
    task = next((t for t in tasks if t.id == c.task_id), None)
    if task is None:
        raise FormError("Nhiệm vụ cần sửa không thuộc mục kiểm tra này.")
    before = {
        "summary": task.summary,
        "lead_unit": task.lead_unit_code,
        "deadline": task.deadline.isoformat() if task.deadline else None,
    }
    task.summary = c.summary.strip()
    if c.lead_unit:
        unit = maps.unit(c.lead_unit)
        assert unit is not None
        task.lead_unit_code, task.lead_unit_name = unit.code, unit.name
    task.deadline = c.deadline
    s.add(task)
    after = {
        "summary": task.summary,
        "lead_unit": task.lead_unit_code,
        "deadline": task.deadline.isoformat() if task.deadline else None,
    }
    return {"task_id": task.id, "before": before, "after": after}


def _release(s: Session, task: Task) -> int:
    """Put the task's held outbox rows back to pending so the next push sends them."""
    stmt = select(OutboxItem).where(
        OutboxItem.task_id == task.id, col(OutboxItem.state).in_(("held", "pending"))
    )
    count = 0
    for row in s.exec(stmt):
        row.state, row.last_error, row.next_attempt_at = "pending", None, None
        s.add(row)
        count += 1
    return count


@dataclass(frozen=True)
class Progress:
    """A unit's report on one task, as the clerk types it in."""

    task_id: int
    started_on: date | None
    completed_on: date | None
    blocked_reason: str
    progress_note: str


def record_progress(
    register: Register,
    cal: WorkingCalendar,
    p: Progress,
    *,
    clerk: str,
    push_working_days: int,
    portal_origins: Iterable[str],
) -> str:
    """Store the new facts with an outbox row due `push_working_days` working days from now.

    A task the portal never receives (the Director's own, any origin outside `portal_origins`, a
    secret or revoked document) gets no outbox row, as `record_status_change` expects.
    """
    if p.completed_on and p.started_on and p.completed_on < p.started_on:
        raise FormError("Ngày hoàn thành không được trước ngày bắt đầu.")
    if p.completed_on and p.completed_on > clock.today():
        raise FormError("Ngày hoàn thành không được sau hôm nay.")
    with register.write() as s:
        task = s.get(Task, p.task_id)
        if task is None:
            raise FormError(f"Không có nhiệm vụ #{p.task_id} trong sổ theo dõi.")
        doc = s.get(Document, task.document_id)
        assert doc is not None
        at = clock.now()
        origin = task.origin or doc.origin
        to_portal = (
            not doc.secrecy
            and doc.state not in ("secret_notice", "revoked")
            and (origin is None or origin in set(portal_origins))
        )
        facts = TaskFacts(task.deadline, p.started_on, p.completed_on, p.blocked_reason.strip() or None)
        change, _ = record_status_change(
            s,
            task,
            facts=facts,
            progress_note=p.progress_note.strip() or None,
            due_by=due_by(cal, at, push_working_days) if to_portal else None,
            actor=clerk,
            changed_at=at,
        )
        name = doc.number or f"#{doc.id}"
        message = (
            f"Văn thư {clerk} ghi nhận tình hình nhiệm vụ #{task.id} của văn bản {name}: «{change.status}»; "
            + (
                "sẽ cập nhật lên Phần mềm ở lần gửi sau."
                if to_portal
                else "nhiệm vụ này không cập nhật lên Phần mềm."
            )
        )
        log_event(
            s,
            kind="progress",
            message=message,
            document_ref=name,
            document_id=doc.id,
            detail={"task_id": task.id, "clerk": clerk, "facts": change.facts},
        )
        return message
