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


METADATA_KEYS: Mapping[str, str] = {
    "number": "số, ký hiệu as the source gives it",
    "issuer": "cơ quan ban hành as the source names it",
    "issuer_id": "the issuing body's code in the national exchange (edXML OrganId)",
    "issued_on": "ngày ban hành, ISO date",
    "received_on": "ngày đến / ngày nhận, ISO date",
    "received_at": "when it arrived, ISO date and time",
    "subject": "trích yếu",
    "secrecy": "độ mật as labelled (Mật, Tối mật, Tuyệt mật)",
    "urgency": "độ khẩn as labelled (Khẩn, Thượng khẩn, Hỏa tốc)",
    "priority": "edXML Priority code",
    "due_on": "the source's own processing deadline, ISO date",
    "doc_type": "loại văn bản",
    "place": "the place of the place-and-date line",
    "signer": "người ký",
    "signer_position": "chức vụ người ký",
    "arrival_no": "số đến in the office's incoming register",
    "origin": "nguồn giao as the office's own workbook writes it",
    "handling_lead": "the unit the Director assigned (bút phê), as written",
    "handling_cooperating": "units the Director asked to cooperate, as written",
    "handling_officer": "the officer who follows the document up",
    "handling_due": "the Director's deadline in the bút phê, ISO date",
    "handling_note": "the Director's note",
    "business_type": "new | update | revoke | replace (edXML business document type)",
    "business_reason": "why a packet revokes or replaces a document",
    "replaces_ref": "source refs of the documents a packet updates, revokes or replaces ('; '-joined)",
    "document_id": "the national exchange's document id (edXML DocumentId)",
    "recipient": "who it was sent to",
    "to_places": "recipients' places ('; '-joined)",
    "steering_type": "edXML SteeringType",
    "mail_subject": "the e-mail's Subject line",
    "message_id": "the e-mail's Message-ID",
    "from": "the e-mail's From",
    "to": "the e-mail's To",
    "edxml_ref": "the edXML packet a mail carried",
    "enclosed_in": "the message or packet this document came inside",
    "text_from": "the attachment the directive's text was read from",
    "text_method": "how that text was read (pdf, ocr, docx, doc, html, plain; '+'-joined when mixed)",
    "text_confidence": "OCR's lowest mean word confidence over the scans read, 0..1",
    "text_errors": "attachments that could not be read, their Vietnamese errors ' | '-joined",
}
"""Every metadata key a source may set, declared once (the source contract tests check them).
Values are strings; an absent value is "" or a missing key."""

RECORD_KEYS: Mapping[str, str] = {
    "summary": "tóm tắt nhiệm vụ",
    "lead_unit": "đơn vị chủ trì, as written",
    "cooperating_units": "đơn vị phối hợp, as written, '; '-joined",
    "tracker": "phòng, chuyên viên theo dõi",
    "deadline": "thời hạn, ISO date",
    "deadline_text": "thời hạn as written when it is not a date ('Hằng tháng')",
    "status": "trạng thái as the office wrote it",
    "completed_on": "ngày hoàn thành, ISO date",
    "progress_note": "diễn giải tình hình thực hiện",
    "row": "where the task stands in its source (a workbook's row number)",
}
"""The keys of one task in `RawDocument.records`, for sources that list tasks as fields (the office's
Excel register) rather than as a text to read."""


@dataclass(frozen=True)
class RawDocument:
    """What a source saw, before any interpretation (DESIGN §4).

    `metadata` holds header fields as the source labelled them (keys in `METADATA_KEYS`); `body`
    the main text; `records` the tasks of a source that lists them as fields (keys in
    `RECORD_KEYS`), read by the normaliser instead of a text; `sha256` fingerprints the raw bytes
    so that a re-fetch of an unchanged document is recognised.
    """

    source: str
    source_ref: str
    fetched_at: datetime
    body: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    sha256: str = ""
    records: tuple[Mapping[str, str], ...] = ()

    @staticmethod
    def fingerprint(raw: bytes) -> str:
        """Hex sha256 of the raw bytes, the identity of one version of a document."""
        return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ExtractedText:
    """The text a reader took out of one file (PDF text layer, OCR of a scan, DOCX, HTML, plain).

    `method` says how ("pdf": a text layer, "ocr", "docx", "doc", "html", "plain"); `confidence` is OCR's mean
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


class FollowAction(StrEnum):
    """What a document does to an earlier one it cites (issue 14); the values are the JSON's."""

    URGE = "urge"
    EXTEND = "extend"
    CHANGE_DEADLINE = "change_deadline"
    ADD = "add"
    WITHDRAW = "withdraw"
    REPLACE = "replace"
    CONTINUE = "continue"

    @property
    def label(self) -> str:
        """The action as a clerk says it ("đôn đốc thực hiện")."""
        return _FOLLOW_LABELS[self]

    @property
    def restates(self) -> bool:
        """The document speaks of the cited document's own work (urges, extends, continues or ends
        it), so a task it reads from that sentence is the earlier task again, not new work."""
        return self in (
            FollowAction.URGE,
            FollowAction.EXTEND,
            FollowAction.CHANGE_DEADLINE,
            FollowAction.WITHDRAW,
            FollowAction.CONTINUE,
        )


_FOLLOW_LABELS = {
    FollowAction.URGE: "đôn đốc thực hiện",
    FollowAction.EXTEND: "gia hạn",
    FollowAction.CHANGE_DEADLINE: "điều chỉnh thời hạn",
    FollowAction.ADD: "bổ sung nhiệm vụ",
    FollowAction.WITHDRAW: "thu hồi, bãi bỏ",
    FollowAction.REPLACE: "thay thế",
    FollowAction.CONTINUE: "tiếp tục thực hiện",
}


@dataclass(frozen=True)
class FollowUp:
    """An earlier document this one acts on, and how (DESIGN §9 `follows_up`).

    `number` is as printed, spaces taken out; `issuer` the body named after "của …", resolved by
    mappings/issuers.toml when it knows it; `new_deadline` the date the work now has (extended,
    changed, or set by the urging). `part` names the part acted on ("Mục 9", "khoản 2 Điều 1") when
    the text acts on part of the cited document only: then no task of it can be picked without a
    clerk. `doc_type` is the cited document's kind as named ("Công văn", "Kế hoạch").
    """

    number: str
    action: FollowAction
    issuer: UnitRef | None = None
    issued_on: date | None = None
    new_deadline: date | None = None
    part: str | None = None
    doc_type: str | None = None

    @property
    def label(self) -> str:
        """How a clerk names the cited document: "Công văn số 1234/UBND-KT ngày 12/05/2024"."""
        day = f" ngày {self.issued_on:%d/%m/%Y}" if self.issued_on else ""
        return f"{self.doc_type or 'Văn bản'} số {self.number}{day}"

    def to_json(self) -> dict[str, Any]:
        """The §9 object: every key present, absent values null."""
        return {
            "number": self.number,
            "issuer": _unit_json(self.issuer),
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "action": str(self.action),
            "new_deadline": self.new_deadline.isoformat() if self.new_deadline else None,
        }


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
    handling_unit: str | None = None
    """The department's own unit (phòng) that must act: the one the Director assigned in the bút phê,
    or the lead itself when it is one of ours (the office's own workbook)."""
    tracker: str | None = None
    """The office officer who follows the task up."""
    facts: TaskFacts | None = None
    """What a source already records of the task's progress (the office's workbook); None for a text."""
    progress_note: str | None = None
    follows: tuple[int, ...] = ()
    """Indices in the document's `follows_up` whose earlier work this task states again (an urged
    or extended task read from the urging sentence): intake gives its facts to the earlier task
    instead of making a second one."""

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
    follows_up: tuple[FollowUp, ...] = ()
    """Earlier documents this one urges, extends, changes, adds to, withdraws, replaces or continues."""
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    origin: Origin | None = None
    """Who assigned the work (nguồn giao), from the issuer's record in mappings/issuers.toml."""
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
            "follows_up": [f.to_json() for f in self.follows_up],
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "warnings": list(self.warnings),
        }


def _unit_json(unit: UnitRef | None) -> dict[str, str | None] | None:
    return None if unit is None else {"name": unit.name, "code": unit.code}
