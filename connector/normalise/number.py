"""The document number (số, ký hiệu) and the type its abbreviation names.

The number identifies a directive across routes (eOffice, e-mail, paper scan), so it is written
back in one canonical shape: "270/QĐ-UBND", "06/2024/QĐ-UBND", "1234/UBND-NNTN". Printed forms
vary: stray spaces ("270 / QĐ - UBND"), a hyphen lost by PDF extraction ("1961/QĐUBND"), an en
dash, "Số 06/2024/QĐ-UBND" without colon. A number without digits ("Số:    /QĐ-STP", an unsigned
draft) is no number.
"""

from __future__ import annotations

import re

from connector.normalise.draft import Draft

TYPE_BY_CODE = {
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "TB": "Thông báo",
    "KH": "Kế hoạch",
    "BC": "Báo cáo",
    "CĐ": "Công điện",
    "TTr": "Tờ trình",
    "HD": "Hướng dẫn",
    "GM": "Giấy mời",
    "NQ": "Nghị quyết",
    "CTr": "Chương trình",
    "KL": "Kết luận",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "PA": "Phương án",
    "ĐA": "Đề án",
}
_CODES_LONGEST_FIRST = sorted(TYPE_BY_CODE, key=len, reverse=True)
_CHAIRMAN_CODES = {"CT", "CTUBND", "CT.UBND"}

_SEG = r"[A-ZĐ][A-Za-zĐđ0-9&.]*"
_NUMBER_RE = re.compile(  # "Số" as the header prints it; "Công văn số 866/UBND" cites another document
    rf"(?<![^\W\d_] )(?<![^\W\d_])S[ốôỐÔ]\s*(?:hiệu)?\s*[:.]?\s*(\d{{1,6}}[a-z]?)\s*/\s*(?:(\d{{4}})\s*/\s*)?"
    rf"({_SEG}(?:\s*[-–]\s*{_SEG})*)"
)


def parse_number(text: str) -> tuple[str, str | None, str | None] | None:
    """Canonical number, its type code and its issuer abbreviation, from the first "Số: …" in `text`."""
    m = _NUMBER_RE.search(text)
    if m is None:
        return None
    return canonical_number(m.group(1), m.group(2), m.group(3))


def canonical_number(serial: str, year: str | None, notation: str) -> tuple[str, str | None, str | None]:
    """Rebuild a number from its parts; restore a lost hyphen after a known type code."""
    segments = [s for s in re.split(r"\s*[-–]\s*", notation.strip()) if s]
    if len(segments) == 1 and segments[0] not in TYPE_BY_CODE:
        head = segments[0]
        for code in _CODES_LONGEST_FIRST:
            rest = head[len(code) :]
            if head.startswith(code) and len(rest) >= 2 and rest.isupper():
                segments = [code, rest]
                break
    type_code = segments[0] if segments[0] in TYPE_BY_CODE else None
    issuer_abbr = segments[1] if type_code and len(segments) > 1 else (None if type_code else segments[0])
    parts = [serial] + ([year] if year else []) + ["-".join(segments)]
    return "/".join(parts), type_code, issuer_abbr


def is_chairman_code(abbr: str | None) -> bool:
    """True for the issuer part of a number that names the Chairman ("QĐ-CT", "QĐ-CTUBND")."""
    return abbr in _CHAIRMAN_CODES


def find_number(draft: Draft) -> Draft:
    """Step: the number from the header lines, else from the source's metadata (edXML Code)."""
    header = "\n".join(draft.lines[: max(draft.body_start, 1) + 2][:40])
    found = parse_number(header)
    if found is None and draft.meta("number"):
        found = parse_number("Số: " + (draft.meta("number") or ""))
    if found is not None:
        draft.number, draft.number_type, draft.number_issuer = found
    elif draft.meta("number"):  # a source's own number field ("4521" typed in a workbook) as given
        draft.number = " ".join((draft.meta("number") or "").split())
    return draft
