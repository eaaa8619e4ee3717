"""Shared fixtures: each test gets a fresh data folder and environment; shipped mappings load once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from connector.calendar import WorkingCalendar
from connector.mappings import Mappings, load_all

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
def cal(maps: Mappings) -> WorkingCalendar:
    return WorkingCalendar(maps.calendar)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder laid out like an installation: config.toml + a copy of mappings/."""
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    return tmp_path
