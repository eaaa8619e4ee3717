"""The scheduler's report job: what it makes on which day, once, and what the sync log says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import select

from connector.calendar import WorkingCalendar
from connector.clock import TZ
from connector.config import Config
from connector.mappings import Mappings
from connector.office.reports.job import run_due_reports
from connector.register.db import Register
from connector.register.tables import Event, SyncRun
from connector.runtime.job import JobContext
from connector.service import ConfiguredAdapters
from tests.office.reports.conftest import make_config


def ctx_at(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Register, day: datetime
) -> JobContext:
    return JobContext(
        cfg=cfg, maps=maps, cal=cal, register=register, adapters=ConfiguredAdapters(cfg, maps), now=day
    )


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 8, 0, tzinfo=TZ)


def files(cfg: Config) -> list[str]:
    return sorted(p.name for p in cfg.reports_dir.iterdir()) if cfg.reports_dir.exists() else []


def test_justice_units_report_made_once_on_the_friday_before_the_14th(
    seeded: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path, signer_name="Nguyễn Văn An")
    first = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 13)))
    assert first.outcome == "ok"
    assert run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 17))).counts["written"] == 1  # the office's
    assert first.counts == {"due": 1, "written": 1, "already_made": 0, "failed": 0}
    path = cfg.reports_dir / "bao-cao-monthly-2026-11-don-vi.xlsx"
    ws = load_workbook(path)["Báo cáo"]
    assert ws["A6"].value == "Báo cáo tháng của các phòng, đơn vị"
    assert ws["A7"].value.endswith("trạng thái tính đến ngày 13/11/2026")
    assert ws["E3"].value == "Kon Tum, ngày 13 tháng 11 năm 2026"
    signer = next(r for r in range(11, 40) if ws[f"F{r}"].value == "THỦ TRƯỞNG PHÒNG, ĐƠN VỊ")
    assert ws[f"A{signer + 1}"].value == "- sotuphap-kontum@chinhphu.vn;"
    before = path.read_bytes()

    again = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 13)))  # a restart the same morning
    assert again.counts == {"due": 1, "written": 0, "already_made": 1, "failed": 0}
    again_office = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 17)))
    assert again_office.counts["already_made"] == 2  # the units' report of 13/11 is still looked at
    assert path.read_bytes() == before
    assert files(cfg) == ["bao-cao-monthly-2026-11-don-vi.xlsx", "bao-cao-monthly-2026-11-van-phong.xlsx"]

    with seeded.read() as s:
        runs = s.exec(select(SyncRun).where(SyncRun.job == "report").order_by(SyncRun.id)).all()  # type: ignore[arg-type]
        events = s.exec(select(Event).order_by(Event.id)).all()  # type: ignore[arg-type]
    assert [r.outcome for r in runs] == ["ok", "ok", "ok", "ok"]
    kinds = [e.kind for e in events]
    assert kinds == ["report_written", "report_exists", "report_written"] + ["report_exists"] * 3
    assert events[0].run_id == first.run_id and events[0].detail["period"] == "2026-11"  # type: ignore[index]
    assert events[0].message.startswith("Đã lập báo cáo tháng, kỳ tháng 11 năm 2026 (9 nhiệm vụ")
    assert "1 nhiệm vụ đang chờ kiểm tra" in events[0].message
    assert (
        events[2].message.startswith("Đã lập báo cáo tháng, kỳ tháng 11 năm 2026")
        and "17/11/2026" in events[2].message
    )
    exists = "đã được lập trước đó"
    assert events[1].message.startswith(f"Báo cáo tháng kỳ tháng 11 năm 2026 (các phòng, đơn vị) {exists}")
    assert events[5].message.startswith(f"Báo cáo tháng kỳ tháng 11 năm 2026 (Văn phòng Sở) {exists}")


def test_justice_days_with_nothing_or_several_due(
    seeded: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path)
    quiet = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 10)))
    assert (quiet.outcome, quiet.counts["due"]) == ("ok", 0)
    assert quiet.message == "Ngày 10/11/2026 không có báo cáo định kỳ nào đến hạn."
    assert files(cfg) == []
    # The units' report fell due on Friday 13/11 (14/11 is a Saturday) while the server was off:
    # the Saturday run makes it.
    saturday = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 14)))
    assert saturday.counts == {"due": 1, "written": 1, "already_made": 0, "failed": 0}
    run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 17)))
    run_due_reports(ctx_at(cfg, maps, cal, seeded, at(11, 27)))  # annual office report, 28/11 is a Saturday
    december = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(12, 14)))
    assert december.counts["written"] == 2
    assert files(cfg) == [
        "bao-cao-annual-2026-don-vi.xlsx",  # due Friday 20/11, missed, made on 27/11
        "bao-cao-annual-2026-van-phong.xlsx",
        "bao-cao-monthly-2026-11-don-vi.xlsx",
        "bao-cao-monthly-2026-11-van-phong.xlsx",
        "bao-cao-monthly-2026-12-don-vi.xlsx",
        "bao-cao-quarterly-2026-Q4-don-vi.xlsx",
    ]
    annual = load_workbook(cfg.reports_dir / "bao-cao-annual-2026-van-phong.xlsx")
    assert annual["Báo cáo"]["A6"].value == "Báo cáo năm về tình hình, kết quả thực hiện nhiệm vụ"
    assert annual["Tổng hợp"]["C14"].value == 11  # the year so far: + one done in October, one given 25/11


def test_agriculture_annual_report_on_10_december(
    seeded: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path, profile="nong-nghiep-2022", signer_name="Trần Thị Bình")
    result = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(12, 10)))
    assert result.counts == {"due": 1, "written": 1, "already_made": 0, "failed": 0}
    assert files(cfg) == ["bao-cao-annual-2026-van-phong.xlsx"]
    ws = load_workbook(cfg.reports_dir / "bao-cao-annual-2026-van-phong.xlsx")["Báo cáo"]
    assert ws["A2"].value == "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"
    signer = next(r for r in range(11, 40) if ws[f"F{r}"].value == "GIÁM ĐỐC")
    assert ws[f"F{signer + 5}"].value == "Trần Thị Bình"
    assert run_due_reports(ctx_at(cfg, maps, cal, seeded, at(12, 9))).counts["due"] == 0
    monthly = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(12, 18)))  # 19/12 is a Saturday
    assert monthly.counts["written"] == 1 and "bao-cao-monthly-2026-12-don-vi.xlsx" in files(cfg)


def test_a_report_that_cannot_be_written_is_logged_and_the_run_failed(
    seeded: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path
) -> None:
    cfg = make_config(tmp_path)
    cfg.reports_dir.parent.mkdir(parents=True, exist_ok=True)
    cfg.reports_dir.write_text("không phải thư mục")  # a file where the reports folder should be
    result = run_due_reports(ctx_at(cfg, maps, cal, seeded, at(12, 14)))
    assert (result.outcome, result.counts) == (
        "failed",
        {"due": 2, "written": 0, "already_made": 0, "failed": 2},
    )
    assert "Không lập được báo cáo tháng kỳ tháng 12 năm 2026 (các phòng, đơn vị)" in result.message
    with seeded.read() as s:
        events = s.exec(select(Event).where(Event.kind == "report_failed")).all()
        run = s.get(SyncRun, result.run_id)
    assert len(events) == 2 and all(e.level == "error" for e in events)
    assert all("Việc cần làm: chạy `connector check`" in e.message for e in events)
    assert events[0].message.endswith("lập lại bằng `connector report monthly --period 2026-12`.")
    assert run is not None and run.outcome == "failed" and run.counts == result.counts
