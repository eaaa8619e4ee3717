"""Fixtures of the text-extraction tests: the Debian programs they need (a missing one fails the test
with the apt-get line, never skips it), the four directives and their generated documents."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.text import ExtractedText, Limits, extract
from connector.domain import Attachment
from fixtures.documents.text.directives import Directive, all_directives
from fixtures.documents.text.fields import missing_keys

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "fixtures" / "documents" / "text"
BY_NAME = {d.name: d for d in all_directives()}


def need(program: str, package: str) -> str:
    """The program's path, or the test fails saying which Debian package to install."""
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} chưa được cài: chạy `sudo apt-get install -y {package}` rồi chạy lại.")
    return path


@pytest.fixture(scope="session")
def poppler() -> None:
    need("pdftoppm", "poppler-utils")
    need("pdftotext", "poppler-utils")


@pytest.fixture(scope="session")
def tesseract(poppler: None) -> str:
    path = need("tesseract", "tesseract-ocr tesseract-ocr-vie")
    langs = subprocess.run([path, "--list-langs"], capture_output=True, text=True, check=True).stdout.split()
    if "vie" not in langs:
        pytest.fail(
            "Tesseract chưa có tiếng Việt: chạy `sudo apt-get install -y tesseract-ocr-vie` rồi chạy lại."
        )
    return path


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
