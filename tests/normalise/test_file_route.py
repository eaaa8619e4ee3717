"""`connector parse FILE.txt` reads legacy bytes (TCVN3, VNI, mis-saved UTF-8) with no charset declared.

The corpus test hands each text over already decoded; this one gives the normaliser only the file,
as a clerk would, and expects the same header as the golden file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.calendar import WorkingCalendar
from connector.cli.parse import read_file as read_document
from connector.mappings import Mappings
from connector.normalise import normalise

from .conftest import OUR_UNITS

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "hand"
ENCODED = [
    p
    for p in sorted(CORPUS.glob("0*.txt"))
    if json.loads(p.with_name(p.name[:-4] + ".expected.json").read_text(encoding="utf-8")).get("encoding")
]


def test_there_are_legacy_encoded_files() -> None:
    assert len(ENCODED) >= 3


@pytest.mark.parametrize("path", ENCODED, ids=lambda p: p.stem)
def test_undeclared_legacy_bytes_read_like_declared(path: Path, maps: Mappings, cal: WorkingCalendar) -> None:
    expected = json.loads(path.with_name(path.name[:-4] + ".expected.json").read_text(encoding="utf-8"))
    doc = normalise(read_document(path), maps, cal, our_units=OUR_UNITS)
    assert doc.number == expected["number"]
    assert (doc.issuer.code if doc.issuer else None) == expected["issuer_code"]
    assert doc.subject == expected["subject"]
