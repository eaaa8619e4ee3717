"""The OCR repairs fix what Tesseract got wrong on the generated scans and leave correct text alone;
the TSV layout puts the header columns apart and drops specks."""

from __future__ import annotations

import pytest

from adapters.text import decode_text
from adapters.text.ocr import Word, layout, parse_tsv
from adapters.text.ocr_repairs import repair_ocr
from fixtures.documents.text.directives import all_directives

from .conftest import ROOT

# (what Tesseract wrote, what was printed): each seen on the generated scans, or named in the brief.
CASES = [
    ("Số:'2044/UBND-NNTN", "Số: 2044/UBND-NNTN"),
    ("Sô: 1877/UBND-NNTN", "Số: 1877/UBND-NNTN"),
    ("S6: 12/QĐ-UBND", "Số: 12/QĐ-UBND"),
    ("SỐ: 2210/SNN-VP", "Số: 2210/SNN-VP"),
    ("- Số: 1877/UBND-NNTN", "Số: 1877/UBND-NNTN"),
    ("_Số:2044UBNDNNTN", "Số: 2044/UBND-NNTN"),
    ("Số: 2044|UBND-NNTN", "Số: 2044/UBND-NNTN"),
    ("Số: 2210/SNN:VP_", "Số: 2210/SNN-VP"),
    ("Số: 3310/UBND:KT", "Số: 3310/UBND-KT"),
    ("Số: 2210/SNN.VP", "Số: 2210/SNN-VP"),
    ("Số: 270/QD-UBND", "Số: 270/QĐ-UBND"),
    ("Số: 270/QĐUBND", "Số: 270/QĐ-UBND"),
    ("Giao ƯBND huyện và UBNĐ xã", "Giao UBND huyện và UBND xã"),
    ("Kon Tum, ngàv 19 thảng 6 nãm 2024", "Kon Tum, ngày 19 tháng 6 năm 2024"),
    ("Kon Tum, ngày 21 tháng-6 năm 2022", "Kon Tum, ngày 21 tháng 6 năm 2022"),
    ("Kon Tum; ngày 21 tháng 6 năm 2022", "Kon Tum, ngày 21 tháng 6 năm 2022"),
    ("Kon Tum, ngày 21: tháng 6 năm 2022", "Kon Tum, ngày 21 tháng 6 năm 2022"),
    ("- Kon Tum, ngày 02tháng 10 năm 2023-", "Kon Tum, ngày 02 tháng 10 năm 2023"),
    ("- Kon Tum, ngày 19 tháng 6 năm 2024.", "Kon Tum, ngày 19 tháng 6 năm 2024"),
    ("báo cáo số 210/BC-SNN ngày 1 7/6/2022,", "báo cáo số 210/BC-SNN ngày 17/6/2022,"),
    ("Độc lập - Tự do- Hạnh phúc _", "Độc lập - Tự do - Hạnh phúc"),
    ("Độc lập- Tựdo-Hạnh phúc", "Độc lập - Tự do - Hạnh phúc"),
    ("_TỈNH KON TUM", "TỈNH KON TUM"),
    (".NAM", "NAM"),
    ("tổng hợp | báo cáo", "tổng hợp báo cáo"),
    ("kiến như sau: —_ :", "kiến như sau:"),
    ("bảo.vệ rừng, ngày.25/9/2022", "bảo vệ rừng, ngày 25/9/2022"),
    ("hoàn thành trước ngày 31/10/2023..", "hoàn thành trước ngày 31/10/2023."),
    ("thiệt hại do.\nmưa lớn", "thiệt hại do\nmưa lớn"),
    (
        "báo cáo kết quả về UBND tỉnh.\n(qua Sở Nông nghiệp)",
        "báo cáo kết quả về UBND tỉnh\n(qua Sở Nông nghiệp)",
    ),
    ("SỞ. NÔNG NGHIỆP VÀ\nPHÁT TRIỂN NÔNG THÔN:", "SỞ NÔNG NGHIỆP VÀ\nPHÁT TRIỂN NÔNG THÔN"),
    ("-Ủy ban nhân dân các huyện", "- Ủy ban nhân dân các huyện"),
    ("- - Sở Nông nghiệp và Phát triển nông thôn.", "- Sở Nông nghiệp và Phát triển nông thôn."),
    ("-= Lưu: VT.", "- Lưu: VT."),
    ("- Kính gửi:", "Kính gửi:"),
    ("KT. CHỦ TỊCH\n- PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"),
    ("Báo cáo số 210/BC-\nSNN ngày 17/6/2022", "Báo cáo số 210/BC-SNN ngày 17/6/2022"),
    ("Phát tri-\nển nông thôn", "Phát triển nông thôn"),
    ("TÍNH KON TUM", "TỈNH KON TUM"),
    (
        "a) Chủ trì, phối hợp với Chỉ cục Phát triển nông thôn",
        "a) Chủ trì, phối hợp với Chi cục Phát triển nông thôn",
    ),
]
# Correct text that looks like a mistake: each must pass unchanged.
KEEP = [
    "v.v. các đơn vị khác",
    "TP. Hồ Chí Minh, ngày 06 tháng 9 năm 2022",
    "KT. CHỦ TỊCH",
    "TM. ỦY BAN NHÂN DÂN",
    "III. TỔ CHỨC THỰC HIỆN",
    "QUYẾT ĐỊNH:",
    "Căn cứ Luật Đất đai, ngày 29 tháng 11 năm 2013;",
    "tăng 1.5 lần; xem tại chidaodieuhanh.kontum.gov.vn",
    "- Sở Tài chính;\n– Sở Nội vụ.",
    "Bà Rịa-\nVũng Tàu",
    "ỦY BAN NHÂN DÂN    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Số:       /UBND-NNTN",
    "Kon Tum, ngày      tháng 5 năm 2024",
    "báo cáo UBND tỉnh. Giao Sở Tài chính",
]


@pytest.mark.parametrize(("ocr", "printed"), CASES)
def test_a_known_ocr_mistake_is_repaired(ocr: str, printed: str) -> None:
    assert repair_ocr(ocr) == printed


@pytest.mark.parametrize("text", KEEP)
def test_correct_text_that_looks_like_a_mistake_is_kept(text: str) -> None:
    assert repair_ocr(text) == text


def _clean_texts() -> list[tuple[str, str]]:
    """The corpus files that are clean text (those named *pdf* imitate broken text layers on purpose)."""
    out = []
    for path in sorted((ROOT / "tests/corpus/hand").glob("*.txt")):
        if "pdf" not in path.name:
            text = decode_text(path.read_bytes()).replace("\r\n", "\n")
            out.append((path.stem, "\n".join(line.strip() for line in text.split("\n"))))
    return out + [(d.name, d.reference()) for d in all_directives()]


@pytest.mark.parametrize(("name", "text"), _clean_texts(), ids=lambda x: x if len(x) < 40 else "")
def test_clean_directives_pass_unchanged(name: str, text: str) -> None:
    assert repair_ocr(text) == text


def _w(block: int, line: int, left: int, top: int, text: str, conf: float = 95.0, width: int = 0) -> Word:
    return Word(block, 1, line, left, top, width or 28 * len(text), 50, conf, text)


def test_the_header_gutter_splits_lines_tesseract_read_across_both_columns() -> None:
    words = [
        _w(1, 1, 400, 200, "ỦY"),
        _w(1, 1, 500, 200, "BAN"),
        _w(1, 1, 1150, 200, "CỘNG"),
        _w(1, 1, 1330, 200, "HÒA"),
        _w(1, 2, 450, 270, "TỈNH"),
        _w(1, 2, 600, 270, "KON"),
        _w(1, 2, 1300, 270, "Độc"),
        _w(1, 2, 1400, 270, "lập"),
        _w(1, 3, 420, 340, "Số:"),
        _w(1, 3, 520, 340, "12/UBND"),
        _w(1, 3, 1200, 340, "Kon"),
        _w(1, 3, 1300, 340, "Tum,"),
        _w(2, 1, 1100, 480, "Kính"),
        _w(2, 1, 1250, 480, "gửi:"),
        _w(3, 1, 330, 560, "Giao"),
        _w(3, 1, 470, 560, "Sở"),
        _w(3, 1, 560, 560, "Tài"),
        _w(3, 1, 2000, 560, "chính"),
    ]
    assert layout(words, 2480, 3508).split("\n") == [
        "ỦY BAN",
        "TỈNH KON",
        "Số: 12/UBND",
        "",
        "CỘNG HÒA",
        "Độc lập",
        "Kon Tum,",
        "",
        "Kính gửi:",
        "",
        "Giao Sở Tài chính",
    ]


def test_without_a_gutter_the_lines_stay_as_tesseract_read_them() -> None:
    words = [_w(1, n, 330, 200 + 70 * n, t) for n, t in enumerate(["QUYẾT", "ĐỊNH", "Về", "việc"], 1)]
    assert layout(words, 2480, 3508) == "QUYẾT\nĐỊNH\nVề\nviệc"


def test_tsv_rows_become_words_and_bad_rows_are_skipped() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t375\t264\t170\t46\t91.66\tUBND\n"
        "5\t1\t1\t1\t1\t2\tx\t264\t170\t46\t91.66\thỏng\n"
        "5\t1\t1\t1\t1\t3\t560\t264\t150\t46\t27.1\t   \n"
    )
    assert parse_tsv(tsv) == [Word(1, 1, 1, 375, 264, 170, 46, 91.66, "UBND")]
