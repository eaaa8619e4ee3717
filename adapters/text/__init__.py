"""Text extraction: the bytes of one file (an attachment, a page) → its text, NFC, in reading order.

One entry point, `extract(att, limits=Limits())`, for every format a directive arrives in:

    PDF with a text layer   pypdf (+ font-run repair; pdftotext when glyphs are out of order)  "pdf"
    scanned PDF, PNG/JPEG/TIFF   pdftoppm 300 dpi → Tesseract `vie` (TSV: confidences, header columns)  "ocr"
    DOCX                    python-docx: paragraphs, tables, text boxes in document order       "docx"
    .doc (Word 97–2003)     LibreOffice headless → DOCX                                         "doc"
    HTML                    visible text, one line per block                                    "html"
    plain text              BOM / declared charset / UTF-8 / best 8-bit reading                 "plain"

Every failure is a `connector.errors.BadDocumentError` with a Vietnamese message (a broken file,
a hostile one refused by `Limits`, a missing Debian program named with its apt package); nothing
else escapes. The repairs here are those of *reading* (font runs, OCR confusions); what a text
means (TCVN3 fonts, lost spaces, fields) stays with the normaliser.
"""

from __future__ import annotations

from adapters.text.markup import decode_text, html_charset, html_text
from adapters.text.model import ExtractedText, Limits
from adapters.text.sniff import UNSUPPORTED, kind_of
from adapters.text.vietnamese import nfc
from connector.domain import Attachment
from connector.errors import BadDocumentError

__all__ = ["ExtractedText", "Limits", "decode_text", "extract", "html_text"]


def extract(att: Attachment, *, limits: Limits = Limits()) -> ExtractedText:  # noqa: B008 - frozen
    """The text of one file; raises BadDocumentError (Vietnamese) and nothing else."""
    label = att.name or "tệp đính kèm"
    limits.check_size(len(att.data), label)
    kind = kind_of(att.data, att.name, att.media_type)
    if kind is None:
        raise BadDocumentError(
            f"Không đọc được tệp «{label}»: định dạng chưa được hỗ trợ (chỉ đọc {UNSUPPORTED})."
        )
    try:
        result = _read(kind, att.data, label, limits)
    except BadDocumentError:
        raise
    except RecursionError:
        raise BadDocumentError(
            f"Tệp «{label}» lồng nhau quá sâu, không đọc được (có thể là tệp độc hại)."
        ) from None
    except MemoryError:
        raise BadDocumentError(f"Tệp «{label}» cần quá nhiều bộ nhớ để đọc, đã dừng.") from None
    except Exception as exc:  # a parser's own error on a broken file: one sentence, never a traceback
        raise BadDocumentError(
            f"Không đọc được nội dung tệp «{label}» ({type(exc).__name__}): "
            "tệp hỏng hoặc không đúng định dạng."
        ) from exc
    return ExtractedText(nfc(result.text), result.method, result.pages, result.confidence, result.warnings)


def _read(kind: str, data: bytes, label: str, limits: Limits) -> ExtractedText:
    if kind == "pdf":
        from adapters.text.pdf import pdf_text

        return pdf_text(data, label, limits)
    if kind == "image":
        from adapters.text.images import image_text

        return image_text(data, label, limits)
    if kind == "docx":
        from adapters.text.word import docx_text

        return docx_text(data, label, limits)
    if kind == "doc":
        from adapters.text.word import doc_text

        return doc_text(data, label, limits)
    if kind == "html":
        return ExtractedText(html_text(decode_text(data, html_charset(data))), "html", 1)
    return ExtractedText(decode_text(data).replace("\r\n", "\n"), "plain", 1)
