"""The sync engine's jobs: poll one source, push the outbox, reconcile with the portal.

Each is a `JobFunc` over `connector.sync`; the adapters come from `ctx.adapters` and are closed
when the job ends, whatever happens.
"""

from __future__ import annotations

from datetime import date

from connector.runtime.job import JobContext, JobFunc, JobResult, Outcome, record
from connector.sync.intake import Progress, sync_source
from connector.sync.outbox import push_outbox
from connector.sync.reconcile import reconcile


def poller(name: str, *, since: date | None = None, progress: Progress | None = None) -> JobFunc:
    """The poll job of source `name` (with `--since` and a progress display for `connector sync`)."""

    def poll(ctx: JobContext) -> JobResult:
        return poll_job(ctx, name, since=since, progress=progress)

    return poll


def poll_job(
    ctx: JobContext, name: str, *, since: date | None = None, progress: Progress | None = None
) -> JobResult:
    """One intake run of source `name`; stops after the current document on SIGTERM."""
    kind = next(s.type for s in ctx.cfg.settings.source if s.name == name)
    if not ctx.adapters.installed(kind):
        text = (
            f"{name}: bỏ qua — bộ đọc nguồn loại «{kind}» chưa có trong phiên bản này "
            "(tắt nguồn này bằng enabled = false trong config.toml)."
        )
        return record(ctx, f"poll:{name}", JobResult("skipped", message=text))
    source = ctx.adapters.source(name)
    try:
        summary = sync_source(
            ctx.register,
            source,
            ctx.maps,
            ctx.cal,
            ctx.cfg.profile,
            read=ctx.adapters.text_reader(),
            since=since,
            progress=progress,
            stop=ctx.stop.is_set,
        )
    finally:
        source.close()
    outcome: Outcome = "failed" if summary.failed else "partial" if summary.outcome == "partial" else "ok"
    text = summary.line() if not summary.failed else f"{summary.line()} {summary.message}"
    return JobResult(outcome, dict(summary.counts), text, summary.run_id)


def push_job(ctx: JobContext) -> JobResult:
    """Push the outbox once; a held or retried row is not a failure, a refused one is."""
    portal = ctx.adapters.portal()
    try:
        summary = push_outbox(
            ctx.register,
            portal,
            ctx.maps,
            ctx.cal,
            today=ctx.now.date(),
            origins=ctx.cfg.profile.portal_origins,
            now=ctx.now,
            stop=ctx.stop.is_set,
        )
    finally:
        portal.close()
    bad = summary.failed or summary.mapping_broken or summary.stopped
    text = " ".join(x for x in (summary.line(), summary.message) if x)
    return JobResult("failed" if bad else "ok", summary.counts(), text, summary.run_id)


def reconcile_job(ctx: JobContext) -> JobResult:
    """Match the register with the portal's task list (one transaction: nothing to stop between)."""
    portal = ctx.adapters.portal()
    try:
        report = reconcile(ctx.register, portal, ctx.maps, ctx.cfg.profile)
    finally:
        portal.close()
    return JobResult("ok", {}, report.lines()[0], report.run_id)
