"""Accounts and keys: `connector hash-password`, the lockout after repeated failures, the session key file."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from connector.config import WebUser
from connector.web import auth

GOOD = "Mật-khẩu-dài-2026"


def _answers(monkeypatch: pytest.MonkeyPatch, *typed: str) -> None:
    """What the admin types at the two hidden prompts (getpass reads the terminal)."""
    it: Iterator[str] = iter(typed)
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(it))


def test_hash_password_prints_a_hash_that_verifies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _answers(monkeypatch, GOOD, GOOD)
    assert auth.run_hash_password() == 0
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
    assert auth.run_hash_password() == 2
    captured = capsys.readouterr()
    assert said in captured.err and "connector hash-password" in captured.err
    assert "argon2" not in captured.out


def test_repeated_failures_lock_the_account_even_for_the_right_password() -> None:
    user = WebUser(name="vanthu", password_hash=PasswordHasher().hash(GOOD))
    guard = auth.Guard([user], delay=0)
    assert guard.check("vanthu", GOOD) == user
    for _ in range(auth.MAX_FAILURES):
        assert guard.check("vanthu", "sai") is None
    assert guard.locked("vanthu")
    assert guard.check("vanthu", GOOD) is None
    assert guard.check("khong-co", GOOD) is None  # an unknown name is refused the same way


def test_session_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = auth.secret_key(tmp_path / "data")
    again = auth.secret_key(tmp_path / "data")
    assert first == again and len(first) >= 40
    mode = (tmp_path / "data" / auth.SECRET_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
