"""The job registry: each slot of the schedule bound to the function that does its work.

It sits above every job it schedules (the sync engine's jobs, the office jobs, the heartbeat), so
that no job has to import the list it is on.
"""

from __future__ import annotations

from connector.config import Config
from connector.office.reminders import run_reminders
from connector.office.reports.job import run_due_reports
from connector.runtime.alerts import heartbeat_job
from connector.runtime.job import Job, JobContext, JobFunc, JobResult
from connector.runtime.jobs import poller, push_job, reconcile_job
from connector.schedule import slots


def _remind(ctx: JobContext) -> JobResult:
    return run_reminders(ctx)


FIXED: dict[str, JobFunc] = {
    "reconcile": reconcile_job,
    "push": push_job,
    "remind": _remind,
    "report": run_due_reports,
    "heartbeat": heartbeat_job,
}


def build_jobs(cfg: Config) -> list[Job]:
    """Every job the config asks for, in `connector.schedule.slots` order."""
    return [Job(slot, _func(slot.name)) for slot in slots(cfg)]


def _func(name: str) -> JobFunc:
    return poller(name.removeprefix("poll:")) if name.startswith("poll:") else FIXED[name]
