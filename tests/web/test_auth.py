"""Dashboard accounts: the lockout after repeated failures, the session key file."""

from __future__ import annotations

import stat
from pathlib import Path

from argon2 import PasswordHasher

from connector.config import WebUser
from connector.web import auth

GOOD = "Mật-khẩu-dài-2026"


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
