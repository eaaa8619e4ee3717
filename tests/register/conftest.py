"""The register's tests run on a real SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.register.db import Register, open_register


@pytest.fixture
def register(db_url: str) -> Iterator[Register]:
    reg = open_register(db_url, busy_timeout=5)
    yield reg
    reg.dispose()
