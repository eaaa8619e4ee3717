"""`connector sync`: every job once now (or one source with SOURCE), then exit.

Without SOURCE it runs what `connector run` schedules, once each, in the order a clerk expects:
poll every source, reconcile with the portal, push the outbox, reminders, the reports that are
due, and the heartbeat (which also raises the stale-job alerts). Every job goes through the
service's own wrapper (`connector.runtime.job.run_job`), so the sync log reads the same either way.
One Vietnamese line per job on stdout; a failed job's full message (with what to do) on stderr.
Exit code: 0 when no job failed (documents that could not be read are in the sync log and do not
fail the run), 1 when one did (e.g. a source could not be read at all: its cursor did not move).

On a terminal (stderr is a TTY) a progress line per source is redrawn in place
(`connector.cli.terminal.ProgressLine`); under a scheduler or a pipe nothing extra is written.
"""

from __future__ import annotations

import sys
from datetime import date

from connector import clock
from connector.calendar import WorkingCalendar
from connector.cli.terminal import progress_line
from connector.config import Config
from connector.errors import ConfigError, Problem
from connector.log import redact_text
from connector.mappings import Mappings
from connector.register.db import open_register
from connector.register.locks import single_instance
from connector.runtime.job import Job, JobContext, JobFunc, JobResult, run_job
from connector.runtime.jobs import poll_job
from connector.runtime.registry import build_jobs
from connector.schedule import Slot
from connector.service import ConfiguredAdapters


def run_sync(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, *, source: str | None = None, since: date | None = None
) -> int:
    """Only the intake of the chosen sources (all enabled ones, or SOURCE); 1 if any run failed."""
    chosen = _chosen(cfg, source)
    return _run_jobs(
        cfg, maps, cal, [Job(Slot(f"poll:{name}"), _poller(name, since)) for name, _kind in chosen]
    )


def run_all_jobs(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, since: date | None = None) -> int:
    """Every configured job once, in order; one line each; 1 if any failed."""
    jobs = [
        Job(j.slot, _poller(j.name.removeprefix("poll:"), since)) if j.name.startswith("poll:") else j
        for j in build_jobs(cfg)
    ]
    return _run_jobs(cfg, maps, cal, jobs)


def _run_jobs(cfg: Config, maps: Mappings, cal: WorkingCalendar, jobs: list[Job]) -> int:
    """Run `jobs` in order under the service's lock (never beside a running `connector run`)."""
    failed = False
    with single_instance(cfg.register_url, by_hand=True):
        register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
        try:
            ctx = JobContext(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), clock.now())
            for job in jobs:
                result = run_job(job, ctx)
                _print(job, result)
                failed = failed or result.outcome == "failed"
        finally:
            register.dispose()
    return 1 if failed else 0


def _print(job: Job, result: JobResult) -> None:
    first, _, rest = (result.message or result.outcome).partition("\n")
    print(redact_text(first))
    if result.outcome == "failed" and rest:
        print(redact_text(result.message), file=sys.stderr)
    elif job.name.startswith("poll:") and result.counts.get("failed"):
        print(
            f"{job.name.removeprefix('poll:')}: {result.counts['failed']} văn bản chưa vào được sổ theo dõi; "
            "xem nhật ký đồng bộ: connector log --failed",
            file=sys.stderr,
        )


def _poller(name: str, since: date | None) -> JobFunc:
    """The poll job of `name` with `--since` and, on a terminal, a progress line."""

    def poll(ctx: JobContext) -> JobResult:
        bar = progress_line(name)
        try:
            return poll_job(ctx, name, since=since, progress=bar)
        finally:
            if bar is not None:
                bar.close()

    return poll


def _chosen(cfg: Config, only: str | None) -> list[tuple[str, str]]:
    sources = cfg.settings.source
    if only is None:
        return [(s.name, s.type) for s in sources if s.enabled]
    found = next((s for s in sources if s.name == only), None)
    if found is None:
        known = ", ".join(s.name for s in sources) or "(chưa khai báo nguồn nào)"
        expected = f"tên một nguồn đã khai báo: {known}"
        raise ConfigError([Problem("config.toml", "source", repr(only), expected)])
    if not found.enabled:
        raise ConfigError(
            [Problem("config.toml", f"source.{only}.enabled", "false", "true để đồng bộ nguồn này")]
        )
    return [(found.name, found.type)]
