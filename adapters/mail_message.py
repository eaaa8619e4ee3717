"""Reading one e-mail into RawDocuments: headers, body text, attachments, edXML packets inside.

Kept apart from `adapters/mail.py` (the IMAP conversation) because it is pure: bytes in,
documents out, the same for a message from IMAP or from an .eml file.
"""

from __future__ import annotations

import email
import mimetypes
import unicodedata
from datetime import datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from adapters.edxml import parse_packet
from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
METADATA_KEYS = (
    "number", "issuer", "issued_on", "received_on", "subject", "secrecy", "urgency", "due_on", "signer",
    "doc_type", "arrival_no", "handling_lead", "handling_cooperating", "handling_officer", "handling_due",
    "handling_note", "business_type", "replaces_ref",
)  # fmt: skip
PACKET_KEYS = (
    "number", "issuer", "issuer_id", "issued_on", "subject", "secrecy", "urgency", "due_on", "signer",
    "signer_position", "doc_type", "business_type", "business_reason", "replaces_ref", "document_id",
    "recipient", "place", "priority", "to_places", "steering_type",
)  # fmt: skip


def nfc(text: str) -> str:
    """NFC, the one form every Vietnamese string leaves this module in."""
    return unicodedata.normalize("NFC", text)


def parse_message(
    raw: bytes, ref: str, internal: datetime | None, *, source: str, max_bytes: int, what: str
) -> list[RawDocument]:
    """One raw e-mail → its RawDocument (metadata from headers or its first edXML packet), plus one per
    further packet it carries (`enclosed_in` names the message)."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    now = datetime.now(TZ)
    meta = dict.fromkeys(METADATA_KEYS, "")
    meta["business_type"] = "new"
    subject = _header(msg, "Subject")
    meta["subject"] = subject
    meta["mail_subject"] = subject
    meta["message_id"] = ref
    meta["from"] = _header(msg, "From")
    meta["to"] = _header(msg, "To")
    received = _date(msg) or (internal if isinstance(internal, datetime) else None)
    if received is not None:
        received = received.astimezone(TZ) if received.tzinfo else received.replace(tzinfo=TZ)
        meta["received_on"] = received.date().isoformat()
        meta["received_at"] = received.isoformat(timespec="seconds")
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = _part_text(body_part) if body_part is not None else ""
    files: list[Attachment] = []
    packets: list[tuple[str, bytes]] = []
    for part in msg.walk():
        if part is body_part or part.is_multipart():
            continue
        att = _attachment(part, ref, max_bytes=max_bytes, what=what)
        if att is None:
            continue
        files.append(att)
        if _is_edxml(att):
            packets.append((att.name, att.data))
    extra: list[RawDocument] = []
    for n, (name, data) in enumerate(packets):
        docs = parse_packet(
            data,
            source=source,
            label=f"«{name}» trong thư {ref}",
            max_bytes=max_bytes,
            fetched_at=now,
        )
        rest = docs
        if n == 0:
            first, rest = docs[0], docs[1:]
            for key in PACKET_KEYS:
                value = first.metadata.get(key, "")
                if value:
                    meta[key] = value
            meta["edxml_ref"] = first.source_ref
            if first.body.strip():
                body = first.body
            files.extend(first.attachments)
        for child in rest:
            extra.append(
                RawDocument(
                    child.source,
                    child.source_ref,
                    child.fetched_at,
                    child.body,
                    {**child.metadata, "enclosed_in": ref, "received_on": meta["received_on"]},
                    child.attachments,
                    child.sha256,
                )
            )
    meta = {k: nfc(v) for k, v in meta.items()}
    doc = RawDocument(source, ref, now, nfc(body), meta, tuple(files), RawDocument.fingerprint(raw))
    return [doc, *extra]


def _attachment(part: EmailMessage, ref: str, *, max_bytes: int, what: str) -> Attachment | None:
    disposition = part.get_content_disposition()
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    if not filename and disposition != "attachment":
        return None
    media = part.get_content_type()
    if disposition == "inline" and not media.startswith("application/"):
        return None  # logos and pictures inside an HTML body
    name = PurePosixPath(nfc(str(filename or "tep-dinh-kem")).replace("\\", "/")).name or "tep-dinh-kem"
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    if len(data) > max_bytes:
        raise BadDocumentError(
            f"Thư «{ref}» trong {what}: tệp đính kèm «{name}» có {len(data)} byte, "
            f"vượt giới hạn {max_bytes} byte."
        )
    if media in ("application/octet-stream", "") or media.startswith("text/plain"):
        media = mimetypes.guess_type(name)[0] or media or "application/octet-stream"
    return Attachment(name, media, data)


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header too broken for the parser: treat as absent
        value = None
    if value is None:
        return ""
    text = str(value)
    return nfc(" ".join(text.split()))


def _date(msg: EmailMessage) -> datetime | None:
    try:
        header = msg.get("Date")
        if header is None:
            return None
        found = getattr(header, "datetime", None)
        if isinstance(found, datetime):
            return found
        return parsedate_to_datetime(str(header))
    except (TypeError, ValueError, IndexError):
        return None


def _part_text(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, KeyError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    text = str(content)
    if part.get_content_subtype() == "html":
        soup = BeautifulSoup(text, "html.parser")
        for tag in soup(["script", "style", "head"]):
            tag.decompose()
        for br in soup.find_all("br"):
            br.replace_with("\n")
        text = soup.get_text("\n")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        text = "\n".join(line for line in lines if line)
    return nfc(text.replace("\r\n", "\n").strip())


def _is_edxml(att: Attachment) -> bool:
    name = att.name.lower()
    if name.endswith(".edxml"):
        return True
    if name.endswith(".xml") or "xml" in att.media_type.lower():
        return b"edXMLEnvelope" in att.data[:4096]
    return False


__all__ = ["nfc", "parse_message"]
