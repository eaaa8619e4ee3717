"""The SQL status (connector.register.derived) says what `derive_status` says, for any facts and date.

Hypothesis runs every example against the one register of the test (a SQLite file, then PostgreSQL),
each example replacing the tasks.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, delete, select

from connector.clock import now
from connector.domain import TaskFacts
from connector.register.db import Register
from connector.register.derived import WHITESPACE, status_sql
from connector.register.tables import Document, Task
from connector.status import derive_status

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
REASONS = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(WHITESPACE[:12] + "\u00a0\u3000vướng x"), max_size=4),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=6),
)
FACTS = st.builds(TaskFacts, st.none() | DAYS, st.none() | DAYS, st.none() | DAYS, REASONS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.lists(FACTS, min_size=1, max_size=12), today=DAYS)
def test_sql_status_matches_derive_status(register: Register, facts: list[TaskFacts], today: date) -> None:
    with register.write() as s:
        s.exec(delete(Task))  # type: ignore[call-overload]
        doc = Document(created_at=now(), updated_at=now())
        s.add(doc)
        s.flush()
        assert doc.id is not None
        for seq, f in enumerate(facts):
            s.add(Task(document_id=doc.id, seq=seq, summary="x", deadline=f.deadline, started_on=f.started_on,
                       completed_on=f.completed_on, blocked_reason=f.blocked_reason,
                       created_at=now(), updated_at=now()))  # fmt: skip
    with register.read() as s:
        got = s.exec(select(col(Task.seq), status_sql(today)).order_by(col(Task.seq))).all()
    assert [status for _, status in got] == [str(derive_status(f, today)) for f in facts]
