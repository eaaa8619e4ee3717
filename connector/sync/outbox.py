"""The outbox uploader: every recorded status change reaches the portal once (Điều 6.3.b, DESIGN §6–7).

`push_outbox` takes the open outbox rows, oldest due first, one task at a time (several changes of a
task are one push: the portal gets the status derived *now*). Rows that must not go out are "held"
with a Vietnamese reason: a task under review, a secret document, a task the Director gave (or any
origin outside the profile's `portal_origins`), a task not yet matched to a portal task, a change a
later document made (a new deadline, `connector.sync.followups`) while that document waits for a clerk.

Crash safety: before `portal.push` the row is committed as "sending" with its attempt counted; the
outcome is written after. A row found "sending" (killed between submit and mark), or one already
tried, is first *read* on the portal: if the portal shows the wanted value it is marked pushed and
nothing is posted again. Errors by marker: transient → "pending" with exponential backoff;
`PortalRejectedError` → "failed" with the portal's Vietnamese message; `MappingMismatchError` →
the run stops (every later row would fail the same way) and the row is put back as it was.

What is due, at risk and late is a read of the register (`connector.register.views.outbox_health`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from tenacity import RetryCallState, wait_exponential

from connector import clock
from connector.calendar import WorkingCalendar
from connector.domain import Origin, PortalTask, Receipt, StatusUpdate
from connector.errors import ConnectorError, MappingMismatchError, is_transient, to_message
from connector.mappings import Mappings
from connector.ports import Portal
from connector.register.db import Register
from connector.register.queries import log_event, start_run, task_facts
from connector.register.tables import Document, OutboxItem, ReviewItem, SyncRun, Task, TaskHistory
from connector.status import derive_status

OPEN_STATES = ("pending", "sending", "held")
BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=4)
_WAIT = wait_exponential(multiplier=BACKOFF_FIRST.total_seconds(), max=BACKOFF_MAX.total_seconds())
MAX_TRANSIENT_IN_A_ROW = 3

HOLD_REVIEW = "nhiệm vụ đang chờ văn thư kiểm tra lại — chưa cập nhật lên Phần mềm"
HOLD_SECRET = "văn bản mật — không bao giờ cập nhật lên Phần mềm"
HOLD_ORIGIN = "nguồn giao «{origin}» không thuộc diện cập nhật lên Phần mềm"
HOLD_REVOKED = "văn bản đã bị thu hồi — nhiệm vụ không còn được theo dõi, không cập nhật lên Phần mềm"
HOLD_FOLLOW_REVIEW = "thay đổi do văn bản số {number} đang chờ văn thư kiểm tra — chưa cập nhật lên Phần mềm"
HOLD_NO_REF = "chưa khớp với nhiệm vụ trên Phần mềm — chạy connector sync để đối chiếu"
_WHAT_TO_DO = (
    "Việc cần làm: kiểm tra nhiệm vụ {0} trên Phần mềm và trong sổ theo dõi, "
    "sửa rồi chạy: connector rerun {0}"
)


@dataclass
class PushSummary:
    """What one run of the uploader did; `lines` are the dry run's per-row descriptions."""

    dry_run: bool = False
    pushed: int = 0
    unchanged: int = 0
    held: int = 0
    retry: int = 0
    failed: int = 0
    would_send: int = 0
    mapping_broken: bool = False
    stopped: bool = False
    message: str | None = None
    lines: list[str] = field(default_factory=list)
    run_id: int | None = None

    def counts(self) -> dict[str, int]:
        return {
            "pushed": self.pushed,
            "unchanged": self.unchanged,
            "held": self.held,
            "retry": self.retry,
            "failed": self.failed,
            "would_send": self.would_send,
        }

    def line(self) -> str:
        """One Vietnamese summary line."""
        if self.dry_run:
            return (
                f"Chạy thử: {self.would_send} nhiệm vụ sẽ được gửi, {self.held} nhiệm vụ giữ lại; "
                "chưa gửi gì."
            )
        text = (
            f"Cập nhật Phần mềm: {self.pushed} đã gửi và xác nhận, {self.unchanged} đã có sẵn trên Phần mềm, "
            f"{self.held} giữ lại, {self.retry} sẽ thử lại, {self.failed} bị từ chối."
        )
        if self.mapping_broken:
            text += " Dừng lại: trang Phần mềm đã thay đổi, tệp ánh xạ cần cập nhật (mappings/portal.toml)."
        elif self.stopped:
            text += " Dừng lại: Phần mềm không trả lời; lần chạy sau sẽ thử tiếp."
        return text


@dataclass
class _Row:
    id: int
    state: str
    attempts: int


@dataclass
class _Group:
    """The open outbox rows of one task, with the task and its document."""

    task: Task
    doc: Document
    rows: list[_Row]
    open_review: bool
    caused_by_review: str | None = None
    """The number of the later document under review that made one of these changes, if any."""

    @property
    def number(self) -> str:
        return self.doc.number or f"#{self.task.id}"


def push_outbox(
    register: Register,
    portal: Portal | None,
    maps: Mappings,
    cal: WorkingCalendar,
    *,
    today: date,
    dry_run: bool = False,
    origins: Iterable[Origin] | None = None,
    now: datetime | None = None,
    task_ids: Iterable[int] | None = None,
    run_id: int | None = None,
    stop: Callable[[], bool] | None = None,
) -> PushSummary:
    """Push every open outbox row that is due for an attempt; see the module docstring.

    `origins` are the profile's `portal_origins` (default: every origin but the Director's);
    `now` is when the run happens (backoff times are compared with it). `cal` is kept for the
    caller's symmetry with `outbox_health`. `task_ids` limits the run to those tasks (`connector
    rerun` pushes one document's tasks and touches nothing else); `run_id` writes the events into
    the caller's open sync run instead of a "push" run of its own (the caller closes it).
    """
    at = now or clock.now()
    allowed = {str(o) for o in (origins if origins is not None else [o for o in Origin if o.goes_to_portal])}
    summary = PushSummary(dry_run=dry_run)
    groups = _open_groups(register, at)
    if task_ids is not None:
        wanted = set(task_ids)
        groups = [g for g in groups if g.task.id in wanted]
    own_run = run_id is None
    if not dry_run:
        if portal is None:
            raise ValueError("push_outbox needs a portal unless dry_run")
        if own_run:
            with register.write() as s:
                summary.run_id = start_run(s, "push").id
        else:
            summary.run_id = run_id
    in_a_row = 0
    try:
        for g in groups:
            if stop is not None and stop():  # the service is shutting down: the rest waits in the outbox
                break
            reason = _hold_reason(g, allowed)
            if reason is not None:
                summary.held += 1
                if dry_run:
                    summary.lines.append(f"Nhiệm vụ {g.number}: giữ lại — {reason}.")
                else:
                    _write(register, g, state="held", last_error=reason)
                continue
            update = _update(g, maps, today)
            if dry_run:
                summary.would_send += 1
                summary.lines.append(describe(g.number, update))
                continue
            assert portal is not None
            outcome = _push_group(register, portal, g, update, summary)
            in_a_row = in_a_row + 1 if outcome == "retry" else 0
            if outcome == "stop":
                break
            if in_a_row >= MAX_TRANSIENT_IN_A_ROW:
                summary.stopped = True
                break
    finally:
        if summary.run_id is not None and own_run:
            _close_run(register, summary)
    return summary


def describe(number: str, update: StatusUpdate) -> str:
    """The dry run's line for one task: exactly what would be sent."""
    ref = update.portal_ref if update.portal_ref.upper().startswith("PM") else f"PM-{update.portal_ref}"
    done = update.completed_on.strftime("%d/%m/%Y") if update.completed_on else "—"
    return (
        f"Nhiệm vụ {number} (mã {ref}): trạng thái «{update.status_label}», "
        f"diễn giải «{update.progress_note}», ngày hoàn thành {done}"
    )


# -- selecting and deciding ---------------------------------------------------------------------


def _open_groups(register: Register, at: datetime) -> list[_Group]:
    with register.read() as s:
        stmt = (
            select(OutboxItem)
            .where(col(OutboxItem.state).in_(OPEN_STATES))
            .order_by(col(OutboxItem.due_by), col(OutboxItem.id))
        )
        groups: dict[int, _Group] = {}
        for row in s.exec(stmt):
            waiting = row.next_attempt_at is not None and row.next_attempt_at > at
            if row.state == "pending" and waiting:
                continue
            assert row.id is not None
            g = groups.get(row.task_id)
            if g is None:
                task = s.get(Task, row.task_id)
                assert task is not None
                doc = s.get(Document, task.document_id)
                assert doc is not None
                g = groups[row.task_id] = _Group(task, doc, [], _has_open_review(s, task))
            g.rows.append(_Row(row.id, row.state, row.attempts))
            g.caused_by_review = g.caused_by_review or _caused_by_review(s, row.status_change_id)
        return list(groups.values())


def _has_open_review(s: Session, task: Task) -> bool:
    stmt = select(ReviewItem).where(ReviewItem.document_id == task.document_id, ReviewItem.state == "open")
    return any(r.task_id in (None, task.id) for r in s.exec(stmt))


def _caused_by_review(s: Session, status_change_id: int) -> str | None:
    """The later document that made this change (a follow-up's new deadline), while it is under review."""
    stmt = select(Document).join(TaskHistory, col(TaskHistory.by_document_id) == Document.id)
    by = s.exec(stmt.where(TaskHistory.status_change_id == status_change_id)).first()
    if by is None:
        return None
    review = select(ReviewItem).where(ReviewItem.document_id == by.id, ReviewItem.state == "open")
    return (by.number or f"#{by.id}") if s.exec(review).first() is not None else None


def _hold_reason(g: _Group, allowed: set[str]) -> str | None:
    if g.doc.secrecy or g.doc.state == "secret_notice":
        return HOLD_SECRET
    if g.doc.state == "revoked":
        return HOLD_REVOKED
    if g.task.needs_review or g.open_review:
        return HOLD_REVIEW
    if g.caused_by_review:
        return HOLD_FOLLOW_REVIEW.format(number=g.caused_by_review)
    origin = g.task.origin or g.doc.origin
    if origin == str(Origin.GIAM_DOC) or (origin is not None and origin not in allowed):
        return HOLD_ORIGIN.format(origin=origin)
    if not g.task.portal_ref:
        return HOLD_NO_REF
    return None


def _update(g: _Group, maps: Mappings, today: date) -> StatusUpdate:
    assert g.task.portal_ref is not None
    status = derive_status(task_facts(g.task), today)
    return StatusUpdate(
        portal_ref=g.task.portal_ref,
        status_label=maps.portal_label(status).portal_label,
        progress_note=(g.task.progress_note or "").strip(),
        completed_on=g.task.completed_on,
    )


# -- one push -----------------------------------------------------------------------------------


def _push_group(
    register: Register, portal: Portal, g: _Group, update: StatusUpdate, summary: PushSummary
) -> str:
    """Push one task; returns "pushed", "unchanged", "retry", "failed" or "stop"."""
    must_read = any(r.attempts > 0 or r.state == "sending" for r in g.rows)
    with register.write() as s:  # committed before anything leaves: a kill -9 now leaves "sending"
        for r in g.rows:
            row = s.get(OutboxItem, r.id)
            assert row is not None
            row.state, row.attempts = "sending", row.attempts + 1
            s.add(row)
    try:
        receipt = None
        if must_read:
            current = portal.read(update.portal_ref)
            if shows(current, update):
                receipt = Receipt(
                    update.portal_ref,
                    current.status_label,
                    clock.now(),
                    sent=False,
                    detail={"reason": "found_on_portal_before_resend"},
                )
        if receipt is None:
            receipt = portal.push(update)
    except MappingMismatchError as exc:
        _restore(register, g)
        summary.mapping_broken = True
        summary.message = to_message(exc)
        _event(register, summary, g, "push_stopped", "error", f"Dừng cập nhật Phần mềm: {exc.message}")
        return "stop"
    except ConnectorError as exc:
        if is_transient(exc):
            wait = backoff(max(r.attempts for r in g.rows) + 1, getattr(exc, "retry_after", None))
            _write(register, g, state="pending", last_error=exc.message, next_attempt_at=clock.now() + wait)
            summary.retry += 1
            _event(register, summary, g, "push_retry", "warning", f"Sẽ thử lại: {exc.message}")
            return "retry"
        _write(register, g, state="failed", last_error=exc.message)
        summary.failed += 1
        _event(register, summary, g, "push_failed", "error", f"{exc.message} {_WHAT_TO_DO.format(g.number)}")
        return "failed"
    if _norm(receipt.status_label) != _norm(update.status_label):
        text = (
            f"Phần mềm hiển thị «{receipt.status_label}» thay vì «{update.status_label}» "
            f"cho nhiệm vụ {g.number}; cần kiểm tra trực tiếp trên Phần mềm."
        )
        _write(register, g, state="failed", last_error=text)
        summary.failed += 1
        _event(register, summary, g, "push_failed", "error", f"{text} {_WHAT_TO_DO.format(g.number)}")
        return "failed"
    _write(
        register, g, state="pushed", last_error=None, receipt=_receipt_json(receipt), pushed_at=clock.now()
    )
    if receipt.sent:
        summary.pushed += 1
        _event(register, summary, g, "pushed", "info", f"Đã cập nhật «{update.status_label}» lên Phần mềm.")
        return "pushed"
    summary.unchanged += 1
    return "unchanged"


def shows(current: PortalTask, update: StatusUpdate) -> bool:
    """True when the portal already shows the update's status and note."""
    same_label = _norm(current.status_label) == _norm(update.status_label)
    return same_label and _norm(current.progress_note) == _norm(update.progress_note)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def backoff(attempt: int, retry_after: Any) -> timedelta:
    """Wait before the next try of a row: the portal's Retry-After, else tenacity's exponential wait.

    The wait outlives the process (it is stored as `next_attempt_at`), so tenacity computes it
    here instead of sleeping inside a retry loop.
    """
    if isinstance(retry_after, int | float) and retry_after > 0:
        return min(timedelta(seconds=float(retry_after)), BACKOFF_MAX)
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = max(attempt, 1)
    return timedelta(seconds=_WAIT(state))


def _receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "portal_ref": r.portal_ref,
        "status_label": r.status_label,
        "confirmed_at": r.confirmed_at.isoformat(),
        "sent": r.sent,
        "detail": {
            k: v if isinstance(v, str | int | float | bool | None) else str(v) for k, v in r.detail.items()
        },
    }


def _write(register: Register, g: _Group, **values: Any) -> None:
    with register.write() as s:
        for r in g.rows:
            row = s.get(OutboxItem, r.id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
            s.add(row)


def _restore(register: Register, g: _Group) -> None:
    with register.write() as s:
        for r in g.rows:
            row = s.get(OutboxItem, r.id)
            assert row is not None
            row.state, row.attempts = r.state, r.attempts
            s.add(row)


def _event(register: Register, summary: PushSummary, g: _Group, kind: str, level: str, message: str) -> None:
    with register.write() as s:
        log_event(
            s,
            kind=kind,
            level=level,
            run_id=summary.run_id,
            source="portal",
            document_ref=g.doc.number,
            document_id=g.doc.id,
            message=f"Nhiệm vụ {g.number}: {message}",
            detail={"task_id": g.task.id, "portal_ref": g.task.portal_ref, "outbox": [r.id for r in g.rows]},
        )


def _close_run(register: Register, summary: PushSummary) -> None:
    with register.write() as s:
        run = s.get(SyncRun, summary.run_id)
        assert run is not None
        run.finished_at = clock.now()
        run.outcome = "failed" if summary.mapping_broken else "ok"
        run.counts = summary.counts()
        run.message = summary.message or summary.line()
        s.add(run)
