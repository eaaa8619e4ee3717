"""The one reading path: which part of what a source fetched is the directive, read from real files.

The files are real PDFs, DOCX and scans made from corpus directives (fixtures/documents/text/); the
reader is the registered one (`adapters.text.extract`); the register is a real SQLite file.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from adapters.memory import MemorySource
from adapters.text import extract
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.domain import Attachment, RawDocument
from connector.mappings import Mappings, load_all
from connector.normalise import normalise
from connector.register.db import open_register
from connector.register.tables import Document
from connector.sync.intake import sync_source
from connector.sync.reading import with_text
from fixtures.documents.text.directives import load
from fixtures.documents.text.scans import Spoil, scan_image, scan_pdf

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "documents" / "text"
AT = datetime(2024, 9, 2, tzinfo=UTC)
COVER = (
    "Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.\n"
    "Văn phòng UBND tỉnh xin gửi kèm theo văn bản của UBND tỉnh để quý cơ quan thực hiện.\n"
    "Trân trọng."
)


def _file(name: str) -> Attachment:
    media = "application/pdf" if name.endswith(".pdf") else "application/octet-stream"
    return Attachment(name, media, (DOCS / name).read_bytes())


def _raw(body: str, *attachments: Attachment, ref: str = "1") -> RawDocument:
    return RawDocument(
        "mail", ref, AT, body, attachments=attachments, sha256=RawDocument.fingerprint(ref.encode())
    )


def _number_of(name: str) -> str:
    return load(name).number_line.split(":", 1)[1].strip()


def test_a_cover_note_never_hides_the_attached_directive(maps: Mappings, cal: WorkingCalendar) -> None:
    raw = with_text(_raw(COVER, _file("016-colead-lists.chromium.pdf")), extract)
    assert raw.metadata["text_from"] == "016-colead-lists.chromium.pdf"
    assert raw.metadata["text_method"] == "pdf"
    doc = normalise(raw, maps, cal, our_units=frozenset({"SNNPTNT"}))
    assert doc.number == _number_of("016-colead-lists")
    assert doc.tasks


def test_a_body_that_is_the_directive_is_read_and_the_attachment_left(maps: Mappings) -> None:
    body = load("013-giamdoc-so").reference()
    raw = _raw(body, _file("016-colead-lists.docx"))
    assert with_text(raw, extract) is raw


def test_the_attachment_with_the_header_comes_first_then_the_appendices() -> None:
    """A phụ lục (no number line, no place-and-date line) listed before the directive still follows it."""
    appendix = Attachment(
        "phu-luc.txt", "text/plain", "PHỤ LỤC\nDanh sách các xã thực hiện\n1. Xã Đăk Mar".encode()
    )
    raw = with_text(_raw("", appendix, _file("010-two-deadlines.docx")), extract)
    assert raw.metadata["text_from"] == "010-two-deadlines.docx; phu-luc.txt"
    assert raw.metadata["text_method"] == "docx+plain"
    assert raw.body.index(_number_of("010-two-deadlines")) < raw.body.index("PHỤ LỤC")


def test_an_edxml_content_of_only_the_subject_reads_the_attached_docx(
    maps: Mappings, cal: WorkingCalendar
) -> None:
    raw = with_text(_raw("V/v tăng cường phòng chống dịch bệnh", _file("018-cv-huyen-list.docx")), extract)
    assert raw.metadata["text_from"] == "018-cv-huyen-list.docx"
    doc = normalise(raw, maps, cal, our_units=frozenset({"SNNPTNT"}))
    assert doc.number == _number_of("018-cv-huyen-list")


def test_a_scan_is_read_by_ocr_and_its_tasks_go_to_review(maps: Mappings, cal: WorkingCalendar) -> None:
    page = scan_image(load("016-colead-lists"), seed=3, how=Spoil(angle=1.5, blur=1.2, grain=40, specks=400))
    raw = with_text(_raw(COVER, Attachment("scan.pdf", "application/pdf", scan_pdf([page]))), extract)
    assert raw.metadata["text_method"] == "ocr"
    confidence = float(raw.metadata["text_confidence"])
    assert 0 < confidence < 0.95
    doc = normalise(raw, maps, cal, our_units=frozenset({"SNNPTNT"}))
    assert doc.needs_review
    assert any("OCR" in r and "scan.pdf" in r for r in doc.review_reasons)


def test_an_unreadable_attachment_is_named_in_the_review_and_nothing_stops(
    maps: Mappings, cal: WorkingCalendar
) -> None:
    broken = Attachment("cong-van.pdf", "application/pdf", b"%PDF-1.7\n1 0 obj <<>>\ntruncated")
    raw = with_text(_raw("", broken), extract)
    assert "cong-van.pdf" in raw.metadata["text_errors"]
    doc = normalise(raw, maps, cal, our_units=frozenset({"SNNPTNT"}))
    assert doc.needs_review
    assert any("cong-van.pdf" in r for r in doc.review_reasons)


def test_the_register_keeps_which_file_the_text_came_from(tmp_path: Path) -> None:
    maps = load_all(ROOT / "mappings")
    profile = Profile.model_validate(
        tomllib.loads((ROOT / "mappings/profiles/nong-nghiep-2022.toml").read_text(encoding="utf-8"))
    )
    docs = [
        _raw(COVER, _file("013-giamdoc-so.chromium.pdf"), ref="a"),
        _raw(load("010-two-deadlines").reference(), ref="b"),
    ]
    register = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    try:
        sync_source(
            register, MemorySource("mail", docs), maps, WorkingCalendar(maps.calendar), profile, read=extract
        )
        with register.read() as s:
            kept = {d.number: (d.text_from, d.text_method) for d in s.exec(select(Document))}
    finally:
        register.dispose()
    assert kept[_number_of("013-giamdoc-so")] == ("013-giamdoc-so.chromium.pdf", "pdf")
    assert kept[_number_of("010-two-deadlines")] == (None, None)
