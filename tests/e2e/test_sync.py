"""Intake end to end: the eOffice simulator on 127.0.0.1, a real register (SQLite file, PostgreSQL),
the real adapter and normaliser, and `connector sync` as a process that may be killed with -9."""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.eoffice import EOfficeSource
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.queries import load_cursor
from connector.register.tables import Document, Event, IntakeItem, ReviewItem, SyncRun, Task
from connector.sync.intake import RunSummary, sync_source
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, SimDocument, create_app
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = next(iter(DEFAULT_USERS.items()))


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[tuple[EOfficeState, str]]:
    state = EOfficeState()
    with serve_in_thread(create_app(state)) as url:
        yield state, url


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite3'}", busy_timeout=5)
    yield reg
    reg.dispose()


def _source(maps: Mappings, url: str, name: str = "eoffice") -> EOfficeSource:
    return EOfficeSource(
        name, url, USER, PASSWORD, maps.recipes["eoffice"], retry_attempts=2, retry_initial=0.01
    )


def _sync(
    register: Register,
    maps: Mappings,
    cal: WorkingCalendar,
    profile: Profile,
    url: str,
    *,
    name: str = "eoffice",
    since: date | None = None,
) -> RunSummary:
    with _source(maps, url, name) as source:
        return sync_source(register, source, maps, cal, profile, read=read_text, since=since)


def _count(register: Register, model: type) -> int:
    with register.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _duplicates(register: Register) -> list[tuple[object, ...]]:
    with register.read() as s:
        stmt = (
            select(Document.issuer_code, Document.issuer_name, Document.number_key, Document.issued_on)
            .group_by(Document.issuer_code, Document.issuer_name, Document.number_key, Document.issued_on)
            .having(func.count() > 1)
        )
        return list(s.exec(stmt))


def _new(summary: RunSummary) -> int:
    return summary.counts["stored"] + summary.counts["review"] + summary.counts["secret"]


# -- 1. first sync stores everything once; the second adds nothing --------------------------------


def test_first_sync_stores_every_document_once_then_nothing_twice(
    db_url: str, sim: tuple[EOfficeState, str], maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state, url = sim
    register = open_register(db_url, busy_timeout=5)
    try:
        first = _sync(register, maps, cal, profile, url)
        total = len(state.documents)
        assert first.outcome == "ok", first
        assert first.counts["fetched"] == total and first.counts["failed"] == 0
        assert _new(first) + first.counts["merged"] == total
        assert first.counts["secret"] == 1
        assert _count(register, Document) == total - first.counts["merged"]
        assert _count(register, IntakeItem) == total
        assert _duplicates(register) == []
        assert first.line().startswith(
            f"eoffice: {_new(first)} văn bản mới, {first.counts['review']} cần kiểm tra"
        )

        with register.read() as s:
            secret = s.exec(select(Document).where(Document.secrecy == "Mật")).one()
            assert secret.state == "secret_notice" and secret.number and secret.issuer_name
            assert secret.subject is None and secret.normalised is None
            assert s.exec(select(Task).where(Task.document_id == secret.id)).all() == []
            assert s.exec(select(ReviewItem).where(ReviewItem.document_id == secret.id)).all() == []
            alert = s.exec(select(Event).where(Event.kind == "secret")).one()
            assert alert.level == "warning" and "chỉ ghi thông báo đến" in alert.message
            kinds = {e.kind for e in s.exec(select(Event).where(Event.run_id == first.run_id))}
            assert {"fetched", "normalised", "stored", "secret"} <= kinds
            run = s.get(SyncRun, first.run_id)
            assert run is not None and run.job == "poll:eoffice" and run.outcome == "ok"
            assert run.counts == first.counts and run.finished_at is not None
            registered = s.exec(select(Document).where(Document.state == "registered")).first()
            assert registered is not None and registered.subject and registered.classify_due_on
            assert registered.classify_due_on > registered.received_on
            assert s.exec(select(Task).where(Task.document_id == registered.id)).all()
            assert load_cursor(s, "eoffice")["received_since"]
            items = s.exec(select(IntakeItem)).all()
            assert {i.status for i in items} <= {"stored", "review", "secret"}
            assert all(i.document_id for i in items)
        tasks, reviews, events = _count(register, Task), _count(register, ReviewItem), _count(register, Event)

        again = _sync(register, maps, cal, profile, url)
        assert again.outcome == "ok" and _new(again) == 0 and again.counts["failed"] == 0
        backfill = _sync(register, maps, cal, profile, url, since=date(2000, 1, 1))
        assert backfill.counts["unchanged"] == total and _new(backfill) == 0
        assert _count(register, Document) == total - first.counts["merged"]
        assert (_count(register, Task), _count(register, ReviewItem)) == (tasks, reviews)
        assert _count(register, Event) == events + 2  # only the two runs' "fetched" lines
    finally:
        register.dispose()


# -- 2. a document added later is the only one stored next time --------------------------------


def _arrival(state: EOfficeState, new_id: str, number: str, *, days_after_last: int = 1) -> SimDocument:
    base = next(
        d for d in state.documents.values() if not d.secrecy and d.handling and d.number.endswith("NNTN")
    )
    last = max(d.received_on for d in state.documents.values())
    return dataclasses.replace(
        base,
        id=new_id,
        number=number,
        content=base.content.replace(base.number, number),
        attachments=[f"{number.replace('/', '-')}.pdf"],
        received_on=last + timedelta(days=days_after_last),
    )


def test_only_the_new_document_is_stored_next_time(
    register: Register, sim: tuple[EOfficeState, str], maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state, url = sim
    first = _sync(register, maps, cal, profile, url)
    before = _count(register, Document)
    state.add(_arrival(state, "30001", "4321/UBND-NNTN"))

    second = _sync(register, maps, cal, profile, url)
    assert second.outcome == "ok"
    assert _new(second) == 1 and second.counts["merged"] == 0 and second.counts["failed"] == 0
    assert _count(register, Document) == before + 1 == len(state.documents) - first.counts["merged"]
    with register.read() as s:
        doc = s.exec(select(Document).where(Document.number == "4321/UBND-NNTN")).one()
        item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == "30001")).one()
        assert item.document_id == doc.id
        assert load_cursor(s, "eoffice")["received_since"] == state.documents["30001"].received_on.isoformat()


# -- 3. kill -9 in the middle of `connector sync`, then again -----------------------------------


def _workspace(tmp_path: Path, url: str, *, extra: str = "") -> Path:
    """An installation like `connector demo` writes: config.toml + a 0600 secrets file."""
    (tmp_path / "config.toml").write_text(
        f"""profile = "nong-nghiep-2022"

[paths]
mappings = "{ROOT / "mappings"}"
data_dir = "data"
secrets_file = "secrets.toml"

[log]
level = "INFO"

[[source]]
name = "eoffice"
type = "eoffice"
base_url = "{url}"
username = "{USER}"
password_env = "CONNECTOR_EOFFICE_PASSWORD"
overlap_days = 2
{extra}""",
        encoding="utf-8",
    )
    secrets = tmp_path / "secrets.toml"
    secrets.touch(mode=0o600)
    secrets.chmod(0o600)
    secrets.write_text(
        f'CONNECTOR_EOFFICE_PASSWORD = "{PASSWORD}"\nCONNECTOR_MAIL_PASSWORD = "hop-thu-1"\n',
        encoding="utf-8",
    )
    return tmp_path / "config.toml"


def _cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "connector.cli", "--config", str(config), "sync", *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}


def _sqlite_count(path: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_mid_run_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, sim: tuple[EOfficeState, str]
) -> None:
    state, url = sim
    state.faults.slow = 0.005
    config = _workspace(tmp_path, url)
    db = tmp_path / "data" / "register.sqlite3"
    proc = subprocess.Popen(
        _cli(config, "eoffice"), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 40
        while _sqlite_count(db, "SELECT count(*) FROM documents") == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no document committed in time"
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    at_kill = _sqlite_count(db, "SELECT count(*) FROM documents")
    assert 0 < at_kill < len(state.documents)
    assert _sqlite_count(db, "SELECT count(*) FROM source_cursors") == 0  # the cursor never ran ahead

    state.faults.slow = 0
    again = subprocess.run(_cli(config), env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr
    assert "eoffice:" in again.stdout and "văn bản mới" in again.stdout
    register = open_register(f"sqlite:///{db}", upgrade=False)
    try:
        assert _count(register, IntakeItem) == len(state.documents)
        assert _duplicates(register) == []
        with register.read() as s:
            linked = set(s.exec(select(IntakeItem.document_id)))
            assert _count(register, Document) == len(linked) and None not in linked
            assert load_cursor(s, "eoffice")
            numbers = list(s.exec(select(Document.number)))
            assert len(numbers) == len(set(numbers))
    finally:
        register.dispose()


def _exactly_once_after_second_run(config: Path, db: Path, state: EOfficeState) -> None:
    """A second `connector sync` leaves every document exactly once and the cursor present."""
    again = subprocess.run(_cli(config), env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr
    assert "eoffice:" in again.stdout and "văn bản mới" in again.stdout
    assert "\r" not in again.stderr  # no progress line when stderr is not a terminal
    register = open_register(f"sqlite:///{db}", upgrade=False)
    try:
        assert _count(register, IntakeItem) == len(state.documents)
        assert _duplicates(register) == []
        with register.read() as s:
            linked = set(s.exec(select(IntakeItem.document_id)))
            assert _count(register, Document) == len(linked) and None not in linked
            assert load_cursor(s, "eoffice")
            numbers = list(s.exec(select(Document.number)))
            assert len(numbers) == len(set(numbers))
    finally:
        register.dispose()


def test_kill_9_during_fetch_leaves_nothing_and_the_next_run_takes_everything(
    tmp_path: Path, sim: tuple[EOfficeState, str]
) -> None:
    """Killed while the source is being read (a slow site): no document, no cursor; then all once."""
    state, url = sim
    state.faults.slow = 0.3
    config = _workspace(tmp_path, url)
    db = tmp_path / "data" / "register.sqlite3"
    proc = subprocess.Popen(
        _cli(config, "eoffice"), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 40
        while not state.requests:  # recorded when answered: the adapter is inside the poll
            assert proc.poll() is None, "connector sync ended before it reached the site"
            assert time.monotonic() < deadline, "no request reached the simulator in time"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _sqlite_count(db, "SELECT count(*) FROM documents") == 0
    assert _sqlite_count(db, "SELECT count(*) FROM intake_items") == 0
    assert _sqlite_count(db, "SELECT count(*) FROM source_cursors") == 0
    assert _sqlite_count(db, "SELECT count(*) FROM sync_runs WHERE outcome = 'running'") == 1

    state.faults.slow = 0
    _exactly_once_after_second_run(config, db, state)


def test_kill_9_between_last_document_and_cursor_move(tmp_path: Path, sim: tuple[EOfficeState, str]) -> None:
    """A real `connector sync` killed after its new documents are committed and before the cursor
    moves. The window is made wide, not faked: the last step before the cursor is fetching again an
    item that failed in an earlier run, and the site answers slowly."""
    state, url = sim
    config = _workspace(tmp_path, url)
    db = tmp_path / "data" / "register.sqlite3"
    oldest = min(d.id for d in state.documents.values() if not d.secrecy)
    state.faults.malformed = {oldest}
    first = subprocess.run(
        _cli(config, "eoffice"), env=_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert first.returncode == 0, first.stderr
    cursor_before = _sqlite_text(db, "SELECT cursor FROM source_cursors")
    committed_before = _sqlite_count(db, "SELECT count(*) FROM documents")
    for i in range(3):
        state.add(_arrival(state, f"3100{i}", f"{4400 + i}/UBND-NNTN", days_after_last=1))
    state.faults.slow = 0.5

    proc = subprocess.Popen(
        _cli(config, "eoffice"), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while _sqlite_count(db, "SELECT count(*) FROM documents") < committed_before + 3:
            assert proc.poll() is None, "connector sync ended before its documents were committed"
            assert time.monotonic() < deadline, "the new documents were not committed in time"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _sqlite_count(db, "SELECT count(*) FROM documents") == committed_before + 3
    assert _sqlite_text(db, "SELECT cursor FROM source_cursors") == cursor_before  # not moved
    assert _sqlite_count(db, "SELECT count(*) FROM sync_runs WHERE outcome = 'running'") == 1

    state.faults.slow = 0
    state.faults.malformed = set()
    _exactly_once_after_second_run(config, db, state)
    assert _sqlite_text(db, "SELECT cursor FROM source_cursors") != cursor_before


def _sqlite_text(path: Path, sql: str) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
        return str(conn.execute(sql).fetchone()[0])


def test_progress_line_on_a_terminal_only(tmp_path: Path, sim: tuple[EOfficeState, str]) -> None:
    assert shutil.which("script"), "script(1) chưa được cài: chạy `apt-get install -y bsdutils` rồi chạy lại."
    state, url = sim
    config = _workspace(tmp_path, url)
    command = shlex.join(_cli(config, "eoffice"))
    tty = subprocess.run(
        ["script", "-qfec", command, "/dev/null"],
        env=_env(),
        capture_output=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    shown = tty.stdout.decode("utf-8", "replace")
    assert tty.returncode == 0, shown
    total = len(state.documents)
    assert f"\reoffice: 0/{total} văn bản" in shown and f"\reoffice: {total}/{total} văn bản" in shown
    assert "eoffice: " in shown and "văn bản mới" in shown


# -- 4. one malformed record: that item fails, the rest are stored, the run is "partial" ---------


def test_malformed_record_fails_alone(
    register: Register, sim: tuple[EOfficeState, str], maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state, url = sim
    state.faults.malformed = {"24005"}
    summary = _sync(register, maps, cal, profile, url)
    assert summary.outcome == "partial"
    assert summary.counts["failed"] == 1
    assert _new(summary) + summary.counts["merged"] == len(state.documents) - 1
    assert "1 lỗi" in summary.line()
    with register.read() as s:
        item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == "24005")).one()
        assert item.status == "failed" and item.document_id is None and item.attempts == 1
        assert item.error and "Văn bản mã 24005" in item.error
        assert "Việc cần làm" in item.error and "connector sync eoffice" in item.error
        event = s.exec(select(Event).where(Event.kind == "failed", Event.document_ref == "24005")).one()
        assert event.level == "error" and "xem nhật ký đồng bộ" in event.message
        run = s.get(SyncRun, summary.run_id)
        assert run is not None and run.outcome == "partial" and run.counts and run.counts["failed"] == 1
        assert load_cursor(s, "eoffice")  # saved: the failed ref is fetched again by later runs

    state.faults.malformed = set()
    later = _sync(register, maps, cal, profile, url)
    assert later.outcome == "ok" and _new(later) + later.counts["merged"] == 1
    with register.read() as s:
        item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == "24005")).one()
        assert item.status in {"stored", "review"} and item.document_id and item.error is None


# -- 5. the site changed its layout: run failed, cursor kept, exit 1, message names the mappings --


def test_layout_change_fails_the_run_and_keeps_the_cursor(
    tmp_path: Path, sim: tuple[EOfficeState, str]
) -> None:
    state, url = sim
    config = _workspace(tmp_path, url)
    ok = subprocess.run(_cli(config), env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    db_url = f"sqlite:///{tmp_path / 'data' / 'register.sqlite3'}"
    register = open_register(db_url, upgrade=False)
    try:
        with register.read() as s:
            cursor = load_cursor(s, "eoffice")
        documents = _count(register, Document)
        state.faults.layout = 2

        bad = subprocess.run(
            _cli(config, "eoffice"), env=_env(), capture_output=True, text=True, timeout=60, check=False
        )
        assert bad.returncode == 1
        assert "mappings" in bad.stderr and "Việc cần làm" in bad.stderr and "Traceback" not in bad.stderr
        assert PASSWORD not in bad.stdout + bad.stderr
        with register.read() as s:
            assert load_cursor(s, "eoffice") == cursor
            run = s.exec(select(SyncRun).order_by(SyncRun.id.desc())).first()  # type: ignore[union-attr]
            assert run is not None and run.outcome == "failed" and run.message and "mappings" in run.message
            event = s.exec(select(Event).where(Event.run_id == run.id, Event.kind == "failed")).one()
            assert event.level == "error" and "vị trí đọc giữ nguyên" in event.message
        assert _count(register, Document) == documents
    finally:
        register.dispose()
    log = (tmp_path / "data" / "logs" / "connector.jsonl").read_text(encoding="utf-8")
    assert "run_failed" in log and PASSWORD not in log


# -- 6. the same directive by two routes is one Document --------------------------------------


def test_same_directive_by_two_routes_is_merged(
    register: Register, sim: tuple[EOfficeState, str], maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state, url = sim
    original = next(d for d in state.documents.values() if not d.secrecy and d.number.endswith("NNTN"))
    spaced = original.number.replace("/", " / ").lower()  # the same number as another clerk typed it
    copy = dataclasses.replace(
        original, id="77001", number=spaced, content=original.content.replace(original.number, spaced)
    )
    second = EOfficeState(documents=[copy])
    first = _sync(register, maps, cal, profile, url)
    documents = _count(register, Document)
    with serve_in_thread(create_app(second)) as url2:
        other = _sync(register, maps, cal, profile, url2, name="vanphong")
    assert other.outcome == "ok" and other.counts["merged"] == 1 and _new(other) == 0
    assert _count(register, Document) == documents == len(state.documents) - first.counts["merged"]
    with register.read() as s:
        route1 = s.exec(
            select(IntakeItem).where(IntakeItem.source == "eoffice", IntakeItem.source_ref == original.id)
        ).one()
        route2 = s.exec(select(IntakeItem).where(IntakeItem.source == "vanphong")).one()
        assert route2.document_id == route1.document_id and route2.status == route1.status
        event = s.exec(select(Event).where(Event.run_id == other.run_id, Event.kind == "stored")).one()
        assert event.detail and event.detail["merged_into"] == route1.document_id
        assert event.detail["routes"] == sorted([f"eoffice:{original.id}", "vanphong:77001"])
        assert "đã gộp" in event.message


# -- 7. a new version of a stored document updates it; what a clerk recorded stays ---------------


def test_new_version_updates_the_document_and_keeps_the_clerks_facts(
    register: Register, sim: tuple[EOfficeState, str], maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state, url = sim
    _sync(register, maps, cal, profile, url)
    with register.write() as s:
        task = s.exec(select(Task).where(Task.deadline != None).order_by(Task.id)).first()  # noqa: E711
        assert task is not None and task.deadline is not None
        item = s.exec(select(IntakeItem).where(IntakeItem.document_id == task.document_id)).one()
        extended = task.deadline + timedelta(days=30)
        task.started_on, task.progress_note, task.deadline = date(2024, 5, 2), "Đã triển khai", extended
        s.add(task)
        task_id, ref = task.id, item.source_ref
    documents, tasks = _count(register, Document), _count(register, Task)
    doc = state.documents[ref]
    state.documents[ref] = dataclasses.replace(doc, content=doc.content.replace("Lưu: VT.", "Lưu: VT, NNTN."))

    again = _sync(register, maps, cal, profile, url, since=date(2000, 1, 1))
    assert (
        again.outcome == "ok" and _new(again) == 1 and again.counts["unchanged"] == len(state.documents) - 1
    )
    assert (_count(register, Document), _count(register, Task)) == (documents, tasks)
    with register.read() as s:
        kept = s.get(Task, task_id)
        assert kept is not None
        assert (kept.started_on, kept.progress_note, kept.deadline) == (
            date(2024, 5, 2),
            "Đã triển khai",
            extended,
        )
        event = s.exec(
            select(Event).where(Event.run_id == again.run_id, Event.document_ref == doc.number)
        ).all()
        assert any("phiên bản mới" in e.message for e in event)
