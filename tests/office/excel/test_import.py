"""import-excel against the committed office workbook, into a real SQLite register."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.domain import Status
from connector.mappings import Mappings
from connector.office.excel.importer import ImportSummary, import_sheet
from connector.office.excel.reader import WorkbookError, read_sheet
from connector.office.excel.settings import ExcelMap, load_excel_map
from connector.register.db import Register, open_register
from connector.register.queries import task_facts
from connector.register.tables import Document, Event, IntakeItem, ReviewItem, SyncRun, Task
from connector.status import derive_status

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "fixtures" / "excel" / "so-theo-doi-2024.xlsx"


@pytest.fixture(scope="module")
def xmap() -> ExcelMap:
    return load_excel_map(ROOT / "mappings")


@pytest.fixture
def register(tmp_path: Path) -> Register:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    yield reg  # type: ignore[misc]
    reg.dispose()


def _import(
    register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap, path: Path
) -> ImportSummary:
    sheet = read_sheet(path, xmap)
    return import_sheet(
        register,
        maps,
        WorkingCalendar(maps.calendar),
        profile,
        sheet,
        xmap,
        file_name=path.name,
        read=read_text,
    )


def _doc(register: Register, number: str) -> tuple[Document, list[Task]]:
    with register.read() as s:
        doc = s.exec(select(Document).where(Document.number == number)).one()
        tasks = list(s.exec(select(Task).where(Task.document_id == doc.id).order_by(Task.seq)))
        return doc, tasks


def test_sample_header_found_over_two_merged_rows(xmap: ExcelMap) -> None:
    sheet = read_sheet(SAMPLE, xmap)
    assert sheet.name == "Theo dõi 2024"
    assert sheet.header_rows == (4, 5)
    assert sheet.columns["deadline"] == "Thời hạn Ngày"
    assert sheet.columns["deadline_text"] == "Thời hạn Ghi chú"
    assert sheet.columns["lead_unit"] == "Phân công Chủ trì"
    assert sheet.columns["cooperating_units"] == "Phân công Phối hợp"
    assert len(sheet.rows) == 43  # the "(1) (2) …" row and the blank rows are not data
    assert sheet.rows[0].row == 7


def test_import_sample(register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap) -> None:
    summary = _import(register, maps, profile, xmap, SAMPLE)
    assert (summary.taken, summary.existing, summary.review) == (41, 0, 1)
    assert [row for row, _ in summary.problems] == [34, 42]
    assert "31/02/2024" in summary.problems[0][1] and "ngày ban hành" in summary.problems[0][1]
    assert summary.problems[1][1] == "không có số hiệu và không có tóm tắt nhiệm vụ"
    lines = summary.lines()
    assert lines[0] == "Đã nhập 41 dòng, bỏ qua 0 dòng đã có, 2 dòng không nhập được:"
    assert lines[1].startswith("  - trang «Theo dõi 2024», dòng 34: ngày ban hành «31/02/2024»")

    with register.read() as s:
        assert s.exec(select(func.count()).select_from(Document)).one() == 40
        assert s.exec(select(func.count()).select_from(Task)).one() == 41
        ledger = s.exec(select(IntakeItem).where(IntakeItem.source == "excel")).all()
        # one ledger row per directive (40) and per row that could not be read (2)
        assert len(ledger) == 42 and len([i for i in ledger if i.document_id]) == 40
        run = s.exec(select(SyncRun).where(SyncRun.job == "import-excel")).one()
        assert run.outcome == "partial" and run.counts and run.counts["failed"] == 2
        failed = s.exec(select(Event).where(Event.run_id == run.id, Event.kind == "failed")).all()
        assert sorted(e.detail["row"] for e in failed if e.detail) == [34, 42]
        assert all(e.level == "error" and "trang «Theo dõi 2024»" in e.message for e in failed)

    doc, tasks = _doc(register, "1234/UBND-NNTN")  # row 7: real Excel dates, "Khẩn"
    assert (doc.issuer_code, doc.origin, doc.issued_on) == ("UBND_KT", "UBND tỉnh", date(2024, 1, 8))
    assert doc.received_on == date(2024, 1, 9) and doc.urgency == "Khẩn" and doc.state == "registered"
    [task] = tasks
    assert task.summary == "Tổ chức kiểm tra phòng cháy rừng (đợt 1)"
    assert (task.lead_unit_code, task.handling_unit_code) == ("CCKL", "CCKL")
    assert [u["code"] for u in task.cooperating_units or []] == ["STC", "SKHDT"]
    assert task.deadline == date(2024, 2, 7)  # typed as the text "07/02/2024"
    assert task.tracker == "Văn phòng - Nguyễn Thị Hoa"

    assert _doc(register, "4521")[0].issued_on == date(2024, 2, 26)  # number typed as a number
    _, [recurring] = _doc(register, "1382/CT-CTUBND")  # row 11: "Hằng tháng" in the deadline column
    assert recurring.deadline is None
    assert recurring.deadline_text == "Hằng tháng; báo cáo trước ngày 15 hằng tháng"
    _, [done] = _doc(register, "1308/QĐ-UBND")  # "Đã hoàn thành trong hạn" with a completion date
    assert derive_status(task_facts(done), date(2026, 1, 1)) is Status.DONE_ON_TIME
    _, [blocked] = _doc(register, "1345/KH-UBND")
    assert derive_status(task_facts(blocked), date(2024, 2, 1)) is Status.IN_PROGRESS_BLOCKED
    doc, two = _doc(register, "1974/QĐ-UBND")  # one directive on two rows: one document, two tasks
    assert [t.seq for t in two] == [1, 2] and two[1].lead_unit_code == "KHTC"

    doc, [unknown] = _doc(register, "1678/UBND-NNTN")  # row 20: a unit units.toml does not know
    assert doc.state == "review" and unknown.needs_review and unknown.lead_unit_code is None
    assert unknown.lead_unit_name == "Ban Quản lý rừng phòng hộ Đăk Blô"
    with register.read() as s:
        review = s.exec(select(ReviewItem).where(ReviewItem.document_id == doc.id)).one()
    assert review.state == "open" and review.reasons
    assert (
        "Ban Quản lý rừng phòng hộ Đăk Blô" in review.reasons[0]
        and "mappings/units.toml" in review.reasons[0]
    )


def test_second_import_adds_nothing(
    register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap
) -> None:
    _import(register, maps, profile, xmap, SAMPLE)
    again = _import(register, maps, profile, xmap, SAMPLE)
    assert (again.taken, again.existing, len(again.problems)) == (0, 41, 2)
    assert again.lines()[0] == "Đã nhập 0 dòng, bỏ qua 41 dòng đã có, 2 dòng không nhập được:"
    with register.read() as s:
        assert s.exec(select(func.count()).select_from(Document)).one() == 40
        assert s.exec(select(func.count()).select_from(Task)).one() == 41
        assert s.exec(select(func.count()).select_from(ReviewItem)).one() == 1


def test_row_joins_document_from_another_route(
    register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap, tmp_path: Path
) -> None:
    """A directive already received by eOffice keeps its tasks; the Excel row is linked, not added."""
    from connector.clock import now

    with register.write() as s:
        doc = Document(number="1234/UBND-NNTN", number_key="1234/UBND-NNTN", issuer_code="UBND_KT",
                       issuer_name="UBND tỉnh Kon Tum", issued_on=date(2024, 1, 8), created_at=now(),
                       updated_at=now())  # fmt: skip
        s.add(doc)
        s.flush()
        assert doc.id is not None
        s.add(
            Task(
                document_id=doc.id, seq=1, summary="Nội dung theo eOffice", created_at=now(), updated_at=now()
            )
        )
        s.add(IntakeItem(source="eoffice", source_ref="24001", document_id=doc.id, status="stored",
                         first_seen=now(), last_seen=now()))  # fmt: skip
    summary = _import(register, maps, profile, xmap, SAMPLE)
    assert (summary.taken, summary.merged) == (41, 1)
    _, tasks = _doc(register, "1234/UBND-NNTN")
    assert [t.summary for t in tasks] == ["Nội dung theo eOffice"]
    with register.read() as s:
        assert s.exec(select(func.count()).select_from(Document)).one() == 40


def test_not_a_workbook_is_a_clear_error(xmap: ExcelMap, tmp_path: Path) -> None:
    fake = tmp_path / "so-theo-doi.xlsx"
    fake.write_text("STT;Số hiệu\n1;1234/UBND-NNTN\n", encoding="utf-8")
    with pytest.raises(WorkbookError) as caught:
        read_sheet(fake, xmap)
    assert (
        "không phải tệp Excel .xlsx" in caught.value.message and "lưu lại dạng .xlsx" in caught.value.message
    )
    with pytest.raises(WorkbookError, match="Không tìm thấy tệp"):
        read_sheet(tmp_path / "khong-co.xlsx", xmap)


def test_secret_row_and_unknown_issuer(
    register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["SỔ THEO DÕI"])
    ws.append(["Số hiệu", "Cơ quan ban hành", "Ngày ban hành", "Tóm tắt nhiệm vụ", "Độ mật", "Độ khẩn"])
    ws.append(["15/UBND-M", "UBND tỉnh Kon Tum", "02/12/2024", "NỘI DUNG MẬT", "Mật", "Thượng khẩn"])
    ws.append(["77/BQL", "Ban Quản lý dự án ABC", "03/12/2024", "Rà soát hồ sơ", None, "Thường"])
    ws.append(["78/BQL", "Ban Quản lý dự án ABC", "03/12/2024", "Việc khác", "Tuyệt mật?", None])
    path = tmp_path / "mat.xlsx"
    book.save(path)
    summary = _import(register, maps, profile, xmap, path)
    assert (summary.taken, summary.secret, summary.review) == (2, 1, 1)
    assert summary.problems == [
        (5, "độ mật «Tuyệt mật?» không rõ (cần một trong: Mật, Tối mật, Tuyệt mật, hoặc để trống)")
    ]
    secret, tasks = _doc(register, "15/UBND-M")
    assert (secret.secrecy, secret.state, secret.subject, secret.normalised, tasks) == (
        "Mật",
        "secret_notice",
        None,
        None,
        [],
    )
    with register.read() as s:
        alert = s.exec(select(Event).where(Event.kind == "secret")).one()
        assert alert.level == "warning" and alert.detail and alert.detail["alert"] == "admin"
        assert "NỘI DUNG MẬT" not in alert.message
    doc, [task] = _doc(register, "77/BQL")
    assert task.needs_review and task.summary == "Rà soát hồ sơ"
    assert (doc.issuer_code, doc.issuer_name, doc.state, doc.urgency) == (
        None,
        "Ban Quản lý dự án ABC",
        "review",
        None,
    )
    with register.read() as s:
        review = s.exec(select(ReviewItem).where(ReviewItem.document_id == doc.id)).one()
    assert review.reasons and "mappings/issuers.toml" in review.reasons[0]
