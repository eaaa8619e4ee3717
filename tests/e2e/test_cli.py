"""The `connector` command as a person runs it: real process, real files, Vietnamese output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_OK = {"CONNECTOR_EOFFICE_PASSWORD": "e-secret-1", "CONNECTOR_PORTAL_PASSWORD": "p-secret-2"}


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        check=False,
        timeout=120,
    )


def test_help_lists_only_working_commands(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    listed = set(re.findall(r"^    (\S+)\s", result.stdout, flags=re.MULTILINE))
    assert listed == {
        "check",
        "calendar",
        "parse",
        "demo",
        "sync",
        "return",
        "run",
        "rerun",
        "log",
        "status",
        "report",
        "export-excel",
        "import-excel",
        "hash-password",
    }
    for command in listed:
        assert run(command, "--help", cwd=tmp_path).returncode == 0


def test_calendar_commands(workspace: Path) -> None:
    added = run("calendar", "add", "2026-11-20", "2", cwd=workspace)
    assert (added.returncode, added.stdout.strip()) == (0, "2026-11-24")
    assert run("calendar", "add", "13/02/2026", "1", cwd=workspace).stdout.strip() == "2026-02-23"
    off = run("calendar", "is-working", "2026-01-02", cwd=workspace)
    assert off.returncode == 1 and "ngày nghỉ" in off.stdout and "Tết Dương lịch" in off.stdout
    on = run("calendar", "is-working", "2026-01-10", cwd=workspace)
    assert on.returncode == 0 and "ngày làm việc" in on.stdout
    bad = run("calendar", "add", "hôm qua", "1", cwd=workspace)
    assert bad.returncode == 2 and "ngày không hợp lệ" in bad.stderr


def test_check_ok_then_every_problem(workspace: Path) -> None:
    ok = run("check", cwd=workspace, env=ENV_OK)
    assert ok.returncode == 0, ok.stderr
    assert "Cấu hình hợp lệ" in ok.stdout and "Sổ theo dõi" in ok.stdout

    config = workspace / "config.toml"
    config.write_text(config.read_text().replace("port = 8765", "port = 99999"))
    units = workspace / "mappings" / "units.toml"
    units.write_text(
        units.read_text(encoding="utf-8").replace('code = "STC"', 'code = "STC"\nkind = "noi-bo"', 1),
        encoding="utf-8",
    )
    bad = run("check", cwd=workspace, env={"CONNECTOR_EOFFICE_PASSWORD": "e-secret-1"})
    assert bad.returncode == 1
    assert "Phát hiện 3 lỗi" in bad.stderr
    assert "web.port" in bad.stderr and "99999" in bad.stderr
    assert "units.toml, dòng" in bad.stderr and "'noi-bo'" in bad.stderr
    assert "CONNECTOR_PORTAL_PASSWORD" in bad.stderr
    assert "e-secret-1" not in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr


def test_check_validates_the_recipes_the_config_uses(workspace: Path) -> None:
    """A recipe that cannot work is an error of `connector check`, named by its file and key."""
    eoffice = workspace / "mappings" / "eoffice.toml"
    eoffice.write_text(
        eoffice.read_text(encoding="utf-8").replace(
            'url = "/vbden/chi-tiet?id={ref}"', 'url = "/vbden/chi-tiet"'
        )
    )
    portal = workspace / "mappings" / "portal.toml"
    text = portal.read_text(encoding="utf-8")
    portal.write_text(text.replace("\n[pages.list]\n", "\n[pages.danh-sach]\n"), encoding="utf-8")
    bad = run("check", cwd=workspace, env=ENV_OK)
    assert bad.returncode == 1, bad.stdout
    assert "detail.url" in bad.stderr and "{ref}" in bad.stderr
    assert "pages.list" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_check_reads_the_mappings_folder_a_broken_config_names(workspace: Path) -> None:
    """A config with one bad value still has its own mappings folder checked, not ./mappings."""
    (workspace / "mappings").rename(workspace / "anh-xa")
    config = workspace / "config.toml"
    text = config.read_text().replace('mappings = "mappings"', 'mappings = "anh-xa"')
    config.write_text(text.replace("port = 8765", "port = 99999"))
    bad = run("check", cwd=workspace, env=ENV_OK)
    assert bad.returncode == 1
    assert "Phát hiện 1 lỗi" in bad.stderr and "web.port" in bad.stderr
    assert "không tồn tại" not in bad.stderr


def test_missing_config_says_what_to_do(tmp_path: Path) -> None:
    result = run("calendar", "is-working", "2026-11-23", cwd=tmp_path)
    assert result.returncode == 2
    assert "cp config.example.toml config.toml" in result.stderr


def test_parse_json_contract(workspace: Path) -> None:
    sample = ROOT / "fixtures" / "documents" / "cong-van.html"
    result = run("parse", str(sample), "--received", "2026-11-23", "--json", cwd=workspace)
    assert result.returncode in (0, 3), result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == [
        "number",
        "issuer",
        "doc_type",
        "issued_on",
        "received_on",
        "subject",
        "secrecy",
        "urgency",
        "tasks",
        "follows_up",
        "needs_review",
        "review_reasons",
        "warnings",
    ]
    assert doc["received_on"] == "2026-11-23"
    for follow in doc["follows_up"]:
        assert list(follow) == ["number", "issuer", "issued_on", "action", "new_deadline"]
    for task in doc["tasks"]:
        assert list(task) == [
            "summary",
            "lead_unit",
            "cooperating_units",
            "deadline",
            "deadline_time",
            "deadline_text",
            "deadline_rule",
            "recurring",
            "concerns_us",
            "flags",
        ]


FOLLOW_UP_LETTER = """ỦY BAN NHÂN DÂN
TỈNH KON TUM
Số: 2300/UBND-NNTN
Kon Tum, ngày 10 tháng 6 năm 2024
V/v gia hạn thời gian thực hiện nhiệm vụ

Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.

UBND tỉnh đồng ý gia hạn thời gian thực hiện nhiệm vụ giao tại Công văn số 1234/UBND-NNTN ngày 12/5/2024
của UBND tỉnh Kon Tum; giao Sở Nông nghiệp và Phát triển nông thôn hoàn thành trước ngày 30/9/2024.
Nơi nhận:
- Lưu: VT.
"""


def test_parse_shows_what_a_letter_does_to_an_earlier_one(workspace: Path) -> None:
    letter = workspace / "gia-han.txt"
    letter.write_text(FOLLOW_UP_LETTER, encoding="utf-8")
    result = run("parse", str(letter), "--json", cwd=workspace)
    assert result.returncode in (0, 3), result.stderr
    assert json.loads(result.stdout)["follows_up"] == [
        {
            "number": "1234/UBND-NNTN",
            "issuer": {"name": "UBND tỉnh Kon Tum", "code": "UBND_KT"},
            "issued_on": "2024-05-12",
            "action": "extend",
            "new_deadline": "2024-09-30",
        }
    ]
    text = run("parse", str(letter), cwd=workspace)
    assert (
        "Văn bản này gia hạn Công văn số 1234/UBND-NNTN ngày 12/05/2024 của UBND tỉnh Kon Tum" in text.stdout
    )
    assert "thời hạn mới: 30/09/2024" in text.stdout


def test_parse_unreadable_file(workspace: Path) -> None:
    bad = workspace / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    result = run("parse", str(bad), cwd=workspace)
    assert result.returncode == 1
    assert "Việc cần làm" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("profile", ["nong-nghiep-2022", "tu-phap-2018"])
def test_check_with_each_profile(workspace: Path, profile: str) -> None:
    config = workspace / "config.toml"
    config.write_text(config.read_text().replace('profile = "nong-nghiep-2022"', f'profile = "{profile}"'))
    result = run("check", cwd=workspace, env=ENV_OK)
    assert result.returncode == 0, result.stderr
