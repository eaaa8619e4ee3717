"""Fixtures of the adapter tests: the eOffice simulator served on 127.0.0.1 (real HTTP, no mocks),
the shipped eOffice recipe, a factory of `EOfficeSource`s with tiny retry waits, and the Debian
programs that reading files needs (a missing one fails the test with the apt-get line, never skips
it: the text tests and the simulators whose directives come as scans both need them)."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.eoffice import EOfficeSource
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, create_app
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
USERNAME, PASSWORD = next(iter(DEFAULT_USERS.items()))


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


@dataclass
class EOffice:
    """A running simulator: its state (flip `state.faults`) and base URL."""

    state: EOfficeState
    url: str


@pytest.fixture(scope="session")
def eoffice_recipe() -> dict[str, Any]:
    with (ROOT / "mappings" / "eoffice.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def eoffice() -> Iterator[EOffice]:
    state = EOfficeState()
    with serve_in_thread(create_app(state)) as url:
        yield EOffice(state, url)


@pytest.fixture
def make_source(eoffice: EOffice, eoffice_recipe: dict[str, Any]) -> Iterator[Callable[..., EOfficeSource]]:
    made: list[EOfficeSource] = []

    def make(recipe: dict[str, Any] | None = None, **kwargs: Any) -> EOfficeSource:
        options: dict[str, Any] = {"retry_initial": 0.01, "retry_max_wait": 2.0, "timeout": 5}
        options.update(kwargs)
        password = options.pop("password", PASSWORD)
        source = EOfficeSource(
            "eoffice", eoffice.url, USERNAME, password, recipe or eoffice_recipe, **options
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()
