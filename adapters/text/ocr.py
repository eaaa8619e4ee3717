"""OCR of one page image with Tesseract's Vietnamese model, read back from its TSV output.

Why TSV and not plain text: it carries each word's box and confidence. The confidences give
`ExtractedText.confidence` (callers send doubtful scans to review); the boxes let us put the
header table back in reading order. Tesseract reads the two header columns of an administrative
document as one line each ("Số: 1877/UBND-NNTN  Độc lập - Tự do - Hạnh phúc"), which would glue
the number to the motto and the subject to the place-and-date line. Where the top of the page
has an empty vertical gutter, the words left of it are read first, then those right of it.

Speckles from the copier become stray tokens (":", "._", "„"); words with no letter or digit and
low confidence are dropped before the text is put together. Tesseract runs as a fenced child
(`tools.run`): one thread, an address-space limit, a timeout per page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

from adapters.text import tools
from adapters.text.model import Limits
from adapters.text.ocr_repairs import repair_ocr
from connector.errors import BadDocumentError


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV: where it is (pixels), how sure it is (0–100), its text."""

    block: int
    par: int
    line: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def noise(self) -> bool:
        """A speck read as punctuation: no letter or digit, and Tesseract itself unsure."""
        return not any(c.isalnum() for c in self.text) and (self.conf < 60 or len(self.text) > 2)


@dataclass(frozen=True)
class OcrPage:
    """The page's text in reading order, its word count and mean word confidence (0..1)."""

    text: str
    words: int
    confidence: float | None
    raw: str = ""  # before the repairs of ocr_repairs (bench/text.py measures both)


def blank(img: Image.Image) -> bool:
    """Fewer than 1 in 2,000 pixels dark: an empty page (the back of a sheet), nothing to OCR."""
    dark = sum(img.convert("L").histogram()[:128])
    return dark * 2000 < img.width * img.height


def prepare(image: Image.Image) -> bytes:
    """Grayscale and a 3×3 median (removes isolated toner specks, keeps the dots of ạ, ị), as PGM."""
    gray = image.convert("L").filter(ImageFilter.MedianFilter(3))
    buf = io.BytesIO()
    gray.save(buf, "PPM")
    return buf.getvalue()


def recognise(image: Image.Image, *, dpi: int, limits: Limits, label: str, timeout: float) -> OcrPage:
    """OCR one page image; `timeout` is what is left of the document's OCR budget for this page."""
    tesseract = tools.require("tesseract", for_file=label)
    done = tools.run(
        [tesseract, "-", "-", "-l", "vie", "--psm", "3", "--dpi", str(dpi), "tsv"],
        stdin=prepare(image),
        timeout=min(timeout, limits.ocr_page_seconds),
        memory=limits.tool_memory_bytes,
        env={"OMP_THREAD_LIMIT": "1"},
        what=f"Nhận dạng chữ (OCR) tệp «{label}»",
    )
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["không rõ lý do"]
        raise BadDocumentError(f"Không nhận dạng được chữ trong «{label}»: Tesseract báo lỗi ({detail[0]}).")
    words = _drop_strays([w for w in parse_tsv(done.stdout.decode("utf-8", "replace")) if not w.noise])
    confidence = sum(w.conf for w in words) / len(words) / 100 if words else None
    raw = layout(words, image.width, image.height)
    return OcrPage(repair_ocr(raw), len(words), confidence, raw)


def parse_tsv(tsv: str) -> list[Word]:
    """The word rows (level 5) of Tesseract's TSV, in Tesseract's order."""
    words = []
    for row in tsv.split("\n")[1:]:
        cells = row.split("\t")
        if len(cells) != 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            nums = [int(c) for c in cells[2:10]]
            conf = float(cells[10])
        except ValueError:
            continue
        block, par, line, _word, left, top, width, height = nums
        words.append(Word(block, par, line, left, top, width, height, conf, cells[11].strip()))
    return words


def _drop_strays(words: list[Word]) -> list[Word]:
    """Drop specks: unsure words standing alone on their line ("Sẽ", "c"), and lone marks ("-", "_")
    farther from the next word than a bullet ever is."""
    kept: list[Word] = []
    for line in _lines(words):
        height = sorted(w.height for w in line)[len(line) // 2]
        for i, w in enumerate(line):
            before = w.left - line[i - 1].right if i else 10**6
            after = line[i + 1].left - w.right if i + 1 < len(line) else 10**6
            if w.conf < 50 and len(w.text) <= 3 and min(before, after) > 3 * height:
                continue
            if not any(c.isalnum() for c in w.text) and min(before, after) > 3 * height // 2:
                continue
            kept.append(w)
    return kept


def _lines(words: list[Word]) -> list[list[Word]]:
    lines: list[list[Word]] = []
    key = None
    for w in words:
        k = (w.block, w.par, w.line)
        if k != key:
            lines.append([])
            key = k
        lines[-1].append(w)
    return lines


def _gutter(zone: list[list[Word]], page_width: int) -> int | None:
    """The x of an empty vertical strip between two header columns, if the page's top has one."""
    boxes = [(w.left, w.right) for line in zone for w in line if w.conf >= 50]
    if len(boxes) < 4:
        return None
    lo, hi = min(b[0] for b in boxes), max(b[1] for b in boxes)
    span = hi - lo
    covered = bytearray(span + 1)
    for a, b in boxes:
        covered[a - lo : b - lo + 1] = b"\x01" * (b - a + 1)
    best, best_at, run = 0, None, 0
    for x in range(lo + span * 25 // 100, lo + span * 65 // 100):
        run = run + 1 if not covered[x - lo] else 0
        if run > best:
            best, best_at = run, x - run // 2
    return best_at if best >= max(12, page_width // 100) else None


def _header_zone(lines: list[list[Word]], page_height: int) -> int:
    """How many lines from the top may belong to the header table: those above "Kính gửi" in the top third."""
    for i, line in enumerate(lines):
        if line[0].top > page_height * 3 // 10 or any(w.text.startswith(("Kính", "KÍNH")) for w in line):
            return i
    return len(lines)


def _split_header(lines: list[list[Word]], page_width: int, page_height: int) -> tuple[int, int | None]:
    """The longest run of top lines with a gutter used on both sides (at least 3 lines), and the gutter."""
    for n in range(_header_zone(lines, page_height), 2, -1):
        gutter = _gutter(lines[:n], page_width)
        if gutter is None:
            continue
        sides = [
            sum(any(((w.left + w.right) // 2 < gutter) is side for w in line) for line in lines[:n])
            for side in (True, False)
        ]
        if min(sides) >= 2:
            return n, gutter
    return 0, None


def layout(words: list[Word], page_width: int, page_height: int) -> str:
    """Words to text: one line per Tesseract line, blank line between blocks, header columns apart."""
    lines = _lines(words)
    if not lines:
        return ""
    n, gutter = _split_header(lines, page_width, page_height)
    ordered: list[tuple[int, list[Word]]] = []
    if gutter is not None:
        left = [[w for w in line if (w.left + w.right) // 2 < gutter] for line in lines[:n]]
        right = [[w for w in line if (w.left + w.right) // 2 >= gutter] for line in lines[:n]]
        ordered += [(-1, line) for line in left if line] + [(-2, line) for line in right if line]
        lines = lines[n:]
    ordered += [(line[0].block, line) for line in lines]
    out: list[str] = []
    block = None
    for b, line in ordered:
        if block is not None and b != block:
            out.append("")
        block = b
        out.append(" ".join(w.text for w in line))
    return "\n".join(out)
