"""The register on SQLite and PostgreSQL: migrations, atomic change+outbox, cursor, one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from connector.calendar import WorkingCalendar, due_by
from connector.clock import now
from connector.domain import TaskFacts
from connector.errors import RegisterError
from connector.register import queries
from connector.register.db import Register, head_revision, open_register
from connector.register.tables import Document, OutboxItem, ReminderSent, StatusChange, Task


def _document(session, number: str = "1234/UBND-NNTN") -> Document:
    doc = Document(
        number=number, issuer_code="UBND_KT", issued_on=date(2026, 11, 20), created_at=now(), updated_at=now()
    )
    session.add(doc)
    session.flush()
    return doc


def _task(session, doc: Document) -> Task:
    task = Task(
        document_id=doc.id,
        seq=1,
        summary="Báo cáo tình hình",
        deadline=date(2026, 12, 10),
        created_at=now(),
        updated_at=now(),
    )
    session.add(task)
    session.flush()
    return task


def test_schema_is_current_and_matches_tables(register: Register) -> None:
    assert register.revision() == head_revision()
    with register.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == []


def test_status_change_and_outbox_land_together(register: Register, cal: WorkingCalendar) -> None:
    with register.write() as s:
        task = _task(s, _document(s))
    changed = now()
    facts = TaskFacts(date(2026, 12, 10), date(2026, 11, 23), None, None)
    with register.write() as s:
        task = s.get(Task, task.id)
        change, _ = queries.record_status_change(
            s,
            task,
            facts=facts,
            progress_note="Đang tổng hợp",
            due_by=due_by(cal, changed, 2),
            actor="vanthu",
            changed_at=changed,
        )
    with register.read() as s:
        [row] = s.exec(select(OutboxItem)).all()
        assert row.status_change_id == change.id
        assert row.due_by == due_by(cal, changed, 2)
        assert row.due_by.tzinfo is not None
        assert s.get(StatusChange, change.id).status == "Đang thực hiện"

    with pytest.raises(RuntimeError), register.write() as s:  # a crash mid-transaction: neither row lands
        task = s.get(Task, task.id)
        queries.record_status_change(s, task, facts=facts, progress_note="lần 2", due_by=now(), actor="x")
        raise RuntimeError("mất điện")
    with register.read() as s:
        assert len(s.exec(select(StatusChange)).all()) == 1
        assert len(s.exec(select(OutboxItem)).all()) == 1
        assert s.get(Task, task.id).progress_note == "Đang tổng hợp"


def test_no_outbox_for_tasks_that_stay_local(register: Register) -> None:
    with register.write() as s:
        task = _task(s, _document(s))
        _, outbox = queries.record_status_change(
            s, task, facts=TaskFacts(), progress_note=None, due_by=None, actor="x"
        )
    assert outbox is None
    with register.read() as s:
        assert s.exec(select(OutboxItem)).all() == []


def test_cursor_moves_only_with_its_documents(register: Register) -> None:
    with register.write() as s:
        _document(s, "1/UBND")
        queries.save_cursor(s, "eoffice", {"received_since": "2026-11-20"})
    with pytest.raises(RuntimeError), register.write() as s:
        _document(s, "2/UBND")
        queries.save_cursor(s, "eoffice", {"received_since": "2026-11-23"})
        raise RuntimeError("kill")
    with register.read() as s:
        assert queries.load_cursor(s, "eoffice") == {"received_since": "2026-11-20"}
        assert [d.number for d in s.exec(select(Document)).all()] == ["1/UBND"]
        assert queries.load_cursor(s, "mail") == {}


def test_writers_take_the_lock_up_front(register: Register) -> None:
    """A second writer waits for the first; both commit, none fails half-way."""
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with register.write() as s:
            s.execute(text("SELECT 1"))
            _document(s, "A")
            first_in.set()
            time.sleep(0.5)
            order.append("first-commit")

    def second() -> None:
        first_in.wait()
        with register.write() as s:
            order.append("second-start")
            _document(s, "B")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == ["first-commit", "second-start"]
    with register.read() as s:
        assert sorted(d.number for d in s.exec(select(Document)).all()) == ["A", "B"]


def test_readers_do_not_wait_for_a_writer(register: Register) -> None:
    with register.write() as s:
        _document(s, "X")
    with register.write() as w:
        _document(w, "Y")
        started = time.monotonic()
        with register.read() as r:
            numbers = [d.number for d in r.exec(select(Document)).all()]
        assert time.monotonic() - started < 2
        assert numbers == ["X"]


def test_unique_intake_and_reminder_keys(register: Register) -> None:
    with register.write() as s:
        s.add(
            ReminderSent(
                unit_code="KHTC", day=date(2026, 11, 23), kind="overdue", task_ids=[1], sent_at=now()
            )
        )
    with pytest.raises(RegisterError), register.write() as s:
        s.add(
            ReminderSent(
                unit_code="KHTC", day=date(2026, 11, 23), kind="overdue", task_ids=[1], sent_at=now()
            )
        )


def test_upgrade_from_first_migration_keeps_data(db_url: str) -> None:
    reg = Register(db_url)
    reg.upgrade("0001")
    assert reg.revision() == "0001"
    with reg.engine.begin() as conn:  # plain SQL: today's models have columns schema 0001 lacks
        conn.execute(
            text(
                "INSERT INTO documents (id, number, issuer_code, state, created_at, updated_at) "
                "VALUES (1, '270/QĐ-UBND', 'UBND_KT', 'registered', :at, :at)"
            ),
            {"at": datetime(2026, 11, 20, 1, 0)},
        )
        conn.execute(
            text(
                "INSERT INTO tasks (id, document_id, seq, summary, concerns_us, needs_review, created_at,"
                " updated_at) VALUES (7, 1, 1, 'Báo cáo tình hình', true, false, :at, :at)"
            ),
            {"at": datetime(2026, 11, 20, 1, 0)},
        )
        conn.execute(
            text("INSERT INTO source_cursors (source, cursor, updated_at) VALUES ('eoffice', :c, :at)"),
            {"c": '{"page": 3}', "at": datetime(2026, 11, 20, 1, 0)},
        )
    reg.dispose()

    upgraded = open_register(db_url)
    assert upgraded.revision() == head_revision()
    with upgraded.read() as s:
        assert s.get(Task, 7).summary == "Báo cáo tình hình"
        assert queries.load_cursor(s, "eoffice") == {"page": 3}
        assert s.exec(select(ReminderSent)).all() == []
    upgraded.dispose()
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        backup = path.with_name(path.name + ".truoc-nang-cap-0001")
        assert backup.exists()
        with sqlite3.connect(backup) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_register_from_newer_program_refused(db_url: str) -> None:
    reg = open_register(db_url)
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    reg.dispose()
    with pytest.raises(RegisterError, match="mới hơn chương trình"):
        open_register(db_url)


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    reg = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}", busy_timeout=7)
    with reg.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
    reg.dispose()


def test_due_by_counts_working_days(cal: WorkingCalendar) -> None:
    monday = now().replace(year=2026, month=11, day=23, hour=9)
    assert due_by(cal, monday, 2).date() == date(2026, 11, 25)
    assert (due_by(cal, monday, 2).date() - monday.date()) == timedelta(days=2)
