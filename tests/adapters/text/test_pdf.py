"""PDF text layers: the generated directives (Chromium, LibreOffice) read right, in header order, bounded."""

from __future__ import annotations

import io
import time
import unicodedata

import pytest
from pypdf import PdfReader, PdfWriter

from adapters.text import Limits
from adapters.text.fontruns import rejoin_font_runs, rejoin_onsets
from adapters.text.pdf import needs_ocr
from connector.errors import BadDocumentError
from fixtures.documents.text import hostile
from fixtures.documents.text.fields import key_fields
from fixtures.documents.text.metrics import cer, flat, vietnamese_words_kept

from .conftest import BY_NAME, DOCS, ROOT, assert_key_fields, directive, read

CHROMIUM = [f"{name}.{kind}.pdf" for name in BY_NAME for kind in ("chromium", "chromium-dejavu")]
LIBREOFFICE = [f"{name}.libreoffice.pdf" for name in BY_NAME]


def _name(pdf: str) -> str:
    return pdf.split(".")[0]


@pytest.mark.parametrize("pdf", CHROMIUM)
def test_chromium_pdfs_read_exactly(pdf: str) -> None:
    """Every Vietnamese word intact (tones, ơ/ư, đ, spacing), NFC; the normaliser finds the same fields."""
    got = read(pdf)
    d = directive(_name(pdf))
    assert (got.method, got.pages, got.confidence, got.warnings) == ("pdf", 1, None, ())
    assert unicodedata.is_normalized("NFC", got.text)
    assert vietnamese_words_kept(got.text, d.reference()) == 1.0
    assert cer(got.text, d.reference()) == 0.0
    assert_key_fields(got.text, d.name)
    assert key_fields(got.text) == key_fields(d.reference())


@pytest.mark.parametrize("pdf", [p for p in CHROMIUM if ".chromium." in p])
def test_header_table_reads_column_by_column(pdf: str) -> None:
    """Left column (issuer, number, subject) before the right one (motto, place and date), none mixed."""
    lines = read(pdf).text.split("\n")
    d = directive(_name(pdf))
    at = {line: i for i, line in enumerate(lines)}
    assert at[d.left[0]] < at[d.number_line] < at["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] < at[d.place_date]
    assert not any("CỘNG HÒA" in line and "NHÂN DÂN" in line for line in lines)


@pytest.mark.parametrize("pdf", LIBREOFFICE)
def test_fallback_font_pdfs_are_reread_by_glyph_position(poppler: None, pdf: str) -> None:
    """LibreOffice draws fallback-font glyphs after each line: pypdf's order is wrong, pdftotext's is kept."""
    got = read(pdf)
    d = directive(_name(pdf))
    assert any("sai thứ tự" in w for w in got.warnings)
    assert vietnamese_words_kept(got.text, d.reference()) >= 0.93
    assert_key_fields(got.text, d.name)
    fields, want = key_fields(got.text), key_fields(d.reference())
    assert (fields["number"], fields["issued_on"]) == (want["number"], want["issued_on"])


def test_onsets_split_by_a_gap_are_rejoined() -> None:
    """pdftotext's reading of justified fallback-font lines: a lone consonant run is never a word."""
    assert (
        rejoin_onsets("định kỳ h ằng quý, tr ước ngày, r ừng b ị l ấn")
        == "định kỳ hằng quý, trước ngày, rừng bị lấn"
    )
    assert rejoin_onsets("V/v ở Phát tri ển, TP Hồ Chí Minh") == "V/v ở Phát tri ển, TP Hồ Chí Minh"


def test_the_existing_fixture_reads_as_before() -> None:
    """fixtures/documents/cong-van.pdf (Liberation Serif + DejaVu Sans) as connector.extract read it."""
    text = read("cong-van.pdf", (ROOT / "fixtures/documents/cong-van.pdf").read_bytes()).text
    assert "Chủ tịch Ủy ban nhân dân tỉnh" in text
    assert "UBND các huyện: Đắk Glei, Ngọc Hồi và Sa Thầy" in text
    assert "Số: 1585/UBND-NNTN" in text.split("\n")


def test_font_runs_are_rejoined() -> None:
    broken = "Ch ủ  t ị ch Ủ y ban, t ả  l ợ n, tr ướ c ngày, S ố : 12, PHÓ CH Ủ  T Ị CH"
    assert rejoin_font_runs(broken) == "Chủ tịch Ủy ban, tả lợn, trước ngày, Số: 12, PHÓ CHỦ TỊCH"
    assert rejoin_font_runs("tả lợn  và") == "tả lợn  và"  # no artefact: unchanged


def _pages(*names: str) -> bytes:
    writer = PdfWriter()
    for name in names:
        writer.append(PdfReader(io.BytesIO((DOCS / name).read_bytes())))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_only_max_pages_are_read_and_the_log_says_so() -> None:
    data = _pages(
        "016-colead-lists.chromium.pdf", "018-cv-huyen-list.chromium.pdf", "010-two-deadlines.chromium.pdf"
    )
    got = read("ba-trang.pdf", data, limits=Limits(max_pages=2))
    assert got.pages == 3
    assert "Số: 1877/UBND-NNTN" in got.text
    assert "3310/UBND-KT" not in got.text
    assert got.warnings == ("Tệp «ba-trang.pdf» có 3 trang; chỉ đọc 2 trang đầu.",)


def _encrypted(user: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO((DOCS / "013-giamdoc-so.chromium.pdf").read_bytes())))
    writer.encrypt(user_password=user, owner_password="so-nong-nghiep", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_pdf_locked_only_against_editing_is_read() -> None:
    """Offices often set an owner password (no copying, no editing) with an empty user password."""
    got = read("khoa-sua.pdf", _encrypted(""))
    assert_key_fields(got.text, "013-giamdoc-so")


def test_a_pdf_that_needs_a_password_to_open_is_refused_in_vietnamese() -> None:
    with pytest.raises(BadDocumentError, match="đặt mật khẩu"):
        read("khoa-mo.pdf", _encrypted("bi-mat"))


def test_a_stream_that_inflates_to_a_gigabyte_is_refused_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(BadDocumentError, match="vượt giới hạn 32 MB"):
        read("bom.pdf", hostile.pdf_bomb(1024))
    assert time.perf_counter() - start < 3


def test_a_page_is_scanned_when_its_text_layer_is_empty_short_or_junk() -> None:
    limits = Limits()
    assert needs_ocr("", limits)
    assert needs_ocr("Ký bởi: Văn phòng\nThời gian ký: 17.05.2024", limits)  # a signature stamp only
    assert needs_ocr("\ue000\ue001\ue002 " * 60, limits)  # a font without a Unicode map
    assert not needs_ocr(directive("010-two-deadlines").reference(), limits)


def test_scanned_pages_are_only_listed_when_ocr_is_off(poppler: None) -> None:
    """max_ocr_pages=0: the text layer is returned as it is and the log says which pages were skipped."""
    got = read("016-colead-lists.chromium.pdf", limits=Limits(min_text_letters=10**6, max_ocr_pages=0))
    assert got.method == "pdf"
    assert flat(got.text) == flat(directive("016-colead-lists").reference())
    assert got.warnings == (
        "«016-colead-lists.chromium.pdf» có 1 trang quét nhưng nhận dạng chữ (OCR) đang tắt; bỏ qua.",
    )


def test_speed_of_the_text_layer_is_dozens_of_pages_per_second() -> None:
    files = [(DOCS / pdf).read_bytes() for pdf in CHROMIUM]
    start = time.perf_counter()
    for data in files:
        read("x.pdf", data)
    rate = len(files) / (time.perf_counter() - start)
    print(f"lớp chữ PDF: {rate:.0f} trang/s")
    assert rate > 5
