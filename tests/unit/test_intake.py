"""The merge key of intake: one directive typed differently by different routes is one key."""

from __future__ import annotations

import pytest

from connector.sync import RunSummary, number_key


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
