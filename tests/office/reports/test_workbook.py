"""The report workbook, opened with openpyxl and read cell by cell."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from connector.domain import Status
from connector.mappings import Mappings
from connector.office.reports.make import Written, make_report
from connector.office.reports.periods import parse_period, rule_for
from connector.register.db import Register
from tests.office.reports.conftest import TODAY, make_config

HEADERS = [
    "Số TT", "Văn bản chỉ đạo", "Ngày ban hành", "Cơ quan đề nghị", "Nội dung chỉ đạo",
    "Đơn vị chủ trì triển khai", "Hạn xử lý hoặc báo cáo", "Diễn giải trạng thái", "Trạng thái",
]  # fmt: skip
VP, KHTC, HCTP = "Văn phòng Sở", "Phòng Kế hoạch - Tài chính", "Phòng Hành chính tư pháp"
S = Status


def dt(month: int, day: int) -> datetime:
    return datetime(2026, month, day)  # openpyxl reads dates back naive


# (number, issued, summary, unit, deadline cell, explanation, status)
EXPECTED = [
    ("101/UBND-NC", dt(10, 5), "Rà soát văn bản quy phạm pháp luật", VP, dt(11, 20),
     "Đã trình UBND tỉnh.\nHoàn thành ngày 18/11/2026.", S.DONE_ON_TIME),
    ("102/UBND-NC", dt(10, 6), "Báo cáo công tác hộ tịch", KHTC, dt(11, 10),
     "Hoàn thành ngày 15/11/2026.", S.DONE_LATE),
    ("103/UBND-NC", dt(10, 7), "Tổ chức tập huấn pháp luật", VP, dt(11, 30),
     "Đang chuẩn bị tài liệu.", S.IN_PROGRESS),
    ("104/UBND-NC", dt(10, 8), "Kiểm tra công tác bồi thường nhà nước", HCTP, dt(11, 20),
     None, S.IN_PROGRESS_OVERDUE),
    ("105/UBND-NC", dt(10, 9), "Xây dựng kế hoạch phổ biến pháp luật năm 2027", VP, dt(11, 30),
     "Khó khăn, vướng mắc: Thiếu kinh phí", S.IN_PROGRESS_BLOCKED),
    ("106/UBND-NC", dt(10, 10), "Tổng kết thi hành Luật Hòa giải ở cơ sở", KHTC, dt(11, 16),
     "Đã có số liệu 5/10 huyện.\nKhó khăn, vướng mắc: Chờ số liệu các huyện", S.IN_PROGRESS_OVERDUE_BLOCKED),
    ("107/UBND-NC", dt(10, 11), "Theo dõi thi hành pháp luật về xử lý vi phạm hành chính", VP, "hằng tháng",
     None, S.NOT_STARTED),
    ("108/UBND-NC", dt(10, 12), "Báo cáo kết quả rà soát thủ tục hành chính", HCTP, dt(11, 19),
     None, S.NOT_STARTED_OVERDUE),
    ("109/UBND-NC", dt(11, 2), "Góp ý dự thảo Nghị quyết", VP, dt(11, 30),
     None, S.IN_PROGRESS),  # completed on 25/11, after the report's date 23/11
]  # fmt: skip


@pytest.fixture
def written(seeded: Register, maps: Mappings, tmp_path: Path) -> Written:
    cfg = make_config(tmp_path, signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", signer_name="Nguyễn Văn An")
    rule = rule_for(cfg.profile.report, "monthly")
    assert rule is not None and rule.who == "office"
    out = tmp_path / "out" / "thang-11.xlsx"
    return make_report(
        seeded,
        cfg,
        maps,
        kind="monthly",
        rule=rule,
        period=parse_period("monthly", "2026-11"),
        out=out,
        today=TODAY,
    )


def values(ws: Worksheet, row: int, last_col: int) -> list[object]:
    return [ws.cell(row=row, column=c).value for c in range(1, last_col + 1)]


def test_heading_of_an_administrative_report(written: Written) -> None:
    ws = load_workbook(written.path)["Báo cáo"]
    assert ws["A1"].value == "UBND TỈNH KON TUM"
    assert ws["A2"].value == "SỞ TƯ PHÁP" and ws["A2"].font.b
    assert ws["E1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and ws["E1"].font.b
    assert ws["E2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert ws["E3"].value == "Kon Tum, ngày 23 tháng 11 năm 2026" and ws["E3"].font.i
    assert ws["A5"].value == "BÁO CÁO"
    assert ws["A6"].value == "Báo cáo tháng về tình hình, kết quả thực hiện nhiệm vụ của các phòng, đơn vị"
    assert ws["A7"].value == (
        "Kỳ báo cáo: tháng 11 năm 2026 (từ ngày 01/11/2026 đến ngày 30/11/2026); "
        "trạng thái tính đến ngày 23/11/2026"
    )
    assert ws["A8"].value == "Căn cứ: Điều 15.2: trước ngày 18 hằng tháng"


def test_phu_luc_table_row_by_row(written: Written) -> None:
    ws = load_workbook(written.path)["Báo cáo"]
    assert values(ws, 10, 9) == HEADERS
    assert ws.max_column == 9
    for i, (number, issued, summary, unit, deadline, note, status) in enumerate(EXPECTED, start=1):
        row = values(ws, 10 + i, 9)
        subject = f"V/v {summary.lower()}"
        assert row == [i, f"Công văn số {number}\n{subject}", issued, "UBND tỉnh Kon Tum", summary,
                       unit, deadline, note, str(status)], f"row {i}"  # fmt: skip
    assert ws["C11"].number_format == "DD/MM/YYYY" and ws["G11"].number_format == "DD/MM/YYYY"
    assert ws["E11"].alignment.wrap_text and ws["E11"].border.left.style == "thin"
    assert ws["I19"].border.bottom.style == "thin"
    assert ws["A20"].value is None  # nothing after the 9 listed tasks: the others are left out
    assert (written.rows, written.held_for_review) == (9, 1)


def test_signature_block_recipients_and_merges(written: Written) -> None:
    ws = load_workbook(written.path)["Báo cáo"]
    assert ws["A21"].value == "Nơi nhận:"
    assert [ws[f"A{r}"].value for r in (22, 23, 24)] == [
        "- Giám đốc Sở;", "- Hội đồng Thi đua khen thưởng Sở;", "- Lưu: VT."
    ]  # fmt: skip
    assert ws["F21"].value == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and ws["F21"].font.b
    assert ws["F22"].value == "(Ký, ghi rõ họ tên)" and ws["F22"].font.i
    assert ws["F26"].value == "Nguyễn Văn An"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged == {
        "A1:C1", "E1:I1", "A2:C2", "E2:I2", "A3:C3", "E3:I3", "A5:I5", "A6:I6", "A7:I7", "A8:I8",
        "A21:D21", "A22:D22", "A23:D23", "A24:D24", "F21:I21", "F22:I22", "F26:I26",
    }  # fmt: skip


def test_print_setup_and_widths(written: Written) -> None:
    ws = load_workbook(written.path)["Báo cáo"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.print_title_rows == "$10:$10"
    assert ws.column_dimensions["E"].width == 44 and ws.column_dimensions["A"].width == 6


def test_summary_sheet_counts_per_status_and_unit(written: Written) -> None:
    wb = load_workbook(written.path)
    assert wb.sheetnames == ["Báo cáo", "Tổng hợp"]
    ws = wb["Tổng hợp"]
    assert ws["A2"].value.startswith("Kỳ báo cáo: tháng 11 năm 2026")
    assert values(ws, 5, 3) == ["Số TT", "Trạng thái", "Số nhiệm vụ"]
    by_status = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=3).value for r in range(6, 14)}
    assert by_status == {str(s): (2 if s is S.IN_PROGRESS else 1) for s in Status}
    assert values(ws, 14, 3) == [None, "Tổng cộng", 9]
    assert ws["A16"].value == "II. Theo đơn vị chủ trì triển khai"
    assert values(ws, 17, 11) == ["Số TT", "Đơn vị chủ trì triển khai", "Tổng số", *(str(s) for s in Status)]
    # total, then: done, done late, in progress, overdue, blocked, overdue+blocked, not started, overdue
    assert values(ws, 18, 11) == [1, HCTP, 2, 0, 0, 0, 1, 0, 0, 0, 1]
    assert values(ws, 19, 11) == [2, KHTC, 2, 0, 1, 0, 0, 0, 1, 0, 0]
    assert values(ws, 20, 11) == [3, VP, 5, 1, 0, 2, 0, 1, 0, 1, 0]
    assert values(ws, 21, 11) == [None, "Tổng cộng", 9, 1, 1, 2, 1, 1, 1, 1, 1]
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}


def test_empty_period_and_replacing_a_file_leave_no_temporary_file(
    register: Register, maps: Mappings, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path, profile="nong-nghiep-2022")
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    period = parse_period("half-year", "2026-H1")
    written = make_report(
        register, cfg, maps, kind="half-year", rule=rule_for(cfg.profile.report, "half-year"),
        period=period, out=out, today=TODAY,
    )  # fmt: skip
    ws = load_workbook(out)["Báo cáo"]
    assert ws["A2"].value == "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"
    assert ws["A7"].value.startswith(
        "Kỳ báo cáo: 6 tháng đầu năm 2026 (từ ngày 01/01/2026 đến ngày 30/06/2026)"
    )
    assert ws["A11"].value == "Không có nhiệm vụ nào trong kỳ báo cáo."
    assert "A11:I11" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["F13"].value == "GIÁM ĐỐC"  # the default signer title
    assert [ws[f"A{r}"].value for r in (14, 15, 16)] == [
        "- Giám đốc Sở;",
        "- Văn phòng UBND tỉnh;",
        "- Lưu: VT.",
    ]
    assert written.rows == 0 and written.by_status == {str(s): 0 for s in Status}
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def test_same_rows_from_sqlite_and_postgres(db_url: str, maps: Mappings, tmp_path: Path) -> None:
    from connector.office.reports.rows import select_rows
    from connector.register.db import open_register
    from tests.office.reports.conftest import LEFT_OUT, LISTED, seed

    register = open_register(db_url, busy_timeout=5)
    try:
        seed(register, LISTED + LEFT_OUT)
        with register.read() as s:
            selection = select_rows(
                s, maps, make_config(tmp_path).profile, parse_period("monthly", "2026-11").start, TODAY
            )
    finally:
        register.dispose()
    assert [(r.document.split("\n")[0], r.status) for r in selection.rows] == [
        (f"Công văn số {e[0]}", e[6]) for e in EXPECTED
    ]
    assert selection.held_for_review == 1
