"""The reader is chosen by the file's first bytes; names and media types only break ties."""

from __future__ import annotations

import pytest

from adapters.text.sniff import kind_of
from connector.errors import BadDocumentError

from .conftest import read

PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n"
OLE = bytes.fromhex("d0cf11e0a1b11ae1")


@pytest.mark.parametrize(
    ("data", "name", "media", "kind"),
    [
        (PDF, "cong-van.pdf", "application/pdf", "pdf"),
        (PDF, "cong-van.docx", "", "pdf"),  # the name lies, the bytes decide
        (b"\r\n" + PDF, "x", "application/octet-stream", "pdf"),
        (PNG, "scan", "", "image"),
        (b"\xff\xd8\xff\xe0", "anh.jpg", "image/jpeg", "image"),
        (b"II*\x00", "scan.tif", "", "image"),
        (b"MM\x00*", "scan.tiff", "", "image"),
        (OLE, "cu.doc", "application/msword", "doc"),
        (OLE, "bang.xls", "", None),  # an Excel 97 file is no Word file
        (b"PK\x03\x04", "moi.docx", "", "docx"),
        (b"PK\x03\x04", "goi.zip", "application/zip", None),
        (b"{\\rtf1\\ansi", "cu.doc", "", "doc"),
        (b"<!DOCTYPE html><html>", "xuat.doc", "", "html"),  # web systems export HTML as .doc
        (b"<html><body>", "trang", "", "html"),
        ("Sở Tài chính".encode(), "ghi-chu", "", "plain"),
        ("Sở Tài chính".encode(), "ghi-chu.txt", "text/plain", "plain"),
        (b"\x00\x01\x02\x03binary", "x.bin", "", None),
    ],
)
def test_kind_of(data: bytes, name: str, media: str, kind: str | None) -> None:
    assert kind_of(data, name, media) == kind


def test_an_unsupported_file_is_refused_in_vietnamese() -> None:
    with pytest.raises(BadDocumentError, match="định dạng chưa được hỗ trợ"):
        read("bang.xls", OLE + b"\x00" * 100)


def test_a_file_over_the_size_bound_is_refused_before_reading() -> None:
    from adapters.text import Limits

    with pytest.raises(BadDocumentError, match="quá lớn"):
        read("to.pdf", PDF + b"0" * 2000, limits=Limits(max_bytes=1000))
