"""What every scheduled job receives and returns, so `connector run` and `connector sync` drive them alike.

A job is a plain function `(JobContext) -> JobResult`. It records its own `SyncRun` (job name,
counts, Vietnamese message) and its per-item events in the register, so the sync log reads the
same whether the scheduler or a clerk at the command line started it. `stop` is set on SIGTERM:
a job checks it between items and returns early, leaving the rest for the next run.

`build_jobs` turns the config into the job list (a poll per enabled source, reconcile and push
when the portal is enabled, remind, report, heartbeat); `run_job` is the one wrapper both
front ends use: a job that raises becomes a failed run with the Vietnamese `to_message` text and
never reaches the scheduler. The heartbeat also evaluates the stale-job alerts (`check_alerts`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal

from sqlmodel import Session, col, select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.errors import ConnectorError, to_message
from connector.log import get_logger
from connector.mappings import Mappings
from connector.register.db import Register
from connector.register.queries import finish_run, log_event, start_run
from connector.register.tables import Event, SyncRun

if TYPE_CHECKING:
    from connector.register.views import JobState

Outcome = Literal["ok", "partial", "failed", "skipped"]


@dataclass(frozen=True)
class JobContext:
    """The parts a job works with; built once per process, `now` fresh per run."""

    cfg: Config
    maps: Mappings
    cal: WorkingCalendar
    register: Register
    now: datetime
    stop: threading.Event = field(default_factory=threading.Event)


@dataclass
class JobResult:
    """How a run ended: `failed` means the job could not do its work (a retry may help)."""

    outcome: Outcome = "ok"
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    run_id: int | None = None


JobFunc = Callable[[JobContext], JobResult]

DAILY_SLACK_HOURS = 25.0
"""A once-a-day job is not "stale" before a whole day (plus an hour) has passed since it did its work."""


@dataclass(frozen=True)
class Job:
    """One scheduled job: `minutes` for an interval job, `at` (office time) for a once-a-day job."""

    name: str
    func: JobFunc
    minutes: int | None = None
    at: time | None = None
    any_hour: bool = False
    """A daily job harmless at any hour (reconcile, reports): a missed slot is caught up whenever the
    service starts, not only within the grace hours (a reminder e-mail at night would not be)."""

    @property
    def daily(self) -> bool:
        return self.at is not None


def label(job: str) -> str:
    """The job's name in the clerk's words."""
    if job.startswith("poll:"):
        return f"đọc nguồn {job.removeprefix('poll:')}"
    names = {
        "push": "cập nhật Phần mềm theo dõi",
        "reconcile": "đối chiếu với Phần mềm theo dõi",
        "remind": "nhắc việc",
        "report": "báo cáo định kỳ",
        "heartbeat": "kiểm tra dịch vụ",
        "rerun": "chạy lại một văn bản",
        "import-excel": "nhập sổ Excel",
    }
    return names.get(job, job)


def build_jobs(cfg: Config) -> list[Job]:
    """Every job the config asks for, in the order `connector sync` runs them once."""
    s = cfg.settings.scheduler
    jobs = [
        Job(f"poll:{src.name}", _poll(src.name), minutes=src.interval_minutes)
        for src in cfg.settings.source
        if src.enabled
    ]
    if cfg.settings.portal is not None and cfg.settings.portal.enabled:
        jobs += [
            Job("reconcile", reconcile_job, at=s.reconcile_at, any_hour=True),
            Job("push", push_job, minutes=s.push_interval_minutes),
        ]
    jobs += [
        Job("remind", remind_job, at=s.reminders_at),
        Job("report", report_job, at=s.reports_at, any_hour=True),
        Job("heartbeat", heartbeat_job, minutes=s.heartbeat_minutes),
    ]
    return jobs


# -- the wrapper ---------------------------------------------------------------------------------


def run_job(job: Job, base: JobContext) -> JobResult:
    """Run `job` with a fresh `now`; whatever happens, a finished SyncRun and no exception escape.

    A job that raises leaves its run "failed" with the Vietnamese `to_message` text (a run it had
    opened is closed, never left "running"); after SIGTERM a job not yet started does not start.
    """
    log = get_logger("connector.runtime.job").bind(job=job.name)
    if base.stop.is_set():
        return JobResult("skipped", message="Dịch vụ đang dừng; việc này chạy ở lần khởi động sau.")
    ctx = replace(base, now=clock.now())
    try:
        result = job.func(ctx)
    except Exception as exc:  # (one job's failure must never stop the scheduler or the other jobs)
        return _failed(ctx, job.name, exc, log)
    log.info("job_finished", outcome=result.outcome, run_id=result.run_id)
    return result


def _failed(ctx: JobContext, job: str, exc: BaseException, log: Any) -> JobResult:
    text = to_message(exc)
    if isinstance(exc, ConnectorError):
        log.error("job_failed", error=exc.message, error_type=type(exc).__name__)
    else:
        log.exception("job_crashed")
    result = JobResult("failed", message=f"Lần chạy «{label(job)}» thất bại. {text}")
    try:
        with ctx.register.write() as s:
            stmt = select(SyncRun).where(
                SyncRun.job == job, SyncRun.outcome == "running", col(SyncRun.started_at) >= ctx.now
            )
            opened = list(s.exec(stmt))
            for run in opened:
                finish_run(s, run.id or 0, outcome="failed", message=result.message)
            run_id = opened[-1].id if opened else start_run(s, job).id
            if not opened:
                finish_run(s, run_id or 0, outcome="failed", message=result.message)
            log_event(
                s,
                kind="failed",
                level="error",
                run_id=run_id,
                message=result.message,
                detail={"job": job, "error": type(exc).__name__},
            )
        result.run_id = run_id
    except Exception as err:  # the register itself refused: the log file still has the line
        log.error("run_not_recorded", error=to_message(err))
    return result


def _record(ctx: JobContext, job: str, result: JobResult) -> JobResult:
    """A run with nothing to do (skipped) recorded like any other, so `connector status` shows it."""
    with ctx.register.write() as s:
        run_id = start_run(s, job).id or 0
        finish_run(s, run_id, outcome=result.outcome, message=result.message, counts=result.counts)
    result.run_id = run_id
    return result


# -- the jobs ------------------------------------------------------------------------------------


def _poll(name: str) -> JobFunc:
    def poll(ctx: JobContext) -> JobResult:
        return poll_job(ctx, name)

    return poll


def poll_job(ctx: JobContext, name: str, *, since: date | None = None, progress: Any = None) -> JobResult:
    """One intake run of source `name`; stops after the current document on SIGTERM."""
    from connector.service import build_source
    from connector.sync import sync_source
    from connector.cli.sync import installed

    kind = next(s.type for s in ctx.cfg.settings.source if s.name == name)
    if not installed(kind):
        text = (
            f"{name}: bỏ qua — bộ đọc nguồn loại «{kind}» chưa có trong phiên bản này "
            "(tắt nguồn này bằng enabled = false trong config.toml)."
        )
        return _record(ctx, f"poll:{name}", JobResult("skipped", message=text))
    source = build_source(ctx.cfg, ctx.maps, name)
    try:
        summary = sync_source(
            ctx.register,
            source,
            ctx.maps,
            ctx.cal,
            ctx.cfg.profile,
            since=since,
            progress=progress,
            stop=ctx.stop.is_set,
        )
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    outcome: Outcome = summary.outcome if summary.outcome in ("ok", "partial", "failed") else "ok"  # type: ignore[assignment]
    text = summary.line() if not summary.failed else f"{summary.line()} {summary.message}"
    return JobResult(outcome, dict(summary.counts), text, summary.run_id)


def push_job(ctx: JobContext) -> JobResult:
    """Push the outbox once; a held or retried row is not a failure, a refused one is."""
    from connector.service import build_portal
    from connector.sync.outbox import push_outbox

    portal = build_portal(ctx.cfg, ctx.maps)
    try:
        summary = push_outbox(
            ctx.register,
            portal,
            ctx.maps,
            ctx.cal,
            today=ctx.now.date(),
            origins=ctx.cfg.profile.portal_origins,
            now=ctx.now,
            stop=ctx.stop.is_set,
        )
    finally:
        _close(portal)
    bad = summary.failed or summary.mapping_broken or summary.stopped
    text = " ".join(x for x in (summary.line(), summary.message) if x)
    return JobResult("failed" if bad else "ok", summary.counts(), text, summary.run_id)


def reconcile_job(ctx: JobContext) -> JobResult:
    """Match the register with the portal's task list (one transaction: nothing to stop between)."""
    from connector.service import build_portal
    from connector.sync.reconcile import reconcile

    portal = build_portal(ctx.cfg, ctx.maps)
    try:
        report = reconcile(ctx.register, portal, ctx.maps, ctx.cfg.profile)
    finally:
        _close(portal)
    return JobResult("ok", {}, report.lines()[0], report.run_id)


def remind_job(ctx: JobContext) -> JobResult:
    """Reminders to units (the job itself skips non-working days)."""
    from connector.office.reminders import run_reminders

    return run_reminders(ctx)


def report_job(ctx: JobContext) -> JobResult:
    """Periodic reports due today by the profile's dates (the job decides what is due)."""
    from connector.office.reports.job import run_due_reports

    return run_due_reports(ctx)


def heartbeat_job(ctx: JobContext) -> JobResult:
    """A cheap run that proves the scheduler is alive, and raises alerts for jobs gone quiet."""
    with ctx.register.write() as s:
        run_id = start_run(s, "heartbeat").id or 0
    stale = check_alerts(ctx)
    text = "Kiểm tra dịch vụ: " + (
        f"có {len(stale)} việc không chạy thành công quá lâu: {', '.join(label(j) for j in stale)}. "
        "Việc cần làm: xem `connector log --failed`."
        if stale
        else "mọi việc chạy bình thường."
    )
    with ctx.register.write() as s:
        finish_run(s, run_id, outcome="ok", message=text, counts={"stale": len(stale)})
    return JobResult("ok", {"stale": len(stale)}, text, run_id)


def _close(adapter: object) -> None:
    close = getattr(adapter, "close", None)
    if close is not None:
        close()


# -- alerts --------------------------------------------------------------------------------------


def stale_jobs_now(session: Session, cfg: Config, now: datetime) -> list[str]:
    """Jobs of this config with no successful run for `scheduler.alert_after_hours` (at least a day
    and an hour for once-a-day jobs), counted from the register's first run at the earliest so a
    fresh install does not alarm. The one rule behind the alert, `connector status` and the
    dashboard's banner, so they never disagree."""
    from connector.register.views import first_run_at, job_states, stale_jobs

    hours = cfg.settings.scheduler.alert_after_hours
    states = job_states(session)
    since = first_run_at(session) or now
    watched = [j for j in build_jobs(cfg) if j.name != "heartbeat"]
    frequent = [j.name for j in watched if not j.daily]
    daily = [j.name for j in watched if j.daily]
    return stale_jobs(states, frequent, now=now, hours=hours, since=since) + stale_jobs(
        states, daily, now=now, hours=max(hours, DAILY_SLACK_HOURS), since=since
    )


def stale_text(job: str, state: JobState | None, hours: float) -> str:
    """The alert in the clerk's words: which job, since when, the last error, what to do."""
    last_ok = state.last_ok_at if state else None
    when = last_ok.astimezone(clock.TZ).strftime("%H:%M ngày %d/%m/%Y") if last_ok else "khi cài đặt"
    text = f"Cảnh báo: việc «{label(job)}» không chạy thành công từ {when} (quá {hours:g} giờ)."
    if state is not None and state.last_outcome not in ("ok", "partial", "skipped"):
        text += f" Lần chạy gần nhất: {(state.last_message or state.last_outcome).splitlines()[0]}"
    return text + " Việc cần làm: xem `connector log --failed`, sửa lỗi rồi chạy `connector sync`."


def check_alerts(ctx: JobContext) -> list[str]:
    """Raise an alert for each stale job (`stale_jobs_now`).

    An alert is an error line in the log file, a sync-log event of kind "alert" (once per job per
    day) and an e-mail to the admin (`notify.alert_admin` sends at most one per job per day).
    """
    from connector.register.views import job_states

    hours = ctx.cfg.settings.scheduler.alert_after_hours
    start_of_day = datetime.combine(ctx.now.astimezone(clock.TZ).date(), time(0), clock.TZ)
    with ctx.register.read() as s:
        stale = stale_jobs_now(s, ctx.cfg, ctx.now)
        states = {st.job: st for st in job_states(s)}
        alerted = {
            (e.detail or {}).get("job")
            for e in s.exec(select(Event).where(Event.kind == "alert", col(Event.at) >= start_of_day))
        }
    for job in stale:
        text = stale_text(job, states.get(job), hours)
        get_logger("connector.alerts").error("job_stale", job=job, message=text)
        if job not in alerted:
            with ctx.register.write() as s:
                log_event(s, kind="alert", level="error", message=text, detail={"job": job})
        _mail_admin(ctx, job, text)
    return stale


def _mail_admin(ctx: JobContext, job: str, text: str) -> None:
    from connector.office.notify import alert_admin

    alert_admin(ctx, f"stale:{job}", f"[connector] Việc «{label(job)}» không chạy được", text)
