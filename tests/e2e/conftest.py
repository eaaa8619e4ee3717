"""The simulators and a workspace whose config points at them, shared by the service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.simulated import Sites, simulators


@pytest.fixture
def sites() -> Iterator[Sites]:
    with simulators() as running:
        yield running
