"""Doubts become review reasons: the normaliser says when it is unsure instead of guessing.

A document under review is stored but not pushed to the portal until a clerk confirms it
(DESIGN §9, issue 3 point 7). Reasons are Vietnamese sentences a clerk can act on; task flags are
short machine codes for the register and tests.
"""

from __future__ import annotations

import re

from connector.domain import FollowAction
from connector.normalise.bodies import outside_bodies
from connector.normalise.draft import Draft
from connector.normalise.hygiene import bad_chars
from connector.normalise.records import origin


def check_readable(draft: Draft) -> Draft:
    """Step (early): an empty or garbled text cannot be normalised; say so, read nothing more."""
    letters = sum(map(str.isalpha, draft.text))
    if letters < 20 or bad_chars(draft.text) > 0.05 * max(letters, 1):
        draft.unreadable = True
        errors = draft.meta("text_errors")
        draft.review(
            f"Không đọc được nội dung tệp đính kèm: {errors}. Cần mở tệp gốc"
            if errors
            else "Văn bản rỗng hoặc không đọc được (lỗi phông chữ, bản quét không có lớp chữ): cần mở tệp gốc"
        )
    return draft


def review(draft: Draft) -> Draft:
    """Step (last): turn every doubt of the earlier steps into flags and Vietnamese reasons."""
    if draft.unreadable and not draft.listed:
        return draft
    outside = outside_bodies(draft.maps).known
    if draft.issuer is None and not draft.listed:
        draft.review("Không xác định được cơ quan ban hành")
    elif draft.issuer is not None and draft.issuer.code is None and not outside(draft.issuer.name):
        draft.review(
            f"Cơ quan ban hành chưa có trong danh mục: '{draft.issuer.name}' (thêm vào mappings/issuers.toml)"
        )
    elif draft.issuer is not None and draft.tasks and origin(draft) is None:
        draft.review(  # a ministry, another province: read, but who assigned it is the clerk's call
            f"Văn bản của cơ quan ngoài tỉnh ('{draft.issuer.name}'): nhiệm vụ chưa có nguồn giao "
            "(UBND tỉnh, Chủ tịch UBND tỉnh hay Giám đốc Sở); cần xác định trước khi theo dõi"
        )
    if not draft.listed:  # what reading a text can miss; a listed record simply has no such field
        _reading_doubts(draft)
    for i, task in enumerate(draft.tasks, start=1):
        if not task.leads and not draft.listed:
            task.flags.append("no_lead")
            draft.review(f"Không xác định được đơn vị chủ trì của nhiệm vụ {i}")
        if task.collective:
            task.flags.append("collective_unit")
        for unit in [*task.leads, *task.cooperating]:
            if unit.code is None and not _is_collective(unit.name) and not outside(unit.name):
                if "unresolved_unit" not in task.flags:
                    task.flags.append("unresolved_unit")
                draft.review(f"Đơn vị chưa có trong danh mục: '{unit.name}' (thêm vào mappings/units.toml)")
        if "lead_cut" in task.flags:
            draft.review(f"Tên đơn vị chủ trì của nhiệm vụ {i} có thể chưa đủ: '{task.leads[-1].name}'")
        if "two_deadlines" in task.flags:
            draft.review(f"Nhiệm vụ {i} có hai thời hạn khác nhau: cần chọn thời hạn đúng")
        if "deadline_before_issue" in task.flags and task.deadline:
            draft.review(
                f"Thời hạn của nhiệm vụ {i} ({task.deadline:%d/%m/%Y}) trước ngày ban hành văn bản: "
                "giữ nguyên như văn bản, cần kiểm tra"
            )
        if "deadline_year_unknown" in task.flags or "deadline_invalid" in task.flags:
            draft.review(f"Thời hạn của nhiệm vụ {i} không đọc được: '{task.deadline_text or ''}'")
        task.flags = list(dict.fromkeys(task.flags))
    return draft


OCR_SURE = 0.95
"""Mean word confidence above which a scan's text is trusted like a text layer (Tesseract's `vie`
model gives 0.93 on a clean 200 dpi scan of a directive: bench/text.py)."""


def _reading_doubts(draft: Draft) -> None:
    confidence = draft.meta("text_confidence")
    if confidence is not None and float(confidence) < OCR_SURE:
        draft.review(
            f"Nội dung đọc bằng nhận dạng chữ (OCR) từ bản quét «{draft.meta('text_from')}», độ tin cậy "
            f"{float(confidence):.0%}: cần đối chiếu số, ngày, đơn vị và thời hạn với bản gốc"
        )
    if draft.number is None:
        draft.review("Không tìm thấy số, ký hiệu của văn bản")
    if draft.issued_on is None:
        draft.review("Không tìm thấy ngày ban hành của văn bản")
    if not draft.tasks and not _only_ends(draft):
        draft.review("Không tìm thấy nhiệm vụ nào trong văn bản: cần đọc lại để phân loại (Điều 4)")
    elif _RETOLD_RE.search(draft.text):
        draft.review(
            "Văn bản kể lại chỉ đạo (tin bài, trích dẫn), không phải văn bản gốc: cần đối chiếu văn bản gốc"
        )
    elif _RESULTS_RE.search(draft.text):
        draft.review(
            "Văn bản có phần báo cáo kết quả đã thực hiện: cần kiểm tra nhiệm vụ nào là việc mới được giao"
        )
    elif draft.unread:
        quoted = " ".join(draft.unread[0].split()[:14])
        more = f" và {len(draft.unread) - 1} câu khác" if len(draft.unread) > 1 else ""
        draft.review(f"Có câu giao việc chưa tách được thành nhiệm vụ: '{quoted} …'{more}: cần kiểm tra")


_RETOLD_RE = re.compile(  # a news item or a summary tells of a directive; its wording is not the text's
    r"\bvừa (?:có|ban hành|ký|gửi|chỉ đạo)\b|\((?:[\w.-]+\.vn|[A-ZĐ]{2,6})\)\s*[-–—]|\bẢnh\s*:"
    r"|\bcho biết\b|\btheo (?:công văn|văn bản|thông báo) (?:số|này)\b.{0,80}\bvừa\b"
)


_RESULTS_RE = re.compile(  # a heading over work done: its items read like tasks but are results
    r"(?im)^[ \t]*(?:[IVX]+\.|\d+\.|[a-z]\))?[ \t]*(?:những |các )?(?:kết quả thực hiện|tình hình thực hiện"
    r"|công việc đã (?:thực hiện|làm|triển khai)|việc đã làm)\b"
)


def _only_ends(draft: Draft) -> bool:
    """A letter that only withdraws or replaces earlier documents assigns nothing by its nature."""
    ends = (FollowAction.WITHDRAW, FollowAction.REPLACE)
    return bool(draft.follow_ups) and all(f.action in ends and not f.part for f in draft.follow_ups)


def _is_collective(name: str) -> bool:
    low = name.lower()
    return low.startswith(("các ", "thủ trưởng các", "giám đốc các", "chủ tịch ubnd các")) or " các " in low
