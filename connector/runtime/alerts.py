"""The heartbeat and the alerts it raises for jobs gone quiet.

Which jobs are stale is one rule in `connector.register.views.stale_jobs_now` (status and the
dashboard read the same); this module acts on it: an error line in the log file, a sync-log
event of kind "alert" once per job per day, and an e-mail to the admin at most once a day.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import col, select

from connector import clock
from connector.log import get_logger
from connector.office.notify import alert_admin
from connector.register.queries import finish_run, log_event, start_run
from connector.register.tables import Event
from connector.register.views import job_states, stale_jobs_now, stale_text
from connector.runtime.job import JobContext, JobResult
from connector.schedule import label


def heartbeat_job(ctx: JobContext) -> JobResult:
    """A cheap run that proves the scheduler is alive, and raises alerts for jobs gone quiet."""
    with ctx.register.write() as s:
        run_id = start_run(s, "heartbeat").id or 0
    stale = check_alerts(ctx)
    text = "Kiểm tra dịch vụ: " + (
        f"có {len(stale)} việc không chạy thành công quá lâu: {', '.join(label(j) for j in stale)}. "
        "Việc cần làm: xem `connector log --failed`."
        if stale
        else "mọi việc chạy bình thường."
    )
    with ctx.register.write() as s:
        finish_run(s, run_id, outcome="ok", message=text, counts={"stale": len(stale)})
    return JobResult("ok", {"stale": len(stale)}, text, run_id)


def check_alerts(ctx: JobContext) -> list[str]:
    """Raise an alert for each stale job (`stale_jobs_now`); the stale jobs' names."""
    hours = ctx.cfg.settings.scheduler.alert_after_hours
    start_of_day = datetime.combine(ctx.now.astimezone(clock.TZ).date(), time(0), clock.TZ)
    with ctx.register.read() as s:
        stale = stale_jobs_now(s, ctx.cfg, ctx.now)
        states = {st.job: st for st in job_states(s)}
        alerted = {
            (e.detail or {}).get("job")
            for e in s.exec(select(Event).where(Event.kind == "alert", col(Event.at) >= start_of_day))
        }
    for job in stale:
        text = stale_text(job, states.get(job), hours)
        get_logger("connector.alerts").error("job_stale", job=job, message=text)
        if job not in alerted:
            with ctx.register.write() as s:
                log_event(s, kind="alert", level="error", message=text, detail={"job": job})
        alert_admin(ctx, f"stale:{job}", f"[connector] Việc «{label(job)}» không chạy được", text)
    return stale
