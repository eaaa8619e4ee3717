"""One service per register: the lock `connector run` (and `connector sync`) holds for its life.

SQLite: a file lock next to the database file (`filelock`, released by the OS if the process
dies), plus an `.owner` file naming the holder. The lock is keyed on the *resolved* file — its
real path, without the URL's query — so `sqlite:///data/register.sqlite3?timeout=30`, a
symlink to the file and a symlinked folder all name the same lock.

PostgreSQL: `pg_try_advisory_lock` on a connection held for the service's life, in the
connector's own key space. The register's writers take a transaction-level advisory lock in the
same space with another key (`WRITE_KEY`); with one key for both, the service's own first write
waited forever on the lock its own session held.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, make_url, text

from connector.errors import LockHeldError
from connector.log import redact_text

KEY_SPACE = 0x636F6E6E
""""conn": the first half of every advisory lock key the connector takes on PostgreSQL."""
SERVICE_KEY = 1
"""Held by `connector run` / `connector sync` for their whole life (session level)."""
WRITE_KEY = 2
"""Taken by every write transaction of the register (transaction level)."""
WHAT_TO_DO = "systemctl status connector"


def sqlite_file(url: str) -> Path | None:
    """The database file an SQLite URL names, resolved (symlinks followed, query dropped); None for
    any other database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    path = Path(parsed.database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.resolve()


@contextmanager
def single_instance(url: str, *, by_hand: bool = False) -> Iterator[None]:
    """Hold the register's service lock for the block; LockHeldError at once if another holds it.

    `connector sync` (`by_hand`) takes the same lock: while the service runs, its jobs already do
    what a manual cycle would, and one cycle at a time keeps every push and e-mail single.
    """
    db = sqlite_file(url)
    if db is not None:
        with _file_lock(db, by_hand=by_hand):
            yield
    else:
        with _pg_lock(url, by_hand=by_hand):
            yield


@contextmanager
def _file_lock(db: Path, *, by_hand: bool) -> Iterator[None]:
    lock = FileLock(f"{db}.lock", timeout=0)
    owner = Path(f"{db}.owner")
    try:
        lock.acquire()
    except Timeout:
        raise LockHeldError(_held_text(_read(owner), str(db), by_hand=by_hand), hint=WHAT_TO_DO) from None
    try:
        owner.write_text(f"tiến trình {os.getpid()} trên máy {socket.gethostname()}", encoding="utf-8")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


@contextmanager
def _pg_lock(url: str, *, by_hand: bool) -> Iterator[None]:
    """An advisory lock lives as long as its session: one connection kept open for the service's life."""
    me = f"connector run {socket.gethostname()} pid {os.getpid()}"
    engine = create_engine(url, connect_args={"application_name": me[:63]})
    conn = engine.connect()
    keys = {"space": KEY_SPACE, "key": SERVICE_KEY}
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:space, :key)"), keys).scalar()
        conn.commit()
        if not got:
            holder = conn.execute(
                text(
                    "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = :space "
                    "AND l.objid = :key AND l.granted "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                keys,
            ).first()
            who = f"{holder[0]} (địa chỉ {holder[1] or 'máy chủ CSDL'})" if holder else None
            where = redact_text(make_url(url).render_as_string(hide_password=True))
            raise LockHeldError(_held_text(who, where, by_hand=by_hand), hint=WHAT_TO_DO)
        yield
    finally:
        conn.close()  # (closing the session releases the advisory lock)
        engine.dispose()


def _held_text(who: str | None, where: str, *, by_hand: bool) -> str:
    holder = f" ({who})" if who else ""
    if by_hand:
        return (
            f"Dịch vụ connector đang chạy trên sổ theo dõi này{holder}: {where}; các việc đã được dịch vụ "
            "làm theo lịch nên không chạy `connector sync` cùng lúc. Muốn lấy lại ngay một văn bản: "
            "connector rerun SỐ-HIỆU; xem tình trạng: connector status."
        )
    return (
        f"Dịch vụ connector đã đang chạy trên sổ theo dõi này{holder}: {where}. Không chạy bản thứ hai. "
        "Muốn khởi động lại thì dừng bản đang chạy trước (systemctl restart connector), "
        "hoặc dùng `connector sync` khi dịch vụ đã dừng."
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
