"""A throw-away PostgreSQL cluster for the register tests (Debian's `postgresql` package).

If CONNECTOR_TEST_PG_URL is set, that server is used instead. PostgreSQL refuses to run as root,
so as root the cluster runs as the `postgres` (or `nobody`) user through setpriv. A missing
package is a failure that says how to install it, never a skip.
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
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL chưa được cài: chạy `apt-get install -y postgresql` (Debian) rồi chạy lại `make test`."
)


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_url() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database on a PostgreSQL server on 127.0.0.1."""
    given = os.environ.get("CONNECTOR_TEST_PG_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _user_exists(u)), None)
        if user is None:
            raise RuntimeError(
                "Không có người dùng 'postgres' hoặc 'nobody' để chạy PostgreSQL. " + INSTALL_HINT
            )
        owner = pwd.getpwnam(user)
        prefix = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups", "--"]
    base = Path(tempfile.mkdtemp(prefix="connector-pg-"))
    data = base / "data"
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "connector", "-A", "trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-o", opts, "-w", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"postgresql+psycopg://connector@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, env=env
        )
        shutil.rmtree(base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
