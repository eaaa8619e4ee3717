"""Điều 5e status derived from facts and a date: examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.domain import Status, TaskFacts
from connector.status import derive_status

D = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        (TaskFacts(D, None, D, None), D, Status.DONE_ON_TIME),
        (TaskFacts(D, None, D + timedelta(1), None), D + timedelta(5), Status.DONE_LATE),
        (TaskFacts(None, None, D, None), D, Status.DONE_ON_TIME),
        (TaskFacts(D, D - timedelta(3), None, None), D, Status.IN_PROGRESS),
        (TaskFacts(D, D - timedelta(3), None, None), D + timedelta(1), Status.IN_PROGRESS_OVERDUE),
        (TaskFacts(D, D - timedelta(3), None, "thiếu kinh phí"), D, Status.IN_PROGRESS_BLOCKED),
        (TaskFacts(D, D, None, "thiếu kinh phí"), D + timedelta(1), Status.IN_PROGRESS_OVERDUE_BLOCKED),
        (TaskFacts(D, D, None, "   "), D, Status.IN_PROGRESS),
        (TaskFacts(D, None, None, None), D, Status.NOT_STARTED),
        (TaskFacts(D, None, None, None), D + timedelta(1), Status.NOT_STARTED_OVERDUE),
        (TaskFacts(None, None, None, None), D + timedelta(999), Status.NOT_STARTED),
    ],
)
def test_examples(facts: TaskFacts, today: date, expected: Status) -> None:
    assert derive_status(facts, today) is expected


maybe_day = st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
facts_st = st.builds(TaskFacts, maybe_day, maybe_day, maybe_day, st.none() | st.text(max_size=5))
today_st = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
OVERDUE = {Status.IN_PROGRESS_OVERDUE, Status.IN_PROGRESS_OVERDUE_BLOCKED, Status.NOT_STARTED_OVERDUE}


@given(facts_st, today_st)
def test_no_deadline_never_overdue(facts: TaskFacts, today: date) -> None:
    facts = TaskFacts(None, facts.started_on, facts.completed_on, facts.blocked_reason)
    assert derive_status(facts, today) not in OVERDUE | {Status.DONE_LATE}


@given(facts_st, today_st)
def test_done_depends_only_on_completion(facts: TaskFacts, today: date) -> None:
    status = derive_status(facts, today)
    assert (facts.completed_on is not None) == (status in {Status.DONE_ON_TIME, Status.DONE_LATE})
    if facts.completed_on is not None:
        assert derive_status(facts, today + timedelta(days=400)) is status


@given(facts_st, today_st)
def test_overdue_exactly_when_past_deadline_and_open(facts: TaskFacts, today: date) -> None:
    status = derive_status(facts, today)
    open_and_late = facts.completed_on is None and facts.deadline is not None and today > facts.deadline
    assert (status in OVERDUE) == open_and_late


@given(facts_st, today_st)
def test_overdue_never_reverts_as_days_pass(facts: TaskFacts, today: date) -> None:
    if derive_status(facts, today) in OVERDUE:
        assert derive_status(facts, today + timedelta(days=30)) in OVERDUE
