"""The register's engine: SQLite (default) or PostgreSQL by URL, one writer at a time.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE`, taking the write lock up front: two writers never deadlock half-way through,
the second simply waits (datasette's single-writer idea, enforced by the database). On PostgreSQL
the same `write()` takes a transaction-level advisory lock (`connector.register.locks.WRITE_KEY`),
so both backends serialise writers the same way. Reads use ordinary deferred transactions and
never wait for a writer.

Schema changes go through Alembic migrations (`migrations/versions/`); `open_register` upgrades
an older register to the current schema, after copying an SQLite file aside, and refuses a
register written by a newer program.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from connector.errors import RegisterBusyError, RegisterError
from connector.register.locks import KEY_SPACE, WRITE_KEY

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this program knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


class Register:
    """Owns the engine; hands out write and read sessions. Build with `open_register`."""

    def __init__(self, url: str, *, busy_timeout: float = 30) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": busy_timeout, "check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction holds the register's write lock from its first statement."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                conn = session.connection()  # SQLite: BEGIN IMMEDIATE happens here, before any work
                if not self.is_sqlite:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({KEY_SPACE}, {WRITE_KEY})")
                yield session
                session.commit()
        except OperationalError as exc:
            driver = str(exc.orig).lower()  # the driver's own words, not the SQL (a value may say "locked")
            if "locked" in driver or "busy" in driver:
                raise RegisterBusyError(
                    "Sổ theo dõi đang bị một tiến trình khác ghi quá lâu; lần chạy sau sẽ thử lại.",
                    hint="connector check",
                ) from None
            raise _translate(exc) from None
        except SQLAlchemyError as exc:
            raise _translate(exc) from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; never blocks behind a writer (WAL / MVCC)."""
        conn = self.engine.connect().execution_options(connector_read=True)
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
        except SQLAlchemyError as exc:
            raise _translate(exc) from None
        finally:
            conn.close()

    def revision(self) -> str | None:
        """The schema revision stored in the register (None for an empty database)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self, target: str = "head") -> None:
        """Bring the schema to `target`; a newer register than this program is refused."""
        current = self.revision()
        known = {rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
        if current is not None and current not in known:
            raise RegisterError(
                f"Sổ theo dõi có phiên bản cấu trúc {current}, mới hơn chương trình này. "
                "Hãy cài phiên bản connector mới nhất rồi chạy lại.",
                hint="connector check",
            )
        if current == head_revision() and target == "head":
            return
        self._backup_before_migration(current)
        with self.engine.begin() as conn:
            command.upgrade(_alembic_config(conn), target)

    def _backup_before_migration(self, current: str | None) -> None:
        if not self.is_sqlite or current is None:
            return
        path = Path(self.engine.url.database or "")
        if path.is_file():
            shutil.copy2(path, path.with_name(f"{path.name}.truoc-nang-cap-{current}"))

    def dispose(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        self.engine.dispose()


def open_register(url: str, *, busy_timeout: float = 30, upgrade: bool = True) -> Register:
    """Open (and by default create or upgrade) the register at `url`."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        register = Register(url, busy_timeout=busy_timeout)
        if upgrade:
            register.upgrade()
    except SQLAlchemyError as exc:
        raise _translate(exc) from None
    return register


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get("connector_read") else "BEGIN IMMEDIATE"
        )


def _translate(exc: SQLAlchemyError) -> RegisterError:
    """Foreign database errors become RegisterError at this boundary (httpx habit); no SQL, no URL."""
    orig = getattr(exc, "orig", None)
    reason = str(orig) if orig is not None else type(exc).__name__
    return RegisterError(f"Sổ theo dõi báo lỗi: {reason}.", hint="connector check")
