"""Scans through real Tesseract: generated scanned-looking directives keep their key fields; CER printed.

Four pages are OCR'd in all (a scanned PDF, a PDF with one text page and one scanned page, a phone
photo as JPEG with its EXIF rotation, a black-and-white TIFF with a blank back page). The seeds are
fixed, so Tesseract sees the same pixels on every run; bench/text.py measures many more seeds.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from adapters.text import ExtractedText, Limits
from connector.errors import BadDocumentError
from fixtures.documents.text.metrics import cer
from fixtures.documents.text.scans import scan_image, scan_pdf

from .conftest import DOCS, assert_key_fields, directive, read

MAX_CER = 0.05  # measured 0.5–2 % on these pages; the bench's mean over 24 pages is ~1.6 %


def _cer(got: str, name: str, what: str) -> float:
    rate = cer(got, directive(name).reference())
    print(f"CER {what} ({name}): {rate:.2%}")
    return rate


@pytest.fixture(scope="module")
def scanned(tesseract: str) -> tuple[ExtractedText, float]:
    data = scan_pdf([scan_image(directive("016-colead-lists"), seed=0)])
    start = time.perf_counter()
    got = read("ban-quet.pdf", data, media_type="application/pdf")
    return got, time.perf_counter() - start


def test_a_scanned_pdf_keeps_its_key_fields(scanned: tuple[ExtractedText, float]) -> None:
    got, seconds = scanned
    print(f"OCR: {1 / seconds:.2f} trang/s")
    assert (got.method, got.pages) == ("ocr", 1)
    assert_key_fields(got.text, "016-colead-lists")
    assert _cer(got.text, "016-colead-lists", "PDF quét") < MAX_CER


def test_ocr_gives_a_confidence_and_says_so_in_vietnamese(scanned: tuple[ExtractedText, float]) -> None:
    got, _ = scanned
    assert got.confidence is not None and 0.8 < got.confidence <= 1.0
    rate = f"{got.confidence:.0%}"
    assert got.warnings == (
        f"Trang 1 của «ban-quet.pdf» là bản quét, đã nhận dạng chữ bằng OCR (độ tin cậy {rate}).",
    )


def test_the_header_columns_of_a_scan_are_read_apart(scanned: tuple[ExtractedText, float]) -> None:
    """Tesseract reads "Số: 2044/UBND-NNTN  Độc lập - Tự do - Hạnh phúc" as one line; the gutter splits it."""
    lines = scanned[0].text.split("\n")
    assert lines.index("Số: 2044/UBND-NNTN") < lines.index("Độc lập - Tự do - Hạnh phúc")
    assert lines.index("ỦY BAN NHÂN DÂN") < lines.index("TỈNH KON TUM") < lines.index("Số: 2044/UBND-NNTN")


def test_a_pdf_with_a_text_page_and_a_scanned_page(tesseract: str) -> None:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO((DOCS / "013-giamdoc-so.chromium.pdf").read_bytes())))
    writer.append(PdfReader(io.BytesIO(scan_pdf([scan_image(directive("018-cv-huyen-list"), seed=5)]))))
    buf = io.BytesIO()
    writer.write(buf)
    got = read("hai-trang.pdf", buf.getvalue())
    first, second = got.text.split("\n\n", 1)[0], got.text.split("GIÁM ĐỐC\n\n", 1)[1]
    assert (got.method, got.pages) == ("ocr", 2)
    assert "Trang 2 của «hai-trang.pdf» là bản quét" in got.warnings[0]
    assert_key_fields(got.text.split("GIÁM ĐỐC")[0], "013-giamdoc-so")
    assert first.startswith("UBND TỈNH KON TUM")
    assert_key_fields(second, "018-cv-huyen-list")
    assert _cer(second, "018-cv-huyen-list", "trang quét trong PDF hai trang") < MAX_CER


def test_a_phone_photo_is_turned_upright_by_its_exif_and_read(tesseract: str) -> None:
    """The camera stores the pixels sideways and says so in EXIF (orientation 6); OCR sees them upright."""
    upright = scan_image(directive("013-giamdoc-so"), seed=5).convert("L")
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    sideways.save(buf, "JPEG", quality=85, exif=exif, dpi=(200, 200))
    got = read("anh-chup.jpg", buf.getvalue(), media_type="image/jpeg")
    assert (got.method, got.pages) == ("ocr", 1)
    assert got.confidence is not None and got.confidence > 0.8
    assert_key_fields(got.text, "013-giamdoc-so")
    assert _cer(got.text, "013-giamdoc-so", "ảnh JPEG") < MAX_CER


def test_a_black_and_white_tiff_with_a_blank_back_page(tesseract: str) -> None:
    front = scan_image(directive("010-two-deadlines"), seed=4, bilevel=True)
    back = Image.new("1", front.size, 1)
    buf = io.BytesIO()
    front.save(buf, "TIFF", compression="group4", dpi=(200, 200), save_all=True, append_images=[back])
    got = read("ban-quet.tif", buf.getvalue())
    assert (got.method, got.pages) == ("ocr", 2)
    assert_key_fields(got.text, "010-two-deadlines")
    assert _cer(got.text, "010-two-deadlines", "TIFF đen trắng") < MAX_CER


def test_ocr_that_takes_too_long_is_stopped(tesseract: str) -> None:
    data = scan_pdf([scan_image(directive("016-colead-lists"), seed=0)])
    start = time.perf_counter()
    with pytest.raises(BadDocumentError, match="quá 0 giây, đã dừng"):
        read("cham.pdf", data, limits=Limits(ocr_page_seconds=0.2))
    assert time.perf_counter() - start < 5


@pytest.fixture
def path_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A PATH holding only what the test links into it: a server where a package is not installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    yield bin_dir


def test_without_poppler_the_error_names_the_package(path_with: Path) -> None:
    data = scan_pdf([scan_image(directive("016-colead-lists"), seed=0)])
    with pytest.raises(BadDocumentError, match=r"pdftoppm.*cài gói poppler-utils") as caught:
        read("ban-quet.pdf", data)
    # the command is for the admin (the hint), not the log line (the message)
    assert caught.value.hint == "sudo apt-get install -y poppler-utils"
    assert "sudo" not in caught.value.message


def test_without_tesseract_the_error_names_the_packages(path_with: Path, poppler: None) -> None:
    import shutil

    (path_with / "pdftoppm").symlink_to(shutil.which("pdftoppm", path="/usr/bin:/bin") or "/usr/bin/pdftoppm")
    data = scan_pdf([scan_image(directive("016-colead-lists"), seed=0)])
    with pytest.raises(BadDocumentError, match="tesseract-ocr tesseract-ocr-vie"):
        read("ban-quet.pdf", data)
