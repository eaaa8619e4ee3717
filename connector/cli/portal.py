"""The portal half of `connector sync`: reconcile, push (or `--dry-run`), and `connector return`.

push: 0 when the run completed (rows held for a clerk or waiting for a retry are not failures),
1 when a row was refused by the portal or the run stopped (page changed, portal not answering).
`--dry-run` prints what would be sent per task and sends nothing (no portal connection at all).
reconcile: 0 when the comparison completed; the report lists differences both ways.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connector.calendar import WorkingCalendar
from connector.clock import now
from connector.config import Config
from connector.mappings import Mappings
from connector.ports import Portal
from connector.register.db import Register, open_register
from connector.register.views import outbox_health
from connector.service import build_portal
from connector.sync.outbox import push_outbox
from connector.sync.reconcile import reconcile, return_task


@contextmanager
def _opened(cfg: Config, maps: Mappings, *, portal: bool = True) -> Iterator[tuple[Register, Any]]:
    """The register and (unless not needed) the portal adapter, both closed however the command ends."""
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
    adapter: Portal | None = None
    try:
        adapter = build_portal(cfg, maps) if portal else None
        yield register, adapter
    finally:
        if adapter is not None:
            adapter.close()
        register.dispose()


def run_push(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, dry_run: bool) -> int:
    """Push the outbox once (or describe it with `dry_run`); print one line per finding."""
    with _opened(cfg, maps, portal=not dry_run) as (register, portal):
        at = now()
        summary = push_outbox(
            register,
            portal,
            maps,
            cal,
            today=at.date(),
            dry_run=dry_run,
            origins=cfg.profile.portal_origins,
            now=at,
        )
        for line in [*summary.lines, summary.line(), *([summary.message] if summary.message else [])]:
            _say(line)
        with register.read() as s:
            health = outbox_health(s, cal, now())
        if health["due"]:
            _say(
                f"Còn {health['due']} thay đổi chưa lên Phần mềm: {health['at_risk']} sắp đến hạn "
                f"(còn dưới nửa ngày làm việc), {health['late']} đã quá hạn 2 ngày làm việc."
            )
    return 1 if (summary.failed or summary.mapping_broken or summary.stopped) else 0


def run_reconcile(cfg: Config, maps: Mappings) -> int:
    """Compare the register with the portal's list once; print the report."""
    with _opened(cfg, maps) as (register, portal):
        for line in reconcile(register, portal, maps, cfg.profile).lines():
            _say(line)
    return 0


def run_return(cfg: Config, maps: Mappings, *, task_id: int, reason: str, actor: str) -> int:
    """Send task `task_id` back with `reason`; the event names who did it."""
    with _opened(cfg, maps) as (register, portal):
        return_task(register, portal, task_id, reason, actor)
    _say(f"Đã trả lại nhiệm vụ #{task_id} trên Phần mềm. Lý do: {reason.strip()}")
    return 0


def _say(text: str) -> None:
    """One line for the clerk on stdout (the command-line front end's only output)."""
    sys.stdout.write(text + "\n")
