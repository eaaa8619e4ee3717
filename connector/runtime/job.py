"""What every scheduled job receives and returns, so `connector run` and `connector sync` drive them alike.

A job is a plain function `(JobContext) -> JobResult`. It records its own `SyncRun` (job name,
counts, Vietnamese message) and its per-item events in the register, so the sync log reads the
same whether the scheduler or a clerk at the command line started it. `stop` is set on SIGTERM:
a job checks it between items and returns early, leaving the rest for the next run.

This is the floor the jobs stand on: it knows no job. `run_job` is the one wrapper both front
ends use: a job that raises becomes a failed run with the Vietnamese `to_message` text and never
reaches the scheduler. The adapters a job needs come from `JobContext.adapters`, which the
composition root (`connector.service`) builds, so no job imports an adapter or the root itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlmodel import col, select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.errors import ConnectorError, to_message
from connector.log import get_logger
from connector.mappings import Mappings
from connector.ports import Adapters
from connector.register.db import Register
from connector.register.queries import finish_run, log_event, start_run
from connector.register.tables import SyncRun
from connector.schedule import Slot, label

Outcome = Literal["ok", "partial", "failed", "skipped"]


@dataclass(frozen=True)
class JobContext:
    """The parts a job works with; built once per process, `now` fresh per run."""

    cfg: Config
    maps: Mappings
    cal: WorkingCalendar
    register: Register
    adapters: Adapters
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


@dataclass(frozen=True)
class Job:
    """A slot of the schedule (`connector.schedule.Slot`) and the function that does its work."""

    slot: Slot
    func: JobFunc

    @property
    def name(self) -> str:
        """The job's name in the sync log ("poll:eoffice", "push", …)."""
        return self.slot.name


def run_job(job: Job, base: JobContext) -> JobResult:
    """Run `job` with a fresh `now`; whatever happens, a finished SyncRun and no exception escape.

    A job that raises leaves its run "failed" with the Vietnamese `to_message` text (a run it had
    opened is closed, never left "running"); after SIGTERM a job not yet started does not start.
    """
    log = get_logger("connector.jobs").bind(job=job.name)
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


def record(ctx: JobContext, job: str, result: JobResult) -> JobResult:
    """A run with nothing to do (skipped) recorded like any other, so `connector status` shows it."""
    with ctx.register.write() as s:
        run_id = start_run(s, job).id or 0
        finish_run(s, run_id, outcome=result.outcome, message=result.message, counts=result.counts)
    result.run_id = run_id
    return result
