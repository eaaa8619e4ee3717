"""Images (PNG, JPEG, TIFF with one page per frame) opened within a pixel budget, then OCR'd.

Pillow reads only the header on `open`; the pixel count is checked before any pixel is decoded,
so a 40 KB PNG that declares 100,000 × 100,000 pixels costs nothing. Pillow's own guard
(Image.MAX_IMAGE_PIXELS, 89 M: a warning above it, an error above twice that) stays as it is, a
second fence behind `Limits.max_image_pixels`; its error becomes a BadDocumentError too. No
global warning filter is touched (extraction may run in several threads). PNG text chunks
are bounded by Pillow itself (MAX_TEXT_CHUNK, 1 MB). Phone photos carry their rotation in EXIF;
it is applied before OCR.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

from PIL import Image, ImageOps, UnidentifiedImageError

from adapters.text.model import ExtractedText, Limits
from adapters.text.ocr import blank, recognise
from connector.errors import BadDocumentError

DEFAULT_DPI = 300


def _frames(
    data: bytes, label: str, limits: Limits, warnings_: list[str]
) -> Iterator[tuple[Image.Image, int]]:
    """Each frame as a decoded image with its resolution; the first `max_ocr_pages` frames only."""
    try:
        img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadDocumentError(f"Ảnh «{label}» quá lớn (số điểm ảnh vượt giới hạn), không đọc.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BadDocumentError(
            f"Ảnh «{label}» hỏng hoặc không đúng định dạng ({type(exc).__name__})."
        ) from None
    count = 1 if img.format == "MPO" else getattr(img, "n_frames", 1)  # a phone's MPO: 2nd is a preview
    if count > limits.max_ocr_pages:
        warnings_.append(f"Ảnh «{label}» có {count} trang; chỉ nhận dạng {limits.max_ocr_pages} trang đầu.")
    for index in range(min(count, max(1, limits.max_ocr_pages))):
        try:
            img.seek(index)
            width, height = img.size
            if width * height > limits.max_image_pixels:
                raise BadDocumentError(
                    f"Ảnh «{label}» quá lớn ({width}×{height} điểm ảnh, tối đa "
                    f"{limits.max_image_pixels // 1_000_000} triệu), không đọc."
                )
            gray = img.convert("L")  # one byte a pixel from here on, whatever the source mode
            frame = ImageOps.exif_transpose(gray) or gray
        except BadDocumentError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadDocumentError(f"Ảnh «{label}» quá lớn (số điểm ảnh vượt giới hạn), không đọc.") from None
        except (OSError, ValueError, SyntaxError, EOFError, ZeroDivisionError) as exc:
            raise BadDocumentError(
                f"Ảnh «{label}» hỏng, không giải mã được ({type(exc).__name__})."
            ) from None
        yield frame, _dpi(img)


def _dpi(img: Image.Image) -> int:
    dpi = img.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if 70 <= value <= 1200 else DEFAULT_DPI


def image_text(data: bytes, label: str, limits: Limits) -> ExtractedText:
    """OCR every frame of an image file (a multi-page TIFF is one page per frame)."""
    if limits.max_ocr_pages < 1:
        raise BadDocumentError(f"Ảnh «{label}» chỉ đọc được bằng nhận dạng chữ (OCR), mà OCR đang tắt.")
    deadline = time.monotonic() + limits.ocr_total_seconds
    texts: list[str] = []
    notes: list[str] = []
    confidences: list[tuple[float, int]] = []
    for frame, dpi in _frames(data, label, limits, notes):
        if blank(frame):  # the back of a sheet in a multi-page TIFF
            texts.append("")
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise BadDocumentError(
                f"Nhận dạng chữ (OCR) «{label}» quá {limits.ocr_total_seconds:.0f} giây, đã dừng."
            )
        page = recognise(frame, dpi=dpi, limits=limits, label=label, timeout=left)
        texts.append(page.text)
        if page.confidence is not None:
            confidences.append((page.confidence, page.words))
    words = sum(n for _, n in confidences)
    confidence = sum(c * n for c, n in confidences) / words if words else 0.0
    notes.append(f"Ảnh «{label}» được nhận dạng chữ bằng OCR (độ tin cậy {confidence:.0%}).")
    return ExtractedText("\n\n".join(t for t in texts if t), "ocr", len(texts), confidence, tuple(notes))
