"""The nouns of the service, named after Điều 5 (agriculture seed) / Điều 4 (justice seed).

All values are frozen: a RawDocument is what a source saw, a NormalisedDocument what the
normaliser made of it. The register stores facts; the status a person sees is derived
(see `connector.status`), never stored.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any


def number_key(number: str | None) -> str | None:
    """A document number as compared for merging and lookup: NFC, upper-cased, no whitespace, Đ
    folded to D ("1234/UBND-NNTN", "1234 / ubnd-nntn" and "1234/UBND-NNTN" are one number)."""
    if not number:
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper().replace("Đ", "D")
    return key or None


class Origin(StrEnum):
    """Who assigned the task (nguồn giao). Only the first two are reported to the portal."""

    UBND_TINH = "UBND tỉnh"
    CHU_TICH = "Chủ tịch UBND tỉnh"
    GIAM_DOC = "Giám đốc Sở"

    @property
    def goes_to_portal(self) -> bool:
        """Tasks the Director gives are internal: Điều 6.3.b covers only the province's tasks."""
        return self is not Origin.GIAM_DOC


class Secrecy(StrEnum):
    """Độ mật. Any of these keeps the document out of the electronic flow (DESIGN §7)."""

    MAT = "Mật"
    TOI_MAT = "Tối mật"
    TUYET_MAT = "Tuyệt mật"


class Urgency(StrEnum):
    """Độ khẩn."""

    KHAN = "Khẩn"
    THUONG_KHAN = "Thượng khẩn"
    HOA_TOC = "Hỏa tốc"
    HOA_TOC_HEN_GIO = "Hỏa tốc hẹn giờ"


class Status(StrEnum):
    """The seven statuses of Điều 5e, worded as the office writes them (DESIGN §5)."""

    DONE_ON_TIME = "Đã hoàn thành trong hạn"
    DONE_LATE = "Đã hoàn thành quá hạn"
    IN_PROGRESS = "Đang thực hiện"
    IN_PROGRESS_OVERDUE = "Đang thực hiện quá hạn"
    IN_PROGRESS_BLOCKED = "Đang thực hiện, có khó khăn, vướng mắc"
    IN_PROGRESS_OVERDUE_BLOCKED = "Đang thực hiện quá hạn, có khó khăn, vướng mắc"
    NOT_STARTED = "Chưa thực hiện trong hạn"
    NOT_STARTED_OVERDUE = "Chưa thực hiện quá hạn"


@dataclass(frozen=True)
class Attachment:
    """A file that came with a document; `data` is bounded by the source (DESIGN §7)."""

    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class RawDocument:
    """What a source saw, before any interpretation (DESIGN §4).

    `metadata` holds header fields as the source labelled them (eOffice columns, e-mail headers,
    edXML elements); `body` the main text; `sha256` fingerprints the raw bytes so that a
    re-fetch of an unchanged document is recognised.
    """

    source: str
    source_ref: str
    fetched_at: datetime
    body: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    sha256: str = ""

    @staticmethod
    def fingerprint(raw: bytes) -> str:
        """Hex sha256 of the raw bytes, the identity of one version of a document."""
        return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ExtractedText:
    """The text a reader took out of one file (PDF text layer, OCR of a scan, DOCX, HTML, plain).

    `method` says how ("pdf", "ocr", "docx", "doc", "html", "plain"); `confidence` is OCR's mean
    word confidence (0..1), None when the text was read, not recognised; `warnings` are
    Vietnamese, for the sync log.
    """

    text: str
    method: str
    pages: int = 1
    confidence: float | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitRef:
    """A unit as written in the text (NFC) and, when mappings/units.toml knows it, its code."""

    name: str
    code: str | None = None


@dataclass(frozen=True)
class TaskFacts:
    """The stored facts from which a task's status is derived (DESIGN §5)."""

    deadline: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    blocked_reason: str | None = None


@dataclass(frozen=True)
class PortalTask:
    """One row of the portal's list of tasks assigned to the department."""

    portal_ref: str
    number: str
    issuer: str
    issued_on: date | None
    summary: str
    lead_unit: str
    deadline: date | None
    status_label: str
    progress_note: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """What the uploader sends for one task: the portal's own label and the free text."""

    portal_ref: str
    status_label: str
    progress_note: str
    completed_on: date | None = None
    report_file: Attachment | None = None


@dataclass(frozen=True)
class Receipt:
    """The portal's confirmation: what the read-back showed after a push."""

    portal_ref: str
    status_label: str
    confirmed_at: datetime
    sent: bool
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """An e-mail to a unit or an admin (reminders, alerts); plain text and optional HTML."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class NormalisedTask:
    """One task of a directive, with the keys of DESIGN §9 (`flags` hold machine-readable doubts)."""

    summary: str
    lead_unit: UnitRef | None = None
    cooperating_units: tuple[UnitRef, ...] = ()
    deadline: date | None = None
    deadline_time: time | None = None
    deadline_text: str | None = None
    deadline_rule: Mapping[str, Any] | None = None
    recurring: Mapping[str, Any] | None = None
    concerns_us: bool = False
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The §9 object: every key present, absent values null."""
        return {
            "summary": self.summary,
            "lead_unit": _unit_json(self.lead_unit),
            "cooperating_units": [_unit_json(u) for u in self.cooperating_units],
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_time": self.deadline_time.strftime("%H:%M") if self.deadline_time else None,
            "deadline_text": self.deadline_text,
            "deadline_rule": dict(self.deadline_rule) if self.deadline_rule else None,
            "recurring": dict(self.recurring) if self.recurring else None,
            "concerns_us": self.concerns_us,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class NormalisedDocument:
    """A directive mapped to the fields of Điều 5 (DESIGN §9). Secret ones carry no content."""

    number: str | None
    issuer: UnitRef | None
    doc_type: str | None
    issued_on: date | None
    received_on: date | None
    subject: str | None
    secrecy: Secrecy | None
    urgency: Urgency | None
    tasks: tuple[NormalisedTask, ...] = ()
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    origin: Origin | None = None
    """Who assigned the work (nguồn giao), from the issuer's record in mappings/issuers.toml."""
    handling_unit: str | None = None
    """The department's own unit (phòng) the Director assigned in the bút phê, when the source says."""
    tracker: str | None = None
    """The office officer who follows the document up (the source's "handling officer")."""
    classify_due_on: date | None = None
    """The last day to classify and register it (Điều 6.1.b), counted from `received_on`."""

    def to_json(self) -> dict[str, Any]:
        """The §9 object printed by `connector parse --json`; key order is the contract's."""
        return {
            "number": self.number,
            "issuer": _unit_json(self.issuer),
            "doc_type": self.doc_type,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "received_on": self.received_on.isoformat() if self.received_on else None,
            "subject": self.subject,
            "secrecy": str(self.secrecy) if self.secrecy else None,
            "urgency": str(self.urgency) if self.urgency else None,
            "tasks": [t.to_json() for t in self.tasks],
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "warnings": list(self.warnings),
        }


def _unit_json(unit: UnitRef | None) -> dict[str, str | None] | None:
    return None if unit is None else {"name": unit.name, "code": unit.code}
