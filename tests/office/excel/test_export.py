"""export-excel: the workbook opened with openpyxl cell by cell, then read back by import-excel."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.clock import now, today
from connector.config import Profile
from connector.mappings import Mappings
from connector.office.excel.export import COLUMNS, SECRET_NOTE, export_register
from connector.office.excel.importer import import_sheet
from connector.office.excel.reader import read_sheet
from connector.office.excel.settings import ExcelMap, load_excel_map
from connector.register.db import Register, open_register
from connector.register.tables import Document, Task

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "fixtures" / "excel" / "so-theo-doi-2024.xlsx"
HEADERS = [
    "Số hiệu", "Cơ quan ban hành", "Trích yếu", "Ngày ban hành", "Ngày nhận", "Tóm tắt nhiệm vụ",
    "Đơn vị chủ trì", "Đơn vị phối hợp", "Phòng/chuyên viên theo dõi", "Thời hạn", "Trạng thái",
    "Diễn giải", "Độ khẩn", "Nguồn giao", "Độ mật", "Ngày hoàn thành",
]  # fmt: skip


@pytest.fixture(scope="module")
def xmap() -> ExcelMap:
    return load_excel_map(ROOT / "mappings")


def _register(path: Path) -> Register:
    return open_register(f"sqlite:///{path}")


def _seed(register: Register) -> None:
    at = now()
    with register.write() as s:
        doc = Document(number="1234/UBND-NNTN", number_key="1234/UBND-NNTN", issuer_code="UBND_KT",
                       issuer_name="UBND tỉnh Kon Tum", subject="V/v phòng cháy, chữa cháy rừng",
                       issued_on=date(2024, 12, 2), received_on=date(2024, 12, 3), urgency="Khẩn",
                       origin="UBND tỉnh", created_at=at, updated_at=at)  # fmt: skip
        secret = Document(number="15/UBND-M", number_key="15/UBND-M", issuer_name="UBND tỉnh Kon Tum",
                          issuer_code="UBND_KT", subject=None, issued_on=date(2024, 12, 4),
                          received_on=date(2024, 12, 5), secrecy="Mật", state="secret_notice",
                          created_at=at, updated_at=at)  # fmt: skip
        s.add_all([doc, secret])
        s.flush()
        assert doc.id and secret.id
        s.add(
            Task(
                document_id=doc.id,
                seq=1,
                summary="Tổ chức kiểm tra phòng cháy rừng",
                lead_unit_code="CCKL",
                lead_unit_name="Chi cục Kiểm lâm",
                cooperating_units=[
                    {"name": "Sở Tài chính", "code": "STC"},
                    {"name": "Phòng Kế hoạch - Tài chính", "code": "KHTC"},
                ],
                tracker="Văn phòng - Nguyễn Thị Hoa",
                deadline=date(2025, 1, 15),
                started_on=date(2024, 12, 4),
                completed_on=date(2025, 1, 10),
                progress_note="Đã kiểm tra 10 xã",
                origin="UBND tỉnh",
                created_at=at,
                updated_at=at,
            )
        )
        s.add(Task(document_id=doc.id, seq=2, summary="Báo cáo kết quả", deadline=None,
                   deadline_text="Hằng tháng", origin="UBND tỉnh", created_at=at, updated_at=at))  # fmt: skip
        # a task kept on a now-secret document (it had recorded changes): never exported
        s.add(Task(document_id=secret.id, seq=1, summary="NỘI DUNG MẬT", created_at=at, updated_at=at))


def test_export_cell_by_cell(tmp_path: Path, maps: Mappings, xmap: ExcelMap) -> None:
    register = _register(tmp_path / "r.sqlite3")
    _seed(register)
    out = tmp_path / "so.xlsx"
    assert export_register(register, maps, xmap, out) == 3
    register.dispose()

    ws = load_workbook(out).active
    assert ws is not None
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{ws.max_row}" and ws.max_row == 4
    assert ws.column_dimensions["F"].width == dict(COLUMNS)["summary"]
    row = {h: c for h, c in zip(HEADERS, ws[2], strict=True)}
    assert row["Số hiệu"].value == "1234/UBND-NNTN" and row["Cơ quan ban hành"].value == "UBND tỉnh Kon Tum"
    assert row["Trích yếu"].value == "V/v phòng cháy, chữa cháy rừng"
    assert (
        row["Ngày ban hành"].value == datetime(2024, 12, 2)
        and row["Ngày ban hành"].number_format == "DD/MM/YYYY"
    )
    assert row["Thời hạn"].value == datetime(2025, 1, 15) and row["Thời hạn"].number_format == "DD/MM/YYYY"
    assert row["Tóm tắt nhiệm vụ"].value == "Tổ chức kiểm tra phòng cháy rừng"
    assert row["Đơn vị chủ trì"].value == "Chi cục Kiểm lâm"
    assert row["Đơn vị phối hợp"].value == "Sở Tài chính; Phòng Kế hoạch - Tài chính"
    assert row["Phòng/chuyên viên theo dõi"].value == "Văn phòng - Nguyễn Thị Hoa"
    assert row["Trạng thái"].value == "Đã hoàn thành trong hạn"
    assert row["Diễn giải"].value == "Đã kiểm tra 10 xã"
    assert (row["Độ khẩn"].value, row["Nguồn giao"].value, row["Độ mật"].value) == ("Khẩn", "UBND tỉnh", None)
    assert row["Ngày hoàn thành"].value == datetime(2025, 1, 10)
    second = {h: c.value for h, c in zip(HEADERS, ws[3], strict=True)}
    assert second["Thời hạn"] == "Hằng tháng" and second["Trạng thái"] == "Chưa thực hiện trong hạn"
    secret = {h: c.value for h, c in zip(HEADERS, ws[4], strict=True)}
    assert secret["Số hiệu"] == "15/UBND-M" and secret["Độ mật"] == "Mật"
    assert secret["Tóm tắt nhiệm vụ"] == SECRET_NOTE and secret["Trích yếu"] is None
    assert all("NỘI DUNG MẬT" not in str(c.value) for line in ws.iter_rows() for c in line)


def test_status_is_derived_on_the_day_of_export(tmp_path: Path, maps: Mappings, xmap: ExcelMap) -> None:
    register = _register(tmp_path / "r.sqlite3")
    at = now()
    with register.write() as s:
        doc = Document(number="1/UBND-NNTN", number_key="1/UBND-NNTN", created_at=at, updated_at=at)
        s.add(doc)
        s.flush()
        assert doc.id
        s.add(Task(document_id=doc.id, seq=1, summary="Quá hạn", deadline=date(2024, 1, 1),
                   started_on=date(2023, 12, 1), created_at=at, updated_at=at))  # fmt: skip
    export_register(register, maps, xmap, tmp_path / "a.xlsx")
    register.dispose()
    ws = load_workbook(tmp_path / "a.xlsx").active
    assert ws is not None and today() > date(2024, 1, 1)
    assert ws["K2"].value == "Đang thực hiện quá hạn"


def test_round_trip(tmp_path: Path, maps: Mappings, profile: Profile, xmap: ExcelMap) -> None:
    """Sample → register A → export → register B holds the same tasks; re-importing into A adds nothing."""
    a, b = _register(tmp_path / "a.sqlite3"), _register(tmp_path / "b.sqlite3")
    import_sheet(
        a,
        maps,
        WorkingCalendar(maps.calendar),
        profile,
        read_sheet(SAMPLE, xmap),
        xmap,
        file_name=SAMPLE.name,
        read=read_text,
    )
    out = tmp_path / "xuat.xlsx"
    assert export_register(a, maps, xmap, out) == 41
    sheet = read_sheet(out, xmap)
    assert sheet.header_rows == (1,) and len(sheet.rows) == 41
    into_b = import_sheet(
        b, maps, WorkingCalendar(maps.calendar), profile, sheet, xmap, file_name=out.name, read=read_text
    )
    assert (into_b.taken, into_b.problems) == (41, [])
    into_a = import_sheet(
        a, maps, WorkingCalendar(maps.calendar), profile, sheet, xmap, file_name=out.name, read=read_text
    )
    assert (into_a.taken, into_a.existing, into_a.problems) == (0, 41, [])

    def facts(register: Register) -> list[tuple[object, ...]]:
        with register.read() as s:
            rows = s.exec(select(Document, Task).join(Task, Task.document_id == Document.id))  # type: ignore[arg-type]
            return sorted(
                (
                    d.number,
                    d.issuer_code,
                    d.issued_on,
                    d.received_on,
                    d.urgency,
                    d.origin,
                    t.seq,
                    t.summary,
                    t.lead_unit_code,
                    t.lead_unit_name,
                    [u["code"] for u in t.cooperating_units or []],
                    t.tracker,
                    t.deadline,
                    t.completed_on,
                    t.progress_note,
                    t.needs_review,
                )
                for d, t in rows
            )

    assert facts(a) == facts(b) and len(facts(a)) == 41
    a.dispose()
    b.dispose()
