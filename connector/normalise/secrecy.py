"""Secrecy and urgency stamps, and the rule that a secret document's content goes no further.

Stamps are printed as lines of their own near the header ("MẬT", "KHẨN", "HỎA TỐC"), sometimes
glued to another header line by PDF extraction, or given by the source ("Độ khẩn: Hỏa tốc" in an
e-mail, edXML OtherInfo/Priority, SecurityLevel). Only the header zone is read: "văn bản mật" in
a sentence of the body is not a stamp. DESIGN §7: a secret document yields an arrival notice
only, so this step raises `DropContent` before any content is read.
"""

from __future__ import annotations

import re

from connector.domain import Secrecy, Urgency
from connector.normalise.draft import Draft, DropContent
from connector.textfold import fold

_SECRECY = {fold(str(s)): s for s in Secrecy}
_URGENCY = {fold(str(u)): u for u in Urgency}
# Capitals only: a stamp is printed in capitals; "khẩn trương" in a sentence is not one.
_STAMP_RE = re.compile(
    r"(?<![\w])(TUYỆT MẬT|TỐI MẬT|(?<!BÍ )MẬT|HỎA TỐC HẸN GIỜ"
    r"|HOẢ TỐC HẸN GIỜ|HỎA TỐC|HOẢ TỐC|THƯỢNG KHẨN|KHẨN)(?![\w])"
)
_LABEL_RE = re.compile(r"(?i)^Độ\s+(mật|khẩn)\s*:\s*(.+?)\s*$")
# A document that names its own urgency in its text ("UBND tỉnh có công văn hỏa tốc", "Công điện khẩn
# của UBND tỉnh …", "(HOẢ TỐC)"): urgency only, never secrecy, and never a document it cites
# ("thực hiện Công điện khẩn số … của Thủ tướng").
_SPOKEN_RE = re.compile(
    r"(?i)(?<!thực hiện )(?<!theo )(?<!tại )(?<!căn cứ )\b(?:văn bản|công văn|công điện|điện)\s+"
    r"(hỏa tốc|hoả tốc|thượng khẩn|khẩn)(?!\s*trương)\b(?!\s+số\s+\S+\s+(?:ngày\s+\S+\s+)?của)"
    r"|\((HỎA TỐC|HOẢ TỐC|THƯỢNG KHẨN|KHẨN)\)"
)
_SPOKEN_ZONE = 2000
# edXML OtherInfo/Priority (QCVN 102:2016): 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ
_PRIORITY = {"1": Urgency.KHAN, "2": Urgency.THUONG_KHAN, "3": Urgency.HOA_TOC, "4": Urgency.HOA_TOC_HEN_GIO}
_ORDER_S = [Secrecy.MAT, Secrecy.TOI_MAT, Secrecy.TUYET_MAT]
_ORDER_U = [Urgency.KHAN, Urgency.THUONG_KHAN, Urgency.HOA_TOC, Urgency.HOA_TOC_HEN_GIO]

NOTICE = "Văn bản mật: chỉ ghi nhận thông báo đến, không lưu nội dung"


def _stronger_s(a: Secrecy | None, b: Secrecy | None) -> Secrecy | None:
    return max((x for x in (a, b) if x), key=_ORDER_S.index, default=None)


def _stronger_u(a: Urgency | None, b: Urgency | None) -> Urgency | None:
    return max((x for x in (a, b) if x), key=_ORDER_U.index, default=None)


def find_stamps(draft: Draft) -> Draft:
    """Step: secrecy and urgency from header stamps, labels and metadata; the strongest wins."""
    zone = draft.lines[: max(draft.body_start, 1) + 1][:40]
    for line in zone:
        if re.match(r"^(?:V/v|Về việc)", line) or len(line) > 90:
            continue
        label = _LABEL_RE.match(line)
        if label:
            _apply(draft, fold(label.group(2)))
            continue
        for m in _STAMP_RE.finditer(line):
            _apply(draft, fold(m.group(1)))
    for m in _SPOKEN_RE.finditer(draft.text[:_SPOKEN_ZONE]):
        key = fold(m.group(1) or m.group(2))
        draft.urgency = _stronger_u(draft.urgency, _URGENCY[key])
    for key in ("secrecy", "urgency"):
        value = draft.meta(key)
        if value:
            _apply(draft, fold(value))
    priority = draft.meta("priority")
    if priority in _PRIORITY:
        draft.urgency = _stronger_u(draft.urgency, _PRIORITY[priority])
    return draft


def _apply(draft: Draft, key: str) -> None:
    key = key.strip(" .:")
    if key in _SECRECY:
        draft.secrecy = _stronger_s(draft.secrecy, _SECRECY[key])
    elif key in _URGENCY:
        draft.urgency = _stronger_u(draft.urgency, _URGENCY[key])


def drop_secret(draft: Draft) -> Draft:
    """Step: stop here for a secret document; only the arrival notice leaves the function."""
    if draft.secrecy is not None:
        raise DropContent(NOTICE)
    return draft
