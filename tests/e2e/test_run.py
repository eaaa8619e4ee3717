"""`connector run` as a real process against the eOffice and portal simulators."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from connector import clock
from connector.register.db import open_register
from connector.register.tables import SourceCursor, SyncRun
from tests.simulated import clean_env, cli, command, free_port, write_workspace

DEADLINE = 90.0


def _schedule(web_port: int | None, *, past: str, future: str) -> str:
    web = f'[web]\nhost = "127.0.0.1"\nport = {web_port}\n' if web_port else "[web]\nenabled = false\n"
    return f"""
[scheduler]
push_interval_minutes = 1
heartbeat_minutes = 1
reconcile_at = "{past}"
reminders_at = "{future}"
reports_at = "{future}"

{web}"""


def _hhmm(delta: timedelta) -> str:
    return (clock.now() + delta).strftime("%H:%M:00")


@contextmanager
def _service(config: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        command(config, "run"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def _runs(db: Path) -> list[SyncRun]:
    register = open_register(f"sqlite:///{db}", upgrade=False)
    try:
        with register.read() as s:
            return list(s.exec(select(SyncRun).order_by(SyncRun.id)))
    finally:
        register.dispose()


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"connector run exited ({proc.returncode}) before {what}: {out}\n{err}")
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE} s"
        time.sleep(0.2)


def _done(db: Path, *jobs: str, after: int = 0) -> bool:
    if not db.exists():
        return False
    try:
        finished = {r.job for r in _runs(db) if r.finished_at is not None and (r.id or 0) > after}
    except Exception:  # (the register is still being created by the service)
        return False
    return set(jobs) <= finished


def test_service_runs_jobs_holds_the_lock_and_stops_on_sigterm(tmp_path: Path, sites) -> None:
    eoffice, _portal, urls = sites
    port = free_port()
    config = write_workspace(
        tmp_path, urls, _schedule(port, past=_hhmm(-timedelta(minutes=5)), future=_hhmm(timedelta(hours=2)))
    )
    db = tmp_path / "data" / "register.sqlite3"
    with _service(config) as proc:
        _wait_for(
            lambda: _done(db, "poll:eoffice", "push", "heartbeat", "reconcile"), proc, "poll/push/heartbeat"
        )

        second = cli(config, "run", timeout=60)
        assert second.returncode == 2, second.stdout + second.stderr
        assert "đang chạy" in second.stderr and f"tiến trình {proc.pid}" in second.stderr
        assert "systemctl status connector" in second.stderr and "Traceback" not in second.stderr
        by_hand = cli(config, "sync", timeout=60)  # a manual cycle never runs beside the service
        assert by_hand.returncode == 2 and "connector rerun" in by_hand.stderr, by_hand.stderr
        assert by_hand.stdout == ""
        number = next(d.number for d in eoffice.documents.values() if not d.secrecy)
        rerun = cli(config, "rerun", number, timeout=60)  # one document again, beside the running service
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "Không có gì thay đổi" in rerun.stdout

        page = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=10)
        assert page.status_code == 200 and "đăng nhập" in page.text.lower()

        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    assert (
        "Dịch vụ connector đã chạy" in out
        and f"http://127.0.0.1:{port}/" in out
        and "đọc nguồn eoffice ngay bây giờ" in out
    )
    assert "Dịch vụ connector đã dừng" in out
    runs = _runs(db)
    assert [r.job for r in runs if r.outcome == "running"] == []
    by_job = {r.job: r for r in runs}
    poll = by_job["poll:eoffice"]
    assert poll.outcome == "ok" and poll.counts["stored"] + poll.counts["review"] + poll.counts[
        "secret"
    ] == len(eoffice.documents)
    assert by_job["reconcile"].outcome == "ok"  # 06:30-style slot missed 5 minutes ago: caught up at start
    assert "remind" not in by_job  # its time has not come today, and yesterday's is beyond the grace hours
    assert by_job["report"].outcome == "ok"  # yesterday's slot, never run: reports are harmless at any hour

    last = max(r.id or 0 for r in runs)  # the lock was released: a new service starts and works
    with _service(config) as again:
        _wait_for(lambda: _done(db, "heartbeat", after=last), again, "a heartbeat of the restarted service")
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=DEADLINE)
    assert again.returncode == 0
    assert "reconcile" not in {
        r.job for r in _runs(db) if (r.id or 0) > last
    }  # done today: no second catch-up


def test_sigterm_in_the_middle_of_a_poll_finishes_the_item_and_keeps_the_cursor(
    tmp_path: Path, sites
) -> None:
    eoffice, _portal, urls = sites
    eoffice.faults.slow = 0.2
    config = write_workspace(tmp_path, urls, _schedule(None, past="23:59:00", future="23:59:00"))
    db = tmp_path / "data" / "register.sqlite3"

    def polling() -> bool:
        return db.exists() and any(r.job == "poll:eoffice" and r.outcome == "running" for r in _safe_runs(db))

    with _service(config) as proc:
        _wait_for(polling, proc, "a running poll")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    runs = _runs(db)
    assert [r.job for r in runs if r.outcome == "running"] == []
    poll = next(r for r in runs if r.job == "poll:eoffice")
    assert poll.outcome == "partial" and "Dừng giữa chừng" in (poll.message or "")
    assert poll.counts["fetched"] < len(eoffice.documents)
    assert "push" not in {r.job for r in runs}  # after SIGTERM no new job starts
    register = open_register(f"sqlite:///{db}", upgrade=False)
    try:
        with register.read() as s:
            assert s.exec(select(SourceCursor)).first() is None  # the cursor did not move
    finally:
        register.dispose()

    eoffice.faults.slow = 0.0
    rest = cli(config, "sync", "eoffice")
    assert rest.returncode == 0, rest.stderr
    polls = [r.counts for r in _runs(db) if r.job == "poll:eoffice" and r.counts]
    assert sum(c["stored"] + c["review"] + c["secret"] for c in polls) == len(
        eoffice.documents
    )  # nothing lost, nothing stored twice


def _safe_runs(db: Path) -> list[SyncRun]:
    try:
        return _runs(db)
    except Exception:  # (the register is still being created by the service)
        return []
