"""`connector import-excel` / `export-excel` / `check` as a clerk runs them: real processes, real files."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.test_cli import run

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "fixtures" / "excel" / "so-theo-doi-2024.xlsx"


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_import_export_commands(workspace: Path) -> None:
    first = run("import-excel", str(SAMPLE), cwd=workspace)
    assert first.returncode == 1, first.stderr  # two rows could not be taken
    lines = first.stdout.splitlines()
    assert lines[0] == "Đã nhập 41 dòng, bỏ qua 0 dòng đã có, 2 dòng không nhập được:"
    assert lines[1].startswith("  - trang «Theo dõi 2024», dòng 34: ngày ban hành «31/02/2024»")
    assert lines[2] == "  - trang «Theo dõi 2024», dòng 42: không có số hiệu và không có tóm tắt nhiệm vụ."
    assert "connector import-excel" in first.stdout
    assert "\r" not in first.stderr  # not a terminal: no progress line
    db = workspace / "data" / "register.sqlite3"
    assert _count(db, "SELECT count(*) FROM tasks") == 41
    assert _count(db, "SELECT count(*) FROM events WHERE kind = 'failed' AND source = 'excel'") == 2

    again = run("import-excel", str(SAMPLE), cwd=workspace)
    assert again.stdout.splitlines()[0] == "Đã nhập 0 dòng, bỏ qua 41 dòng đã có, 2 dòng không nhập được:"
    assert _count(db, "SELECT count(*) FROM tasks") == 41
    assert _count(db, "SELECT count(*) FROM sync_runs WHERE job = 'import-excel'") == 2

    out = workspace / "xuat" / "so-theo-doi.xlsx"
    exported = run("export-excel", str(out), cwd=workspace)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"Đã xuất 41 dòng (mỗi nhiệm vụ một dòng) ra tệp {out}."
    ws = load_workbook(out).active
    assert ws is not None and ws.max_row == 42 and ws["A1"].value == "Số hiệu"

    clean = run("import-excel", str(out), cwd=workspace)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.splitlines()[0] == "Đã nhập 0 dòng, bỏ qua 41 dòng đã có, 0 dòng không nhập được."


def test_unreadable_file_is_a_vietnamese_error(workspace: Path) -> None:
    fake = workspace / "so-cu.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 not really an old Excel file")
    result = run("import-excel", str(fake), cwd=workspace)
    assert result.returncode == 2
    assert "không phải tệp Excel .xlsx" in result.stderr and "Việc cần làm" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    wrong = run("export-excel", str(workspace / "so.csv"), cwd=workspace)
    assert wrong.returncode == 2 and "đuôi .xlsx" in wrong.stderr


def test_check_validates_excel_toml(workspace: Path) -> None:
    ok = run(
        "check", cwd=workspace, env={"CONNECTOR_EOFFICE_PASSWORD": "x", "CONNECTOR_PORTAL_PASSWORD": "y"}
    )
    assert "excel.toml" not in ok.stderr
    path = workspace / "mappings" / "excel.toml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("header_search_rows = 10", "header_search_rows = 0").replace(
        'date_formats = ["%d/%m/%Y"', 'date_formats = ["%d/%q"'
    )
    path.write_text(broken, encoding="utf-8")
    lines = broken.splitlines()
    rows_line = next(i for i, line in enumerate(lines, 1) if line.startswith("header_search_rows"))
    formats_line = next(i for i, line in enumerate(lines, 1) if line.startswith("date_formats"))
    bad = run(
        "check", cwd=workspace, env={"CONNECTOR_EOFFICE_PASSWORD": "x", "CONNECTOR_PORTAL_PASSWORD": "y"}
    )
    assert bad.returncode == 1
    assert f"excel.toml, dòng {rows_line}: khóa 'header_search_rows'" in bad.stderr
    assert f"excel.toml, dòng {formats_line}: khóa 'date_formats'" in bad.stderr


def test_progress_line_on_a_terminal_only(workspace: Path) -> None:
    assert shutil.which("script"), "script(1) chưa được cài: chạy `apt-get install -y bsdutils` rồi chạy lại."
    command = shlex.join([sys.executable, "-m", "connector.cli", "import-excel", str(SAMPLE)])
    tty = subprocess.run(
        ["script", "-qfec", command, "/dev/null"],
        cwd=workspace,
        capture_output=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    shown = tty.stdout.decode("utf-8", "replace")
    assert tty.returncode == 1, shown
    assert "\rimport-excel: 0/42 văn bản" in shown and "\rimport-excel: 42/42 văn bản" in shown
    assert "Đã nhập 41 dòng" in shown
