"""Working days: the official 2024–2026 schedule, Civil Code counting, and arithmetic properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.calendar import WorkingCalendar, due_by
from connector.clock import TZ
from connector.mappings import Mappings


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 4, 29), False),  # nghỉ hoán đổi 30/4
        (date(2024, 5, 4), True),  # thứ Bảy làm bù
        (date(2025, 5, 2), False),
        (date(2025, 4, 26), True),
        (date(2026, 1, 2), False),  # 12729/VPCP-KGVX
        (date(2026, 1, 10), True),  # thứ Bảy làm bù
        (date(2026, 2, 16), False),  # Tết Bính Ngọ
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # nghỉ bù Giỗ Tổ
        (date(2026, 8, 31), False),
        (date(2026, 8, 22), True),
        (date(2026, 9, 2), False),  # Quốc khánh
        (date(2026, 11, 24), True),  # Ngày Văn hóa Việt Nam: off only when switched on
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 23), True),
    ],
)
def test_official_schedule(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working(day) is working


def test_culture_day_behind_switch(maps: Mappings) -> None:
    switched = WorkingCalendar(maps.calendar, optional_days_off=["ngay-van-hoa-viet-nam"])
    assert not switched.is_working(date(2026, 11, 24))
    assert switched.reason_off(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert switched.add(date(2026, 11, 23), 1) == date(2026, 11, 25)


def test_event_day_not_counted(cal: WorkingCalendar) -> None:
    # Civil Code art. 147: a change on Monday 23/11/2026 has 2 working days: Tue 24, Wed 25.
    assert cal.add(date(2026, 11, 23), 2) == date(2026, 11, 25)
    # A change on Friday counts Monday and Tuesday.
    assert cal.add(date(2026, 11, 20), 2) == date(2026, 11, 24)
    # Across Tết 2026: Friday 13/2 + 1 working day is Monday 23/2.
    assert cal.add(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # A make-up Saturday counts.
    assert cal.add(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert cal.add(date(2026, 11, 25), -2) == date(2026, 11, 23)
    assert cal.add(date(2026, 11, 28), 0) == date(2026, 11, 28)


def test_due_by_ends_when_office_closes(cal: WorkingCalendar) -> None:
    changed = datetime(2026, 11, 20, 16, 59, tzinfo=TZ)
    assert due_by(cal, changed, 2) == datetime(2026, 11, 24, 17, 0, tzinfo=TZ)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=40))
def test_add_lands_on_working_day_after_start(cal: WorkingCalendar, start: date, n: int) -> None:
    end = cal.add(start, n)
    assert end > start
    assert cal.is_working(end)
    assert cal.between(start, end) == n


@settings(max_examples=300, deadline=None)
@given(start=days, a=counts, b=counts)
def test_add_composes(cal: WorkingCalendar, start: date, a: int, b: int) -> None:
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@settings(max_examples=300, deadline=None)
@given(start=days, n=counts)
def test_backwards_inverts_forwards_from_working_day(cal: WorkingCalendar, start: date, n: int) -> None:
    start = cal.next_working(start)
    assert cal.add(cal.add(start, n), -n) == start


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=30))
def test_no_working_day_skipped(cal: WorkingCalendar, start: date, n: int) -> None:
    end = cal.add(start, n)
    between = [start + timedelta(days=k) for k in range(1, (end - start).days)]
    assert sum(cal.is_working(d) for d in between) == n - 1
