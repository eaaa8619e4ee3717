"""The one reading path: what a source fetched → the text the normaliser sees.

Every route (eOffice, edXML, mail, Excel, `connector parse`) hands over a `RawDocument` whose body
may be the directive, a short cover note ("Kính gửi…, xin gửi kèm công văn…"), or nothing, and
whose attachments may hold the directive as a signed PDF, a scan, a DOCX. `with_text` decides
which part is the directive:

- the body, when it carries the directive's header (its own "Số:" line or place-and-date line);
- otherwise the first attachment that carries one, followed by the other attachments in their
  order (the phụ lục of a directive are part of it);
- otherwise, when no part has a header, the body if it is more than a cover note, else every
  readable attachment in order. A cover note never hides an attachment.

The text comes from the `TextReader` the composition root registered (`connector.ports`): PDF
text layer, OCR of a scan, DOCX, .doc, HTML, plain text. What was read is recorded in the
metadata (`text_from`: the files; `text_method`: how; `text_confidence`: OCR's mean word
confidence), which the register keeps and the normaliser uses to send OCR text to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePath

from connector.domain import Attachment, ExtractedText, RawDocument
from connector.errors import BadDocumentError, one_item
from connector.ports import TextReader

READABLE_SUFFIXES = (
    ".pdf", ".docx", ".doc", ".rtf", ".html", ".htm", ".txt",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
)  # fmt: skip
_READABLE_MEDIA = ("application/pdf", "text/", "image/", "application/msword", "application/vnd.openxml")
_HEADER_RE = re.compile(
    r"(?im)^[ \t|]*S[ốô]\s*:?\s*\d+[^\n]{0,40}/"
    r"|,\s*ngày\s*\d{1,2}\s*(?:tháng\s*\d{1,2}\s*năm|[/.-]\s*\d{1,2}\s*[/.-])\s*\d{4}"
)
_COVER_RE = re.compile(
    r"(?i)\b(?:gửi kèm|đính kèm|kèm theo|xin gửi|trân trọng gửi|chuyển tiếp|file đính kèm)\b"
)
_COVER_WORDS = 120


@dataclass(frozen=True)
class _Part:
    name: str
    text: str
    method: str
    confidence: float | None

    @property
    def has_header(self) -> bool:
        return _HEADER_RE.search(self.text[:3000]) is not None


def with_text(raw: RawDocument, read: TextReader, *, strict: bool = False) -> RawDocument:
    """`raw` with the directive's text as its body (see the module docstring for which part).

    With `strict` (a file given to `connector parse`), an attachment that cannot be read raises its
    `BadDocumentError` when no part gave text; on the service's routes the document goes on with
    what it has (a warning in `text_errors`), and the normaliser sends an empty text to review.
    """
    body = _Part("", raw.body, "body", None)
    if body.has_header and not _is_cover(body.text):
        return raw
    parts, errors = _read_all(raw.attachments, read)
    chosen = _choose(body, parts)
    if not chosen:
        if strict and errors and not raw.body.strip():
            raise errors[0]
        return _noted(raw, errors) if errors else raw
    if chosen == [body]:
        return _noted(raw, errors) if errors else raw
    text = "\n\n".join(p.text.strip() for p in chosen)
    scans = [p.confidence for p in chosen if p.confidence is not None]
    meta = {
        **raw.metadata,
        "text_from": "; ".join(p.name for p in chosen),
        "text_method": chosen[0].method
        if len({p.method for p in chosen}) == 1
        else "+".join(dict.fromkeys(p.method for p in chosen)),
    }
    if scans:
        meta["text_confidence"] = f"{min(scans):.2f}"
    return _noted(replace(raw, body=text, metadata=meta), errors)


def _choose(body: _Part, parts: list[_Part]) -> list[_Part]:
    """The directive, then its appendices (see the module docstring)."""
    first = next((i for i, p in enumerate(parts) if p.has_header), None)
    if first is not None:
        return [parts[first], *parts[:first], *parts[first + 1 :]] if first else parts
    if body.text.strip() and not _is_cover(body.text):
        return [body]
    return parts or ([body] if body.text.strip() else [])


def _is_cover(text: str) -> bool:
    """A short note that sends something along, not a directive of its own."""
    return len(text.split()) <= _COVER_WORDS and _COVER_RE.search(text) is not None


def _read_all(
    attachments: tuple[Attachment, ...], read: TextReader
) -> tuple[list[_Part], list[BadDocumentError]]:
    parts: list[_Part] = []
    errors: list[BadDocumentError] = []
    for att in attachments:
        if not _readable(att):
            continue
        try:
            with one_item(f"tệp đính kèm «{att.name}»"):
                extracted: ExtractedText = read(att)
        except BadDocumentError as exc:
            errors.append(exc)
            continue
        if extracted.text.strip():
            parts.append(_Part(att.name, extracted.text, extracted.method, extracted.confidence))
    return parts, errors


def _readable(att: Attachment) -> bool:
    suffix = PurePath(att.name).suffix.lower()
    return suffix in READABLE_SUFFIXES or (not suffix and att.media_type.startswith(_READABLE_MEDIA))


def _noted(raw: RawDocument, errors: list[BadDocumentError]) -> RawDocument:
    """Attachments that could not be read are named in the metadata, for the sync log."""
    if not errors:
        return raw
    return replace(raw, metadata={**raw.metadata, "text_errors": " | ".join(str(e) for e in errors)})
