"""`connector report` in-process (sync log, printed line) and as a real process (files, exit codes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from connector.calendar import WorkingCalendar
from connector.cli.report import run_report
from connector.clock import today
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.tables import Event, SyncRun
from tests.office.reports.conftest import LEFT_OUT, LISTED, make_config, seed

ROOT = Path(__file__).resolve().parents[3]


def test_run_report_writes_default_path_and_logs_a_run(
    seeded: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_config(tmp_path)
    assert run_report(cfg, maps, cal, kind="quarterly", period="2026-Q3", out=None) == 0
    path = cfg.reports_dir / "bao-cao-quarterly-2026-Q3.xlsx"
    out = capsys.readouterr().out
    assert out == (
        "Đã lập báo cáo quý, kỳ quý III năm 2026 (1 nhiệm vụ: 0 đã hoàn thành, 0 đang quá hạn; "
        f"trạng thái tính đến ngày 30/09/2026): {path}\n"
    )
    ws = load_workbook(path)["Báo cáo"]
    # only the task given in September, still in progress on 30/09 (it was completed on 20/10)
    assert ws["A11"].value == 1 and ws["B11"].value.startswith("Công văn số 201/UBND-NC")
    assert ws["I11"].value == "Đang thực hiện" and ws["A12"].value is None
    assert ws["A6"].value == "Báo cáo quý về tình hình, kết quả thực hiện nhiệm vụ của các phòng, đơn vị"
    with seeded.read() as s:
        run = s.exec(select(SyncRun).where(SyncRun.job == "report")).one()
        event = s.exec(select(Event).where(Event.run_id == run.id)).one()
    assert (run.outcome, run.counts) == ("ok", {"written": 1, "rows": 1})
    assert event.kind == "report_written" and event.detail is not None
    assert event.detail["path"] == str(path) and event.detail["who"] == "office"


def test_run_report_refuses_a_period_not_begun(
    register: Register, maps: Mappings, cal: WorkingCalendar, tmp_path: Path
) -> None:
    from connector.errors import UserError

    cfg = make_config(tmp_path)
    with pytest.raises(UserError, match="chưa bắt đầu"):
        run_report(cfg, maps, cal, kind="annual", period=str(today().year + 1), out=None)
    assert not cfg.reports_dir.exists()
    with register.read() as s:
        run = s.exec(select(SyncRun).where(SyncRun.job == "report")).one()
    assert run.outcome == "failed" and "chưa bắt đầu" in (run.message or "")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args],
        capture_output=True, text=True, cwd=cwd, env=env, check=False, timeout=120,
    )  # fmt: skip


def test_connector_report_command(workspace: Path) -> None:
    config = workspace / "config.toml"
    text = config.read_text(encoding="utf-8").replace(
        'profile = "nong-nghiep-2022"', 'profile = "tu-phap-2018"'
    )
    config.write_text(text.replace('signer_name = ""', 'signer_name = "Nguyễn Văn An"'), encoding="utf-8")
    (workspace / "data").mkdir()
    register = open_register(f"sqlite:///{workspace / 'data' / 'register.sqlite3'}")
    seed(register, LISTED + LEFT_OUT)
    register.dispose()

    done = run("report", "annual", "--period", "2025", "--out", "ra/nam-2025.xlsx", cwd=workspace)
    assert done.returncode == 0, done.stderr
    out = workspace / "ra" / "nam-2025.xlsx"
    assert done.stdout.startswith("Đã lập báo cáo năm, kỳ năm 2025 (0 nhiệm vụ") and str(out) in done.stdout
    ws = load_workbook(out)["Báo cáo"]
    assert ws["A2"].value == "SỞ TƯ PHÁP" and ws["A11"].value == "Không có nhiệm vụ nào trong kỳ báo cáo."
    assert ws["F18"].value == "Nguyễn Văn An"
    made = today()
    assert ws["E3"].value == f"Kon Tum, ngày {made:%d} tháng {made:%m} năm {made:%Y}"

    q3 = run("report", "quarterly", "--period", "2026-Q3", cwd=workspace)
    assert q3.returncode == 0, q3.stderr
    path = workspace / "data" / "reports" / "bao-cao-quarterly-2026-Q3.xlsx"
    assert load_workbook(path)["Tổng hợp"]["C14"].value == 1

    bad = run("report", "monthly", "--period", "11/2026", cwd=workspace)
    assert bad.returncode == 2 and bad.stdout == ""
    assert "Kỳ báo cáo «11/2026» không hợp lệ cho báo cáo tháng" in bad.stderr
    assert "Việc cần làm: chạy `connector report monthly --period " in bad.stderr
