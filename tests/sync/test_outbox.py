"""Outbox arithmetic: office hours left before `due_by`, at risk / late around a weekend, backoff,
the dry run's wording. Fixed datetimes in Asia/Ho_Chi_Minh; a real SQLite register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from connector.calendar import WorkingCalendar, due_by, working_time
from connector.clock import TZ
from connector.domain import StatusUpdate, TaskFacts
from connector.register.db import Register, open_register
from connector.register.queries import record_status_change
from connector.register.tables import Document, Task
from connector.register.views import outbox_health
from connector.sync.outbox import backoff, describe


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


# Fri 20/11/2026 is a working day; Sat 21 and Sun 22 are not; Mon 23 is.
FRI, SAT, SUN, MON = 20, 21, 22, 23


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    reg = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}", busy_timeout=5)
    yield reg
    reg.dispose()


def add_row(reg: Register, due: datetime, *, state: str = "pending") -> None:
    at = vn(FRI, 8)
    with reg.write() as s:
        doc = Document(number="1/UBND", created_at=at, updated_at=at)
        s.add(doc)
        s.flush()
        task = Task(document_id=doc.id, seq=1, summary="x", created_at=at, updated_at=at)
        s.add(task)
        s.flush()
        _, row = record_status_change(
            s, task, facts=TaskFacts(), progress_note="n", due_by=due, actor="t", changed_at=at
        )
        assert row is not None
        row.state = state
        s.add(row)


def test_working_time_counts_office_hours_only(cal: WorkingCalendar) -> None:
    assert working_time(cal, vn(FRI, 16), vn(MON, 9, 30)) == timedelta(hours=3)  # 1 h Fri + 2 h Mon
    assert working_time(cal, vn(SAT, 10), vn(MON, 9, 30)) == timedelta(hours=2)
    assert working_time(cal, vn(MON, 11), vn(MON, 14)) == timedelta(hours=1)  # 11:00–11:30, 13:30–14:00
    assert working_time(cal, vn(MON, 12), vn(MON, 13)) == timedelta(0)  # lunch
    assert working_time(cal, vn(FRI, 7, 30), vn(FRI, 17)) == timedelta(hours=7, minutes=30)
    assert working_time(cal, vn(MON, 10), vn(FRI, 10)) == timedelta(0)


def test_health_at_risk_and_late_around_a_weekend(register: Register, cal: WorkingCalendar) -> None:
    add_row(register, vn(MON, 9, 30))  # 2 office hours on Monday morning
    add_row(register, due_by(cal, vn(FRI, 9), 2))  # change on Friday → Tue 24/11 17:00
    add_row(register, vn(MON, 9, 30), state="pushed")  # done: never counted
    assert due_by(cal, vn(FRI, 9), 2) == vn(24, 17)

    friday_3pm = _health(register, cal, vn(FRI, 15))  # 2 h Fri + 2 h Mon = 4 h: not at risk
    assert (friday_3pm["due"], friday_3pm["at_risk"], friday_3pm["late"]) == (2, 0, 0)
    friday_4pm = _health(register, cal, vn(FRI, 16))  # 1 h + 2 h = 3 h < 4 h
    assert (friday_4pm["at_risk"], friday_4pm["late"]) == (1, 0)
    sunday = _health(register, cal, vn(SUN, 20))  # the weekend adds nothing: 2 h left
    assert (sunday["at_risk"], sunday["late"]) == (1, 0)
    monday_10 = _health(register, cal, vn(MON, 10))  # first late; Tue 17:00 has 12.5 h left
    assert (monday_10["at_risk"], monday_10["late"]) == (0, 1)
    tuesday_noon = _health(register, cal, vn(24, 12))  # 3.5 h left on Tuesday afternoon
    assert (tuesday_noon["due"], tuesday_noon["at_risk"], tuesday_noon["late"]) == (2, 1, 1)
    tuesday_11 = _health(register, cal, vn(24, 11))  # 0.5 h + 3.5 h = 4 h: not yet
    assert tuesday_11["at_risk"] == 0
    wednesday = _health(register, cal, vn(25, 8))
    assert (wednesday["at_risk"], wednesday["late"]) == (0, 2)


def test_held_and_failed_rows_are_still_due(register: Register, cal: WorkingCalendar) -> None:
    add_row(register, vn(MON, 17), state="held")
    add_row(register, vn(MON, 17), state="failed")
    health = _health(register, cal, vn(MON, 17, 1))
    assert health == {"due": 2, "at_risk": 0, "late": 2, "held": 1, "failed": 1}


def testbackoff_doubles_up_to_a_limit_and_honours_retry_after() -> None:
    assert backoff(1, None) == timedelta(minutes=5)
    assert backoff(2, None) == timedelta(minutes=10)
    assert backoff(3, None) == timedelta(minutes=20)
    assert backoff(20, None) == timedelta(hours=4)
    assert backoff(1, 60) == timedelta(seconds=60)


def test_dry_run_line_wording() -> None:
    update = StatusUpdate("0012", "Đang thực hiện trong hạn", "Đang tổng hợp số liệu.")
    assert describe("1234/UBND-NNTN", update) == (
        "Nhiệm vụ 1234/UBND-NNTN (mã PM-0012): trạng thái «Đang thực hiện trong hạn», "
        "diễn giải «Đang tổng hợp số liệu.», ngày hoàn thành —"
    )
    done = StatusUpdate("PM-0012", "Đã hoàn thành trong hạn", "Xong.", completed_on=date(2026, 11, 20))
    assert describe("1234/UBND-NNTN", done).endswith(
        "(mã PM-0012): trạng thái «Đã hoàn thành trong hạn», diễn giải «Xong.», ngày hoàn thành 20/11/2026"
    )


def _health(register: Register, cal: WorkingCalendar, at: datetime) -> dict[str, int]:
    with register.read() as s:
        return outbox_health(s, cal, at)
