"""The follow-up step on small hand-written letters: what a clerk reads each reference as.

Written by hand for these tests (not taken from tests/corpus/real/): a letter of UBND tỉnh Kon Tum
that urges, extends, ends, replaces or only cites earlier documents.
"""

from __future__ import annotations

from datetime import date

import pytest

from connector.calendar import WorkingCalendar
from connector.domain import FollowAction, NormalisedDocument
from connector.mappings import Mappings
from connector.normalise import normalise

from .conftest import OUR_UNITS, raw

HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH KON TUM\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Số: {number}\nKon Tum, ngày 10 tháng 6 năm 2024\nV/v {subject}\n\n"
    "Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.\n\n"
)
SNN = "Sở Nông nghiệp và Phát triển nông thôn"


def _read(
    maps: Mappings, cal: WorkingCalendar, body: str, subject: str = "triển khai nhiệm vụ"
) -> NormalisedDocument:
    text = (
        HEAD.format(number="2100/UBND-NNTN", subject=subject) + body + "\nNơi nhận:\n- Như trên;\n- Lưu: VT."
    )
    return normalise(raw(text), maps, cal, our_units=OUR_UNITS)


def test_an_extension_names_the_document_and_its_new_deadline(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(
        maps,
        cal,
        f"UBND tỉnh đồng ý gia hạn thời gian thực hiện nhiệm vụ giao tại Công văn số 1234/UBND-NNTN ngày "
        f"12/5/2024 của UBND tỉnh Kon Tum; giao {SNN} hoàn thành nhiệm vụ trước ngày 30/9/2024.",
        subject="gia hạn thời gian thực hiện nhiệm vụ",
    )
    assert [f.to_json() for f in doc.follows_up] == [
        {
            "number": "1234/UBND-NNTN",
            "issuer": {"name": "UBND tỉnh Kon Tum", "code": "UBND_KT"},
            "issued_on": "2024-05-12",
            "action": "extend",
            "new_deadline": "2024-09-30",
        }
    ]


def test_an_extension_to_a_date_after_the_reference(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(
        maps,
        cal,
        "Kéo dài thời gian thực hiện nhiệm vụ tại Kế hoạch số 45/KH-UBND ngày 02/02/2024 của UBND tỉnh "
        "đến hết ngày 31 tháng 10 năm 2024.",
    )
    (f,) = doc.follows_up
    assert (f.number, f.action, f.issued_on, f.new_deadline) == (
        "45/KH-UBND",
        FollowAction.EXTEND,
        date(2024, 2, 2),
        date(2024, 10, 31),
    )


def test_an_urging_letter_restates_the_task_instead_of_adding_one(
    maps: Mappings, cal: WorkingCalendar
) -> None:
    doc = _read(
        maps,
        cal,
        f"Đến nay {SNN} chưa báo cáo kết quả thực hiện. Chủ tịch UBND tỉnh yêu cầu {SNN} khẩn trương thực "
        "hiện nhiệm vụ được giao tại Văn bản số 1234/UBND-NNTN ngày 12/5/2024 của UBND tỉnh, báo cáo "
        "trước ngày 20/6/2024.",
        subject="đôn đốc thực hiện nhiệm vụ",
    )
    (f,) = doc.follows_up
    assert (f.action, f.new_deadline) == (FollowAction.URGE, date(2024, 6, 20))
    (task,) = doc.tasks
    assert task.follows == (0,) and "follow_up" in task.flags
    assert task.lead_unit is not None and task.lead_unit.code == "SNNPTNT"


def test_a_letter_that_continues_an_earlier_one(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(
        maps,
        cal,
        f"Yêu cầu {SNN} tiếp tục thực hiện nghiêm Chỉ thị số 05/CT-UBND ngày 03/3/2024 của Chủ tịch UBND "
        "tỉnh và Công văn số 880/UBND-NNTN ngày 04/4/2024 của UBND tỉnh cho đến khi có thông báo mới.",
    )
    assert [(f.number, f.action, f.new_deadline) for f in doc.follows_up] == [
        ("05/CT-UBND", FollowAction.CONTINUE, None),
        ("880/UBND-NNTN", FollowAction.CONTINUE, None),
    ]


@pytest.mark.parametrize(
    ("sentence", "action"),
    [
        (
            "Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 77/QĐ-UBND ngày 01/3/2020.",
            "replace",
        ),
        ("Bãi bỏ Quyết định số 88/QĐ-UBND ngày 05/01/2022 của UBND tỉnh Kon Tum.", "withdraw"),
        ("Thu hồi Công văn số 990/UBND-NNTN ngày 07/5/2024 của UBND tỉnh.", "withdraw"),
        (
            f"Bổ sung nhiệm vụ kiểm tra an toàn hồ đập vào Kế hoạch số 12/KH-UBND ngày 15/01/2024 của UBND "
            f"tỉnh; giao {SNN} chủ trì thực hiện.",
            "add",
        ),
    ],
)
def test_ends_and_additions(maps: Mappings, cal: WorkingCalendar, sentence: str, action: str) -> None:
    (f,) = _read(maps, cal, sentence).follows_up
    assert str(f.action) == action
    assert f.new_deadline is None


def test_a_legal_basis_and_a_national_directive_are_no_follow_up(
    maps: Mappings, cal: WorkingCalendar
) -> None:
    """ "Căn cứ …" and "Thực hiện Công văn số … của Bộ …" are the basis; "tiếp tục thực hiện Chỉ thị
    số …/CT-TTg" is the national policy the province carries out, not a task it tracks."""
    doc = _read(
        maps,
        cal,
        "Căn cứ Quyết định số 1234/QĐ-UBND ngày 01/01/2024 của UBND tỉnh về việc ban hành Quy chế làm "
        "việc;\nThực hiện Công văn số 567/BNN-TY ngày 02/02/2024 của Bộ Nông nghiệp và Phát triển nông "
        f"thôn, Chủ tịch UBND tỉnh yêu cầu {SNN} tiếp tục thực hiện nghiêm Chỉ thị số 16/CT-TTg ngày "
        "31/3/2020 của Thủ tướng Chính phủ, báo cáo trước ngày 30/6/2024.",
    )
    assert doc.follows_up == ()
    assert [t.follows for t in doc.tasks] == [()]
    assert not any("văn bản" in r and "số" in r for r in doc.review_reasons)


def test_the_documents_own_number_is_no_follow_up(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(maps, cal, f"Giao {SNN} tiếp tục thực hiện Công văn số 2100/UBND-NNTN này.")
    assert doc.follows_up == ()


def test_the_documents_named_above(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(
        maps,
        cal,
        "UBND tỉnh đã ban hành Kế hoạch số 30/KH-UBND ngày 01/02/2024 và Công văn số 310/UBND-NNTN ngày "
        f"05/02/2024 về phòng, chống dịch bệnh.\n\nĐề nghị {SNN} tiếp tục thực hiện các văn bản nêu trên.",
    )
    assert [(f.number, f.action) for f in doc.follows_up] == [
        ("30/KH-UBND", FollowAction.CONTINUE),
        ("310/UBND-NNTN", FollowAction.CONTINUE),
    ]


@pytest.mark.parametrize(
    ("body", "subject", "said"),
    [
        (
            "Bãi bỏ khoản 2 Điều 1 Quyết định số 88/QĐ-UBND ngày 05/01/2022 của UBND tỉnh.",
            "triển khai nhiệm vụ",
            "không phải toàn bộ văn bản",
        ),
        (
            "UBND tỉnh đồng ý gia hạn thời gian thực hiện nhiệm vụ tại Công văn số 1234/UBND-NNTN ngày "
            "12/5/2024 của UBND tỉnh.",
            "triển khai nhiệm vụ",
            "không ghi thời hạn mới",
        ),
        (
            "Sửa đổi, bổ sung Điều 2 Quyết định số 99/QĐ-UBND ngày 09/9/2023 của UBND tỉnh như sau.",
            "triển khai nhiệm vụ",
            "Văn bản sửa đổi, điều chỉnh Quyết định số 99/QĐ-UBND",
        ),
        (f"Đề nghị {SNN} khẩn trương hoàn thành.", "đôn đốc thực hiện nhiệm vụ", "không tìm thấy số văn bản"),
    ],
)
def test_doubts_are_said(maps: Mappings, cal: WorkingCalendar, body: str, subject: str, said: str) -> None:
    doc = _read(maps, cal, body, subject=subject)
    assert doc.needs_review
    assert any(said in r for r in doc.review_reasons), doc.review_reasons


def test_parse_json_lists_follow_ups_after_the_tasks(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _read(maps, cal, f"Giao {SNN} chủ trì kiểm tra trước ngày 30/6/2024.")
    keys = list(doc.to_json())
    assert keys[keys.index("tasks") + 1] == "follows_up"
    assert doc.to_json()["follows_up"] == []
