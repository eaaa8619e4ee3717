"""The source's metadata as a second witness: a fallback when the text is silent, a check when not.

A source labels header fields of its own (eOffice columns, e-mail headers, edXML elements; see
`RawDocument.metadata`). The printed text stays the authority: metadata fills what the text lacks
(number, issuer, date, type, subject; see `number` and `header`) and, when both give a number or
an issue date and they disagree, the text's value is kept and a Vietnamese warning says so.
Secrecy and urgency are merged, the stronger one winning (`secrecy.find_stamps`), so a source
marking a document secret is enough to drop its content.

An empty or unreadable body (a secret eOffice record arrives with body "" by design) still goes
through `from_metadata`: the arrival notice must come out of the source's fields alone.
"""

from __future__ import annotations

from datetime import date

from connector.normalise.draft import Draft
from connector.normalise.header import find_header
from connector.normalise.number import find_number, parse_number
from connector.normalise.secrecy import drop_secret, find_stamps

_STAMP_ZONE = 40


def number_mismatch(draft: Draft) -> None:
    """Warn when the printed number and the source's number are two different numbers."""
    given = draft.meta("number")
    if not given or draft.number is None:
        return
    parsed = parse_number("Số: " + given)
    theirs = parsed[0] if parsed else given
    if theirs.casefold() != draft.number.casefold():
        draft.warnings.append(
            f"Số, ký hiệu trong văn bản ({draft.number}) khác với dữ liệu của nguồn ({given}): "
            "giữ số trong văn bản, cần kiểm tra"
        )


def compare_metadata(draft: Draft) -> Draft:
    """Step (after the header): warn where the text and the source disagree; the text wins."""
    number_mismatch(draft)
    if draft.issued_on is not None:
        date_mismatch(draft, draft.issued_on)
    return draft


def date_mismatch(draft: Draft, printed: date) -> None:
    """Warn when the printed issue date and the source's issue date differ."""
    given = draft.meta("issued_on")
    try:
        theirs = date.fromisoformat(given[:10]) if given else None
    except ValueError:
        return
    if theirs is not None and theirs != printed:
        draft.warnings.append(
            f"Ngày ban hành trong văn bản ({printed:%d/%m/%Y}) khác với dữ liệu của nguồn "
            f"({theirs:%d/%m/%Y}): giữ ngày trong văn bản, cần kiểm tra"
        )


def from_metadata(draft: Draft) -> Draft:
    """The header fields of an empty or unreadable text: from the metadata; stamps from both.

    Raises `DropContent` (via `drop_secret`) when the metadata or a stamp in the text says the
    document is secret, so the caller returns the arrival notice instead of a review.
    """
    text_lines = draft.text.split("\n")
    draft.lines, draft.body_start, draft.body_end = [], 0, 0
    find_number(draft)
    find_header(draft)
    # A stamp printed in what little text there is still counts (safety first, DESIGN §7).
    draft.lines = text_lines[:_STAMP_ZONE]
    draft.body_start = len(draft.lines)
    find_stamps(draft)
    drop_secret(draft)
    if draft.meta("subject"):
        draft.subject = draft.meta("subject")
    draft.lines, draft.body_start, draft.body_end = [], 0, 0
    return draft


def handling_unit(draft: Draft) -> str | None:
    """The department's own unit (phòng) the Director assigned in the bút phê (eOffice "handling_lead").

    Reminders chase this unit; an outside body or an unknown name is not ours to chase, so only an
    internal unit of mappings/units.toml counts.
    """
    name = draft.meta("handling_lead")
    code = draft.maps.resolve_unit(name, on=draft.received_on).code if name else None
    unit = draft.maps.unit(code) if code else None
    return unit.code if unit is not None and unit.kind == "internal" else None
