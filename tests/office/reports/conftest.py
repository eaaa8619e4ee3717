"""A register holding one task of every status (Điều 5e) plus tasks a report must leave out.

Report of November 2026 made on 23/11/2026 (Monday): statuses are derived as of that day.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.clock import TZ
from connector.config import Config, Profile, Settings
from connector.register.db import Register, open_register
from connector.register.tables import Document, Task

ROOT = Path(__file__).resolve().parents[3]
AT = datetime(2026, 11, 1, 8, 0, tzinfo=TZ)
TODAY = date(2026, 11, 23)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def make_config(root: Path, profile: str = "tu-phap-2018", **reports: Any) -> Config:
    path = ROOT / "mappings" / "profiles" / f"{profile}.toml"
    settings = Settings.model_validate(
        {"profile": profile, "paths": {"data_dir": str(root / "data")}, "reports": reports}
    )
    prof = Profile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    return Config(settings=settings, profile=prof, root=root, secrets={})


@dataclass(frozen=True)
class Seed:
    """What a test adds: one document with one task (document fields first, then task fields)."""

    number: str
    issued_on: date
    summary: str
    task: dict[str, Any]
    doc: dict[str, Any] | None = None


# The eight statuses in issue-date order (rows 1..9 of the report; the 9th is in progress as of
# 23/11 although completed on 25/11), then five tasks that must not appear.
LISTED = [
    Seed(
        "101/UBND-NC",
        d(10, 5),
        "Rà soát văn bản quy phạm pháp luật",
        {
            "deadline": d(11, 20),
            "started_on": d(11, 10),
            "completed_on": d(11, 18),
            "progress_note": "Đã trình UBND tỉnh.",
            "handling_unit_code": "VP",
        },
    ),
    Seed(
        "102/UBND-NC",
        d(10, 6),
        "Báo cáo công tác hộ tịch",
        {"deadline": d(11, 10), "started_on": d(11, 2), "completed_on": d(11, 15), "lead_unit_code": "KHTC"},
    ),
    Seed(
        "103/UBND-NC",
        d(10, 7),
        "Tổ chức tập huấn pháp luật",
        {
            "deadline": d(11, 30),
            "started_on": d(11, 5),
            "progress_note": "Đang chuẩn bị tài liệu.",
            "handling_unit_code": "VP",
        },
    ),
    Seed(
        "104/UBND-NC",
        d(10, 8),
        "Kiểm tra công tác bồi thường nhà nước",
        {"deadline": d(11, 20), "started_on": d(11, 5), "lead_unit_name": "Phòng Hành chính tư pháp"},
    ),
    Seed(
        "105/UBND-NC",
        d(10, 9),
        "Xây dựng kế hoạch phổ biến pháp luật năm 2027",
        {
            "deadline": d(11, 30),
            "started_on": d(11, 5),
            "blocked_reason": "Thiếu kinh phí",
            "handling_unit_code": "VP",
        },
    ),
    Seed(
        "106/UBND-NC",
        d(10, 10),
        "Tổng kết thi hành Luật Hòa giải ở cơ sở",
        {
            "deadline": d(11, 16),
            "started_on": d(11, 3),
            "blocked_reason": "Chờ số liệu các huyện",
            "progress_note": "Đã có số liệu 5/10 huyện.",
            "lead_unit_code": "KHTC",
        },
    ),
    Seed(
        "107/UBND-NC",
        d(10, 11),
        "Theo dõi thi hành pháp luật về xử lý vi phạm hành chính",
        {"deadline_text": "hằng tháng", "handling_unit_code": "VP"},
    ),
    Seed(
        "108/UBND-NC",
        d(10, 12),
        "Báo cáo kết quả rà soát thủ tục hành chính",
        {"deadline": d(11, 19), "lead_unit_name": "Phòng Hành chính tư pháp"},
    ),
    Seed(
        "109/UBND-NC",
        d(11, 2),
        "Góp ý dự thảo Nghị quyết",
        {
            "deadline": d(11, 30),
            "started_on": d(11, 2),
            "completed_on": d(11, 25),
            "handling_unit_code": "VP",
        },
    ),
]
LEFT_OUT = [
    Seed("201/UBND-NC", d(9, 1), "Hoàn thành trong kỳ trước",
         {"deadline": d(10, 30), "started_on": d(9, 5), "completed_on": d(10, 20)}),
    Seed("202/UBND-NC", d(10, 1), "Văn bản đã bị thu hồi", {"deadline": d(11, 30)}, {"state": "revoked"}),
    Seed("203/UBND-NC", d(10, 1), "Không liên quan đến Sở", {"deadline": d(11, 30), "concerns_us": False}),
    Seed("204/UBND-NC", d(10, 1), "Đang chờ kiểm tra", {"deadline": d(11, 30), "needs_review": True}),
    Seed("205/UBND-NC", d(11, 25), "Giao sau ngày lập báo cáo", {"deadline": d(12, 30)}),
    Seed("206/UBND-NC", d(10, 1), "Văn bản mật", {"deadline": d(11, 30)}, {"secrecy": "Mật"}),
]  # fmt: skip


def seed(register: Register, seeds: list[Seed]) -> None:
    with register.write() as s:
        for item in seeds:
            doc = Document(
                number=item.number,
                doc_type="Công văn",
                subject=f"V/v {item.summary.lower()}",
                issuer_name="UBND tỉnh Kon Tum",
                issuer_code="UBND_KT",
                issued_on=item.issued_on,
                received_on=item.issued_on,
                origin="UBND tỉnh",
                created_at=AT,
                updated_at=AT,
                **(item.doc or {}),
            )
            s.add(doc)
            s.flush()
            assert doc.id is not None
            s.add(
                Task(
                    document_id=doc.id, seq=1, summary=item.summary, created_at=AT, updated_at=AT, **item.task
                )
            )


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    (tmp_path / "data").mkdir(exist_ok=True)
    reg = open_register(f"sqlite:///{tmp_path / 'data' / 'register.sqlite3'}", busy_timeout=5)
    yield reg
    reg.dispose()


@pytest.fixture
def seeded(register: Register) -> Register:
    seed(register, LISTED + LEFT_OUT)
    return register
