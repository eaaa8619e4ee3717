"""Working days for every time limit the service enforces (DESIGN §6).

A working day is Monday–Friday, minus Vietnamese public holidays (package `holidays`, VN),
corrected by `mappings/calendar.toml`: the official yearly swaps (extra days off, make-up
Saturdays) and optional days off that apply only when the config switches them on.

Counting follows the Civil Code (Bộ luật Dân sự 2015, art. 147–148): the day of the event is
not counted, so "within 2 working days of Monday" ends on Wednesday.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from connector.clock import TZ
from connector.mappings import CalendarFile


class WorkingCalendar:
    """Answers "is this a working day?" and "which day is N working days after that one?"."""

    def __init__(self, swaps: CalendarFile, *, optional_days_off: Iterable[str] = ()) -> None:
        self._extra_off = {d.date: d.reason for d in swaps.day_off}
        self._worked = {d.date: d.reason for d in swaps.work_day}
        enabled = set(optional_days_off)
        self._optional = [o for o in swaps.optional_day_off if o.name in enabled]
        self._disabled = [o for o in swaps.optional_day_off if o.name not in enabled]

    def reason_off(self, day: date) -> str | None:
        """Why `day` is not a working day (Vietnamese), or None if it is one."""
        if day in self._worked:
            return None
        if day in self._extra_off:
            return self._extra_off[day]
        for opt in self._optional:
            if (day.month, day.day) == (opt.month, opt.day) and day.year >= opt.since_year:
                return opt.label
        holiday = _vn_holidays(day.year).get(day)
        if holiday and not self._is_disabled_optional(day):
            return str(holiday)
        if day.weekday() == 5:
            return "Thứ Bảy"
        if day.weekday() == 6:
            return "Chủ nhật"
        return None

    def _is_disabled_optional(self, day: date) -> bool:
        return any((day.month, day.day) == (o.month, o.day) for o in self._disabled)

    def is_working(self, day: date) -> bool:
        """True for a day on which offices work."""
        return self.reason_off(day) is None

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself is not counted); n < 0 counts back.

        n == 0 returns `start` unchanged.
        """
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left:
            day += timedelta(days=step)
            if self.is_working(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for k in range(1, (end - start).days + 1) if self.is_working(start + timedelta(days=k)))

    def next_working(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it (art. 148.5)."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


OFFICE_CLOSES = time(17, 0)
"""End of the office day: a limit of N working days ends at this hour of the N-th working day."""


def due_by(cal: WorkingCalendar, changed_at: datetime, working_days: int) -> datetime:
    """When a change made at `changed_at` must have reached the portal (Điều 6.3.b).

    The day of the change is not counted; the limit ends when the office closes on the
    `working_days`-th working day after it, in Asia/Ho_Chi_Minh.
    """
    local = changed_at.astimezone(TZ)
    return datetime.combine(cal.add(local.date(), working_days), OFFICE_CLOSES, tzinfo=TZ)


WORKING_PERIODS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
"""Office hours of a working day (morning, afternoon)."""
HALF_DAY = timedelta(hours=4)
"""Half a working day of office hours: less than this left before a limit means "at risk"."""


def working_time(cal: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Office hours (07:30–11:30, 13:30–17:00 on working days) between `start` and `end`."""
    start, end = start.astimezone(TZ), end.astimezone(TZ)
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working(day):
            for a, b in WORKING_PERIODS:
                lo = max(start, datetime.combine(day, a, tzinfo=TZ))
                hi = min(end, datetime.combine(day, b, tzinfo=TZ))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total
