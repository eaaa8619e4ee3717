"""What every scheduled job receives and returns, so `connector run` and `connector sync` drive them alike.

A job is a plain function `(JobContext) -> JobResult`. It records its own `SyncRun` (job name,
counts, Vietnamese message) and its per-item events in the register, so the sync log reads the
same whether the scheduler or a clerk at the command line started it. `stop` is set on SIGTERM:
a job checks it between items and returns early, leaving the rest for the next run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.mappings import Mappings
from connector.register.db import Register

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
