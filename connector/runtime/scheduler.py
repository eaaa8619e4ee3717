"""`connector run`: every job on its schedule plus the dashboard, one instance per register, until SIGTERM.

Scheduling (APScheduler 3.x, Asia/Ho_Chi_Minh). APScheduler's defaults silently drop runs: a job
whose run time passed more than `misfire_grace_time` (default 1 s) ago is skipped as "missed",
and without `coalesce` a backlog after a pause is run once per missed slot. So every job gets
`coalesce=True` (a backlog is run once), `max_instances=1` (a slow poll is never doubled) and a
grace of `scheduler.misfire_grace_hours`. The grace only helps *while the process lives* (e.g. the
single worker was busy): the job store is in memory, so after a restart the cron triggers simply
compute their next time from "now" and 07:30 is forgotten if the server was off at 07:30. A
persistent job store would remember, but would also put pickled functions into the register; the
register already knows what ran (`sync_runs`), so `missed_daily_jobs` reads it instead: a daily
job whose last slot is past (within the grace hours; any time for reconcile and reports, which
are harmless at night, unlike a reminder e-mail) and has had no successful run since then runs
once at start. Interval jobs (polls, push, heartbeat) also run once at start.

Jobs run one after another (one worker thread): the register is one SQLite file and a push must
never race a reconcile on the same task; a slow job only delays the next one, which coalescing
turns into a single run.

Single instance: a file lock next to the SQLite file (`filelock`, released by the OS if the
process dies) or, on PostgreSQL, `pg_try_advisory_lock` on a connection held for the service's
life. A second `connector run` exits at once (code 2) naming the holder's PID and host.

SIGTERM / SIGINT set `stop`: the running job finishes its current item and returns, jobs not yet
started do not start, the scheduler is shut down with wait, the dashboard stops, the lock is
released, and the process exits 0.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout
from sqlalchemy import create_engine, make_url, text

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.errors import LockHeldError
from connector.runtime.job import Job, JobContext, build_jobs, label, run_job
from connector.log import get_logger, redact_text
from connector.mappings import Mappings
from connector.register.views import JobState, job_states
from connector.register.db import open_register

PG_LOCK_KEY = 0x636F6E6E  # "conn": the advisory lock every `connector run` on one database asks for
WHAT_TO_DO = "systemctl status connector"


def run_service(cfg: Config, maps: Mappings, cal: WorkingCalendar) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop (a held lock raises LockHeldError: exit 2)."""
    log = get_logger("connector.service")
    with single_instance(cfg.register_url):
        register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
        stop = threading.Event()
        ctx = JobContext(cfg, maps, cal, register, clock.now(), stop)
        jobs = build_jobs(cfg)
        scheduler = _scheduler(cfg)
        with register.read() as s:
            catch_up = set(
                missed_daily_jobs(
                    jobs,
                    job_states(s),
                    now=clock.now(),
                    grace_hours=cfg.settings.scheduler.misfire_grace_hours,
                )
            )
        start = clock.now()
        for i, job in enumerate(jobs):  # (1 ms apart: at start they run in build_jobs order, heartbeat last)
            now_too = not job.daily or job.name in catch_up
            extra: dict[str, Any] = {"next_run_time": start + timedelta(milliseconds=i)} if now_too else {}
            scheduler.add_job(
                run_job, _trigger(job), args=(job, ctx), id=job.name, name=label(job.name), **extra
            )
        previous = _on_signals(stop)
        server: Any = None
        try:
            server, address = _dashboard(cfg, maps, cal, register)
            scheduler.start(paused=True)  # (next run times computed, nothing run yet: announce first)
            _announce(scheduler, address, catch_up, start)
            scheduler.resume()
            while not stop.wait(1):
                pass
        finally:
            stop.set()
            if scheduler.running:
                scheduler.shutdown(wait=True)
            if server is not None:
                server[0].should_exit = True
                server[1].join(timeout=10)
            register.dispose()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    log.info("service_stopped", message="Dịch vụ connector đã dừng.")
    _say("Dịch vụ connector đã dừng.")
    return 0


def missed_daily_jobs(
    jobs: Iterable[Job], states: Iterable[JobState], *, now: datetime, grace_hours: float
) -> list[str]:
    """Daily jobs whose last slot passed (less than `grace_hours` ago, unless harmless at any hour)
    with no successful run since."""
    last_ok = {s.job: s.last_ok_at for s in states}
    local = now.astimezone(clock.TZ)
    missed = []
    for job in jobs:
        if job.at is None:
            continue
        slot = datetime.combine(local.date(), job.at, clock.TZ)
        if slot > local:
            slot -= timedelta(days=1)
        if local - slot > timedelta(hours=grace_hours) and not job.any_hour:
            continue
        ok = last_ok.get(job.name)
        if ok is None or ok < slot:
            missed.append(job.name)
    return missed


def _scheduler(cfg: Config) -> BackgroundScheduler:
    grace = cfg.settings.scheduler.misfire_grace_hours * 3600
    return BackgroundScheduler(
        timezone=clock.TZ,
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )


def _trigger(job: Job) -> IntervalTrigger | CronTrigger:
    if job.at is not None:
        return CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=clock.TZ)
    return IntervalTrigger(minutes=job.minutes or 1, timezone=clock.TZ)


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM (systemd stop) and SIGINT (Ctrl+C) ask the jobs to stop; the previous handlers are kept."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        get_logger("connector.service").info("service_stopping", signal=signal.Signals(signum).name)
        stop.set()

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handle)
    return previous


def _dashboard(cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Any) -> tuple[Any, str | None]:
    """The dashboard in a thread (uvicorn), or None when disabled or its port cannot be opened."""
    web = cfg.settings.web
    if not web.enabled:
        return None, None
    from connector.web.app import create_app, serve

    try:
        server = serve(create_app(cfg, maps, cal, register), web.host, web.port)
    except (OSError, RuntimeError) as exc:
        get_logger("connector.service").error("dashboard_failed", error=str(exc))
        _say(
            f"Không mở được trang theo dõi tại {web.host}:{web.port} ({exc}); các việc theo lịch vẫn chạy. "
            "Việc cần làm: đổi [web] port trong config.toml rồi chạy: systemctl restart connector"
        )
        return None, None
    return server, f"http://{web.host}:{web.port}/"


def _announce(
    scheduler: BackgroundScheduler, address: str | None, catch_up: set[str], start: datetime
) -> None:
    """One Vietnamese line: where the dashboard is, and each job with its next run time."""
    parts = []
    for job in scheduler.get_jobs():
        at = job.next_run_time
        soon = at is None or at <= start + timedelta(seconds=1)
        when = "ngay bây giờ" if soon else at.astimezone(clock.TZ).strftime("%H:%M %d/%m")
        parts.append(f"{job.name} {when}" + (" (bù lần đã lỡ)" if job.id in catch_up else ""))
    web = f"trang theo dõi {address}" if address else "trang theo dõi đang tắt"
    line = f"Dịch vụ connector đã chạy; {web}; các việc và lần chạy tới: {', '.join(parts)}."
    get_logger("connector.service").info("service_started", message=line)
    _say(line)


# -- one instance per register -------------------------------------------------------------------


@contextmanager
def single_instance(url: str, *, by_hand: bool = False) -> Iterator[None]:
    """Hold the register's service lock for the block; LockHeldError at once if another holds it.

    `connector sync` (`by_hand`) takes the same lock: while the service runs, its jobs already do
    what a manual cycle would, and one cycle at a time keeps every push and e-mail single.
    """
    if url.startswith("sqlite:///"):
        with _file_lock(Path(url.removeprefix("sqlite:///")), by_hand=by_hand):
            yield
    else:
        with _pg_lock(url, by_hand=by_hand):
            yield


@contextmanager
def _file_lock(db: Path, *, by_hand: bool) -> Iterator[None]:
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{db}.lock", timeout=0)
    owner = Path(f"{db}.owner")
    try:
        lock.acquire()
    except Timeout:
        raise LockHeldError(_held_text(_read(owner), str(db), by_hand=by_hand), hint=WHAT_TO_DO) from None
    try:
        owner.write_text(f"tiến trình {os.getpid()} trên máy {socket.gethostname()}", encoding="utf-8")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


@contextmanager
def _pg_lock(url: str, *, by_hand: bool) -> Iterator[None]:
    """An advisory lock lives as long as its session: one connection kept open for the service's life."""
    me = f"connector run {socket.gethostname()} pid {os.getpid()}"
    engine = create_engine(url, connect_args={"application_name": me[:63]})
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            holder = conn.execute(
                text(
                    "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"k": PG_LOCK_KEY},
            ).first()
            who = f"{holder[0]} (địa chỉ {holder[1] or 'máy chủ CSDL'})" if holder else None
            where = redact_text(make_url(url).render_as_string(hide_password=True))
            raise LockHeldError(_held_text(who, where, by_hand=by_hand), hint=WHAT_TO_DO)
        yield
    finally:
        conn.close()  # (closing the session releases the advisory lock)
        engine.dispose()


def _held_text(who: str | None, where: str, *, by_hand: bool) -> str:
    holder = f" ({who})" if who else ""
    if by_hand:
        return (
            f"Dịch vụ connector đang chạy trên sổ theo dõi này{holder}: {where}; các việc đã được dịch vụ "
            "làm theo lịch nên không chạy `connector sync` cùng lúc. Muốn lấy lại ngay một văn bản: "
            "connector rerun SỐ-HIỆU; xem tình trạng: connector status."
        )
    return (
        f"Dịch vụ connector đã đang chạy trên sổ theo dõi này{holder}: {where}. Không chạy bản thứ hai. "
        "Muốn khởi động lại thì dừng bản đang chạy trước (systemctl restart connector), "
        "hoặc dùng `connector sync` khi dịch vụ đã dừng."
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _say(line: str) -> None:
    """One line for the admin watching the console (systemd journal / Task Scheduler history)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
