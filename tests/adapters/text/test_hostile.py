"""Hostile and broken files: refused fast, in bounded memory, always as a Vietnamese BadDocumentError.

The bombs are read in a child process whose peak RSS (`resource.getrusage`) is the measure. Linux
carries the high-water mark of the process that forks over `exec` (pytest's ~100 MB), so the
child is started by a small launcher: its own peak is then only what the extraction used.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from adapters.text import ExtractedText, Limits, extract
from connector.domain import Attachment
from connector.errors import BadDocumentError
from fixtures.documents.text import hostile
from fixtures.documents.text.scans import font_path

from .conftest import DOCS, ROOT, read

MAX_RSS_MB = 300
CHILD = """
import resource, sys, time
from adapters.text import extract
from connector.domain import Attachment
from connector.errors import BadDocumentError
name, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
start = time.perf_counter()
try:
    extract(Attachment(name, "", data))
    outcome = "READ"
except BadDocumentError as exc:
    outcome = "REFUSED " + exc.message
seconds = time.perf_counter() - start
print(outcome)
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
LAUNCHER = "\n".join(
    (
        "import subprocess, sys",
        "done = subprocess.run([sys.executable, '-c', sys.argv[1], *sys.argv[2:]])",
        "sys.exit(done.returncode)",
    )
)


def _in_child(tmp_path: Path, name: str, data: bytes) -> tuple[str, float, int]:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, CHILD, name, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    outcome, figures = done.stdout.strip().rsplit("\n", 1)
    seconds, rss = figures.split()
    print(f"{name}: {len(data) / 1e6:.2f} MB, {float(seconds):.3f} s, RSS {rss} MB: {outcome}")
    return outcome, float(seconds), int(rss)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("zip-bomb.docx", lambda: hostile.docx_bomb(1700), "giải nén ra 1700 MB"),
        ("zip-bomb-lies.docx", lambda: hostile.docx_bomb(1700, lie=True), "hỏng"),
        ("stream-bomb.pdf", lambda: hostile.pdf_bomb(1024), "vượt giới hạn 32 MB"),
        ("pixel-bomb.png", hostile.png_bomb, "quá lớn"),
    ],
)
def test_a_bomb_is_refused_fast_in_bounded_memory(
    tmp_path: Path, name: str, make: object, message: str
) -> None:
    data = make()  # type: ignore[operator]
    if name.endswith(".docx"):
        assert 1.6e6 < len(data) < 1.9e6  # the 1.7 MB DOCX of the brief, inflating to 1.7 GB
    outcome, seconds, rss = _in_child(tmp_path, name, data)
    assert outcome.startswith("REFUSED") and message in outcome
    assert seconds < 3
    assert rss < MAX_RSS_MB


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_too_many_members_are_refused_before_inflating() -> None:
    data = _zip({f"word/media/{i}.bin": b"x" for i in range(30)} | {"word/document.xml": b"<w/>"})
    with pytest.raises(BadDocumentError, match="có 31 tệp bên trong, tối đa 20"):
        read("nhieu.docx", data, limits=Limits(max_zip_members=20))


def test_a_high_ratio_member_is_refused_from_the_directory() -> None:
    data = _zip({"word/document.xml": b" " * (3 * 1024 * 1024)})
    with pytest.raises(BadDocumentError, match=r"nén tới \d+:1"):
        read("ti-le.docx", data)


def test_the_total_unpacked_size_is_bounded() -> None:
    data = _zip(
        {"word/document.xml": b"<w/>", "word/media/a.png": bytes(range(256)) * 4000}, zipfile.ZIP_STORED
    )
    with pytest.raises(BadDocumentError, match="nội dung giải nén"):
        read("lon.docx", data, limits=Limits(max_unpacked_bytes=500_000))


def test_an_image_over_the_pixel_budget_is_refused_before_decoding() -> None:
    buf = io.BytesIO()
    Image.new("L", (2000, 1000), 255).save(buf, "PNG")
    with pytest.raises(BadDocumentError, match=r"2000×1000 điểm ảnh"):
        read("anh.png", buf.getvalue(), limits=Limits(max_image_pixels=1_000_000))


def _small_png() -> bytes:
    img = Image.new("L", (420, 70), 255)
    ImageDraw.Draw(img).text((10, 12), "Sở Tài chính", font=ImageFont.truetype(font_path(), 36), fill=0)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


SEEDS = {
    "van-ban.pdf": (DOCS / "013-giamdoc-so.chromium.pdf").read_bytes(),
    "fallback.pdf": (DOCS / "010-two-deadlines.libreoffice.pdf").read_bytes(),
    "van-ban.docx": (DOCS / "016-colead-lists.docx").read_bytes(),
    "trang.html": (ROOT / "fixtures/documents/cong-van.html").read_bytes(),
    "ghi-chu.txt": (ROOT / "tests/corpus/hand/001-qd-chutich-tcvn3.txt").read_bytes(),
    "anh.png": _small_png(),
}
mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**9), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**9), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**9), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**9), st.integers(1, 64)),
)


def _mutate(data: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, arg in steps:
        at = where % max(1, len(buf))
        if kind == "flip" and buf:
            buf[at] ^= arg
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = bytes([arg]) * (1 + where % 16)
        elif kind == "delete":
            del buf[at : at + arg]
    return bytes(buf)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SEEDS)), steps=st.lists(mutation, min_size=1, max_size=6))
def test_a_mutated_file_is_read_or_refused_never_anything_else(
    name: str, steps: list[tuple[str, int, int]]
) -> None:
    """Real PDFs, DOCX, HTML, legacy text and a PNG with bytes flipped, cut, inserted, deleted.

    Scanned pages are not OCR'd here (max_ocr_pages=0): a mutated text layer must not make the
    test slow; the OCR path has its own tests. The PNG is small enough to OCR in a blink.
    """
    data = _mutate(SEEDS[name], steps)
    limits = Limits(max_ocr_pages=0 if name.endswith(".pdf") else 1)
    try:
        got = extract(Attachment(name, "", data), limits=limits)
    except BadDocumentError as exc:
        assert exc.message and not exc.message.isascii()  # a Vietnamese sentence
        return
    assert isinstance(got, ExtractedText)
    assert isinstance(got.text, str)
