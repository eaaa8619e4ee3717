"""PDF: the text layer with pypdf, pdftotext when pypdf's glyph order is wrong, OCR for scanned pages.

Library choice, measured by bench/text.py on 12 generated directives (4 texts × Chromium with a
font switch, Chromium in one font, LibreOffice from DOCX); full table in its docstring:

    reader          Chromium, 2 fonts        Chromium, 1 font     LibreOffice, fallback font
                    vi-words fields  p/s     vi-words fields p/s   vi-words fields  p/s
    pypdf             0.392   0/20   39       1.000  20/20   68     0.356   0/20   107
    pypdf+rejoin      1.000  20/20   39       1.000  20/20   82     0.356   0/20   105
    pdfminer.six      1.000  17/20   26       1.000  17/20   42     0.392   0/20    16
    pdfplumber        0.564  11/20   20       1.000  13/20   34     1.000  15/20    38
    pypdfium2         1.000  20/20  321       1.000  20/20  765     0.399   0/20   714
    pdftotext         0.921  12/20  125       1.000  13/20  145     0.967  16/20   130
    this module       1.000  20/20   38       1.000  20/20   65     0.992  17/20    44

(vi-words: share of the words with a Vietnamese letter read intact; fields: number, issuer, date,
subject, tasks as the normaliser then finds them, 5 per directive.)

- pypdf + `rejoin_font_runs` (kept from connector/extract.py: without it pypdf splits every word
  at a font switch, "Ch ủ t ị ch") reads both Chromium kinds perfectly, the header table column by
  column. It is also the only candidate that bounds decompression itself (`pypdf.Configuration`:
  output per Flate/LZW/RunLength/JBIG2/Brotli stream, decoding work per stream, page-tree size)
  and fails with Python exceptions on broken files.
- pdfminer.six is as exact in letters, slower, and its blank lines and doubled spaces cost
  fields; it inflates a stream with one `zlib.decompress` call, so 1 MB can become 1 GB in memory.
  pdfplumber (built on it) reads the header table across both columns ("ỦY BAN NHÂN DÂN CỘNG HÒA…").
- pypdfium2 is as exact and 8–10× faster, but it is PDFium in our process with no decompression
  bound: a hostile file can exhaust memory or crash the service, not raise. At 40–60 pages/s
  pypdf is far faster than directives arrive.
- All in-order readers fail on LibreOffice PDFs whose missing glyphs came from a fallback font:
  the writer draws them after the rest of the line ("S NÔNG NGHI P VÀỞ Ệ"). Poppler's pdftotext
  orders glyphs by position, so it is asked when pypdf's words look un-Vietnamese
  (`unvietnamese_share` > 4 %), runs in a fenced child, and is kept only when it scores better;
  but it breaks Chromium's Type 3 lines, so it never leads.

A page is scanned when its text layer has fewer than `min_text_letters` letters (an image with a
signature stamp's text) or is junk (a font without a Unicode map). Scanned pages are rendered by
pdftoppm at `ocr_dpi` (lowered so that no page exceeds `max_image_pixels`), blank ones skipped,
the rest OCR'd within `ocr_total_seconds`.
"""

from __future__ import annotations

import io
import logging
import math
import time
from dataclasses import dataclass, fields

from PIL import Image

from adapters.text import tools
from adapters.text.fontruns import rejoin_font_runs, rejoin_onsets
from adapters.text.model import ExtractedText, Limits
from adapters.text.ocr import OcrPage, blank, recognise
from adapters.text.vietnamese import VI_LETTERS, nfc, unvietnamese_share
from connector.errors import BadDocumentError

logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken-file chatter; failures raise
_GARBLED = 0.04  # unvietnamese_share above which pdftotext is asked for a second reading
_OK_CHARS = set(VI_LETTERS + " \n\t\u00a0“”‘’–—…•°№«»×") | {chr(c) for c in range(0x20, 0x7F)}


@dataclass
class _Page:
    text: str
    width_pt: float
    height_pt: float


def _configuration(limits: Limits) -> dict[str, int]:
    """pypdf's decompression and parsing bounds for this call (only those the installed pypdf has)."""
    from pypdf import Configuration

    wanted = {
        "zlib_maximum_output_length": limits.max_stream_bytes,
        "lzw_maximum_output_length": limits.max_stream_bytes,
        "run_length_maximum_output_length": limits.max_stream_bytes,
        "jbig2_maximum_output_length": limits.max_stream_bytes,
        "brotli_maximum_output_length": limits.max_stream_bytes,
        "array_based_stream_maximum_output_length": limits.max_stream_bytes,
        "image_maximum_buffer_size": limits.max_stream_bytes,
        "maximum_declared_stream_length": limits.max_bytes,
        "stream_decoding_work_maximum_length": 4 * limits.max_stream_bytes,
        "page_tree_maximum_entries": 4 * limits.max_pages + 1000,
    }
    known = {f.name for f in fields(Configuration)}
    return {k: v for k, v in wanted.items() if k in known}


def _text_layer(data: bytes, label: str, limits: Limits) -> tuple[list[_Page], int]:
    """Each page's text layer (first `max_pages`), with its size in points, and the page count."""
    from pypdf import PdfReader, apply_configuration, get_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    with apply_configuration(get_configuration().with_overwrites(**_configuration(limits))):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise BadDocumentError(f"Tệp PDF «{label}» được đặt mật khẩu mở; hãy gửi bản không mật khẩu.")
            total = len(reader.pages)
            pages = []
            for page in reader.pages[: limits.max_pages]:
                box = page.cropbox
                pages.append(_Page(page.extract_text() or "", float(box.width), float(box.height)))
        except (FileNotDecryptedError, DependencyError):
            raise BadDocumentError(f"Tệp PDF «{label}» được mã hóa, không đọc được nội dung.") from None
        except PyPdfError as exc:
            if type(exc).__name__ == "LimitReachedError":
                raise BadDocumentError(
                    f"Tệp PDF «{label}» bị từ chối: một luồng dữ liệu giải nén vượt giới hạn "
                    f"{limits.max_stream_bytes / 1048576:.0f} MB (có thể là tệp độc hại)."
                ) from None
            raise BadDocumentError(
                f"Tệp PDF «{label}» hỏng, không đọc được ({type(exc).__name__})."
            ) from None
    return pages, total


def needs_ocr(text: str, limits: Limits) -> bool:
    letters = sum(1 for c in text if c.isalpha())
    if letters < limits.min_text_letters:
        return True
    printable = [c for c in text if not c.isspace()]
    junk = sum(1 for c in printable if c not in _OK_CHARS)
    return junk > len(printable) // 3


def _pdftotext(data: bytes, label: str, count: int, limits: Limits) -> list[str] | None:
    """Poppler's reading, page by page; None when it is not installed or fails (pypdf's stands)."""
    try:
        exe = tools.require("pdftotext", for_file=label)
        done = tools.run(
            [exe, "-enc", "UTF-8", "-l", str(count), "-", "-"],
            stdin=data,
            timeout=limits.convert_seconds,
            memory=limits.tool_memory_bytes,
            what=f"Đọc lớp chữ tệp «{label}»",
        )
    except BadDocumentError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").split("\f")[:count]


def _broken_words(text: str) -> int:
    return round(unvietnamese_share(text) * 1000)


def _render(
    data: bytes, index: int, page: _Page, label: str, limits: Limits, timeout: float
) -> tuple[Image.Image, int]:
    """One page as a grayscale image at `ocr_dpi`, lower when the page would pass the pixel bound."""
    exe = tools.require("pdftoppm", for_file=label)
    inches = max(page.width_pt, 1.0) * max(page.height_pt, 1.0) / 72 / 72
    dpi = min(limits.ocr_dpi, int(math.sqrt(limits.max_image_pixels / inches)))
    if dpi < 72:
        raise BadDocumentError(
            f"Trang {index + 1} của «{label}» có khổ giấy bất thường, không chuyển thành ảnh được."
        )
    done = tools.run(
        [exe, "-f", str(index + 1), "-l", str(index + 1), "-r", str(dpi), "-gray", "-singlefile", "-"],
        stdin=data,
        timeout=timeout,
        memory=limits.tool_memory_bytes,
        what=f"Chuyển trang {index + 1} của «{label}» thành ảnh",
    )
    if done.returncode != 0 or not done.stdout:
        raise BadDocumentError(f"Trang {index + 1} của «{label}» hỏng, không chuyển thành ảnh được.")
    img = Image.open(io.BytesIO(done.stdout))
    if img.width * img.height > limits.max_image_pixels * 1.05:
        raise BadDocumentError(f"Trang {index + 1} của «{label}» quá lớn để nhận dạng chữ.")
    img.load()
    return img, dpi


def pdf_text(data: bytes, label: str, limits: Limits) -> ExtractedText:
    """The PDF's text in reading order; scanned pages OCR'd; warnings say what was done."""
    pages, total = _text_layer(data, label, limits)
    warnings: list[str] = []
    if total > len(pages):
        warnings.append(f"Tệp «{label}» có {total} trang; chỉ đọc {len(pages)} trang đầu.")
    texts = [rejoin_font_runs(nfc(p.text)) for p in pages]
    if unvietnamese_share("\n".join(texts)) > _GARBLED:
        other = _pdftotext(data, label, len(pages), limits)
        if other is not None and len(other) == len(texts):
            other = [rejoin_onsets(nfc(t)) for t in other]
            if _broken_words("\n".join(other)) < _broken_words("\n".join(texts)) * 2 // 3:
                texts = other
                warnings.append("Lớp chữ PDF có chữ sai thứ tự (phông thay thế); đã đọc lại theo vị trí chữ.")
    scanned = [i for i, t in enumerate(texts) if needs_ocr(t, limits)]
    ocr_pages: list[tuple[int, OcrPage]] = []
    if scanned:
        ocr_pages = _ocr(data, pages, scanned, label, limits, warnings)
        for i, page in ocr_pages:
            texts[i] = page.text
    words = sum(p.words for _, p in ocr_pages if p.confidence is not None)
    confidence = (
        sum(p.confidence * p.words for _, p in ocr_pages if p.confidence is not None) / words
        if words
        else None
    )
    if ocr_pages:
        shown = ", ".join(str(i + 1) for i, _ in ocr_pages)
        rate = f" (độ tin cậy {confidence:.0%})" if confidence is not None else ""
        warnings.append(f"Trang {shown} của «{label}» là bản quét, đã nhận dạng chữ bằng OCR{rate}.")
    method = "ocr" if ocr_pages and len(ocr_pages) * 2 >= len(pages) else "pdf"
    text = "\n\n".join(t.strip("\n") for t in texts)
    return ExtractedText(text, method, total, confidence if ocr_pages else None, tuple(warnings))


def _ocr(
    data: bytes, pages: list[_Page], scanned: list[int], label: str, limits: Limits, warnings: list[str]
) -> list[tuple[int, OcrPage]]:
    todo = scanned[: limits.max_ocr_pages]
    if not todo:
        warnings.append(f"«{label}» có {len(scanned)} trang quét nhưng nhận dạng chữ (OCR) đang tắt; bỏ qua.")
    elif len(scanned) > len(todo):
        warnings.append(
            f"«{label}» có {len(scanned)} trang quét; chỉ nhận dạng {len(todo)} trang đầu, "
            "các trang sau bỏ qua."
        )
    deadline = time.monotonic() + limits.ocr_total_seconds
    done: list[tuple[int, OcrPage]] = []
    for i in todo:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BadDocumentError(
                f"Nhận dạng chữ (OCR) «{label}» quá {limits.ocr_total_seconds:.0f} giây, đã dừng."
            )
        img, dpi = _render(data, i, pages[i], label, limits, min(left, limits.ocr_page_seconds))
        if blank(img):
            continue
        left = deadline - time.monotonic()
        done.append((i, recognise(img, dpi=dpi, limits=limits, label=label, timeout=max(1.0, left))))
    return done
