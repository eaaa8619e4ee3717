"""The bounds extraction works within (what it returns is `connector.domain.ExtractedText`).

`Limits` is the whole resource budget of one extraction: every decompression, render and child
process checks one of these numbers *before* it spends the resource, so a hostile attachment
(zip bomb, a PDF stream that inflates to gigabytes, a PNG that declares 100,000 × 100,000 pixels, a
scan that keeps Tesseract busy) is refused with a `BadDocumentError` instead of taking the service
down. The defaults fit the office's documents with a wide margin: a directive is 1–10 pages, an
attached plan or report up to a few hundred; an A4 page at 300 dpi is 8.7 megapixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.domain import ExtractedText
from connector.errors import BadDocumentError

METHODS = ("pdf", "ocr", "docx", "doc", "html", "plain")
"""`ExtractedText.method` (connector.domain): how the text was obtained."""


@dataclass(frozen=True)
class Limits:
    """Resource bounds of one `extract` call (see the module docstring for why each exists)."""

    max_bytes: int = 30 * 1024 * 1024  # the file itself
    # ZIP containers (DOCX): checked in the central directory before any member is inflated,
    # then counted again while reading (a header may lie).
    max_zip_members: int = 500
    max_member_bytes: int = 64 * 1024 * 1024
    max_unpacked_bytes: int = 128 * 1024 * 1024
    max_zip_ratio: int = 200  # a DOCX part compresses 5–30×; a zip bomb 1,000×
    # PDF: pages read, bytes one decoded stream may produce (pypdf's Configuration).
    max_pages: int = 300
    max_stream_bytes: int = 32 * 1024 * 1024
    # Images and OCR.
    max_image_pixels: int = 60_000_000  # a 48 MP phone photo passes; a 100k × 100k "PNG" does not
    ocr_dpi: int = 300
    max_ocr_pages: int = 20
    ocr_page_seconds: float = 90.0
    ocr_total_seconds: float = 600.0
    min_text_letters: int = 80  # a text layer with fewer letters on a page is not the page's text
    # Child processes (pdftoppm, pdftotext, tesseract, soffice).
    tool_memory_bytes: int = 1024 * 1024 * 1024
    convert_seconds: float = 120.0

    def check_size(self, size: int, name: str) -> None:
        """Refuse a file larger than `max_bytes` before anything reads it."""
        if size > self.max_bytes:
            raise BadDocumentError(
                f"Tệp «{name}» quá lớn ({size / 1048576:.1f} MB, tối đa {self.max_bytes / 1048576:.0f} MB)."
            )


__all__ = ["METHODS", "ExtractedText", "Limits"]
