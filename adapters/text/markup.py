"""Plain text and HTML: bytes to text by charset, and the visible text of a page, one line per block.

Charsets (moved from connector/extract.py `decode_text`): a BOM or a declared charset first,
then UTF-8, then an 8-bit reading chosen among Latin-1, cp1252 and charset-normalizer's guess.
Legacy Vietnamese (TCVN3 .VnTime, VNI-Times) is bytes in an 8-bit font encoding, so it is read
byte for byte and the normaliser's repair converts it; the choice between readings is made by a
score, lower is better. The default score counts characters that belong neither to Vietnamese
text nor to the Latin-1 letters such bytes show as, and picks as the old code did on every file
of the normaliser corpus (tests/adapters/text/test_markup.py). The composition root may pass
`connector.normalise.hygiene.repaired_score` instead, which scores each reading after repair.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from adapters.text.vietnamese import VI_LETTERS

_OK = set(VI_LETTERS + "\u00a0“”‘’–—…•°№«»×÷±\t\n\r") | {chr(c) for c in range(0x20, 0x7F)}
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_META_RE = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.I)
_BLOCKS = (
    "p",
    "div",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "center",
    "address",
    "caption",
    "form",
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


def legacy_score(text: str) -> int:
    """Characters no Vietnamese text (nor TCVN3/VNI bytes read as Latin-1) contains; U+FFFD weighs 4."""
    return sum(1 for c in text if c not in _OK and not 0xA0 <= ord(c) <= 0xFF) + 3 * text.count("\ufffd")


def decode_text(
    data: bytes, declared: str | None = None, *, score: Callable[[str], int] | None = None
) -> str:
    """Bytes to text: BOM, declared charset, UTF-8, then the best-scoring 8-bit reading."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace").lstrip("\ufeff")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    candidates = [data.decode("latin-1"), data.decode("cp1252", errors="replace")]
    best = from_bytes(data).best()
    if best is not None and best.encoding != "ascii":
        candidates.append(str(best))
    return min(candidates, key=score or legacy_score)


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (`<meta charset>` or http-equiv)."""
    m = _META_RE.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def html_text(markup: str) -> str:
    """Visible text of an HTML page, one line per block element; scripts, styles, hidden parts dropped.

    White space inside a block is HTML's (not significant), so a paragraph wrapped in the source
    is one line; `<br>` and block boundaries are the line breaks.
    """
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "head", "template", "noscript", "svg", "iframe", "object"]):
        tag.decompose()
    for tag in soup.find_all(name=True):
        if tag.decomposed:
            continue
        if tag.has_attr("hidden") or _HIDDEN_STYLE.search(str(tag.get("style", ""))):
            tag.decompose()
    for node in soup.find_all(string=True):
        if not isinstance(node, NavigableString) or type(node) is not NavigableString:
            node.extract()  # comments, doctype, CDATA
            continue
        node.replace_with(_SPACES.sub(" ", str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    for cell in soup.find_all(["td", "th"]):
        cell.insert_after("\n")
    return "\n".join(line for line in (x.strip() for x in soup.get_text().split("\n")) if line)
