"""The derived status (DESIGN §5) as a SQL expression, so the database filters, counts and pages by it.

Status is never stored: `connector.status.derive_status` is the rule, and this module restates it
in SQL over the same four stored facts and today's date (a bound parameter), so a filter on one
status, the overview's counts and a page of the register cost what the page costs, not a Python
loop over the whole register. tests/register/test_derived.py checks the two agree on random facts
and dates, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from connector.domain import Status
from connector.register.tables import Task

WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
"""What `str.strip()` removes, so a blocking reason of only blanks counts as none in SQL too."""


def _blocked() -> ColumnElement[bool]:
    reason = col(Task.blocked_reason)
    return and_(reason.is_not(None), func.trim(reason, literal(WHITESPACE, String)) != "")


def status_sql(today: date) -> ColumnElement[Any]:
    """`derive_status(task_facts(task), today)` as a SQL CASE over the `tasks` columns."""
    deadline, started, completed = col(Task.deadline), col(Task.started_on), col(Task.completed_on)
    overdue = and_(deadline.is_not(None), deadline < today)
    blocked = _blocked()
    return case(
        (
            completed.is_not(None),
            case(
                (or_(deadline.is_(None), completed <= deadline), str(Status.DONE_ON_TIME)),
                else_=str(Status.DONE_LATE),
            ),
        ),
        (
            started.is_not(None),
            case(
                (and_(overdue, blocked), str(Status.IN_PROGRESS_OVERDUE_BLOCKED)),
                (overdue, str(Status.IN_PROGRESS_OVERDUE)),
                (blocked, str(Status.IN_PROGRESS_BLOCKED)),
                else_=str(Status.IN_PROGRESS),
            ),
        ),
        (overdue, str(Status.NOT_STARTED_OVERDUE)),
        else_=str(Status.NOT_STARTED),
    )
