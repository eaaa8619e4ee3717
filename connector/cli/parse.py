"""`connector parse FILE [--received DATE] [--json]`: normalise one file, store nothing."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument, RawDocument
from connector.mappings import Mappings
from connector.normalise import classification_days, normalise
from connector.service import open_file, text_reader
from connector.sync.reading import with_text


def run_parse(
    path: Path,
    *,
    received: date | None,
    as_json: bool,
    maps: Mappings,
    cal: WorkingCalendar,
    our_units: frozenset[str],
) -> int:
    """Print the normalised document (§9 JSON or a Vietnamese summary); 0 = clean, 3 = needs review.

    The file goes through the same readers and the same reading path as the service's routes.
    Raises `BadDocumentError` (Vietnamese message) when the file cannot be read.
    """
    raw = read_file(path)
    doc = normalise(raw, maps, cal, our_units=our_units, received_on=received)
    if as_json:
        sys.stdout.write(json.dumps(doc.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(summary(doc) + "\n")
    return 3 if doc.needs_review else 0


def read_file(path: Path) -> RawDocument:
    """The document in `path` with its text, as `parse` reads it (the service's own readers)."""
    return with_text(open_file(path), text_reader(), strict=True)


def summary(doc: NormalisedDocument) -> str:
    """A short readable Vietnamese summary of a normalised document."""

    def d(day: date | None) -> str:
        return day.strftime("%d/%m/%Y") if day else "—"

    lines = [
        f"Số, ký hiệu: {doc.number or '—'}",
        f"Cơ quan ban hành: {doc.issuer.name if doc.issuer else '—'}"
        + (f" [{doc.issuer.code}]" if doc.issuer and doc.issuer.code else " [chưa có trong danh mục]"),
        f"Loại văn bản: {doc.doc_type or '—'}    Ngày ban hành:"
        f" {d(doc.issued_on)}    Ngày nhận: {d(doc.received_on)}",
        f"Trích yếu: {doc.subject or '—'}",
    ]
    if doc.secrecy or doc.urgency:
        lines.append(f"Độ mật: {doc.secrecy or '—'}    Độ khẩn: {doc.urgency or '—'}")
    for i, task in enumerate(doc.tasks, start=1):
        lead = task.lead_unit.name if task.lead_unit else "— (chưa xác định)"
        coop = ", ".join(u.name for u in task.cooperating_units) or "—"
        if task.deadline:
            when = d(task.deadline) + (f" {task.deadline_time:%H:%M}" if task.deadline_time else "")
        elif task.recurring:
            when = f"định kỳ ({task.deadline_text})"
        elif task.deadline_rule:
            when = f"{task.deadline_text} (tính khi biết ngày nhận)"
        else:
            when = "không có thời hạn"
        mark = " [liên quan Sở]" if task.concerns_us else ""
        lines += [
            f"Nhiệm vụ {i}{mark}: {task.summary[:160]}",
            f"   Chủ trì: {lead}; phối hợp: {coop}; thời hạn: {when}",
        ]
    for follow in doc.follows_up:
        issuer = f" của {follow.issuer.name}" if follow.issuer else ""
        when = f"; thời hạn mới: {d(follow.new_deadline)}" if follow.new_deadline else ""
        lines.append(f"Văn bản này {follow.action.label} {follow.label}{issuer}{when}")
    if doc.tasks:
        lines.append(f"Thời hạn phân loại: {classification_days(doc):02d} ngày làm việc")
    if doc.needs_review:
        lines.append("CẦN VĂN THƯ KIỂM TRA trước khi cập nhật lên Phần mềm:")
        lines += [f"  - {r}" for r in doc.review_reasons]
    lines += [f"Ghi chú: {w}" for w in doc.warnings]
    return "\n".join(lines)
