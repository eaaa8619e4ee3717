"""A file a clerk hands over (`connector parse FILE`) → RawDocuments, and the text of attachments.

`read_file` is the file route's source: an .eml goes through the mailbox's own reader
(`adapters.mail_message`), an .edxml/.xml packet through the edXML drop folder's
(`adapters.edxml`), so `parse` reads exactly what the service would; any other file (.txt, .html,
.pdf, .docx) becomes a document whose only attachment is the file itself, and the one reading
path (`connector.sync.reading`) takes its text like any attachment's.

The text of every file is read by `adapters.text.extract` (the `connector.ports.TextReader`).
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from pathlib import PurePath

from adapters.edxml import parse_packet
from adapters.mail_message import parse_message
from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError

KINDS = (
    ".txt", ".html", ".htm", ".eml", ".edxml", ".xml", ".pdf", ".docx", ".doc", ".rtf",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
)  # fmt: skip


def read_file(data: bytes, name: str, *, max_bytes: int) -> RawDocument:
    """The document a file holds (the first one, for a packet or a mail that carries several)."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in KINDS:
        raise BadDocumentError(
            f"Không đọc được tệp '{name}': định dạng {suffix or '(không có đuôi)'} chưa được hỗ trợ. "
            "Hãy lưu lại thành .pdf, .docx, .doc, .txt, .html, .eml, .xml (edXML) "
            "hoặc ảnh quét (.png, .jpg, .tif)"
        )
    if suffix == ".eml":
        return parse_message(data, name, None, source="file", max_bytes=max_bytes, what="tệp")[0]
    if suffix in (".edxml", ".xml"):
        return parse_packet(data, source="file", label=f"«{name}»", max_bytes=max_bytes)[0]
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return RawDocument(
        source="file",
        source_ref=name,
        fetched_at=datetime.now(UTC),
        body="",
        attachments=(Attachment(name, media, data),),
        sha256=RawDocument.fingerprint(data),
    )
