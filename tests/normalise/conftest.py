"""Helpers for the normaliser tests; `maps` and `cal` come from tests/conftest.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from connector.domain import RawDocument

ROOT = Path(__file__).resolve().parents[2]
OUR_UNITS = frozenset({"SNNPTNT", "SNNMT_KT", "SNNMT"})


def raw(text: str, **metadata: str) -> RawDocument:
    """A RawDocument as a source would hand it over."""
    return RawDocument("test", "ref", datetime(2024, 1, 1), text, metadata=metadata)
