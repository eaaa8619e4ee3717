"""Intake pieces: the merge key, the summary line, the progress line and its callback."""

from __future__ import annotations

import io
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.memory import MemorySource
from adapters.text import decode_text
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.cli.terminal import ProgressLine, is_tty
from connector.config import Profile
from connector.domain import RawDocument, number_key
from connector.mappings import load_all
from connector.register.db import open_register
from connector.service import ADAPTERS, installed
from connector.sync.intake import RunSummary, sync_source

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("270/QĐ-UBND", "270/QD-UBND"),
        ("270 / qđ-ubnd", "270/QD-UBND"),
        ("06/2024/QD-UBND", "06/2024/QD-UBND"),
        ("1234/UBND-NNTN\u00a0", "1234/UBND-NNTN"),
        ("270/Q\u0110-UBND", "270/QD-UBND"),
        ("", None),
        (None, None),
    ],
)
def test_number_key_folds_case_space_and_d(written: str | None, key: str | None) -> None:
    assert number_key(written) == key


def test_summary_line_counts_new_documents_and_mentions_merges() -> None:
    summary = RunSummary("eoffice", outcome="ok")
    summary.counts.update(stored=15, review=40, secret=1, merged=2, unchanged=3)
    assert summary.line() == (
        "eoffice: 56 văn bản mới, 40 cần kiểm tra, 1 văn bản mật (chỉ ghi thông báo đến), 0 lỗi, "
        "2 trùng văn bản đã có (đã gộp), 3 không đổi"
    )
    assert RunSummary("eoffice", outcome="failed").line().endswith("vị trí đọc giữ nguyên.")


# -- the progress line of `connector sync` -----------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_redraws_in_place_and_clears() -> None:
    out = io.StringIO()
    bar = ProgressLine("eoffice", out)
    bar(0, 56)
    bar(12, 56)
    bar(56, 56)
    bar.close()
    frames = out.getvalue().split("\r")
    assert frames[1:4] == ["eoffice: 0/56 văn bản", "eoffice: 12/56 văn bản", "eoffice: 56/56 văn bản"]
    assert out.getvalue().endswith("\r") and "\n" not in out.getvalue()
    unknown = io.StringIO()
    ProgressLine("hopthu", unknown)(3, None)
    assert unknown.getvalue() == "\rhopthu: 3 văn bản"


def test_a_source_type_without_its_adapter_is_skipped_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert installed("eoffice")
    assert not installed("no-such-kind")
    monkeypatch.setitem(ADAPTERS, "ghost", "adapters.no_such_module:Ghost")
    assert not installed("ghost")


def test_progress_only_on_a_terminal() -> None:
    assert is_tty(_Tty()) and not is_tty(io.StringIO())


def test_sync_source_reports_progress_per_document(tmp_path: Path) -> None:
    maps = load_all(ROOT / "mappings")
    cal = WorkingCalendar(maps.calendar)
    profile = Profile.model_validate(
        tomllib.loads((ROOT / "mappings/profiles/nong-nghiep-2022.toml").read_text(encoding="utf-8"))
    )
    text = decode_text(sorted((ROOT / "tests/corpus/hand").glob("*.txt"))[0].read_bytes())
    at = datetime(2025, 1, 2, tzinfo=UTC)
    docs = [
        RawDocument("fake", str(i), at, text, sha256=RawDocument.fingerprint(f"{i}".encode()))
        for i in range(3)
    ]
    register = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    calls: list[tuple[int, int | None]] = []
    try:
        source = MemorySource("fake", docs)
        summary = sync_source(
            register, source, maps, cal, profile, read=read_text, progress=lambda d, n: calls.append((d, n))
        )
    finally:
        register.dispose()
    assert summary.outcome in {"ok", "partial"}
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
