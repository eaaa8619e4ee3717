"""The normaliser: a raw directive, the mappings and the calendar in; Điều 5 fields out.

`normalise` is a pure function (no I/O): the same input gives the same output, so a clerk's
"re-run this document" and the golden tests see exactly what the service saw. It runs a chain
of steps of one signature (`Draft -> Draft`, like structlog's processors); `secrecy.drop_secret`
ends the chain early for a secret document so that nothing of its content leaves the function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument, NormalisedTask, RawDocument
from connector.mappings import Mappings
from connector.normalise.draft import Draft, DropContent, Step
from connector.normalise.followups import find_follow_ups
from connector.normalise.header import find_header, find_subject, layout
from connector.normalise.hygiene import repair
from connector.normalise.metadata import compare_metadata, from_metadata, handling_unit
from connector.normalise.number import find_number
from connector.normalise.records import from_records, origin
from connector.normalise.review import check_readable, review
from connector.normalise.secrecy import NOTICE, drop_secret, find_stamps
from connector.normalise.tasks import find_tasks

__all__ = ["RECORD_STEPS", "STEPS", "classification_days", "normalise"]

_METADATA_NOTES = ("Số, ký hiệu trong văn bản", "Ngày ban hành trong văn bản")


def clean(draft: Draft) -> Draft:
    """Step: text hygiene (encodings, NFC, PDF repairs); see `hygiene`."""
    draft.text, notes = repair(draft.raw.body)
    draft.warnings += notes
    return draft


RECORD_STEPS: Sequence[Step] = (from_records, review)
"""The chain for a document whose tasks a source listed as fields (`RawDocument.records`)."""

STEPS: Sequence[Step] = (
    clean,
    check_readable,
    layout,
    find_number,
    find_header,
    compare_metadata,
    find_stamps,
    drop_secret,
    find_subject,
    find_tasks,
    find_follow_ups,
    review,
)


def normalise(
    raw: RawDocument,
    maps: Mappings,
    cal: WorkingCalendar,
    *,
    our_units: frozenset[str],
    received_on: date | None = None,
    arrived_on: date | None = None,
    lead_only: bool = False,
    classify_days: tuple[int, int] = (1, 2),
) -> NormalisedDocument:
    """Map one directive to the fields of Điều 5 (DESIGN §9), and everything the register needs.

    `our_units` are the unit codes that mean "our department" (profile `our_units`); a task
    concerns us when one of them leads it, or also cooperates unless `lead_only` (profile
    `concerns_when = "lead_only"`). `received_on` resolves "within N working days of receipt";
    without it the source's own receipt date counts, else `arrived_on` (the day intake saw it).
    `classify_days` are the profile's working days to classify a document (simple, complex:
    several tasks or units, Điều 6.1.b), from which `classify_due_on` is counted.

    Everything is decided here, once: the register (`connector.sync.store`) writes what this
    returns and decides nothing.
    """
    received = received_on or _meta_date(raw, "received_on") or arrived_on
    draft = Draft(raw=raw, maps=maps, cal=cal, our_units=our_units, received_on=received, lead_only=lead_only)
    try:
        for step in RECORD_STEPS if raw.records else STEPS:
            draft = step(draft)
            if draft.unreadable and step is check_readable:
                draft = from_metadata(draft)  # raises DropContent for a secret document
                break
    except DropContent:
        notes = [w for w in draft.warnings if w.startswith(_METADATA_NOTES)]
        return NormalisedDocument(
            number=draft.number,
            issuer=draft.issuer,
            doc_type=draft.doc_type,
            issued_on=draft.issued_on,
            received_on=draft.received_on,
            subject=None,
            secrecy=draft.secrecy,
            urgency=draft.urgency,
            tasks=(),
            needs_review=False,
            review_reasons=(),
            warnings=(NOTICE, *notes),
            origin=origin(draft),
        )
    handling, tracker = handling_unit(draft), draft.meta("handling_officer")
    tasks = tuple(
        NormalisedTask(
            summary=t.summary[:1000],
            lead_unit=t.leads[0] if t.leads else None,
            cooperating_units=tuple(t.cooperating),
            deadline=t.deadline,
            deadline_time=t.deadline_time,
            deadline_text=t.deadline_text,
            deadline_rule=t.deadline_rule,
            recurring=t.recurring,
            concerns_us=t.concerns_us,
            flags=tuple(t.flags),
            handling_unit=t.handling_unit or handling,
            tracker=t.tracker or tracker,
            facts=t.facts,
            progress_note=t.progress_note,
            follows=tuple(t.follows),
        )
        for t in draft.tasks
    )
    doc = NormalisedDocument(
        number=draft.number,
        issuer=draft.issuer,
        doc_type=draft.doc_type,
        issued_on=draft.issued_on,
        received_on=draft.received_on,
        subject=draft.subject,
        secrecy=draft.secrecy,
        urgency=draft.urgency,
        tasks=tasks,
        follows_up=tuple(draft.follow_ups),
        needs_review=bool(draft.reasons),
        review_reasons=tuple(draft.reasons),
        warnings=(),
    )
    days = classification_days(doc)
    warnings = [*draft.warnings]
    if tasks:
        why = " (nhiều nhiệm vụ hoặc nhiều đơn vị, Điều 6.1.b)" if days == 2 else " (Điều 6.1.b)"
        warnings.append(f"Thời hạn phân loại, cập nhật: {days:02d} ngày làm việc{why}")
    limit = classify_days[1] if days > 1 else classify_days[0]
    return replace(
        doc,
        warnings=tuple(warnings),
        origin=origin(draft),
        classify_due_on=cal.add(draft.received_on, limit) if draft.received_on else None,
    )


def classification_days(doc: NormalisedDocument) -> int:
    """Working days allowed to classify and register `doc` (Điều 6.1.b): 2 when several tasks or units."""
    units = {
        u.name for t in doc.tasks for u in ([t.lead_unit] if t.lead_unit else []) + list(t.cooperating_units)
    }
    return 2 if len(doc.tasks) > 1 or len(units) > 1 else 1


def _meta_date(raw: RawDocument, key: str) -> date | None:
    value = raw.metadata.get(key)
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
