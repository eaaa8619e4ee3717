"""File → RawDocument for `connector parse FILE`: the only place where parsing touches files.

Supported: .txt, .html/.htm, .eml, .edxml/.xml (edXML, QCVN 102:2016), .pdf (text layer) and
.docx. Bytes are decoded by their declared charset, else by detection; the normaliser then
repairs what decoding cannot know (TCVN3/VNI fonts, mojibake). Sizes are bounded (DESIGN §7).
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import io
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from charset_normalizer import from_bytes
from defusedxml import ElementTree as SafeET

from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError
from connector.normalise.hygiene import repaired_score

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_KINDS = (".txt", ".html", ".htm", ".eml", ".edxml", ".xml", ".pdf", ".docx")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: a BOM or declared charset first, then UTF-8, then detection, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Legacy Vietnamese (TCVN3, VNI) is bytes in an 8-bit font encoding: read them byte for byte
    # and let the repair decide; a detector's guess competes on the same score.
    candidates = [data.decode("latin-1"), data.decode("cp1252", errors="replace")]
    best = from_bytes(data).best()
    if best is not None and best.encoding != "ascii":
        candidates.append(str(best))
    return min(candidates, key=repaired_score)


def read_document(path: Path) -> RawDocument:
    """Read one file into a RawDocument; `BadDocumentError` (Vietnamese) when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in _KINDS:
        raise BadDocumentError(
            f"Không đọc được tệp '{path.name}': định dạng {suffix or '(không có đuôi)'} chưa được hỗ trợ. "
            "Hãy lưu lại thành .txt, .html, .eml, .xml (edXML), .pdf hoặc .docx"
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadDocumentError(f"Tệp '{path.name}' quá lớn ({size // 1048576} MB, tối đa 30 MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError(
            f"Không mở được tệp '{path}': {exc.strerror or exc}", hint="connector check"
        ) from exc
    return parse_bytes(data, name=path.name, source="file", source_ref=str(path))


def parse_bytes(data: bytes, *, name: str, source: str = "file", source_ref: str = "") -> RawDocument:
    """Interpret bytes by the file name's suffix (no file access here)."""
    suffix = Path(name).suffix.lower()
    metadata: dict[str, str] = {}
    attachments: tuple[Attachment, ...] = ()
    try:
        if suffix in (".html", ".htm"):
            body = html_text(decode_text(data, _html_charset(data)))
        elif suffix == ".eml":
            body, metadata, attachments = _eml(data)
        elif suffix in (".edxml", ".xml"):
            body, metadata, attachments = _edxml(data)
        elif suffix == ".pdf":
            body = pdf_text(data)
        elif suffix == ".docx":
            body = docx_text(data)
        else:
            body = decode_text(data)
    except BadDocumentError:
        raise
    except Exception as exc:  # a broken file of any kind: one clear sentence, no traceback
        raise BadDocumentError(
            f"Không đọc được nội dung tệp '{name}' ({type(exc).__name__}): tệp hỏng hoặc không đúng định dạng"
        ) from exc
    return RawDocument(
        source=source,
        source_ref=source_ref or name,
        fetched_at=datetime.now(UTC),
        body=body,
        metadata=metadata,
        attachments=attachments,
        sha256=RawDocument.fingerprint(data),
    )


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


def pdf_text(data: bytes) -> str:
    """The PDF's text layer; a scan without one gives empty text (the normaliser flags it)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return rejoin_font_runs("\n".join(page.extract_text() or "" for page in reader.pages[:200]))


_ARTEFACT_RE = re.compile(r"[^\x00-\x7f] {2}\S")
_PUNCT = ".,;:()!?\"'“”"


def rejoin_font_runs(text: str) -> str:
    """Undo the spaces pypdf puts at each switch to and from a second font ("Ch ủ  t ị ch" → "Chủ tịch").

    Some PDF writers (Chromium's among them) draw ơ, ư and toned vowels from a second subset font;
    pypdf adds a space at every font switch unless one is there already. So a double space is a
    real word break, and a single space touching a non-ASCII letter is removed when the two pieces
    make one Vietnamese syllable ("tri ển" → "triển", but "tịch Ủy" stays). Text without the
    tell-tale double spaces is returned unchanged.
    """
    if len(_ARTEFACT_RE.findall(text)) < 3:
        return text
    from connector.normalise.hygiene import is_syllable

    out_lines = []
    for line in text.split("\n"):
        words: list[str] = []
        for segment in line.split("  "):
            cur = ""
            for piece in segment.split(" "):
                touches = cur and piece and (ord(cur[-1]) > 0xFF or ord(piece[0]) > 0xFF)
                word = (cur + piece).strip(_PUNCT)
                if (
                    touches
                    and not (cur[-1].islower() and piece[0].isupper())
                    and (is_syllable(word) or (word[-1:] in "kK" and is_syllable(word[:-1])))  # "Đắk"
                ):
                    cur += piece
                    continue
                if cur:
                    words.append(cur)
                cur = piece
            words.append(cur)
        out_lines.append(" ".join(w for w in words if w))
    return "\n".join(out_lines)


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx, in document order."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def _eml(data: bytes) -> tuple[str, dict[str, str], tuple[Attachment, ...]]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    meta = {
        "subject_line": str(msg.get("Subject", "")),
        "from": str(msg.get("From", "")),
        "date": str(msg.get("Date", "")),
    }
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        payload = body_part.get_payload(decode=True) or b""
        text = decode_text(payload, body_part.get_content_charset())
        body = html_text(text) if body_part.get_content_type() == "text/html" else text
    attachments: list[Attachment] = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        if len(payload) > MAX_ATTACHMENT_BYTES:
            continue
        attachments.append(
            Attachment(part.get_filename() or "tep-dinh-kem", part.get_content_type(), payload)
        )
    if not body.strip():  # the directive is often only attached
        for att in attachments:
            if att.name.lower().endswith((".pdf", ".docx", ".txt", ".html")):
                body = parse_bytes(att.data, name=att.name).body
                break
    return body, meta, tuple(attachments)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _edxml(data: bytes) -> tuple[str, dict[str, str], tuple[Attachment, ...]]:
    """edXML by local names (QCVN 102:2016): header fields to metadata, Content to body."""
    root = SafeET.fromstring(data)
    found: dict[str, str] = {}
    attachments: list[Attachment] = []
    for el in root.iter():
        name = _local(el.tag)
        text = (el.text or "").strip()
        if name == "Attachment":
            attachments.extend(_edxml_attachment(el))
            continue
        if text and name not in found:
            found[name] = text
    organ = next((_text(el, "OrganName") for el in root.iter() if _local(el.tag) == "From"), None)
    meta: dict[str, str] = {}
    if "CodeNumber" in found:
        meta["number"] = f"{found['CodeNumber']}/{found.get('CodeNotation', '')}".rstrip("/")
    if "PromulgationDate" in found:
        meta["issued_on"] = found["PromulgationDate"][:10]
    for key, el_name in (
        ("place", "Place"),
        ("doc_type", "TypeName"),
        ("subject", "Subject"),
        ("due_date", "DueDate"),
        ("priority", "Priority"),
        ("signer", "FullName"),
    ):
        if el_name in found:
            meta[key] = found[el_name]
    if organ:
        meta["issuer"] = organ
    body = found.get("Content", "")
    if not body:
        for att in attachments:
            if att.name.lower().endswith((".pdf", ".docx", ".txt")):
                body = parse_bytes(att.data, name=att.name).body
                break
    return body, meta, tuple(attachments)


def _text(parent: object, local: str) -> str | None:
    for el in parent.iter():  # type: ignore[attr-defined]
        if _local(el.tag) == local and el.text:
            return str(el.text).strip()
    return None


def _edxml_attachment(el: object) -> list[Attachment]:
    name = _text(el, "Name") or _text(el, "Description") or "tep-dinh-kem"
    media = _text(el, "ContentType") or "application/octet-stream"
    b64 = _text(el, "AttachmentText") or _text(el, "Content") or ""
    if len(b64) > MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
        return []
    try:
        return [Attachment(name, media, base64.b64decode(b64, validate=False))]
    except (binascii.Error, ValueError):
        return []
