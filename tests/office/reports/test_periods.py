"""Report periods: the forms a clerk writes, their Vietnamese names, the default period, and the
day each rule of both shipped profiles falls due (the working day before, when it is a day off)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.calendar import WorkingCalendar
from connector.config import ReportRule
from connector.errors import UserError
from connector.office.reports.periods import Kind, default_period, due_today, parse_period, rule_for
from tests.office.reports.conftest import make_config


@pytest.mark.parametrize(
    ("kind", "text", "key", "start", "end", "label"),
    [
        ("monthly", "2026-11", "2026-11", date(2026, 11, 1), date(2026, 11, 30), "tháng 11 năm 2026"),
        ("monthly", "2028-2", "2028-02", date(2028, 2, 1), date(2028, 2, 29), "tháng 2 năm 2028"),
        ("quarterly", "2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "quý IV năm 2026"),
        ("quarterly", " 2026-q1 ", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "quý I năm 2026"),
        ("half-year", "2026-H1", "2026-H1", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026"),
        ("half-year", "2026-h2", "2026-H2", date(2026, 7, 1), date(2026, 12, 31), "6 tháng cuối năm 2026"),
        ("annual", "2026", "2026", date(2026, 1, 1), date(2026, 12, 31), "năm 2026"),
    ],
)
def test_parse_period(kind: Kind, text: str, key: str, start: date, end: date, label: str) -> None:
    period = parse_period(kind, text)
    assert (period.key, period.start, period.end, period.label) == (key, start, end, label)


@pytest.mark.parametrize(
    ("kind", "text"),
    [("monthly", "2026-13"), ("monthly", "2026-Q4"), ("quarterly", "2026-Q5"), ("quarterly", "2026-11"),
     ("half-year", "2026-H3"), ("half-year", "2026"), ("annual", "26"), ("annual", "năm 2026")],
)  # fmt: skip
def test_bad_period_says_the_expected_forms(kind: Kind, text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_period(kind, text)
    message = caught.value.message
    assert f"Kỳ báo cáo «{text}» không hợp lệ" in message
    for form in ("2026-11", "2026-Q4", "2026-H1 hoặc 2026-H2", "2026 (năm)"):
        assert form in message
    assert caught.value.hint.startswith(f"connector report {kind} --period ")


def test_default_period_follows_the_profile_rule(tmp_path: Path) -> None:
    rules = make_config(tmp_path, profile="nong-nghiep-2022").profile.report
    nov = date(2026, 11, 23)
    assert default_period("monthly", rule_for(rules, "monthly"), nov).key == "2026-11"
    assert default_period("annual", rule_for(rules, "annual"), nov).key == "2026"  # the year so far
    assert default_period("half-year", rule_for(rules, "half-year"), nov).key == "2026-H1"  # due in June only
    assert default_period("half-year", rule_for(rules, "half-year"), date(2026, 3, 2)).key == "2026-H1"
    assert default_period("quarterly", rule_for(rules, "quarterly"), nov).key == "2026-Q4"  # no rule
    assert default_period("half-year", None, nov).key == "2026-H2"


def due_days(rule: ReportRule, cal: WorkingCalendar, year: int) -> list[tuple[date, str]]:
    day, found = date(year, 1, 1), []
    while day.year == year:
        period = due_today(rule, cal, day)
        if period is not None:
            found.append((day, period.key))
        day += timedelta(days=1)
    return found


def test_justice_profile_due_days(tmp_path: Path, cal: WorkingCalendar) -> None:
    rules = make_config(tmp_path, profile="tu-phap-2018").profile.report
    units_monthly = due_days(rule_for(rules, "monthly", "units"), cal, 2026)  # type: ignore[arg-type]
    assert len(units_monthly) == 12
    assert (date(2026, 11, 13), "2026-11") in units_monthly  # 14/11 is a Saturday
    assert (date(2026, 2, 13), "2026-02") in units_monthly  # 14/02 Saturday, then Tết
    assert (date(2026, 12, 14), "2026-12") in units_monthly
    office_monthly = due_days(rule_for(rules, "monthly", "office"), cal, 2026)  # type: ignore[arg-type]
    assert (date(2026, 11, 17), "2026-11") in office_monthly
    assert (date(2026, 2, 13), "2026-02") in office_monthly  # 16–20/02 are the Tết holiday
    assert due_days(rule_for(rules, "quarterly", "units"), cal, 2026) == [  # type: ignore[arg-type]
        (date(2026, 3, 13), "2026-Q1"), (date(2026, 6, 12), "2026-Q2"),
        (date(2026, 9, 14), "2026-Q3"), (date(2026, 12, 14), "2026-Q4"),
    ]  # fmt: skip
    assert due_days(rule_for(rules, "half-year", "units"), cal, 2026) == [(date(2026, 6, 5), "2026-H1")]  # type: ignore[arg-type]
    assert due_days(rule_for(rules, "half-year", "office"), cal, 2026) == [(date(2026, 6, 15), "2026-H1")]  # type: ignore[arg-type]
    assert due_days(rule_for(rules, "annual", "units"), cal, 2026) == [(date(2026, 11, 20), "2026")]  # type: ignore[arg-type]
    assert due_days(rule_for(rules, "annual", "office"), cal, 2026) == [(date(2026, 11, 27), "2026")]  # type: ignore[arg-type]
    for rule in rules:  # every due day is a working day, on or before the rule's day
        for day, _ in due_days(rule, cal, 2026):
            assert cal.is_working(day) and day.day <= rule.day


def test_agriculture_profile_due_days(tmp_path: Path, cal: WorkingCalendar) -> None:
    rules = make_config(tmp_path, profile="nong-nghiep-2022").profile.report
    monthly = due_days(rule_for(rules, "monthly"), cal, 2026)  # type: ignore[arg-type]
    assert len(monthly) == 12
    assert (date(2026, 11, 19), "2026-11") in monthly
    assert (date(2026, 2, 13), "2026-02") in monthly  # 19/02 falls in the Tết holiday
    assert (date(2026, 12, 18), "2026-12") in monthly  # 19/12 is a Saturday
    assert due_days(rule_for(rules, "half-year"), cal, 2026) == [(date(2026, 6, 10), "2026-H1")]  # type: ignore[arg-type]
    assert due_days(rule_for(rules, "annual"), cal, 2026) == [(date(2026, 12, 10), "2026")]  # type: ignore[arg-type]
    assert rule_for(rules, "quarterly") is None
