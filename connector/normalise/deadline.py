"""Time limits in a task sentence: a date, a number of (working) days, a period, or a cycle.

Only dates introduced by a deadline word count ("trước", "chậm nhất", "hạn chót", "thời hạn:",
"trong tháng …"): a date after "Quyết định số 24/2015/QĐ-UBND ngày 27 tháng 5 năm 2015" is a
citation, not a deadline. Relative limits become a rule that the calendar resolves once the
receipt date is known. Doubts are flagged, never corrected: a deadline before the document's own
date is kept as written; two different deadlines in one task are both reported.
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from connector.calendar import WorkingCalendar

_NUM_WORDS = {
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười lăm": 15,
    "hai mươi": 20,
    "ba mươi": 30,
}
_NUM = r"(\d{1,3}|mười lăm|hai mươi|ba mươi|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)"
_TIME = r"(?:(\d{1,2})\s*(?:giờ|h|g)\s*(?:(\d{1,2})\s*(?:phút|')?)?\s*,?\s*(?:\(\w+\)\s*)?(?:ngày\s*)?)"
_DATE = (
    r"(?:ngày\s*)?(?:(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?(?!\s*[/.-]?\s*\d)"
    r"|(\d{1,2})\s*tháng\s*(\d{1,2})(?:\s*năm\s*(\d{4}))?)"
)
_CUE = (
    r"(?:(?:hoàn thành|xong|báo cáo|gửi|trình)\s+)?(?:trước|chậm"
    r" nhất(?:\s+là)?(?:\s+vào)?(?:\s+trước)?|hạn chót(?:\s+là)?"
    r"|không muộn hơn|không quá|đến hết|trong|vào|thời"
    r" hạn(?:\s+(?:hoàn thành|báo cáo|thực hiện|gửi|trình))?\s*:?"
    r"|thời gian(?:\s+(?:hoàn thành|thực hiện|báo cáo|gửi))?\s*:)"
)
_ABS_RE = re.compile(rf"(?i)({_CUE}\s*(?:ngày\s*)?{_TIME}?{_DATE})")
_MONTH_RE = re.compile(
    r"(?i)((?:hoàn thành\s+)?trong tháng\s*(\d{1,2})(?:\s*(?:/|năm)\s*(\d{4}))?)(?!\s*[/.-]?\s*\d)"
)
_YEAR_RE = re.compile(r"(?i)((?:hoàn thành\s+)?trong năm\s*(\d{4}))")
_WINDOW_RE = re.compile(r"(?i)\btừ\s+(?:ngày\s*)?\d{1,2}\s*(?:[/.-]|tháng)[^;.]{0,40}$")
"""A window's start just before "đến hết ngày …": the end of a period, not a deadline."""
_MONTHS_RE = re.compile(
    rf"(?i)((?:trong|chậm nhất|không quá)(?:\s+(?:thời hạn|vòng|thời gian))?\s+{_NUM}\s*tháng"
    r"(?:,?\s*(?:kể\s+)?từ\s+(?:ngày\s+|khi\s+)?(nhận được(?: văn bản(?: này)?)?|nhận|ký|ban hành"
    r"|văn bản này được ký|được giao)?)?)"
)
_QUARTER_RE = re.compile(r"(?i)((?:hoàn thành\s+)?trong quý\s*(I{1,3}|IV|[1-4])\s*(?:/|năm)\s*(\d{4}))")
_REL_RE = re.compile(
    rf"(?i)((?:trong|chậm nhất|không quá)(?:\s+sau)?(?:\s+(?:thời"
    rf" hạn|vòng|thời gian))?\s+{_NUM}\s*(?:\([^)]*\)\s*)?"
    r"ngày(\s+làm việc)?(?:,?\s*(?:kể\s+)?từ\s+(?:ngày\s+|khi\s+)?(nhận được(?:"
    r" văn bản(?: này)?)?|nhận|ký|ban hành|văn bản này được ký|được giao)?)?)"
)
_CYCLE_RE = re.compile(
    r"(?i)((?:định kỳ\s+)?(?:hằng|hàng|mỗi)\s+(tháng|quý|năm|tuần)"
    r"|định kỳ\s+(6|sáu)\s+tháng(?:\s+và\s+(?:hằng\s+|cả\s+)?năm)?"
    r"|định kỳ\s+(tháng|quý|năm))"
)
_CYCLE_DAY_RE = re.compile(
    r"(?i)(?:trước|chậm nhất|vào"
    r"|hạn)\s+(?:là\s+)?(?:ngày\s+)?(\d{1,2})(?:\s*[/.-]\s*(\d{1,2})|\s+tháng\s+(\d{1,2}))?"
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass
class DeadlineFound:
    """What the sentence says about time: at most one of (on, rule, recurring) is the answer."""

    on: date | None = None
    at: time | None = None
    text: str | None = None
    rule: dict[str, Any] | None = None
    recurring: dict[str, Any] | None = None
    flags: list[str] = field(default_factory=list)
    candidates: int = 0


def _num(word: str) -> int:
    return int(word) if word.isdigit() else _NUM_WORDS[word.lower()]


def find_deadline(
    sentence: str, *, issued_on: date | None, received_on: date | None, cal: WorkingCalendar
) -> DeadlineFound:
    """Read the time limit of one task sentence (see the module docstring for the rules)."""
    out = DeadlineFound()
    cycle = _CYCLE_RE.search(sentence)
    if cycle:
        out.recurring = _cycle(cycle, sentence)
        out.text = sentence[cycle.start() : _cycle_text_end(cycle, sentence)].strip(" ,;.")
        out.candidates = 1
        return out
    found: list[tuple[int, date | None, time | None, str, dict[str, Any] | None]] = []
    for m in _ABS_RE.finditer(sentence):
        if m.group(1).lower().startswith("đến hết") and _WINDOW_RE.search(sentence[: m.start()]):
            continue
        when, at = _absolute(m, issued_on, received_on, out)
        if when is None and at is None:
            continue
        found.append((m.start(), when, at, m.group(1).strip(), None))
    base = issued_on or received_on
    for m in _MONTH_RE.finditer(sentence):
        month = int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _year_of_month(month, base)
        if 1 <= month <= 12 and year:
            found.append(
                (m.start(), date(year, month, _cal.monthrange(year, month)[1]), None, m.group(1), None)
            )
    for m in _YEAR_RE.finditer(sentence):
        found.append((m.start(), date(int(m.group(2)), 12, 31), None, m.group(1), None))
    for m in _MONTHS_RE.finditer(sentence):
        n, origin = _num(m.group(2)), _origin(m.group(3))
        start = issued_on if origin == "issued" else received_on
        when = cal.next_working(_add_months(start, n)) if start else None
        found.append((m.start(), when, None, m.group(1).strip(" ,"), {"months": n, "from": origin}))
    for m in _QUARTER_RE.finditer(sentence):
        q = _ROMAN.get(m.group(2).upper()) or int(m.group(2))
        year = int(m.group(3))
        month = q * 3
        found.append((m.start(), date(year, month, _cal.monthrange(year, month)[1]), None, m.group(1), None))
    for m in _REL_RE.finditer(sentence):
        n = _num(m.group(2))
        working = bool(m.group(3))
        origin = _origin(m.group(4))
        rule = {"working_days" if working else "days": n, "from": origin}
        base = issued_on if origin == "issued" else received_on
        when = None
        if base is not None:
            when = cal.add(base, n) if working else cal.next_working(base + timedelta(days=n))
        found.append((m.start(), when, None, m.group(1).strip(" ,"), rule))
    if not found:
        return out
    found.sort(key=lambda f: f[0])
    distinct = {(f[1], f[2], repr(f[4])) for f in found}
    out.candidates = len(distinct)
    _, out.on, out.at, out.text, out.rule = found[0]
    if len(distinct) > 1:
        out.flags.append("two_deadlines")
    if out.on and issued_on and out.on < issued_on and out.rule is None:
        out.flags.append("deadline_before_issue")
    return out


def _origin(word: str | None) -> str:
    """What a relative limit counts from: the signing ("kể từ ngày ký/ban hành") or the receipt."""
    return "issued" if word and word.lower() in ("ký", "ban hành", "văn bản này được ký") else "received"


def _year_of_month(month: int, base: date | None) -> int | None:
    """ "trong tháng 12" with no year: the next such month from the document's date."""
    if base is None:
        return None
    return base.year if month >= base.month else base.year + 1


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def _absolute(
    m: re.Match[str], issued_on: date | None, received_on: date | None, out: DeadlineFound
) -> tuple[date | None, time | None]:
    g = m.groups()
    hour, minute = g[1], g[2]
    day, month, year = (g[3], g[4], g[5]) if g[3] else (g[6], g[7], g[8])
    if day is None:
        return None, None
    at = None
    if hour is not None and int(hour) < 24 and int(minute or 0) < 60:
        at = time(int(hour), int(minute or 0))
    if year is None:
        base = issued_on or received_on
        if base is None:
            out.flags.append("deadline_year_unknown")
            return None, at
        year = str(base.year)
    try:
        return date(int(year), int(month), int(day)), at
    except ValueError:
        out.flags.append("deadline_invalid")
        return None, None


def _cycle(m: re.Match[str], sentence: str) -> dict[str, Any]:
    unit = (m.group(2) or m.group(4) or "").lower()
    every = {"tháng": "month", "quý": "quarter", "năm": "year", "tuần": "week"}.get(unit, "half-year")
    if m.group(3):
        every = "half-year"
    rec: dict[str, Any] = {"every": every}
    day_m = _CYCLE_DAY_RE.search(sentence, m.end()) or _CYCLE_DAY_RE.search(sentence[: m.start()])
    if day_m:
        rec["day"] = int(day_m.group(1))
        month = day_m.group(2) or day_m.group(3)
        if month and every in ("year", "half-year"):
            rec["month"] = int(month)
    return rec


def _cycle_text_end(m: re.Match[str], sentence: str) -> int:
    day_m = _CYCLE_DAY_RE.search(sentence, m.end())
    return day_m.end() if day_m and day_m.start() - m.end() < 80 else m.end()
