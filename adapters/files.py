"""A file a clerk hands over (`connector parse FILE`) → RawDocuments, and the text of attachments.

`read_file` is the file route's source: an .eml goes through the mailbox's own reader
(`adapters.mail_message`), an .edxml/.xml packet through the edXML drop folder's
(`adapters.edxml`), so `parse` reads exactly what the service would; any other file (.txt, .html,
.pdf, .docx) becomes a document whose only attachment is the file itself, and the one reading
path (`connector.sync.reading`) takes its text like any attachment's.

`read_text` is the `connector.ports.TextReader`: PDF text layer (pypdf), DOCX paragraphs and
tables, HTML's visible text. Every foreign error becomes one Vietnamese `BadDocumentError`.
"""

from __future__ import annotations

import io
import mimetypes
import re
from datetime import UTC, datetime
from pathlib import PurePath

from adapters.edxml import parse_packet
from adapters.mail_message import parse_message
from connector.domain import Attachment, ExtractedText, RawDocument
from connector.errors import BadDocumentError

KINDS = (".txt", ".html", ".htm", ".eml", ".edxml", ".xml", ".pdf", ".docx")
MAX_PDF_PAGES = 200


def read_file(data: bytes, name: str, *, max_bytes: int) -> RawDocument:
    """The document a file holds (the first one, for a packet or a mail that carries several)."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in KINDS:
        raise BadDocumentError(
            f"Không đọc được tệp '{name}': định dạng {suffix or '(không có đuôi)'} chưa được hỗ trợ. "
            "Hãy lưu lại thành .txt, .html, .eml, .xml (edXML), .pdf hoặc .docx"
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


def read_text(att: Attachment) -> ExtractedText:
    """The text of one attachment, or `BadDocumentError` when it cannot be read."""
    suffix = PurePath(att.name).suffix.lower()
    try:
        if suffix == ".pdf" or att.media_type == "application/pdf":
            return _pdf(att.data)
        if suffix == ".docx":
            return ExtractedText(_docx(att.data), "docx")
        if suffix in (".html", ".htm") or att.media_type == "text/html":
            return ExtractedText(
                html_text(att.data.decode(_html_charset(att.data) or "utf-8", "replace")), "html"
            )
    except BadDocumentError:
        raise
    except Exception as exc:  # a broken file of any kind: one clear sentence, no traceback
        raise BadDocumentError(
            f"Không đọc được nội dung tệp '{att.name}' ({type(exc).__name__}): "
            "tệp hỏng hoặc không đúng định dạng"
        ) from exc
    raise BadDocumentError(f"Tệp đính kèm '{att.name}' không phải văn bản đọc được (.pdf, .docx, .html).")


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    return m.group(1).decode("ascii") if m else None


def html_text(markup: str) -> str:
    """Visible text of an HTML page, one line per block element."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "tr", "li", "h1", "h2", "h3", "h4", "td"]):
        block.insert_after("\n")
    return re.sub(r"\n{3,}", "\n\n", soup.get_text())


def _pdf(data: bytes) -> ExtractedText:
    """The PDF's text layer; a scan without one gives empty text (the normaliser flags it)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = reader.pages[:MAX_PDF_PAGES]
    return ExtractedText("\n".join(page.extract_text() or "" for page in pages), "pdf", pages=len(pages))


def _docx(data: bytes) -> str:
    """Paragraphs and table cells of a .docx, in document order."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)
