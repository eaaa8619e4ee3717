"""The one reading path: what a source fetched → the text the normaliser sees.

Every route (eOffice, edXML, mail, `connector parse`) hands over a `RawDocument` whose body may be
the directive, a short cover note, or nothing, and whose attachments may hold the directive as a
PDF or DOCX. `with_text` takes the text wherever it is: the body when it has any; else the first
attachment that reads as text, recorded in the metadata (`text_from`: the file; `text_method`:
how it was read). Plain-text attachments are decoded here (legacy Vietnamese fonts are told apart
by the normaliser's syllable rules); every other kind goes to the `TextReader` the composition
root registered (`connector.ports.TextReader`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

from connector.domain import Attachment, ExtractedText, RawDocument
from connector.errors import BadDocumentError
from connector.normalise.decoding import decode_text, rejoin_font_runs
from connector.ports import TextReader

TEXT_SUFFIXES = (".txt",)
READABLE_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt")


def with_text(raw: RawDocument, read: TextReader, *, strict: bool = False) -> RawDocument:
    """`raw` with the directive's text as its body (unchanged when the body already has text).

    With `strict` (a file given to `connector parse`), an attachment that cannot be read raises its
    `BadDocumentError` when no other part gave text; on the service's routes the document goes on
    with what it has, and the normaliser sends an empty text to review.
    """
    if raw.body.strip():
        return raw
    error: BadDocumentError | None = None
    for att in raw.attachments:
        if PurePath(att.name).suffix.lower() not in READABLE_SUFFIXES and att.media_type != "application/pdf":
            continue
        try:
            extracted = read_attachment(att, read)
        except BadDocumentError as exc:
            error = error or exc
            continue
        if extracted.text.strip():
            meta = {**raw.metadata, "text_from": att.name, "text_method": extracted.method}
            return replace(raw, body=extracted.text, metadata=meta)
    if strict and error is not None:
        raise error
    return raw


def read_attachment(att: Attachment, read: TextReader) -> ExtractedText:
    """One attachment's text: plain text decoded here, PDF font-run spaces undone, the rest by `read`."""
    if PurePath(att.name).suffix.lower() in TEXT_SUFFIXES or att.media_type == "text/plain":
        return ExtractedText(decode_text(att.data), "plain")
    extracted = read(att)
    if extracted.method == "pdf":
        return replace(extracted, text=rejoin_font_runs(extracted.text))
    return extracted
