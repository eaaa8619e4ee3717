"""Fixtures of the text-extraction tests: LibreOffice (a missing program fails the test with the
apt-get line, never skips it; Poppler and Tesseract are tests/adapters/conftest.py's), the four
directives and their generated documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.text import ExtractedText, Limits, extract
from connector.domain import Attachment
from fixtures.documents.text.directives import Directive, all_directives
from fixtures.documents.text.fields import missing_keys
from tests.adapters.conftest import need

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "fixtures" / "documents" / "text"
BY_NAME = {d.name: d for d in all_directives()}


@pytest.fixture(scope="session")
def soffice() -> str:
    return need("soffice", "libreoffice-writer-nogui")


def directive(name: str) -> Directive:
    return BY_NAME[name]


def read(
    name: str, data: bytes | None = None, *, media_type: str = "", limits: Limits | None = None
) -> ExtractedText:
    """extract() of a file of fixtures/documents/text/ (or of `data` under that name)."""
    blob = (DOCS / name).read_bytes() if data is None else data
    return extract(Attachment(name, media_type, blob), limits=limits or Limits())


def assert_key_fields(text: str, name: str) -> None:
    """The directive's number and place-and-date lines are whole lines; its unit and deadline are there."""
    assert missing_keys(text, name) == []
