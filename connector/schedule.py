"""Which jobs a config asks for, and their names in the clerk's words: a fact about the config alone.

The plan is decided here once and read by everyone: the registry binds each slot to the function
that does the work (`connector.runtime.registry`), the scheduler times them, and the read side
(the stale-job rule in `connector.register.views`, `connector status`, the dashboard) knows which
jobs to watch without importing the job machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from connector.config import Config

DAILY_SLACK_HOURS = 25.0
"""A once-a-day job is not "stale" before a whole day (plus an hour) has passed since it did its work."""


@dataclass(frozen=True)
class Slot:
    """One scheduled job: `minutes` for an interval job, `at` (office time) for a once-a-day job."""

    name: str
    minutes: int | None = None
    at: time | None = None
    any_hour: bool = False
    """A daily job harmless at any hour (reconcile, reports): a missed slot is caught up whenever the
    service starts, not only within the grace hours (a reminder e-mail at night would not be)."""

    @property
    def daily(self) -> bool:
        """Once a day at `at` (an interval job otherwise)."""
        return self.at is not None


def slots(cfg: Config) -> list[Slot]:
    """Every job the config asks for, in the order `connector sync` runs them once."""
    s = cfg.settings.scheduler
    sources = [src for src in cfg.settings.source if src.enabled]
    plan = [Slot(f"poll:{src.name}", minutes=src.interval_minutes) for src in sources]
    if cfg.settings.portal is not None and cfg.settings.portal.enabled:
        plan += [
            Slot("reconcile", at=s.reconcile_at, any_hour=True),
            Slot("push", minutes=s.push_interval_minutes),
        ]
    return [
        *plan,
        Slot("remind", at=s.reminders_at),
        Slot("report", at=s.reports_at, any_hour=True),
        Slot("heartbeat", minutes=s.heartbeat_minutes),
    ]


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
