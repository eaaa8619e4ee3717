"""A ZIP container (DOCX, XLSX, a zip in an edXML packet) opened only after its central directory
promises bounded expansion.

A 1.7 MB DOCX can hold a `word/document.xml` that inflates to 1.7 GB. Before one byte is
inflated, every member's declared size and compression ratio are checked against `Limits`; then
each member is read in chunks with a running count, because the directory may lie (a member that
declares 10 KB and inflates further is cut at 10 KB + 1 byte and refused). `check_zip` proves
this for every member before whatever parses the container (python-docx, openpyxl) opens it.

It lives in the kernel because both the text adapters and the core's workbook import read ZIPs,
and one guard is easier to trust than two.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Protocol

from connector.errors import BadDocumentError

_CHUNK = 64 * 1024
_RATIO_FLOOR = 1024 * 1024  # members smaller than this may compress as well as they like


class ZipBounds(Protocol):
    """What a guard needs to know (`adapters.text.Limits` has these, among its other bounds)."""

    @property
    def max_zip_members(self) -> int: ...
    @property
    def max_member_bytes(self) -> int: ...
    @property
    def max_unpacked_bytes(self) -> int: ...
    @property
    def max_zip_ratio(self) -> int: ...


@dataclass(frozen=True)
class ZipLimits:
    """The bounds of a ZIP read outside text extraction (a workbook, an edXML attachment)."""

    max_zip_members: int = 500
    max_member_bytes: int = 64 * 1024 * 1024
    max_unpacked_bytes: int = 128 * 1024 * 1024
    max_zip_ratio: int = 200  # an Office part compresses 5–30×; a zip bomb 1,000×


def _refuse(label: str, why: str) -> BadDocumentError:
    return BadDocumentError(f'Tệp «{label}» bị từ chối: {why} (có thể là tệp nén độc hại "zip bomb").')


def check_directory(zf: zipfile.ZipFile, label: str, limits: ZipBounds) -> list[zipfile.ZipInfo]:
    """The members, once their declared sizes and ratios are within the limits; nothing inflated yet."""
    members = [m for m in zf.infolist() if not m.is_dir()]
    if len(members) > limits.max_zip_members:
        raise _refuse(label, f"có {len(members)} tệp bên trong, tối đa {limits.max_zip_members}")
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise BadDocumentError(f"Tệp «{label}» được đặt mật khẩu; hãy gửi bản không mật khẩu.")
        if m.file_size > limits.max_member_bytes:
            raise _refuse(label, f"phần «{m.filename}» giải nén ra {m.file_size / 1048576:.0f} MB")
        if m.file_size > _RATIO_FLOOR and m.file_size > limits.max_zip_ratio * max(1, m.compress_size):
            ratio = m.file_size // max(1, m.compress_size)
            raise _refuse(label, f"phần «{m.filename}» nén tới {ratio}:1")
        total += m.file_size
    if total > limits.max_unpacked_bytes:
        raise _refuse(label, f"nội dung giải nén {total / 1048576:.0f} MB")
    return members


def _inflate(zf: zipfile.ZipFile, member: zipfile.ZipInfo, label: str) -> int:
    """Inflate a member in 64 KB steps, counting: more than it declared is a lie and refused."""
    seen = 0
    with zf.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            seen += len(chunk)
            if seen > member.file_size:
                raise _refuse(label, f"phần «{member.filename}» lớn hơn kích thước khai báo")
    return seen


def check_zip(data: bytes, label: str, limits: ZipBounds = ZipLimits()) -> list[str]:
    """Names of a ZIP's members once each is proven bounded (directory, then a counted inflate).

    After this, a reader that opens the same bytes (python-docx) inflates at most what the
    directory declared: `zipfile` itself cuts a member at its declared size. A broken ZIP is a
    BadDocumentError.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = check_directory(zf, label, limits)
            for m in members:
                _inflate(zf, m, label)
            return [m.filename for m in members]
    except BadDocumentError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        UnicodeDecodeError,
    ) as exc:
        raise BadDocumentError(f"Tệp «{label}» hỏng, không mở được ({type(exc).__name__}).") from None
