"""The command line speaks Vietnamese on its own errors, takes --config on either side of the command, and a
closed pipe ends it quietly (issue 16, line 2: the argparse part)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ENGLISH = (
    "usage:",
    "error:",
    "unrecognized",
    "invalid choice",
    "positional arguments",
    "show this help",
    "Traceback",
)


def _connector(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--bogus"),
        ("nope",),
        ("report", "weekly"),
        ("calendar", "add", "2026-13-01", "1"),
        ("calendar", "add", "2026-12-01", "x"),
        ("return", "5"),
        (),
    ],
)
def test_argument_errors_are_vietnamese_with_a_next_step(args: tuple[str, ...], tmp_path: Path) -> None:
    done = _connector(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "lỗi:" in done.stderr and "cách dùng:" in done.stderr
    assert "Việc cần làm: xem cách dùng bằng `connector" in done.stderr
    for word in ENGLISH:
        assert word not in done.stderr, (word, done.stderr)


def test_help_is_vietnamese(tmp_path: Path) -> None:
    done = _connector("report", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "tham số" in done.stdout and "in hướng dẫn này rồi thoát" in done.stdout
    for word in ENGLISH:
        assert word not in done.stdout


def test_config_after_the_command_is_the_one_used(tmp_path: Path) -> None:
    missing = tmp_path / "khac.toml"
    before = _connector("--config", str(missing), "log", cwd=tmp_path)
    after = _connector("log", "--config", str(missing), cwd=tmp_path)
    assert before.returncode == after.returncode == 2
    assert "khac.toml" in before.stderr and "khac.toml" in after.stderr


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "--help"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)
    reader.stdout.close()
    err = reader.stderr.read().decode()
    reader.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err
