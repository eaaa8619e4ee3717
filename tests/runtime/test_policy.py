"""Service policies with an explicit clock: catch-up of missed daily jobs, stale-job alerts, log rotation."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import make_url
from sqlmodel import select

from connector import log
from connector.calendar import WorkingCalendar
from connector.clock import TZ
from connector.config import load
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.tables import Event, SyncRun
from connector.register.views import JobState, job_states
from connector.runtime.alerts import check_alerts, heartbeat_job
from connector.runtime.job import Job, JobContext, JobResult
from connector.runtime.scheduler import missed_daily_jobs
from connector.schedule import Slot
from connector.service import ConfiguredAdapters
from fixtures.simulators.smtp_sink import smtp_sink
from tests.simulated import write_workspace

URLS = {"eoffice": "http://127.0.0.1:9", "portal": "http://127.0.0.1:9"}


def _nothing(_ctx: JobContext) -> JobResult:
    return JobResult()


REMIND = Slot("remind", at=time(7, 30))
POLL = Slot("poll:eoffice", minutes=10)


def _state(job: str, ok_at: datetime | None) -> JobState:
    at = ok_at or datetime(2026, 1, 1, tzinfo=TZ)
    return JobState(job, at, at, "ok" if ok_at else "failed", None, ok_at)


def test_a_daily_job_missed_while_the_server_was_off_runs_once_at_start() -> None:
    nine = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday, 09:00 office time
    assert missed_daily_jobs([REMIND, POLL], [], now=nine, grace_hours=12) == ["remind"]
    yesterday = _state("remind", datetime(2026, 11, 22, 7, 31, tzinfo=TZ))
    assert missed_daily_jobs([REMIND], [yesterday], now=nine, grace_hours=12) == ["remind"]
    today = _state("remind", datetime(2026, 11, 23, 7, 31, tzinfo=TZ))
    assert missed_daily_jobs([REMIND], [today], now=nine, grace_hours=12) == []
    failed_today = _state("remind", None)
    assert missed_daily_jobs([REMIND], [failed_today], now=nine, grace_hours=12) == ["remind"]
    # before 07:30 the last slot is yesterday's, more than the grace ago: nothing to catch up
    assert missed_daily_jobs([REMIND], [], now=nine.replace(hour=7, minute=0), grace_hours=12) == []
    # long after the slot, beyond the grace hours: wait for tomorrow instead
    assert missed_daily_jobs([REMIND], [], now=nine.replace(hour=20), grace_hours=12) == []
    assert missed_daily_jobs([REMIND], [], now=nine.replace(hour=20), grace_hours=13) == ["remind"]
    # reconcile is harmless at night: a missed slot is caught up whatever the hour, but only once
    reconcile = Slot("reconcile", at=time(6, 30), any_hour=True)
    eight_pm = nine.replace(hour=20)
    assert missed_daily_jobs([reconcile, REMIND], [], now=eight_pm, grace_hours=12) == ["reconcile"]
    done = _state("reconcile", datetime(2026, 11, 23, 20, 1, tzinfo=TZ))
    assert missed_daily_jobs([reconcile], [done], now=nine.replace(hour=21), grace_hours=12) == []


def test_catch_up_reads_the_successful_runs_in_the_register(tmp_path: Path) -> None:
    register = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    nine = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    try:
        _add_run(register, "remind", nine.replace(hour=7, minute=30), "failed")
        _add_run(register, "reconcile", nine.replace(hour=6, minute=31), "ok")
        jobs = [REMIND, Slot("reconcile", at=time(6, 30)), Slot("report", at=time(8, 0))]
        with register.read() as s:
            states = job_states(s)
        assert missed_daily_jobs(jobs, states, now=nine, grace_hours=12) == ["remind", "report"]
        _add_run(
            register, "remind", nine.replace(hour=8, minute=5), "skipped"
        )  # a non-working day's skip counts
        with register.read() as s:
            states = job_states(s)
        assert missed_daily_jobs(jobs, states, now=nine, grace_hours=12) == ["report"]
    finally:
        register.dispose()


def _add_run(register: Register, job: str, at: datetime, outcome: str) -> None:
    with register.write() as s:
        s.add(
            SyncRun(
                job=job, started_at=at, finished_at=at + timedelta(minutes=1), outcome=outcome, message="x"
            )
        )


def test_a_job_without_success_for_too_long_raises_one_alert_a_day(
    tmp_path: Path, maps: Mappings, cal: WorkingCalendar
) -> None:
    with smtp_sink(tmp_path / "mail") as (host, port):
        smtp = f"""
[smtp]
host = "{host}"
port = {port}
security = "none"
sender = "vanphong@so.example.vn"
admin_email = "quantri@so.example.vn"

[scheduler]
alert_after_hours = 6
"""
        cfg = load(write_workspace(tmp_path, URLS, smtp), environ={})
        register = open_register(cfg.register_url)
        now = datetime(2026, 11, 23, 15, 0, tzinfo=TZ)
        try:
            _add_run(register, "poll:eoffice", now - timedelta(hours=30), "ok")  # the first run ever
            _add_run(register, "poll:eoffice", now - timedelta(hours=8), "failed")
            _add_run(register, "push", now - timedelta(minutes=5), "ok")
            _add_run(register, "reconcile", now - timedelta(hours=9), "ok")  # daily: 9 h is normal
            _add_run(register, "remind", now - timedelta(hours=7), "skipped")
            _add_run(register, "report", now - timedelta(hours=8), "ok")
            ctx = JobContext(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), now)
            assert check_alerts(ctx) == ["poll:eoffice"]
            assert check_alerts(ctx) == ["poll:eoffice"]  # still stale, but no second event or mail

            with register.read() as s:
                alerts = list(s.exec(select(Event).where(Event.kind == "alert")))
            assert len(alerts) == 1 and alerts[0].level == "error"
            assert "đọc nguồn eoffice" in alerts[0].message and "connector log --failed" in alerts[0].message
            mails = sorted((tmp_path / "mail").glob("*.eml"))
            assert len(mails) == 1
            assert "quantri@so.example.vn" in mails[0].read_text(encoding="utf-8")

            later = JobContext(
                cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), now + timedelta(hours=1)
            )
            _add_run(register, "poll:eoffice", now + timedelta(minutes=30), "ok")
            result = heartbeat_job(later)
            assert result.outcome == "ok" and "mọi việc chạy bình thường" in result.message
        finally:
            register.dispose()


def test_a_fresh_install_does_not_alarm_before_anything_could_run(
    tmp_path: Path, maps: Mappings, cal: WorkingCalendar
) -> None:
    cfg = load(write_workspace(tmp_path, URLS), environ={})
    register = open_register(cfg.register_url)
    try:
        now = datetime.now(UTC)
        assert check_alerts(JobContext(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), now)) == []
        later = JobContext(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), now + timedelta(hours=30))
        _add_run(register, "push", now, "ok")  # the first run ever; nothing else since
        stale = check_alerts(later)
        assert "poll:eoffice" in stale and "push" in stale and "heartbeat" not in stale
    finally:
        register.dispose()


def test_the_log_file_rotates_past_max_bytes(tmp_path: Path) -> None:
    file = tmp_path / "logs" / "connector.jsonl"
    log.configure(level="INFO", file=file, max_bytes=100_000, backups=2)
    try:
        logger = log.get_logger("connector.test")
        for i in range(1500):
            logger.info("filler", n=i, text="Dòng nhật ký tiếng Việt để lấp đầy tệp " * 2)
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_connector", False):
                logging.getLogger().removeHandler(handler)
                handler.close()
    rotated = file.with_name("connector.jsonl.1")
    assert rotated.exists() and file.with_name("connector.jsonl.2").exists()
    assert not file.with_name("connector.jsonl.3").exists()  # backups = 2: the oldest is dropped
    for path in (file, rotated):
        assert path.stat().st_size <= 100_000
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines and all(json.loads(line)["event"] == "filler" for line in lines)
    last = json.loads(file.read_text(encoding="utf-8").splitlines()[-1])
    assert last["n"] == 1499 and "tiếng Việt" in last["text"]


def test_the_wrapper_turns_any_exception_into_a_failed_run(
    tmp_path: Path, maps: Mappings, cal: WorkingCalendar
) -> None:
    from connector.errors import SourceUnavailableError
    from connector.register.queries import start_run
    from connector.runtime.job import run_job

    cfg = load(write_workspace(tmp_path, URLS), environ={})
    register = open_register(cfg.register_url)

    def crashes_mid_run(ctx: JobContext) -> JobResult:
        with ctx.register.write() as s:
            start_run(s, "push")
        raise KeyError("portal_ref")

    def cannot_start(_ctx: JobContext) -> JobResult:
        raise SourceUnavailableError("Không kết nối được eOffice.", hint="connector check")

    try:
        ctx = JobContext(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps), datetime.now(UTC))
        crashed = run_job(Job(Slot("push", minutes=5), crashes_mid_run), ctx)
        refused = run_job(Job(Slot("poll:eoffice", minutes=5), cannot_start), ctx)
        with register.read() as s:
            runs = {r.job: r for r in s.exec(select(SyncRun))}
        assert crashed.outcome == refused.outcome == "failed"
        assert runs["push"].outcome == "failed" and runs["push"].finished_at is not None
        assert "Lỗi không mong đợi (KeyError)" in (runs["push"].message or "")
        assert runs["poll:eoffice"].outcome == "failed" and "Không kết nối được eOffice" in (
            runs["poll:eoffice"].message or ""
        )
        assert "Việc cần làm" in (runs["poll:eoffice"].message or "")
        ctx.stop.set()  # after SIGTERM a job that has not started does not start
        assert run_job(Job(Slot("push", minutes=5), crashes_mid_run), ctx).outcome == "skipped"
        with register.read() as s:
            assert len(list(s.exec(select(SyncRun)))) == 2
    finally:
        register.dispose()


def test_one_service_per_register_sqlite_and_postgresql(db_url: str) -> None:
    import pytest

    from connector.errors import LockHeldError, to_message
    from connector.register.locks import single_instance

    with single_instance(db_url):
        with pytest.raises(LockHeldError) as held, single_instance(db_url):
            raise AssertionError("a second holder must not get the lock")
        text = to_message(held.value)
        assert "đã đang chạy" in text and "systemctl status connector" in text
        assert f"pid {os.getpid()}" in text or f"tiến trình {os.getpid()}" in text
        password = make_url(db_url).password
        assert not password or str(password) not in text  # (a PostgreSQL URL is shown without its password)
    with single_instance(db_url):  # released: the next service starts
        pass
