"""A throw-away Dovecot IMAP server on 127.0.0.1 for the mail adapter tests (Debian's `dovecot-imapd`).

The configuration is `fixtures/dovecot/dovecot.conf.template` filled in for a temporary folder, a
free port and one mail user. Dovecot needs no root: as root the whole server runs as `dovecot` (or
`nobody`) through setpriv, as any other user it runs as that user. A missing package is a failure
that says how to install it, never a skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "Dovecot chưa được cài: chạy `apt-get install -y dovecot-imapd` (Debian) rồi chạy lại `make test`."
)
TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "dovecot" / "dovecot.conf.template"
USERNAME = "vanthu"
PASSWORD = "Hop-thu-2024-pass"


@dataclass(frozen=True)
class Dovecot:
    """A running server: where it listens and the one account it knows."""

    host: str
    port: int
    username: str
    password: str
    folder: Path


def _binary() -> str:
    for candidate in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[list[str], pwd.struct_passwd]:
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid())
    for name in ("dovecot", "nobody"):
        try:
            owner = pwd.getpwnam(name)
        except KeyError:
            continue
        prefix = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups", "--"]
        return prefix, owner
    raise RuntimeError("Không có người dùng 'dovecot' hoặc 'nobody' để chạy Dovecot. " + INSTALL_HINT)


@contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    """Start Dovecot in a temporary folder, yield how to reach it, stop it and remove the folder."""
    binary = _binary()
    prefix, owner = _run_as()
    base = Path(tempfile.mkdtemp(prefix="connector-dovecot-"))
    port = _free_port()
    group = owner.pw_gid
    try:
        import grp

        group_name = grp.getgrgid(group).gr_name
    except KeyError:
        group_name = str(group)
    values = {
        "@BASE@": str(base),
        "@USER@": owner.pw_name,
        "@GROUP@": group_name,
        "@UID@": str(owner.pw_uid),
        "@GID@": str(group),
        "@PORT@": str(port),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    conf = base / "dovecot.conf"
    conf.write_text(text, encoding="utf-8")
    (base / "passwd").write_text(f"{USERNAME}:{PASSWORD}\n", encoding="utf-8")
    for sub in ("run", "state", "home"):
        (base / sub).mkdir()
    for path in [base, *base.rglob("*")]:
        os.chown(path, owner.pw_uid, group)
    proc = subprocess.Popen(
        [*prefix, binary, "-F", "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                logfile = base / "dovecot.log"
                log = logfile.read_text(errors="replace") if logfile.exists() else ""
                raise RuntimeError(f"Dovecot dừng ngay khi khởi động (mã {proc.returncode}):\n{out}\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Dovecot không mở cổng {port} sau 20 giây.") from None
                time.sleep(0.05)
        yield Dovecot("127.0.0.1", port, USERNAME, PASSWORD, base)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        shutil.rmtree(base, ignore_errors=True)
