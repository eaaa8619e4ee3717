"""Fixtures shared by the portal adapter tests: the recipe, a fresh simulator per test, Chromium.

Imported by tests/adapters/test_portal_*.py (tests/adapters/conftest.py belongs to others).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.portal import HttpPortal, load_recipe
from fixtures.simulators.portal import PortalState, create_app
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
USER = "snn.vanphong"
PASSWORD = "Kontum@2024"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Sim:
    """A running portal simulator: its state (faults, records, counters) and base URL."""

    state: PortalState
    url: str

    def http(self, recipe: dict[str, Any], **kwargs: Any) -> HttpPortal:
        return HttpPortal(self.url, USER, PASSWORD, recipe, **kwargs)


@pytest.fixture(scope="session")
def recipe() -> dict[str, Any]:
    """mappings/portal.toml with statuses.toml's option values merged in (a fresh copy per use)."""
    return load_recipe(ROOT / "mappings")


@pytest.fixture
def sim() -> Iterator[Sim]:
    state = PortalState()
    with serve_in_thread(create_app(state)) as url:
        yield Sim(state, url)


@pytest.fixture
def portal(sim: Sim, recipe: dict[str, Any]) -> Iterator[HttpPortal]:
    with sim.http(recipe) as p:
        yield p


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; a missing browser fails the run with the install line, never skips it."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} không có: cài bằng `sudo apt-get install chromium` (Debian's Chromium).")
    return CHROMIUM


def with_page(recipe: dict[str, Any], page: str, **changes: Any) -> dict[str, Any]:
    """A copy of the recipe with some keys of one page changed."""
    out = copy.deepcopy(recipe)
    out["pages"][page].update(changes)
    return out
