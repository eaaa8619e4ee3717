"""`connector report KIND [--period P] [--out FILE.xlsx]`: one periodic report now, by hand.

Without `--period` the report covers the period the profile's rule for KIND reports on today
(see `periods.default_period`); the office's rule is used when both the office and the units
have one. The run is recorded in the sync log as job "report", like the scheduler's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connector.calendar import WorkingCalendar
from connector.clock import today as vn_today
from connector.config import Config
from connector.errors import to_message
from connector.mappings import Mappings
from connector.office.reports.make import cli_path, make_report
from connector.office.reports.periods import Kind, default_period, parse_period, rule_for
from connector.register.db import open_register
from connector.register.queries import finish_run, log_event, start_run

JOB = "report"


def run_report(
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    *,
    kind: Kind,
    period: str | None,
    out: Path | None,
) -> int:
    """Write the report, print where and how many tasks; errors reach the CLI's handler."""
    today = vn_today()
    rule = rule_for(cfg.profile.report, kind)
    chosen = parse_period(kind, period) if period else default_period(kind, rule, today)
    target = (out if out is not None else cli_path(cfg, kind, chosen)).resolve()
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
    try:
        with register.write() as s:
            run_id = start_run(s, JOB).id
        assert run_id is not None
        try:
            written = make_report(
                register, cfg, maps, kind=kind, rule=rule, period=chosen, out=target, today=today
            )
        except Exception as exc:
            with register.write() as s:
                message = f"Không lập được báo cáo {kind} kỳ {chosen.key}: {to_message(exc)}"
                log_event(s, kind="report_failed", level="error", run_id=run_id, message=message)
                finish_run(s, run_id, outcome="failed", message=message, counts={"written": 0, "failed": 1})
            raise
        line = written.line()
        with register.write() as s:
            log_event(s, kind="report_written", run_id=run_id, message=line, detail=written.detail())
            finish_run(s, run_id, outcome="ok", message=line, counts={"written": 1, "rows": written.rows})
    finally:
        register.dispose()
    sys.stdout.write(line + "\n")
    return 0
