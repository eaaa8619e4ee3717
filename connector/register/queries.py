"""The register's write and read operations that several jobs share.

Each function takes an open session from `Register.write()`/`read()` and never commits: the
caller's transaction decides what lands together (a status change with its outbox row; a batch
of documents with its source cursor).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from connector.clock import now
from connector.domain import TaskFacts
from connector.register.tables import Event, OutboxItem, SourceCursor, StatusChange, SyncRun, Task
from connector.status import derive_status


def load_cursor(session: Session, source: str) -> dict[str, Any]:
    """The stored cursor of `source` (empty mapping: from the beginning)."""
    row = session.get(SourceCursor, source)
    return dict(row.cursor or {}) if row else {}


def save_cursor(session: Session, source: str, cursor: Mapping[str, Any]) -> None:
    """Store `source`'s cursor in the caller's transaction, beside the documents it covers."""
    row = session.get(SourceCursor, source)
    if row is None:
        session.add(SourceCursor(source=source, cursor=dict(cursor), updated_at=now()))
    else:
        row.cursor = dict(cursor)
        row.updated_at = now()
        session.add(row)


def task_facts(task: Task) -> TaskFacts:
    """The facts of a stored task, for `derive_status`."""
    return TaskFacts(task.deadline, task.started_on, task.completed_on, task.blocked_reason)


def record_status_change(
    session: Session,
    task: Task,
    *,
    facts: TaskFacts,
    progress_note: str | None,
    due_by: datetime | None,
    actor: str,
    changed_at: datetime | None = None,
) -> tuple[StatusChange, OutboxItem | None]:
    """Apply new facts to `task` and write the change and, when `due_by` is given, its outbox row.

    Both rows are added to the caller's transaction, so either the change and its push obligation
    exist together or neither does (DESIGN §7). `due_by=None` means the task does not go to the
    portal (secret, Director's own task, or under review).
    """
    when = changed_at or now()
    task.deadline = facts.deadline
    task.started_on = facts.started_on
    task.completed_on = facts.completed_on
    task.blocked_reason = facts.blocked_reason
    task.progress_note = progress_note
    task.updated_at = when
    session.add(task)
    session.flush()
    assert task.id is not None
    change = StatusChange(
        task_id=task.id,
        changed_at=when,
        status=str(derive_status(facts, when.date())),
        progress_note=progress_note,
        facts={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(facts).items()},
        actor=actor,
    )
    session.add(change)
    session.flush()
    outbox = None
    if due_by is not None:
        assert change.id is not None
        outbox = OutboxItem(status_change_id=change.id, task_id=task.id, due_by=due_by)
        session.add(outbox)
    return change, outbox


def start_run(session: Session, job: str) -> SyncRun:
    """Open a sync-log run for `job`."""
    run = SyncRun(job=job, started_at=now())
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session, run_id: int, *, outcome: str, message: str, counts: Mapping[str, int] | None = None
) -> SyncRun:
    """Close a sync-log run with its outcome ("ok", "partial", "failed", "skipped") and Vietnamese message."""
    run = session.get(SyncRun, run_id)
    if run is None:
        raise LookupError(f"sync run {run_id} not found")
    run.finished_at = now()
    run.outcome = outcome
    run.message = message
    run.counts = dict(counts or {})
    session.add(run)
    return run


def log_event(
    session: Session,
    *,
    kind: str,
    message: str,
    run_id: int | None = None,
    level: str = "info",
    source: str | None = None,
    document_ref: str | None = None,
    document_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Event:
    """Add one Vietnamese sync-log line (the same event also goes to the JSON log file)."""
    event = Event(
        run_id=run_id,
        at=now(),
        level=level,
        kind=kind,
        source=source,
        document_ref=document_ref,
        document_id=document_id,
        message=message,
        detail=dict(detail) if detail else None,
    )
    session.add(event)
    return event
