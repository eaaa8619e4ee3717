"""A task's status (Điều 5e) is derived from stored facts and a date, never stored (DESIGN §5).

Storing the status would make it wrong the morning after a deadline passes; deriving it means the
register, the reports and the portal all agree on any given day.
"""

from __future__ import annotations

from datetime import date

from connector.domain import Status, TaskFacts


def derive_status(facts: TaskFacts, today: date) -> Status:
    """The status a person sees and the portal receives, for `facts` as of `today`.

    - done on or before the deadline (or no deadline) → done on time; after it → done late;
    - started, not done → in progress, "quá hạn" once today is past the deadline, and
      "có khó khăn, vướng mắc" while a blocking reason is recorded;
    - not started → not started, on time or overdue.
    A task without a deadline is never overdue. A deadline day itself is still on time.
    """
    deadline = facts.deadline
    if facts.completed_on is not None:
        if deadline is None or facts.completed_on <= deadline:
            return Status.DONE_ON_TIME
        return Status.DONE_LATE
    overdue = deadline is not None and today > deadline
    if facts.started_on is not None:
        blocked = bool(facts.blocked_reason and facts.blocked_reason.strip())
        if overdue:
            return Status.IN_PROGRESS_OVERDUE_BLOCKED if blocked else Status.IN_PROGRESS_OVERDUE
        return Status.IN_PROGRESS_BLOCKED if blocked else Status.IN_PROGRESS
    return Status.NOT_STARTED_OVERDUE if overdue else Status.NOT_STARTED
