"""`connector demo --once` (what `make demo DEMO_ARGS=--once` runs) from a fresh workspace: simulators, a real
Dovecot mailbox and an SMTP sink, every job once and again, a Vietnamese summary, exit 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from connector.calendar import WorkingCalendar
from connector.clock import today
from connector.register.db import open_register
from connector.register.tables import Document, IntakeItem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_demo_once_runs_every_part_and_stores_nothing_twice(
    tmp_path: Path, cal: WorkingCalendar, database: str, request: pytest.FixtureRequest
) -> None:
    work = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    url = f"sqlite:///{work / 'data' / 'register.sqlite3'}"
    extra: list[str] = []
    if database == "postgres":  # `connector demo --database-url`: the whole service on PostgreSQL
        url = request.getfixturevalue("pg_database")
        extra = ["--database-url", url]
    result = subprocess.run(
        [sys.executable, "-m", "connector.cli", "demo", "--once", "--workdir", str(work), *extra],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== Kết quả chạy thử ==" in out
    assert "Đã cập nhật lên Phần mềm theo dõi: 2 thay đổi trạng thái." in out  # the two recorded reports
    second = out.split("== Chạy lại mọi việc")[1]
    assert "eoffice: 0 văn bản mới" in second and "hopthu: 0 văn bản mới" in second
    assert "Cập nhật Phần mềm: 2 đã gửi và xác nhận" in second
    assert re.search(r"Nhắc việc ngày [\d/]+: đã gửi 0 thư", second)
    assert "Traceback" not in out + result.stderr
    stored = int(re.search(r"Văn bản trong sổ theo dõi: (\d+)", out).group(1))  # type: ignore[union-attr]

    register = open_register(url)
    try:
        with register.read() as s:
            documents = s.exec(select(Document)).all()
            routes = s.exec(select(IntakeItem.source, IntakeItem.document_id)).all()
    finally:
        register.dispose()
    assert stored == len(documents) >= 57  # 56 in eOffice + one only by mail
    by_doc: dict[int | None, set[str]] = {}
    for source, doc_id in routes:
        by_doc.setdefault(doc_id, set()).add(source)
    two_routes = [doc for doc, s in by_doc.items() if s == {"eoffice", "hopthu"}]
    assert len(two_routes) == 3  # the same directive by eOffice and by mail is one document

    sent = list((work / "thu-da-gui").glob("*.eml"))
    assert bool(sent) == cal.is_working(today())  # reminders on working days only, and never twice a day
    units = [re.search(rb"^To: (.+)$", p.read_bytes(), re.MULTILINE) for p in sent]
    assert len({u.group(1) for u in units if u}) == len(sent)
