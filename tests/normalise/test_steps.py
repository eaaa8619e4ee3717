"""Focused tests of each step: hygiene, number, deadline phrasing, unit lists, stamps, secrecy."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from adapters.text import decode_text
from connector.calendar import WorkingCalendar
from connector.cli.parse import read_file
from connector.mappings import Mappings
from connector.normalise import classification_days, normalise
from connector.normalise.deadline import find_deadline
from connector.normalise.hygiene import repair, tcvn3_to_unicode, vni_to_unicode
from connector.normalise.number import parse_number
from connector.normalise.unit_lists import parse_units
from connector.normalise.units import lexicon

from .conftest import OUR_UNITS, raw


def test_tcvn3_and_vni_convert() -> None:
    assert tcvn3_to_unicode("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert vni_to_unicode("Ñoäc laäp - Töï do - Haïnh phuùc") == "Độc lập - Tự do - Hạnh phúc"
    assert vni_to_unicode("ñöôïc nhöõng Chæ thò Myõ") == "được những Chỉ thị Mỹ"


@pytest.mark.parametrize(
    "garbled",
    [
        "Céng hoµ x· héi chñ nghÜa ViÖt Nam, Uû ban nh©n d©n tØnh Kon Tum",
        "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam, UÛy ban nhaân daân tænh Kon Tum",
        "Cộng hòa xã hội chủ nghĩa Việt Nam, Ủy ban nhân dân tỉnh Kon Tum".encode().decode(
            "cp1252", "replace"
        ),
    ],
)
def test_repair_detects_the_encoding(garbled: str) -> None:
    text, warnings = repair(garbled)
    assert "xã hội chủ nghĩa Việt Nam" in text
    assert "nhân dân tỉnh Kon Tum" in text
    assert warnings


def test_clean_unicode_is_left_alone() -> None:
    text = "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế."
    assert repair(text) == (text, [])


def test_pdf_repairs() -> None:
    text, _ = repair("Giao SởTài chính phát tri-\nển nông thôn ngày15 tháng12 năm 2022")
    assert text == "Giao Sở Tài chính phát triển nông thôn ngày 15 tháng 12 năm 2022"


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("Số: 270/QĐ-UBND", "270/QĐ-UBND"),
        ("Số 06/2024/QĐ-UBND", "06/2024/QĐ-UBND"),
        ("Số: 1234/UBND-NNTN Kon Tum, ngày 1 tháng 2 năm 2024", "1234/UBND-NNTN"),
        ("Số: 1961/QĐUBND", "1961/QĐ-UBND"),
        ("Số : 270 / QĐ - UBND", "270/QĐ-UBND"),
        ("Số: 45/TTr-SNN", "45/TTr-SNN"),
    ],
)
def test_number_variants(printed: str, number: str) -> None:
    found = parse_number(printed)
    assert found is not None
    assert found[0] == number


def test_draft_number_is_no_number() -> None:
    assert parse_number("Số:        /QĐ-STP") is None


@pytest.mark.parametrize(
    ("sentence", "on", "at"),
    [
        ("hoàn thành trước ngày 10/12/2023", date(2023, 12, 10), None),
        ("báo cáo chậm nhất ngày 15 tháng 12 năm 2022", date(2022, 12, 15), None),
        ("gửi trước 16 giờ ngày 05/12/2017", date(2017, 12, 5), time(16, 0)),
        ("xong trước ngày 15-7-2021", date(2021, 7, 15), None),
        ("báo cáo trước ngày 20/11", date(2017, 11, 20), None),
        ("hoàn thành trong quý IV năm 2017", date(2017, 12, 31), None),
    ],
)
def test_absolute_deadlines(cal: WorkingCalendar, sentence: str, on: date, at: time | None) -> None:
    found = find_deadline(sentence, issued_on=date(2017, 1, 3), received_on=None, cal=cal)
    assert (found.on, found.at) == (on, at)
    assert found.flags == []


def test_citation_date_is_not_a_deadline(cal: WorkingCalendar) -> None:
    sentence = "Căn cứ Quyết định số 24/2015/QĐ-UBND ngày 27 tháng 5 năm 2015 của Ủy ban nhân dân tỉnh"
    assert find_deadline(sentence, issued_on=date(2023, 1, 3), received_on=None, cal=cal).candidates == 0


def test_relative_working_days(cal: WorkingCalendar) -> None:
    sentence = "báo cáo trong thời hạn 05 ngày làm việc kể từ ngày nhận được văn bản"
    unknown = find_deadline(sentence, issued_on=date(2023, 11, 23), received_on=None, cal=cal)
    assert unknown.rule == {"working_days": 5, "from": "received"}
    assert unknown.on is None
    known = find_deadline(sentence, issued_on=date(2023, 11, 23), received_on=date(2023, 11, 24), cal=cal)
    assert known.on == date(2023, 12, 1)


def test_recurring_and_flags(cal: WorkingCalendar) -> None:
    rec = find_deadline(
        "định kỳ hằng tháng, trước ngày 15 báo cáo", issued_on=None, received_on=None, cal=cal
    )
    assert rec.recurring == {"every": "month", "day": 15}
    early = find_deadline(
        "hoàn thành trước ngày 05/4/2023", issued_on=date(2023, 4, 10), received_on=None, cal=cal
    )
    assert "deadline_before_issue" in early.flags
    assert early.on == date(2023, 4, 5)
    two = find_deadline(
        "báo cáo trước ngày 10/5/2023; hoàn thành trước ngày 30/5/2023",
        issued_on=date(2023, 4, 1),
        received_on=None,
        cal=cal,
    )
    assert "two_deadlines" in two.flags


def test_unit_lists_expand(maps: Mappings) -> None:
    lex = lexicon(maps)
    units, _ = parse_units(
        "UBND các huyện: Đắk Glei, Ngọc Hồi và Tu Mơ Rông khẩn trương", 0, lex, date(2023, 1, 1)
    )
    assert [u.ref.code for u in units] == ["UBND_DKG", "UBND_NH", "UBND_TMR"]
    units, _ = parse_units("các Sở: Tài chính, Kế hoạch và Đầu tư, Xây dựng theo", 0, lex, date(2023, 1, 1))
    assert [u.ref.code for u in units] == ["STC", "SKHDT", "SXD"]
    units, _ = parse_units(
        "Sở Văn hóa, Thể thao và Du lịch, Sở Abc và các đơn vị liên quan tổ chức", 0, lex, None
    )
    assert [u.ref.code for u in units] == ["SVHTTDL", None, None]
    assert units[1].ref.name == "Sở Abc"
    assert units[2].collective


def test_renamed_unit_resolves_to_successor(maps: Mappings) -> None:
    units, _ = parse_units(
        "Sở Nông nghiệp và Phát triển nông thôn chủ trì", 0, lexicon(maps), date(2025, 5, 1)
    )
    assert units[0].ref.code == "SNNMT_KT"


def _doc(text: str, maps: Mappings, cal: WorkingCalendar):
    return normalise(raw(text), maps, cal, our_units=OUR_UNITS)


HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH KON TUM\n{stamp}\nSố:"
    " 12/UBND-NNTN\nKon Tum, ngày 02 tháng 10 năm 2023\nV/v thử\n\n"
)


def test_secret_document_keeps_only_the_notice(maps: Mappings, cal: WorkingCalendar) -> None:
    body = "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế rà soát, hoàn thành trước ngày 10/10/2023.\n"
    doc = _doc(HEAD.format(stamp="TUYỆT MẬT") + body, maps, cal)
    assert str(doc.secrecy) == "Tuyệt mật"
    assert (doc.subject, doc.tasks, doc.needs_review) == (None, (), False)
    assert doc.number == "12/UBND-NNTN"
    assert doc.warnings == ("Văn bản mật: chỉ ghi nhận thông báo đến, không lưu nội dung",)
    assert "rà soát" not in str(doc.to_json())


def test_body_words_are_not_stamps(maps: Mappings, cal: WorkingCalendar) -> None:
    body = "Giao Sở Tài chính khẩn trương quản lý văn bản mật theo quy định.\n"
    doc = _doc(HEAD.format(stamp="") + body, maps, cal)
    assert doc.secrecy is None
    assert doc.urgency is None
    assert len(doc.tasks) == 1


def test_unresolved_unit_and_no_task_need_review(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = _doc(HEAD.format(stamp="") + "Giao Sở Abc chủ trì tổ chức thực hiện.\n", maps, cal)
    assert doc.needs_review
    assert "Đơn vị chưa có trong danh mục: 'Sở Abc' (thêm vào mappings/units.toml)" in doc.review_reasons
    assert doc.tasks[0].flags == ("unresolved_unit",)
    empty = _doc("", maps, cal)
    assert empty.needs_review
    assert empty.tasks == ()


def test_execution_clause_is_not_a_task(maps: Mappings, cal: WorkingCalendar) -> None:
    body = (
        "Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc Sở Tài chính và Thủ trưởng các đơn vị liên quan "
        "chịu trách nhiệm thi hành Quyết định này./.\n"
    )
    assert _doc(HEAD.format(stamp="") + body, maps, cal).tasks == ()


def test_classification_days(maps: Mappings, cal: WorkingCalendar) -> None:
    one = _doc(HEAD.format(stamp="") + "Giao Sở Tài chính rà soát.\n", maps, cal)
    two = _doc(
        HEAD.format(stamp="") + "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế rà soát.\n", maps, cal
    )
    assert (classification_days(one), classification_days(two)) == (1, 2)
    assert one.tasks[0].concerns_us is False
    ours = _doc(
        HEAD.format(stamp="") + "Giao Sở Tài chính chủ trì, phối hợp với Sở NN&PTNT rà soát.\n", maps, cal
    )
    assert ours.tasks[0].concerns_us is True


def test_files_decode_and_read_as_parse_reads_them(tmp_path: Path) -> None:
    assert decode_text("Sở Tài chính".encode("utf-16"), "utf-16") == "Sở Tài chính"
    html = "<html><meta charset='utf-8'><body><p>Số: 1/UBND-VP</p><p>Giao Sở Y tế</p></body></html>".encode()
    (tmp_path / "a.html").write_bytes(html)
    assert "Giao Sở Y tế" in read_file(tmp_path / "a.html").body


def test_lookups_live_on_their_mappings(maps: Mappings) -> None:
    """Caches are per Mappings object: the same object reuses them, a reloaded one gets its own."""
    from connector.mappings import load_all
    from connector.normalise.lookups import lookups

    from .conftest import ROOT

    other = load_all(ROOT / "mappings")
    assert lookups(maps) is lookups(maps)
    assert lookups(other) is not lookups(maps)
    assert lexicon(other).maps is other and lexicon(maps) is lexicon(maps)
    assert lookups(maps).issuer("UBND TỈNH KON TUM", date(2024, 1, 1)).code == "UBND_KT"  # type: ignore[union-attr]
    assert lookups(maps).issuer("UBND TỈNH KON TUM", date(2025, 8, 1)) is None


NOTICE_META = {
    "number": "1028/UBND-NNTN",
    "issuer": "UBND tỉnh Kon Tum",
    "issued_on": "2024-06-17",
    "received_on": "2024-06-20",
    "secrecy": "Mật",
    "urgency": "Khẩn",
    "doc_type": "Công văn",
}


def test_secret_metadata_with_empty_body_is_a_notice(maps: Mappings, cal: WorkingCalendar) -> None:
    """eOffice hands a secret record over with body "" (DESIGN §7): a notice, never a review."""
    doc = normalise(raw("", **NOTICE_META), maps, cal, our_units=OUR_UNITS)
    assert (str(doc.secrecy), str(doc.urgency), doc.doc_type) == ("Mật", "Khẩn", "Công văn")
    assert (doc.number, doc.issued_on, doc.received_on) == (
        "1028/UBND-NNTN",
        date(2024, 6, 17),
        date(2024, 6, 20),
    )
    assert doc.issuer is not None and doc.issuer.code == "UBND_KT"
    assert (doc.subject, doc.tasks, doc.needs_review, doc.review_reasons) == (None, (), False, ())
    assert doc.warnings == ("Văn bản mật: chỉ ghi nhận thông báo đến, không lưu nội dung",)


def test_secret_metadata_wins_over_a_plain_text(maps: Mappings, cal: WorkingCalendar) -> None:
    body = "Giao Sở Tài chính chủ trì rà soát, hoàn thành trước ngày 10/10/2023.\n"
    doc = normalise(raw(HEAD.format(stamp="") + body, secrecy="Tối mật"), maps, cal, our_units=OUR_UNITS)
    assert str(doc.secrecy) == "Tối mật"
    assert (doc.subject, doc.tasks, doc.needs_review) == (None, (), False)
    assert "rà soát" not in str(doc.to_json())


def test_stamp_in_a_short_unreadable_text_is_still_secret(maps: Mappings, cal: WorkingCalendar) -> None:
    doc = normalise(raw("MẬT\nSố: 5/UBND"), maps, cal, our_units=OUR_UNITS)
    assert str(doc.secrecy) == "Mật" and not doc.needs_review and doc.tasks == ()


def test_empty_body_takes_the_header_from_metadata(maps: Mappings, cal: WorkingCalendar) -> None:
    meta = {**NOTICE_META, "secrecy": "", "subject": "V/v thử"}
    doc = normalise(raw("", **meta), maps, cal, our_units=OUR_UNITS)
    assert (doc.number, doc.issued_on, doc.subject, doc.doc_type) == (
        "1028/UBND-NNTN",
        date(2024, 6, 17),
        "V/v thử",
        "Công văn",
    )
    assert doc.needs_review and doc.review_reasons[0].startswith("Văn bản rỗng")


def test_metadata_fills_gaps_and_the_text_wins_disagreements(maps: Mappings, cal: WorkingCalendar) -> None:
    body = "Giao Sở Tài chính chủ trì rà soát, hoàn thành trước ngày 10/10/2023.\n"
    meta = {"number": "13/UBND-NNTN", "issued_on": "2023-10-03", "urgency": "Thượng khẩn"}
    doc = normalise(raw(HEAD.format(stamp="KHẨN") + body, **meta), maps, cal, our_units=OUR_UNITS)
    assert (doc.number, doc.issued_on, str(doc.urgency)) == ("12/UBND-NNTN", date(2023, 10, 2), "Thượng khẩn")
    assert any("(12/UBND-NNTN) khác với dữ liệu của nguồn (13/UBND-NNTN)" in w for w in doc.warnings)
    assert any("(02/10/2023) khác với dữ liệu của nguồn (03/10/2023)" in w for w in doc.warnings)
    same = normalise(raw(HEAD.format(stamp="") + body, number="12/UBND-NNTN"), maps, cal, our_units=OUR_UNITS)
    assert not any("dữ liệu của nguồn" in w for w in same.warnings)
    no_number = HEAD.format(stamp="").replace("Số: 12/UBND-NNTN", "")
    filled = normalise(raw(no_number + body, number="13/UBND-NNTN"), maps, cal, our_units=OUR_UNITS)
    assert filled.number == "13/UBND-NNTN"
    assert not any("dữ liệu của nguồn" in w for w in filled.warnings)


TASK_HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH KON TUM\nSố: 837/UBND-NNTN\nKon Tum, ngày 04 tháng 03 năm 2024\n"
    "V/v thử\n\nKính gửi: Sở Nông nghiệp và Phát triển nông thôn;\n"
    "Để triển khai kịp thời, yêu cầu các cơ quan, đơn vị thực hiện:\n"
)


@pytest.mark.parametrize(
    ("line", "leads", "coop"),
    [
        (
            "1. Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với UBND các huyện, thành phố, "
            "Sở Tài nguyên và Môi trường chỉ đạo giám sát dịch bệnh; hoàn thành trước ngày 25/03/2024.",
            ["SNNPTNT"],
            [None, "STNMT"],
        ),
        ("2. Sở Tài chính: chủ trì, phối hợp với Sở Y tế bố trí kinh phí.", ["STC"], ["SYT"]),
        ("3. UBND các huyện, thành phố: tổ chức tiêu hủy lợn bệnh.", [None], []),
        ("a) Sở Y tế chủ trì hướng dẫn phòng bệnh.", ["SYT"], []),
        ("- Sở Xây dựng chủ trì, phối hợp với Sở Tài chính rà soát vị trí chôn lấp.", ["SXD"], ["STC"]),
        (
            "Các Sở: Tài chính, Xây dựng theo chức năng, nhiệm vụ được giao phối hợp thực hiện.",
            ["STC", "SXD"],
            [],
        ),
    ],
)
def test_unit_led_paragraphs_are_tasks(
    maps: Mappings, cal: WorkingCalendar, line: str, leads: list[str | None], coop: list[str | None]
) -> None:
    """The commonest form: a numbered paragraph whose subject is the unit; the intro is no task."""
    doc = normalise(raw(TASK_HEAD + line + "\n\nNơi nhận:\n- Như trên;\n"), maps, cal, our_units=OUR_UNITS)
    assert [t.lead_unit.code if t.lead_unit else None for t in doc.tasks] == leads
    assert [u.code for u in doc.tasks[0].cooperating_units] == coop
