"""Plain text by charset (the reading the normaliser's own score would choose); HTML's visible text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from adapters.text import decode_text, html_text
from connector.normalise.hygiene import repaired_score

from .conftest import ROOT, read


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters (ơ, ư, â…) plus a combining tone."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, tone = unicodedata.normalize("NFD", ch)[:-1], unicodedata.normalize("NFD", ch)[-1]
            out += unicodedata.normalize("NFC", base).encode("cp1258") + tone.encode("cp1258")
    return out


CORPUS = sorted((ROOT / "tests/corpus/hand").glob("*.txt"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_corpus_file_decodes_as_the_normalisers_score_would(path: Path) -> None:
    """UTF-8, TCVN3 and VNI bytes without a declared charset: the adapter's small scorer picks the
    reading the normaliser's repair scores best (the adapter may not import the normaliser)."""
    data = path.read_bytes()
    assert decode_text(data) == decode_text(data, score=repaired_score)


def test_boms_and_declared_charsets() -> None:
    text = "Sở Tài chính chủ trì"
    assert decode_text(text.encode("utf-16")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode()) == text
    assert unicodedata.normalize("NFC", decode_text(cp1258(text), "windows-1258")) == text
    assert decode_text(text.encode("utf-8"), "no-such-charset") == text


def test_extract_of_plain_text_is_nfc() -> None:
    got = read("a.txt", unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh").encode())
    assert got.method == "plain"
    assert got.text == "Ủy ban nhân dân tỉnh"


def test_html_visible_text_one_line_per_block() -> None:
    markup = """<html><head><title>Tiêu đề</title><style>p{color:red}</style></head><body>
    <script>var x = "không hiện";</script><!-- ghi chú -->
    <div>ỦY BAN NHÂN DÂN<br>TỈNH KON TUM</div>
    <p>Giao Sở Nông nghiệp và
       Phát triển nông thôn chủ trì,</p><p hidden>ẩn</p><span style="display: none">ẩn nữa</span>
    <table><tr><td>Số: 12/UBND-KT</td><td>Kon Tum, ngày 1 tháng 2 năm 2024</td></tr></table>
    <ul><li>Sở Tài chính;</li><li>Sở Nội vụ.</li></ul><noscript>bật JavaScript</noscript></body></html>"""
    assert html_text(markup).split("\n") == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH KON TUM",
        "Giao Sở Nông nghiệp và Phát triển nông thôn chủ trì,",
        "Số: 12/UBND-KT",
        "Kon Tum, ngày 1 tháng 2 năm 2024",
        "Sở Tài chính;",
        "Sở Nội vụ.",
    ]


def test_the_html_fixture_gives_the_corpus_lines() -> None:
    got = read("cong-van.html", (ROOT / "fixtures/documents/cong-van.html").read_bytes())
    source = (ROOT / "tests/corpus/hand/016-colead-lists.txt").read_text(encoding="utf-8")
    assert got.method == "html"
    assert got.text.split("\n") == [line for line in source.split("\n") if line.strip()]


def test_html_declared_in_a_legacy_charset() -> None:
    page = '<html><head><meta charset="windows-1258"></head><body><p>Sở Tư pháp</p></body></html>'
    assert read("trang.htm", cp1258(page)).text == "Sở Tư pháp"  # and NFC
