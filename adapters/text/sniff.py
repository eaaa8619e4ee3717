"""Which reader a file needs, from its first bytes first and its name and media type second.

Names and media types from e-mail and eOffice lie often ("cong-van.pdf" that is a DOCX, a scan
sent as application/octet-stream), so the magic bytes decide whenever they are known; the name
decides between formats that share a container (a ZIP is a DOCX only with word/document.xml,
which the DOCX reader checks) and for text.
"""

from __future__ import annotations

from pathlib import PurePosixPath

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PK\x03\x04", "zip"),
    (b"{\\rtf", "doc"),  # RTF, often saved as .doc; LibreOffice converts it the same way
)
_SUFFIX = {
    ".pdf": "pdf",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".docx": "docx",
    ".docm": "docx",
    ".doc": "doc",
    ".dot": "doc",
    ".rtf": "doc",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".txt": "plain",
    ".text": "plain",
}
_MEDIA = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/tiff": "image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "plain",
}
_NO_SUFFIX = ("", ".bin", ".dat", ".tmp")  # names that say nothing about the format
UNSUPPORTED = "pdf, docx, doc, html, txt, png, jpg, tiff"


def kind_of(data: bytes, name: str, media_type: str = "") -> str | None:
    """One of pdf, image, docx, doc, html, plain, or None when the file is none of these."""
    suffix = PurePosixPath(name.lower()).suffix
    by_name = _SUFFIX.get(suffix) or _MEDIA.get(media_type.split(";")[0].strip().lower())
    head = data[:1024]
    if b"%PDF-" in head:  # a PDF may start with junk before its header; readers accept it
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "ole":  # Word 97–2003, but also .xls/.ppt/.msg: the name decides
                return "doc" if by_name == "doc" or (by_name is None and suffix in _NO_SUFFIX) else None
            if kind == "zip":  # DOCX, but also .xlsx/.odt/.zip
                named = by_name in ("docx", "doc") or (by_name is None and suffix in _NO_SUFFIX)
                return "docx" if named else None
            return kind
    if _looks_like_html(head):  # web systems export HTML as ".doc" or ".xls"
        return "html"
    if by_name in ("html", "plain"):
        return by_name
    if by_name is None and _looks_like_text(head):
        return "plain"
    return None


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<body", b"<div", b"<p", b"<table"))


def _looks_like_text(head: bytes) -> bool:
    """No NUL and few control bytes: a text file in some charset, not a binary."""
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\n\r\f")
    return controls <= len(head) // 100
