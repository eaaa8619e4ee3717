"""`connector sync` as an admin runs it by hand: intake, reconcile and push in one cycle, then --dry-run."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from connector.register.db import open_register
from connector.register.tables import Task
from fixtures.simulators.portal.state import DEFAULT_USERS as PORTAL_USERS
from tests.simulated import Sites, cli, simulators, write_workspace


@pytest.fixture
def sites() -> Iterator[Sites]:
    with simulators() as running:
        yield running


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(config, "sync", *args)


def test_one_cycle_reads_reconciles_and_pushes(tmp_path: Path, sites) -> None:
    eoffice, portal, urls = sites
    config = write_workspace(tmp_path, urls)
    first = _run(config)
    assert first.returncode == 0, first.stderr
    assert f"eoffice: {len(eoffice.documents)} văn bản mới" in first.stdout
    assert "Đối chiếu Phần mềm:" in first.stdout
    accepted = len(portal.accepted)

    dry = _run(config, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert len(portal.accepted) == accepted

    again = _run(config)
    assert again.returncode == 0, again.stderr
    assert "eoffice: 0 văn bản mới" in again.stdout
    assert len(portal.accepted) == accepted  # nothing changed, nothing sent twice


def test_portal_down_fails_the_cycle_in_vietnamese(tmp_path: Path, sites) -> None:
    _, portal, urls = sites
    config = write_workspace(tmp_path, urls)
    portal.faults.down = True
    result = _run(config)
    assert result.returncode == 1
    assert "Việc cần làm" in result.stderr
    assert "Traceback" not in result.stderr
    assert all(pw not in result.stdout + result.stderr for pw in PORTAL_USERS.values())


def test_return_only_by_explicit_command_with_a_reason(tmp_path: Path, sites) -> None:
    _, portal, urls = sites
    config = write_workspace(tmp_path, urls)
    assert _run(config).returncode == 0
    register = open_register(f"sqlite:///{tmp_path / 'data' / 'register.sqlite3'}", upgrade=False)
    ref = sorted(portal.tasks)[0]
    try:
        with register.write() as s:
            task = s.exec(select(Task)).first()
            assert task is not None
            task.portal_ref = ref
            s.add(task)
            task_id = task.id
    finally:
        register.dispose()
    assert portal.returned == []  # a whole cycle never sends anything back by itself

    blank = cli(config, "return", str(task_id), "--reason", "   ")
    assert blank.returncode == 2 and "Phải ghi rõ lý do" in blank.stderr
    assert portal.returned == []

    reason = "Nội dung thuộc chức năng của Sở Y tế, đề nghị chuyển cơ quan khác thực hiện."
    done = cli(config, "return", str(task_id), "--reason", reason)
    assert done.returncode == 0, done.stderr
    assert [(r.portal_ref, r.reason) for r in portal.returned] == [(ref, reason)]
    assert "Đã trả lại nhiệm vụ" in done.stdout
