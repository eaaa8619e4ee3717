"""Report periods ("2026-11", "2026-Q4", "2026-H1", "2026") and the days a profile's rules fall due.

A rule of the profile (`[[report]]`: kind, day, month) names the last day a report may be sent
("chậm nhất ngày 19", "trước ngày 15" is written as day 14). Every such day lies inside the
period the report covers: the monthly report of the 14th covers that month so far, the
quarterly one of the 14th of the quarter's last month covers the quarter, the half-year one of
5 June the first half, the annual one of 20 November the year so far. So the period of a due
day is simply the period of that kind containing it.

When the due day is not a working day the report is made on the preceding working day: the
regulations say "trước ngày" / "chậm nhất", a limit one must meet early, not late.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from connector.calendar import WorkingCalendar
from connector.clock import today as vn_today
from connector.config import ReportRule
from connector.errors import UserError

Kind = Literal["monthly", "quarterly", "half-year", "annual"]
KINDS: tuple[Kind, ...] = ("monthly", "quarterly", "half-year", "annual")

KIND_LABELS: dict[str, str] = {
    "monthly": "báo cáo tháng",
    "quarterly": "báo cáo quý",
    "half-year": "báo cáo 6 tháng",
    "annual": "báo cáo năm",
}
_ROMAN = ("I", "II", "III", "IV")
_FORMS = {
    "monthly": (r"^(\d{4})-(\d{1,2})$", "2026-11 (năm-tháng)"),
    "quarterly": (r"^(\d{4})-[Qq]([1-4])$", "2026-Q4 (năm-Q1..Q4)"),
    "half-year": (r"^(\d{4})-[Hh]([12])$", "2026-H1 hoặc 2026-H2"),
    "annual": (r"^(\d{4})$", "2026 (năm)"),
}


@dataclass(frozen=True)
class Period:
    """One stretch of time a report covers; `key` is the form written on the command line."""

    kind: Kind
    key: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """Vietnamese name of the period, as printed under the report's title."""
        year = self.start.year
        if self.kind == "monthly":
            return f"tháng {self.start.month} năm {year}"
        if self.kind == "quarterly":
            return f"quý {_ROMAN[(self.start.month - 1) // 3]} năm {year}"
        if self.kind == "half-year":
            return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {year}"
        return f"năm {year}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def period_of(kind: Kind, day: date) -> Period:
    """The period of `kind` that contains `day`."""
    y, m = day.year, day.month
    if kind == "monthly":
        return Period(kind, f"{y}-{m:02d}", date(y, m, 1), _month_end(y, m))
    if kind == "quarterly":
        q = (m - 1) // 3 + 1
        return Period(kind, f"{y}-Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if kind == "half-year":
        h = 1 if m <= 6 else 2
        return Period(kind, f"{y}-H{h}", date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
    return Period(kind, str(y), date(y, 1, 1), date(y, 12, 31))


def parse_period(kind: Kind, text: str) -> Period:
    """The period a clerk wrote after `--period`, checked against the report's kind."""
    pattern, _ = _FORMS[kind]
    match = re.match(pattern, text.strip())
    if match:
        year = int(match.group(1))
        n = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 1
        first_month = {"monthly": n, "quarterly": 3 * n - 2, "half-year": 6 * n - 5, "annual": 1}[kind]
        if 1900 <= year <= 2999 and 1 <= first_month <= 12:
            return period_of(kind, date(year, first_month, 1))
    expected = "; ".join(f"{KIND_LABELS[k]}: {form}" for k, (_, form) in _FORMS.items())
    raise UserError(
        f"Kỳ báo cáo «{text}» không hợp lệ cho {KIND_LABELS[kind]}. Cách viết đúng — {expected}.",
        hint=f"connector report {kind} --period {period_of(kind, vn_today()).key}",
    )


def rule_for(rules: list[ReportRule], kind: Kind, who: str | None = None) -> ReportRule | None:
    """The profile's rule for `kind` (the office's when `who` is not given and both exist)."""
    matching = [r for r in rules if r.kind == kind and (who is None or r.who == who)]
    matching.sort(key=lambda r: r.who != "office")
    return matching[0] if matching else None


def rule_months(rule: ReportRule) -> tuple[int, ...]:
    """The months in which `rule` falls due."""
    if rule.kind == "monthly":
        return tuple(range(1, 13))
    if rule.kind == "quarterly":
        return (3, 6, 9, 12)
    if rule.month is not None:
        return (rule.month,)
    return (6, 12) if rule.kind == "half-year" else (12,)


def nominal_due(rule: ReportRule, year: int, month: int) -> date:
    """The day `rule` names in `month` (day 31 in a short month is its last day)."""
    return date(year, month, min(rule.day, _calendar.monthrange(year, month)[1]))


def effective_due(cal: WorkingCalendar, nominal: date) -> date:
    """`nominal` if the office works that day, else the working day before it."""
    day = nominal
    while not cal.is_working(day):
        day -= timedelta(days=1)
    return day


def due_today(rule: ReportRule, cal: WorkingCalendar, today: date) -> Period | None:
    """The period whose report under `rule` is to be made `today`, or None.

    The nominal days looked at are those of this month and the next (a due day on the 1st after
    a holiday can move back into the previous month).
    """
    for offset in (0, 1):
        y, m = divmod(today.year * 12 + today.month - 1 + offset, 12)
        if m + 1 not in rule_months(rule):
            continue
        nominal = nominal_due(rule, y, m + 1)
        if effective_due(cal, nominal) == today:
            return period_of(rule.kind, nominal)
    return None


def due_within(rule: ReportRule, cal: WorkingCalendar, today: date, days: int) -> Period | None:
    """The period whose report under `rule` fell due today or in the `days` before it, or None.

    Looking back lets a report whose day passed while the server was off (a power cut, a long
    weekend shutdown) still be made the next morning; the file name keeps it to one copy.
    """
    for back in range(days + 1):
        period = due_today(rule, cal, today - timedelta(days=back))
        if period is not None:
            return period
    return None


def default_period(kind: Kind, rule: ReportRule | None, today: date) -> Period:
    """The period a report of `kind` made `today` covers, when no `--period` is given.

    The period containing today; but when the profile's rule never falls due in that period (the
    half-year report is due in June only), the latest period in which it does (so in November
    the half-year report is the first half's).
    """
    period = period_of(kind, today)
    if rule is None:
        return period
    months = rule_months(rule)
    while not any(period.start.month <= m <= period.end.month for m in months):
        period = period_of(kind, period.start - timedelta(days=1))
    return period
