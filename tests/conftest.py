"""Shared fixtures: each test gets a fresh data folder and environment; shipped mappings load once."""

from __future__ import annotations

import os
import shutil
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy import create_engine, text

from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.mappings import Mappings, load_all
from tests.pg_server import postgres_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("CONNECTOR_") and name != "CONNECTOR_TEST_PG_URL":
            monkeypatch.delenv(name)
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def maps() -> Mappings:
    return load_all(ROOT / "mappings")


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The agriculture 2022 department profile, as shipped in mappings/profiles/."""
    path = ROOT / "mappings" / "profiles" / "nong-nghiep-2022.toml"
    return Profile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def cal(maps: Mappings) -> WorkingCalendar:
    return WorkingCalendar(maps.calendar)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder laid out like an installation: config.toml + a copy of mappings/."""
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    return tmp_path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_url() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh register database: a SQLite file, then a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.sqlite3'}"
        return
    yield request.getfixturevalue("pg_database")


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the suite's PostgreSQL server, dropped afterwards."""
    server = pg_server
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
