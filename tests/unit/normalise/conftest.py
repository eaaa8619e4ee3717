"""Shared fixtures: the real mappings/ of the repository and the calendar built from them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from connector.calendar import WorkingCalendar
from connector.domain import RawDocument
from connector.mappings import Mappings, load_all

ROOT = Path(__file__).resolve().parents[3]
OUR_UNITS = frozenset({"SNNPTNT", "SNNMT_KT", "SNNMT"})


@pytest.fixture(scope="session")
def maps() -> Mappings:
    return load_all(ROOT / "mappings")


@pytest.fixture(scope="session")
def cal(maps: Mappings) -> WorkingCalendar:
    return WorkingCalendar(maps.calendar)


def raw(text: str, **metadata: str) -> RawDocument:
    """A RawDocument as a source would hand it over."""
    return RawDocument("test", "ref", datetime(2024, 1, 1), text, metadata=metadata)
