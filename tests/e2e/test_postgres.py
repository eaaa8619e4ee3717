"""The service on PostgreSQL, end to end: `connector run` works, holds its lock, stops; `connector sync`
works beside nothing and refuses beside the service (the service lock and the writers' lock must never
be one key: with one key the service's own first write waited forever)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from sqlmodel import select

from connector.register.db import open_register
from connector.register.tables import Document, SyncRun
from tests.simulated import Sites, clean_env, cli, command, write_workspace

DEADLINE = 90.0
SCHEDULE = """
[scheduler]
push_interval_minutes = 1
heartbeat_minutes = 1
reconcile_at = "23:59:00"
reminders_at = "23:59:00"
reports_at = "23:59:00"

[web]
enabled = false
"""


def _finished(url: str) -> set[str]:
    register = open_register(url, upgrade=False)
    try:
        with register.read() as s:
            return {r.job for r in s.exec(select(SyncRun)) if r.finished_at is not None}
    except Exception:  # (the service is still creating the schema)
        return set()
    finally:
        register.dispose()


def _documents(url: str) -> int:
    register = open_register(url, upgrade=False)
    try:
        with register.read() as s:
            return len(s.exec(select(Document.id)).all())
    finally:
        register.dispose()


def test_run_and_sync_on_postgresql(tmp_path: Path, sites: Sites, pg_database: str) -> None:
    eoffice, _portal, urls = sites
    config = write_workspace(tmp_path, urls, f'\n[database]\nurl = "{pg_database}"\n' + SCHEDULE)
    proc = subprocess.Popen(
        command(config, "run"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        deadline = time.monotonic() + DEADLINE
        while not {"poll:eoffice", "push", "heartbeat"} <= _finished(pg_database):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, (
                "connector run on PostgreSQL did no work: a lock waits on itself?"
            )
            time.sleep(0.3)
        assert _documents(pg_database) == len(eoffice.documents)

        second = cli(config, "run", timeout=60)
        assert second.returncode == 2 and "đang chạy" in second.stderr, second.stderr
        by_hand = cli(config, "sync", timeout=60)
        assert by_hand.returncode == 2 and "connector rerun" in by_hand.stderr, by_hand.stderr

        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Dịch vụ connector đã dừng" in out

    alone = cli(config, "sync", timeout=120)  # the service stopped: a manual cycle runs, and adds nothing
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "eoffice: 0 văn bản mới" in alone.stdout
    assert _documents(pg_database) == len(eoffice.documents)
