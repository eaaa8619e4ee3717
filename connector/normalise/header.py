"""The header of a directive: where it ends, who issued it, where and when, what kind, about what.

Vietnamese administrative documents follow one layout (Nghị định 30/2020/NĐ-CP, Phụ lục I): the
issuing body top left (parent body above, issuing body below), the national motto top right,
then the number and the place-and-date line, the type name in capitals, the subject ("V/v …"
for a công văn, or the lines under the type name). Extracted text linearises the two columns in
either order, so this module reads lines by their shape, not by their position.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from connector.domain import UnitRef
from connector.mappings import Issuer
from connector.normalise.draft import Draft
from connector.normalise.issuer import compose, split_parent
from connector.normalise.lookups import lookups
from connector.normalise.number import TYPE_BY_CODE, is_chairman_code
from connector.normalise.units import pfold
from connector.textfold import fold as _fold_uncached

fold = lru_cache(maxsize=8192)(_fold_uncached)
_PEOPLES_COMMITTEE = re.compile(r"^(?:UBND|[UỦ][ỶY] BAN NHÂN DÂN)\b", re.I)

_TYPE_NAMES = sorted({*TYPE_BY_CODE.values(), "Công văn", "Quy chế", "Quy định"}, key=len, reverse=True)
_TYPE_FOLDED = {fold(t): t for t in _TYPE_NAMES}
_MOTTO = (fold("Cộng hòa xã hội chủ nghĩa"), fold("Độc lập"))
_MOTTO_WORDS = (pfold("cộng hòa xã hội chủ nghĩa việt nam"), pfold("độc lập - tự do - hạnh phúc"))
_MOTTO_RE = re.compile(
    pfold(r"cộng hòa xã hội(?:\s+chủ nghĩa việt nam)?|chủ nghĩa việt nam")
    + r"|"
    + pfold(r"độc lập\s*[-–]\s*tự do\s*[-–]\s*hạnh phúc")
)
_ORG_HEADS = tuple(
    fold(h)
    for h in (
        "UBND", "Ủy ban", "Uỷ ban", "Sở", "Bộ", "Văn phòng", "Ban", "HĐND", "Hội đồng", "Tỉnh ủy",
        "Thành ủy", "Huyện ủy", "Đảng ủy", "Chi cục", "Tổng cục", "Cục", "Trung tâm", "Công an",
        "Thanh tra", "Chính phủ", "Thủ tướng", "Phòng", "Kho bạc", "Bộ Chỉ huy", "Chủ tịch",
    )
)  # fmt: skip
_PLACE = r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ'’.]*|phố|xã|trấn|-|–)"
_DATE_LINE_RE = re.compile(  # "Kon Tum, ngày 19 tháng 6 năm 2024" at a line's start (or after the number)
    rf"(?m)^[ \t|]*(?:S[ốô]\s*:?[^\n]*?\s)?({_PLACE}(?:[ \t]+{_PLACE}){{0,5}})\s*,\s*ngày\s*(\d{{1,2}})\s*"
    r"(?:tháng\s*(\d{1,2})\s*năm\s*|[/.-]\s*(\d{1,2})\s*[/.-]\s*)(\d{4})"
)
_BODY_OPENERS = tuple(
    fold(w) for w in ("Kính gửi", "Căn cứ", "QUYẾT ĐỊNH:", "QUYẾT ĐỊNH :", "ĐIỆN:", "ĐIỆN :")
)
_STOP_SUBJECT = re.compile(
    r"^(?:Kính gửi|Căn cứ|Thực hiện|Theo|Xét|Ngày \d|Trong|Để|Nhằm|Sau khi|Vừa qua|Hiện nay|Thời gian qua|"
    r"Trên cơ sở|Chiều|Sáng|Tại|Qua|Trước|Những năm|Năm \d|\d+\.|[IVX]+\.|[-–+•*_=]{2,})"
)
# "KẾ HOẠCH / Thực hiện Chương trình …": a plan's subject, unless it cites a dated text (the body's opener).
_PLAN_SUBJECT = re.compile(r"^(?:Thực hiện|Triển khai)\s(?!.*\bngày\s*\d)")
_SIGNATURE_RE = re.compile(r"^(?:Nơi nhận\s*:|TM\.|KT\.|TL\.|Q\.\s|TUQ\.)")


@lru_cache(maxsize=8192)
def _is_upper_line(line: str) -> bool:
    letters = sum(map(str.isalpha, line))
    return letters >= 2 and sum(map(str.isupper, line)) >= 0.85 * letters


def layout(draft: Draft) -> Draft:
    """Step: split the text into lines; find where the body starts (after the header) and ends.

    A header drawn as a table (web pages and converters print its cells between "|") is read one
    cell per line, the way its columns are printed on paper.
    """
    draft.lines = _untabled(draft.text.split("\n"))
    lines = draft.lines
    start = None
    for i, line in enumerate(lines[:80]):
        key = fold(line)
        if key.startswith(_BODY_OPENERS) or re.search(r"\bđiên\s*:\s*$", key):
            start = i
            break
    if start is None:  # no "Kính gửi", no "QUYẾT ĐỊNH:": the body starts after the subject
        start = _after_subject(lines)
    draft.body_start = start
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if _SIGNATURE_RE.match(lines[i]):
            end = i
            break
    draft.body_end = end
    return draft


_HEADER_ZONE = 25


def _untabled(lines: list[str]) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(lines):
        if i < _HEADER_ZONE and "|" in line:
            out += [cell.strip() for cell in line.split("|") if cell.strip()]
        else:
            out.append(line)
    return out


def _after_subject(lines: list[str]) -> int:
    for i, line in enumerate(lines[:40]):
        if _type_heading(line) or line.startswith(("V/v", "V/V", "Về việc")):
            j = i + 1
            while (
                j < len(lines)
                and lines[j]
                and not _STOP_SUBJECT.match(lines[j])
                and not _is_upper_line(lines[j])
            ):
                j += 1
            return j
    return _after_date_line(lines)


def _after_date_line(lines: list[str]) -> int:
    """No subject line: a header that still has its place-and-date line ends there."""
    for i, line in enumerate(lines[:15]):
        if len(line.split()) > 14:
            break
        if _DATE_LINE_RE.search(line):
            return i + 1
    return 0


def _type_heading(line: str) -> str | None:
    stripped = line.strip().rstrip(":").strip()
    if not _is_upper_line(stripped) or line.strip().endswith(":"):
        return None
    return _TYPE_FOLDED.get(fold(stripped))


def header_zone(draft: Draft) -> list[str]:
    """The lines a header can be on: before the body; when no body opener was seen, the first
    lines up to the first one that reads as running text."""
    if draft.body_start > 0:
        return draft.lines[: draft.body_start][:40]
    zone = []
    for line in draft.lines[:15]:
        if len(line.split()) > 14:
            break
        zone.append(line)
    return zone


def find_header(draft: Draft) -> Draft:
    """Step: issuer, place and date, and the type name, from the header lines (or metadata)."""
    head = header_zone(draft)
    m = _DATE_LINE_RE.search("\n".join(head))
    if m:
        month = m.group(3) or m.group(4)
        try:
            draft.issued_on = date(int(m.group(5)), int(month), int(m.group(2)))
            draft.place = m.group(1).strip()
        except ValueError:
            draft.warnings.append(f"Ngày ban hành không hợp lệ: '{' '.join(m.group(0).split())}'")
    for line in head:
        heading = _type_heading(line)
        if heading and draft.doc_type is None:
            draft.doc_type = heading
    if draft.issued_on is None and draft.meta("issued_on"):
        try:
            draft.issued_on = date.fromisoformat((draft.meta("issued_on") or "")[:10])
        except ValueError:
            draft.warnings.append(
                f"Ngày ban hành trong siêu dữ liệu không hợp lệ: '{draft.meta('issued_on')}'"
            )
    if draft.doc_type is None and draft.number_type:
        draft.doc_type = TYPE_BY_CODE[draft.number_type]
    if draft.doc_type is None and draft.meta("doc_type"):
        draft.doc_type = _TYPE_FOLDED.get(fold(draft.meta("doc_type") or ""), draft.meta("doc_type"))
    if draft.doc_type is None and draft.number and draft.number_type is None:
        draft.doc_type = "Công văn"
    _find_issuer(draft, head)
    return draft


def _without_motto(line: str) -> str:
    """The line without the national motto printed beside the issuer (a two-column header)."""
    spans = [m.span() for m in _MOTTO_RE.finditer(pfold(line))]
    for start, end in reversed(spans):
        line = line[:start] + " " + line[end:]
    line = line.strip(" |-–")
    rest = " ".join(pfold(line).split())
    return "" if rest and any(rest in motto for motto in _MOTTO_WORDS) else line  # a broken-off piece


def _org_lines(head: list[str]) -> list[str]:
    out: list[str] = []
    for line in head:
        line = _without_motto(line)
        key = fold(line)
        if not line or key.startswith(_MOTTO) or re.match(r"^[-–_=*.]{3,}$", line):
            continue
        if re.match(r"^s[ôo]\s*(?:hiêu)?\s*[:.]?\s*\d*\s*/", key) or _DATE_LINE_RE.search(line):
            break
        if _type_heading(line) or not _is_upper_line(line):
            break
        if key in _STAMPS:
            continue
        out.append(line.strip())
    return out


_STAMPS = {
    fold(w) for w in ("Mật", "Tối mật", "Tuyệt mật", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ")
}


def _find_issuer(draft: Draft, head: list[str]) -> None:
    """The issuer from the header lines; the source's own issuer field when the lines name none, or
    one the catalogues do not know (a scan read "TỈNHKONTUM") while the field names a known one."""
    org, given = _org_lines(head), draft.meta("issuer")
    _issuer_from(draft, org or ([given] if given else []))
    if given and org and (draft.issuer is None or draft.issuer.code is None):
        read = draft.issuer, draft.issuer_record
        _issuer_from(draft, [given])
        if draft.issuer is None or draft.issuer.code is None:
            draft.issuer, draft.issuer_record = read


def _issuer_from(draft: Draft, org: list[str]) -> None:
    if not org or not fold(" ".join(org)).startswith(_ORG_HEADS) or max(len(x.split()) for x in org) > 10:
        return  # (a title in capitals, "UBND TỈNH X YÊU CẦU …", is no header)
    parent, child = split_parent(org)
    if not parent and _PEOPLES_COMMITTEE.match(child):
        parent, child = child, ""
    chairman = is_chairman_code(draft.number_issuer) or _chairman_authority(draft)
    candidates: list[str] = []
    if child and parent:
        candidates += [compose(parent, child), f"{child} {parent}", child]
    elif parent:
        candidates += [f"Chủ tịch {compose('', parent)}"] if chairman else []
        candidates.append(compose("", parent))
    else:
        candidates.append(compose("", child))
    for name in candidates:
        record = _issuer(draft, name)
        if record is not None:
            draft.issuer, draft.issuer_record = UnitRef(record.name, record.code), record
            return
    for name in candidates:  # a national body (bodies.toml): known, but no origin of the province's
        body, _ = draft.maps.resolve_issuer(name, draft.issued_on)
        if body.code:
            draft.issuer = body
            return
    draft.issuer = UnitRef(candidates[0], None)


def _issuer(draft: Draft, name: str) -> Issuer | None:
    return lookups(draft.maps).issuer(name, draft.issued_on)


def _chairman_authority(draft: Draft) -> bool:
    """A line "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …" above "QUYẾT ĐỊNH:"/"ĐIỆN:" marks the Chairman's act."""
    for line in draft.lines[: draft.body_start + 3][:60]:
        if re.match(r"^CHỦ TỊCH\s+(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s+TỈNH", line):
            return True
    return False


def find_subject(draft: Draft) -> Draft:
    """Step: the subject: "V/v …" with its wrapped lines, or the lines under the type name."""
    lines = draft.lines
    limit = min(len(lines), max(draft.body_start, 1) + 1, 45)
    for i in range(limit):
        line = lines[i]
        if line.startswith(("V/v", "V/V", "v/v", "Về việc")) or (_type_heading(line) and i + 1 < len(lines)):
            first = i if not _type_heading(line) else i + 1
            parts: list[str] = []
            j = first
            while j < len(lines) and lines[j]:
                cur = lines[j]
                if parts and (_STOP_SUBJECT.match(cur) or _is_upper_line(cur) or _SIGNATURE_RE.match(cur)):
                    break
                if parts and parts[-1].endswith((".", ":", ";")):
                    break
                if not parts and (
                    _is_upper_line(cur) or (_STOP_SUBJECT.match(cur) and not _PLAN_SUBJECT.match(cur))
                ):
                    break
                parts.append(cur)
                j += 1
            if parts:
                draft.subject = " ".join(parts).strip()
                return draft
    if draft.meta("subject"):
        draft.subject = draft.meta("subject")
    return draft
