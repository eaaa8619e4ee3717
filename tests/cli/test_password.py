"""`connector hash-password`: typed twice at hidden prompts, printed as a hash config.toml accepts."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from connector.cli import password
from connector.config import WebUser

GOOD = "Mật-khẩu-dài-2026"


def _answers(monkeypatch: pytest.MonkeyPatch, *typed: str) -> None:
    """What the admin types at the two hidden prompts (getpass reads the terminal)."""
    it: Iterator[str] = iter(typed)
    monkeypatch.setattr(password.getpass, "getpass", lambda prompt="": next(it))


def test_hash_password_prints_a_hash_that_verifies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _answers(monkeypatch, GOOD, GOOD)
    assert password.run_hash_password() == 0
    out = capsys.readouterr().out
    found = re.search(r'password_hash = "(\$argon2id\$[^"]+)"', out)
    assert found and "[[web.user]]" in out
    assert PasswordHasher().verify(found.group(1), GOOD)
    assert GOOD not in out
    WebUser(name="vanthu", password_hash=found.group(1))  # what config.toml accepts


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (("ngan", "ngan"), "ít nhất 10 ký tự"),
        ((GOOD, GOOD + "x"), "không khớp"),
        (("", ""), "ít nhất 10 ký tự"),
    ],
)
def test_hash_password_refuses_short_or_mismatched(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: tuple[str, str], said: str
) -> None:
    _answers(monkeypatch, *typed)
    assert password.run_hash_password() == 2
    captured = capsys.readouterr()
    assert said in captured.err and "connector hash-password" in captured.err
    assert "argon2" not in captured.out


def test_hash_password_with_no_terminal_says_what_to_do() -> None:
    """Piped or empty input (no one at the prompts) is a Vietnamese sentence, never a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "connector.cli", "hash-password"],
        input="", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Chạy lại: connector hash-password" in done.stderr and "Traceback" not in done.stderr
