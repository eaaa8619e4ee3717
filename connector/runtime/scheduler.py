"""The service loop: every job on its schedule (and the front end beside it), one instance per register.

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

Single instance: `connector.register.locks.single_instance` (a file lock beside the SQLite file,
an advisory lock on PostgreSQL). A second `connector run` exits at once (code 2) naming the
holder's PID and host.

SIGTERM / SIGINT set `stop`: the running job finishes its current item and returns, jobs not yet
started do not start, the scheduler is shut down with wait, the dashboard stops, the lock is
released, and the process exits 0.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.log import get_logger
from connector.mappings import Mappings
from connector.ports import Adapters
from connector.register.db import Register, open_register
from connector.register.locks import single_instance
from connector.register.views import JobState, job_states
from connector.runtime.job import JobContext, run_job
from connector.runtime.registry import build_jobs
from connector.schedule import Slot, label

Frontend = Callable[[Register], tuple[Callable[[], None] | None, str | None]]
"""Starts the dashboard beside the jobs: given the register, (a function that stops it, its
address), or (None, None) when it is off. `connector run` passes the web front end's starter, so
the scheduler never imports the front end it runs under."""


def run_service(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, adapters: Adapters, *, frontend: Frontend | None = None
) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop (a held lock raises LockHeldError: exit 2)."""
    log = get_logger("connector.service")
    with single_instance(cfg.register_url):
        register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
        stop = threading.Event()
        ctx = JobContext(cfg, maps, cal, register, adapters, clock.now(), stop)
        jobs = build_jobs(cfg)
        scheduler = _scheduler(cfg)
        with register.read() as s:
            catch_up = set(
                missed_daily_jobs(
                    [j.slot for j in jobs],
                    job_states(s),
                    now=clock.now(),
                    grace_hours=cfg.settings.scheduler.misfire_grace_hours,
                )
            )
        start = clock.now()
        for i, job in enumerate(jobs):  # (1 ms apart: at start they run in build_jobs order, heartbeat last)
            now_too = not job.slot.daily or job.name in catch_up
            extra: dict[str, Any] = {"next_run_time": start + timedelta(milliseconds=i)} if now_too else {}
            scheduler.add_job(
                run_job, _trigger(job.slot), args=(job, ctx), id=job.name, name=label(job.name), **extra
            )
        previous = _on_signals(stop)
        stop_frontend: Callable[[], None] | None = None
        try:
            stop_frontend, address = frontend(register) if frontend is not None else (None, None)
            scheduler.start(paused=True)  # (next run times computed, nothing run yet: announce first)
            _announce(scheduler, address, catch_up, start)
            scheduler.resume()
            while not stop.wait(1):
                pass
        finally:
            stop.set()
            if scheduler.running:
                scheduler.shutdown(wait=True)
            if stop_frontend is not None:
                stop_frontend()
            register.dispose()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    log.info("service_stopped", message="Dịch vụ connector đã dừng.")
    say("Dịch vụ connector đã dừng.")
    return 0


def missed_daily_jobs(
    jobs: Iterable[Slot], states: Iterable[JobState], *, now: datetime, grace_hours: float
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


def _trigger(job: Slot) -> IntervalTrigger | CronTrigger:
    if job.at is not None:
        return CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=clock.TZ)
    return IntervalTrigger(minutes=job.minutes or 1, timezone=clock.TZ)


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM (systemd stop) and SIGINT (Ctrl+C) ask the jobs to stop; the previous handlers are kept."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        get_logger("connector.service").info("service_stopping", signal=signal.Signals(signum).name)
        stop.set()

    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handle)
    return previous


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
    say(line)


def say(line: str) -> None:
    """One line for the admin watching the console (systemd journal / Task Scheduler history)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
