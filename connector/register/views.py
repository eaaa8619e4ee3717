"""Read-only views of the register shared by `connector status`, `connector log`, the dashboard, alerts.

One place answers "how is the service doing" so the command line, the web page and the admin's
alert e-mail can never disagree: the last run of each job and which jobs have gone quiet (the one
stale-job rule), task counts, the review queue, what the outbox still owes the portal. Every
function takes an open session from `Register.read()` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from connector.calendar import HALF_DAY, WorkingCalendar, working_time
from connector.clock import TZ
from connector.config import Config
from connector.domain import Status, number_key
from connector.register.derived import status_sql
from connector.register.tables import Document, Event, IntakeItem, OutboxItem, ReviewItem, SyncRun, Task
from connector.schedule import DAILY_SLACK_HOURS, label, slots

OK_OUTCOMES = ("ok", "partial", "skipped")
"""A run that did its work (a `partial` run stored what it could; the rest is in the log)."""

FAILED_LEVELS = ("error", "warning")


@dataclass(frozen=True)
class JobState:
    """The last run of one job and the last time it did its work."""

    job: str
    last_started: datetime
    last_finished: datetime | None
    last_outcome: str
    last_message: str | None
    last_ok_at: datetime | None


def job_states(session: Session) -> list[JobState]:
    """One row per job that ever ran, sorted by name."""
    last_ids = select(func.max(SyncRun.id)).group_by(SyncRun.job)
    last = {r.job: r for r in session.exec(select(SyncRun).where(col(SyncRun.id).in_(last_ids)))}
    ok_stmt = (
        select(SyncRun.job, func.max(SyncRun.finished_at))
        .where(col(SyncRun.outcome).in_(OK_OUTCOMES))
        .group_by(SyncRun.job)
    )
    last_ok = {job: at for job, at in session.exec(ok_stmt)}
    return [
        JobState(
            job=name,
            last_started=run.started_at,
            last_finished=run.finished_at,
            last_outcome=run.outcome,
            last_message=run.message,
            last_ok_at=_aware(last_ok.get(name)),
        )
        for name, run in sorted(last.items())
    ]


def stale_jobs(
    states: Iterable[JobState], expected: Iterable[str], *, now: datetime, hours: float, since: datetime
) -> list[str]:
    """Jobs in `expected` with no successful run in the last `hours` (counted from `since` at the
    earliest, the service's start, so a fresh install does not alarm before a job could run)."""
    by_job = {s.job: s for s in states}
    limit = timedelta(hours=hours)
    stale = []
    for job in expected:
        last_ok = by_job[job].last_ok_at if job in by_job else None
        reference = max(last_ok or since, since)
        if now - reference > limit:
            stale.append(job)
    return stale


def stale_jobs_now(session: Session, cfg: Config, now: datetime) -> list[str]:
    """Jobs of this config with no successful run for `scheduler.alert_after_hours` (at least a day
    and an hour for once-a-day jobs), counted from the register's first run at the earliest so a
    fresh install does not alarm. The one rule behind the alert, `connector status` and the
    dashboard's banner, so they never disagree."""
    hours = cfg.settings.scheduler.alert_after_hours
    states = job_states(session)
    since = first_run_at(session) or now
    watched = [j for j in slots(cfg) if j.name != "heartbeat"]
    frequent = [j.name for j in watched if not j.daily]
    daily = [j.name for j in watched if j.daily]
    return stale_jobs(states, frequent, now=now, hours=hours, since=since) + stale_jobs(
        states, daily, now=now, hours=max(hours, DAILY_SLACK_HOURS), since=since
    )


def stale_text(job: str, state: JobState | None, hours: float) -> str:
    """The alert in the clerk's words: which job, since when, the last error, what to do."""
    last_ok = state.last_ok_at if state else None
    when = last_ok.astimezone(TZ).strftime("%H:%M ngày %d/%m/%Y") if last_ok else "khi cài đặt"
    text = f"Cảnh báo: việc «{label(job)}» không chạy thành công từ {when} (quá {hours:g} giờ)."
    if state is not None and state.last_outcome not in OK_OUTCOMES:
        text += f" Lần chạy gần nhất: {(state.last_message or state.last_outcome).splitlines()[0]}"
    return text + " Việc cần làm: xem `connector log --failed`, sửa lỗi rồi chạy `connector sync`."


def outbox_health(session: Session, cal: WorkingCalendar, now: datetime) -> dict[str, int]:
    """Counts of outbox rows not yet pushed: `due` (all of them), `at_risk` (less than half a working
    day — 4 office hours — left before `due_by`), `late` (past `due_by`), plus `held` and `failed`."""
    out = {"due": 0, "at_risk": 0, "late": 0, "held": 0, "failed": 0}
    for row in session.exec(select(OutboxItem).where(OutboxItem.state != "pushed")):
        out["due"] += 1
        if row.state in ("held", "failed"):
            out[row.state] += 1
        if now > row.due_by:
            out["late"] += 1
        elif working_time(cal, now, row.due_by) < HALF_DAY:
            out["at_risk"] += 1
    return out


def task_counts(session: Session, today: date) -> dict[str, int]:
    """Tasks of the department by derived status (Điều 5e), every status listed even when 0.

    Counted: tasks that concern us, of documents still in force (not revoked or replaced).
    Secret documents have no tasks in the register at all (DESIGN §7).
    """
    status = status_sql(today)  # derived in the database: the count costs one grouped scan
    stmt = (
        select(status, func.count())
        .select_from(Task)
        .join(Document, col(Task.document_id) == Document.id)
        .where(Task.concerns_us == True, Document.state == "registered")  # noqa: E712 (SQL)
        .group_by(status)
    )
    counts = {str(name): int(n) for name, n in session.execute(stmt)}
    return {str(s): counts.get(str(s), 0) for s in Status}


def review_open(session: Session) -> int:
    """How many review items wait for a clerk."""
    stmt = select(func.count()).select_from(ReviewItem).where(ReviewItem.state == "open")
    return int(session.exec(stmt).one())


def find_documents(session: Session, ref: str) -> list[Document]:
    """Documents a clerk may mean by `ref`: a source's reference, a document number (any spelling
    the normaliser accepts), or a task id ("12" or "#12"). Several matches are returned, so the
    caller can ask which one instead of guessing."""
    ref = ref.strip()
    found: dict[int, Document] = {}
    by_route = select(Document).join(IntakeItem, col(IntakeItem.document_id) == Document.id)
    for doc in session.exec(by_route.where(IntakeItem.source_ref == ref)):
        found.setdefault(doc.id or 0, doc)
    key = number_key(ref)
    conditions = [Document.number == ref] + ([Document.number_key == key] if key else [])
    for doc in session.exec(select(Document).where(or_(*conditions))):
        found.setdefault(doc.id or 0, doc)
    digits = ref.removeprefix("#")
    if digits.isdigit():
        task = session.get(Task, int(digits))
        owner = session.get(Document, task.document_id) if task else None
        if owner is not None:
            found.setdefault(owner.id or 0, owner)
    return list(found.values())


def events(
    session: Session,
    *,
    since: date | None = None,
    document_ids: Iterable[int] | None = None,
    failed: bool = False,
    limit: int | None = None,
    document_refs: Iterable[str] | None = None,
) -> list[Event]:
    """Sync-log lines, oldest first; `limit` keeps the newest ones.

    `document_ids` and `document_refs` together select one document's lines: events written
    before events carried the document id (migration 0005) are found by the number or source
    reference they name.
    """
    stmt = select(Event)
    if since is not None:
        stmt = stmt.where(Event.at >= datetime.combine(since, time(0), TZ))
    if document_ids is not None or document_refs is not None:
        ids, refs = list(document_ids or []), [r for r in (document_refs or []) if r]
        stmt = stmt.where(or_(col(Event.document_id).in_(ids), col(Event.document_ref).in_(refs)))
    if failed:
        stmt = stmt.where(col(Event.level).in_(FAILED_LEVELS))
    stmt = stmt.order_by(col(Event.at).desc(), col(Event.id).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(reversed(session.exec(stmt).all()))


def runs(session: Session, *, since: date | None = None, failed: bool = False) -> list[SyncRun]:
    """Job runs, oldest first; `failed` keeps the ones that did not fully succeed."""
    stmt = select(SyncRun)
    if since is not None:
        stmt = stmt.where(SyncRun.started_at >= datetime.combine(since, time(0), TZ))
    if failed:
        stmt = stmt.where(col(SyncRun.outcome).in_(("failed", "partial")))
    return list(session.exec(stmt.order_by(col(SyncRun.id))))


def document_refs(session: Session, docs: Iterable[Document]) -> list[str]:
    """Every name the sync log may have used for `docs`: numbers and the routes' source refs."""
    docs = list(docs)
    refs = {d.number for d in docs if d.number}
    ids = [d.id for d in docs if d.id is not None]
    if ids:
        stmt = select(IntakeItem.source_ref).where(col(IntakeItem.document_id).in_(ids))
        refs.update(session.exec(stmt))
    return sorted(refs)


def first_run_at(session: Session) -> datetime | None:
    """When the service first ran anything (stale-job alerts count from there at the earliest)."""
    return _aware(session.exec(select(func.min(SyncRun.started_at))).one())


def _aware(value: datetime | str | None) -> datetime | None:
    """Aggregates bypass the column type, so the database hands back naive UTC (or, SQLite, a string)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
