"""The scheduler's report job: on a rule's date, make that report once.

The scheduler calls `run_due_reports` every day at `scheduler.reports_at`; the job decides what
is due. A rule of the profile is due on its day, or, when the office does not work that day, on
the working day before it ("trước ngày 15", "chậm nhất ngày 19" are limits to meet early). A
report whose day passed while the server was off is made at the next run within `CATCH_UP_DAYS`;
older ones are made by hand with `connector report KIND --period P`.

Idempotent: each rule's report for a period has its own file name (kind, period, office or
units); if that file exists the job leaves it alone, and since the file appears only by an atomic
rename, a crash or restart never leaves a half report nor makes a second one.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.clock import TZ
from connector.errors import to_message
from connector.office.reports.make import job_path, make_report
from connector.office.reports.periods import KIND_LABELS, due_within
from connector.register.queries import finish_run, log_event, start_run
from connector.runtime.job import JobContext, JobResult, Outcome

JOB = "report"
CATCH_UP_DAYS = 7


def run_due_reports(ctx: JobContext) -> JobResult:
    """Make every report whose date is today (nothing, most days) and record the run."""
    today = ctx.now.astimezone(TZ).date()
    with ctx.register.write() as s:
        run_id = start_run(s, JOB).id
    assert run_id is not None
    counts = {"due": 0, "written": 0, "already_made": 0, "failed": 0}
    lines: list[str] = []
    for rule in ctx.cfg.profile.report:
        if ctx.stop.is_set():
            break
        period = due_within(rule, ctx.cal, today, CATCH_UP_DAYS)
        if period is None:
            continue
        counts["due"] += 1
        path = job_path(ctx.cfg, rule, period)
        who = "Văn phòng Sở" if rule.who == "office" else "các phòng, đơn vị"
        name = f"{KIND_LABELS[rule.kind]} kỳ {period.label} ({who})"
        detail = {"kind": rule.kind, "who": rule.who, "period": period.key, "path": str(path)}
        if path.exists():
            counts["already_made"] += 1
            _event(
                ctx,
                run_id,
                "report_exists",
                f"{name[0].upper()}{name[1:]} đã được lập trước đó: {path}",
                detail,
            )
            continue
        try:
            written = make_report(
                ctx.register,
                ctx.cfg,
                ctx.maps,
                kind=rule.kind,
                rule=rule,
                period=period,
                out=path,
                today=today,
            )
        except Exception as exc:  # one report failing must not stop the others nor leave the run open
            counts["failed"] += 1
            text = (
                f"Không lập được {name}: {to_message(exc)}\nSau khi sửa, lập lại bằng "
                f"`connector report {rule.kind} --period {period.key}`."
            )
            lines.append(text)
            _event(ctx, run_id, "report_failed", text, detail, level="error")
            continue
        counts["written"] += 1
        lines.append(written.line())
        _event(ctx, run_id, "report_written", written.line(), written.detail())
    if counts["due"] == 0:
        message = f"Ngày {today:%d/%m/%Y} không có báo cáo định kỳ nào đến hạn."
    else:
        message = (
            f"Báo cáo định kỳ ngày {today:%d/%m/%Y}: lập {counts['written']}, đã có từ trước "
            f"{counts['already_made']}, lỗi {counts['failed']}." + ("\n" + "\n".join(lines) if lines else "")
        )
    outcome: Outcome = "ok" if not counts["failed"] else ("partial" if counts["written"] else "failed")
    with ctx.register.write() as s:
        finish_run(s, run_id, outcome=outcome, message=message, counts=counts)
    return JobResult(outcome, counts, message, run_id)


def _event(
    ctx: JobContext,
    run_id: int,
    kind: str,
    message: str,
    detail: Mapping[str, object],
    *,
    level: str = "info",
) -> None:
    with ctx.register.write() as s:
        log_event(s, kind=kind, run_id=run_id, message=message, detail=detail, level=level)
