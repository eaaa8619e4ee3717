"""One data row of an office workbook → the Điều 5 fields, or the reasons it cannot be taken.

Cells arrive as Excel typed them: real dates, dates typed as text in several forms ("15/12/2025",
"15-12-2025", "15/12/25"), numbers typed as numbers (a document number "1234"), free text in the
deadline column ("Hằng tháng", "trước ngày 10/12/2025"). Nothing here touches the register; a
row with a problem comes back with Vietnamese reasons so the clerk can fix the workbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from openpyxl.utils.datetime import from_excel

from connector.domain import Origin, Secrecy, Urgency
from connector.office.excel.settings import ExcelMap
from connector.textfold import fold, nfc

_E = TypeVar("_E", bound=StrEnum)
_DATE_IN_TEXT = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}")
_WORDY_DATE = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_NONE_WORDS = {fold(w) for w in ("", "-", "Thường", "Không", "Bình thường", "Không mật", "Không khẩn")}
_LABELS = {
    "issued_on": "ngày ban hành",
    "received_on": "ngày nhận",
    "deadline": "thời hạn",
    "completed_on": "ngày hoàn thành",
}


@dataclass
class Record:
    """The fields of one row as the register will hold them (names as written, NFC)."""

    number: str | None = None
    issuer: str | None = None
    subject: str | None = None
    issued_on: date | None = None
    received_on: date | None = None
    summary: str | None = None
    lead_unit: str | None = None
    cooperating_units: list[str] = field(default_factory=list)
    tracker: str | None = None
    deadline: date | None = None
    deadline_text: str | None = None
    status: str | None = None
    progress_note: str | None = None
    urgency: Urgency | None = None
    secrecy: Secrecy | None = None
    origin: Origin | None = None
    completed_on: date | None = None


def parse_row(cells: dict[str, Any], xmap: ExcelMap) -> tuple[Record, list[str]]:
    """The record of one row and the reasons (Vietnamese) it cannot be taken; none = take it."""
    rec, problems = Record(), []
    for name in ("number", "issuer", "subject", "summary", "lead_unit", "tracker", "status", "progress_note"):
        setattr(rec, name, text(cells.get(name)))
    rec.deadline_text = text(cells.get("deadline_text"))
    rec.cooperating_units = split_list(cells.get("cooperating_units"), xmap.list_separators)
    for name in _LABELS:
        value = cells.get(name)
        day, words = parse_date(value, xmap.date_formats)
        if day is None and words is not None and name == "deadline" and not _DATE_IN_TEXT.search(words):
            rec.deadline_text = (
                f"{words}; {rec.deadline_text}" if rec.deadline_text else words
            )  # "Hằng tháng"
        elif day is None and words is not None:
            problems.append(
                f"{_LABELS[name]} «{words}» không đọc được thành ngày (cần dạng dd/mm/yyyy, ví dụ 15/12/2025)"
            )
        else:
            setattr(rec, name, day)
            if name == "deadline" and words is not None:
                rec.deadline_text = rec.deadline_text or words
    for name, kind in (("urgency", Urgency), ("secrecy", Secrecy), ("origin", Origin)):
        written = text(cells.get(name))
        member = _origin(written) if kind is Origin else _enum(kind, written)
        if written and member is None and fold(written) not in _NONE_WORDS:
            allowed = ", ".join(m.value for m in kind)
            problems.append(
                f"{_field_label(name)} «{written}» không rõ (cần một trong: {allowed}, hoặc để trống)"
            )
        setattr(rec, name, member)
    if not rec.number and not rec.summary:
        problems.append("không có số hiệu và không có tóm tắt nhiệm vụ")
    return rec, problems


def text(value: Any) -> str | None:
    """A cell as text: NFC, spaces collapsed, numbers without ".0", dates as dd/mm/yyyy; blank → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    lines = [" ".join(line.split()) for line in nfc(str(value)).splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined or None


def split_list(value: Any, separators: list[str]) -> list[str]:
    """Unit names in one cell, split on the configured separators ("; " and line breaks)."""
    written = text(value)
    if not written:
        return []
    parts = [written]
    for sep in separators:
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip(" .,-–") for p in parts if p.strip(" .,-–")]


def parse_date(value: Any, formats: list[str]) -> tuple[date | None, str | None]:
    """(date, the text as written when it was text); (None, text) when the text holds no date.

    A real Excel date, an Excel serial number, a text date in one of `formats`, or a phrase
    containing one ("trước ngày 10/12/2025", "ngày 15 tháng 12 năm 2025").
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number (1954–2119) left as a number
            day = from_excel(value)
            return (day.date() if isinstance(day, datetime) else None), None
        return None, text(value)
    written = text(value) or ""
    for candidate in (written, *(m.group(0) for m in _DATE_IN_TEXT.finditer(written))):
        day = _strptime(re.sub(r"\s+", "", candidate), formats)
        if day is not None:
            return day, (None if candidate == written else written)
    wordy = _WORDY_DATE.search(written)
    if wordy:
        try:
            return date(int(wordy.group(3)), int(wordy.group(2)), int(wordy.group(1))), written
        except ValueError:
            pass
    return None, written


def _strptime(candidate: str, formats: list[str]) -> date | None:
    for fmt in formats:
        try:
            day = datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
        if 1990 <= day.year <= 2100:
            return day
    return None


def _enum(kind: type[_E], written: str | None) -> _E | None:
    if not written:
        return None
    key = fold(written)
    return next((m for m in kind if fold(m.value) == key), None)


def _origin(written: str | None) -> Origin | None:
    """Nguồn giao as offices write it: "UBND tỉnh", "Chủ tịch UBND tỉnh Kon Tum", "GĐ Sở"…"""
    key = fold(written or "")
    if not key:
        return None
    if fold("Chủ tịch") in key:
        return Origin.CHU_TICH
    if fold("Giám đốc") in key or key.startswith(fold("GĐ")):
        return Origin.GIAM_DOC
    if "ubnd" in key or fold("Ủy ban nhân dân") in key:
        return Origin.UBND_TINH
    return None


def _field_label(name: str) -> str:
    return {"urgency": "độ khẩn", "secrecy": "độ mật", "origin": "nguồn giao"}[name]
