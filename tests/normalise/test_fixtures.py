"""Every sample input in fixtures/documents/ parses (extract → normalise) to its expected fields."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from connector.calendar import WorkingCalendar
from connector.cli.parse import read_file as read_document
from connector.mappings import Mappings
from connector.normalise import normalise

from .conftest import OUR_UNITS, ROOT
from .test_corpus import actual_fields, expected_fields

DOCS = ROOT / "fixtures" / "documents"
CASES = sorted(p for p in DOCS.iterdir() if p.suffix in (".eml", ".html", ".docx", ".edxml", ".pdf", ".xml"))


def test_there_are_fixtures() -> None:
    assert {p.suffix for p in CASES} >= {".eml", ".html", ".docx", ".edxml", ".pdf"}


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_fixture_parses_as_expected(path: Path, maps: Mappings, cal: WorkingCalendar) -> None:
    raw = read_document(path)
    doc = normalise(raw, maps, cal, our_units=OUR_UNITS, received_on=date(2024, 6, 20))
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    assert actual_fields(doc) == expected_fields(expected)


def test_unreadable_file_is_a_bad_document(tmp_path: Path) -> None:
    from connector.errors import BadDocumentError

    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(BadDocumentError, match="Không đọc được"):
        read_document(broken)
    (tmp_path / "a.odt").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(BadDocumentError, match="chưa được hỗ trợ"):
        read_document(tmp_path / "a.odt")
    with pytest.raises(BadDocumentError, match="Không mở được"):
        read_document(tmp_path / "khong-co.pdf")


def test_pdf_font_runs_are_rejoined() -> None:
    """Chromium draws ơ, ư and toned vowels from a second font; pypdf's spaces at the switch are undone."""
    from adapters.text.fontruns import rejoin_font_runs

    body = read_document(DOCS / "cong-van.pdf").body
    assert "Chủ tịch Ủy ban nhân dân tỉnh" in body
    assert "UBND các huyện: Đắk Glei, Ngọc Hồi và Sa Thầy" in body
    broken = "Ch ủ  t ị ch Ủ y ban, t ả  l ợ n, tr ướ c ngày, S ố : 12, PHÓ CH Ủ  T Ị CH"
    assert rejoin_font_runs(broken) == "Chủ tịch Ủy ban, tả lợn, trước ngày, Số: 12, PHÓ CHỦ TỊCH"
    assert rejoin_font_runs("tả lợn  và") == "tả lợn  và"  # no artefact: unchanged
