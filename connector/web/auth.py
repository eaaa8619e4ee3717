"""Dashboard accounts, sessions and CSRF tokens.

Passwords live only as argon2 hashes in `[[web.user]]` (`connector hash-password` makes one). The
session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) whose key is generated on
first start into `<data_dir>/web-secret.key` (0600), so it is never in the config or in git and
sessions survive a restart. Every form carries the session's CSRF token; a POST without the
matching token is refused, so another site cannot make a logged-in clerk's browser act.
"""

from __future__ import annotations

import functools
import os
import secrets
import threading
import time
from pathlib import Path

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request

from connector.config import WebUser

MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCKOUT_SECONDS = 300
FAILURE_DELAY_SECONDS = 1.0
SECRET_FILE = "web-secret.key"

_log = structlog.get_logger("connector.web")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown names (same work), made on the first login, not at import."""
    return _hasher.hash("không-phải-mật-khẩu-nào")


def secret_key(data_dir: Path) -> str:
    """The session-signing key, created (0600) on first start; never logged, never in config."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
    path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


class Guard:
    """Checks passwords and counts failures per account name (a lockout after `MAX_FAILURES`)."""

    def __init__(self, users: list[WebUser], *, delay: float = FAILURE_DELAY_SECONDS) -> None:
        self._users = {u.name: u for u in users}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._delay = delay

    def check(self, name: str, password: str) -> WebUser | None:
        """The account when `password` matches its hash, else None (logged, never the password)."""
        name = name.strip().lower()
        if self.locked(name):
            _log.warning("web_login_locked", user=name)
            return None
        user = self._users.get(name)
        try:
            ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password) and user is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if ok:
            with self._lock:
                self._failures.pop(name, None)
            _log.info("web_login", user=name)
            return user
        with self._lock:
            self._failures.setdefault(name, []).append(time.monotonic())
        _log.warning("web_login_failed", user=name)
        time.sleep(self._delay)
        return None

    def locked(self, name: str) -> bool:
        """True after `MAX_FAILURES` failed attempts within `LOCKOUT_SECONDS`."""
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if time.monotonic() - t < LOCKOUT_SECONDS]
            self._failures[name] = recent
            return len(recent) >= MAX_FAILURES


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use), for a hidden field in every form."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(request: Request, sent: str | None) -> bool:
    """True when the form's token is the session's token."""
    expected = request.session.get("csrf")
    return bool(expected and sent) and secrets.compare_digest(str(expected), str(sent))


def log_in(request: Request, user: WebUser) -> None:
    """A fresh session for `user` (a new CSRF token too: nothing from before the login survives)."""
    request.session.clear()
    request.session.update(user=user.name, full_name=user.full_name or user.name, since=time.time())
    csrf_token(request)


def current_user(request: Request) -> str | None:
    """The logged-in account name, if any and if the login is younger than `session_hours`.

    The cookie's own max-age slides with every answer; this check makes the limit absolute.
    """
    name = request.session.get("user")
    hours = getattr(request.app.state, "session_hours", 8)
    if not name or time.time() - float(request.session.get("since", 0)) > hours * 3600:
        return None
    return str(name)


def hash_password(plain: str) -> str:
    """The argon2 hash of a new dashboard password, as `[[web.user]] password_hash` takes it."""
    return _hasher.hash(plain)
