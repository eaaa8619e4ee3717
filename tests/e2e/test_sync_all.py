"""`connector sync` without SOURCE: every job of the service once, one Vietnamese line each."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from connector.register.db import open_register
from connector.register.tables import SyncRun
from tests.simulated import cli, write_workspace


def _jobs(db: Path) -> list[str]:
    register = open_register(f"sqlite:///{db}", upgrade=False)
    try:
        with register.read() as s:
            return [r.job for r in s.exec(select(SyncRun).order_by(SyncRun.id))]
    finally:
        register.dispose()


def test_sync_runs_every_job_once_in_order(tmp_path: Path, sites) -> None:
    eoffice, _portal, urls = sites
    config = write_workspace(tmp_path, urls)
    done = cli(config, "sync")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"eoffice: {len(eoffice.documents)} văn bản mới")
    assert lines[1].startswith("Đối chiếu Phần mềm:") and lines[2].startswith("Cập nhật Phần mềm:")
    assert "nhắc việc" in lines[3].lower() and "báo cáo" in lines[4].lower()
    assert lines[5] == "Kiểm tra dịch vụ: mọi việc chạy bình thường." and len(lines) == 6
    db = tmp_path / "data" / "register.sqlite3"
    assert _jobs(db) == ["poll:eoffice", "reconcile", "push", "remind", "report", "heartbeat"]


def test_sync_fails_with_exit_1_and_says_what_to_do_when_a_job_fails(tmp_path: Path, sites) -> None:
    eoffice, portal, urls = sites
    config = write_workspace(tmp_path, urls)
    portal.faults.down = True
    done = cli(config, "sync")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith(f"eoffice: {len(eoffice.documents)} văn bản mới")
    assert "Việc cần làm" in done.stderr and "Traceback" not in done.stderr
    assert "Kiểm tra dịch vụ:" in done.stdout  # one failed job does not stop the others
