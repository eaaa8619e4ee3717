"""The outbox against the real portal simulator on 127.0.0.1 and a real register (no mocks).

Register rows are seeded as intake would leave them (documents whose numbers match tasks the
simulator holds), status changes go through `record_status_change`; every assertion about what
reached the portal reads the simulator's `state.accepted`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from adapters.portal import HttpPortal, load_recipe
from connector.calendar import WorkingCalendar, due_by
from connector.clock import now
from connector.config import Profile
from connector.domain import TaskFacts, number_key
from connector.errors import UserError
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.queries import record_status_change
from connector.register.tables import Document, Event, OutboxItem, Task
from connector.sync.outbox import HOLD_NO_REF, HOLD_REVIEW, HOLD_SECRET, push_outbox
from connector.sync.reconcile import reconcile, return_task
from fixtures.simulators.portal import PortalState, create_app
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "snn.vanphong", "Kontum@2024"
TODAY = date(2024, 6, 3)


@dataclass
class Sim:
    state: PortalState
    url: str


@pytest.fixture
def sim() -> Iterator[Sim]:
    state = PortalState()
    with serve_in_thread(create_app(state)) as url:
        yield Sim(state, url)


@pytest.fixture(scope="module")
def recipe() -> dict[str, Any]:
    return load_recipe(ROOT / "mappings")


@pytest.fixture
def portal(sim: Sim, recipe: dict[str, Any]) -> Iterator[HttpPortal]:
    with HttpPortal(sim.url, USER, PASSWORD, recipe, timeout=30) as p:
        yield p


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'register.sqlite3'}"


@pytest.fixture
def register(sqlite_url: str) -> Iterator[Register]:
    reg = open_register(sqlite_url, busy_timeout=5)
    yield reg
    reg.dispose()


# -- seeding --------------------------------------------------------------------------------------


def add_task(
    reg: Register,
    number: str,
    issued: str,
    issuer_code: str,
    origin: str,
    *,
    deadline: date | None = None,
    secrecy: str | None = None,
    needs_review: bool = False,
    portal_ref: str | None = None,
    summary: str = "Nhiệm vụ",
) -> int:
    at = now()
    with reg.write() as s:
        doc = Document(
            number=number,
            number_key=number_key(number),
            issuer_code=issuer_code,
            issued_on=date.fromisoformat(issued),
            origin=origin,
            secrecy=secrecy,
            state="secret_notice" if secrecy else ("review" if needs_review else "registered"),
            created_at=at,
            updated_at=at,
        )
        s.add(doc)
        s.flush()
        task = Task(
            document_id=doc.id,
            seq=1,
            summary=summary,
            deadline=deadline,
            origin=origin,
            needs_review=needs_review,
            portal_ref=portal_ref,
            created_at=at,
            updated_at=at,
        )
        s.add(task)
        s.flush()
        assert task.id is not None
        return task.id


def change(
    reg: Register,
    cal: WorkingCalendar,
    task_id: int,
    *,
    started: date | None = None,
    done: date | None = None,
    blocked: str | None = None,
    note: str,
) -> None:
    changed = now()
    with reg.write() as s:
        task = s.get(Task, task_id)
        assert task is not None
        record_status_change(
            s,
            task,
            facts=TaskFacts(task.deadline, started, done, blocked),
            progress_note=note,
            due_by=due_by(cal, changed, 2),
            actor="vanthu",
            changed_at=changed,
        )


def rows(reg: Register, task_id: int) -> list[OutboxItem]:
    with reg.read() as s:
        return list(s.exec(select(OutboxItem).where(OutboxItem.task_id == task_id)))


def accepted_for(sim: Sim, ref: str) -> list[dict[str, Any]]:
    return [a.fields for a in sim.state.accepted if a.portal_ref == ref]


UB, CT, GD = "UBND tỉnh", "Chủ tịch UBND tỉnh", "Giám đốc Sở"


@dataclass
class Seeded:
    plan: int  # 245/QĐ-UBND → 4115, becomes blocked
    fire: int  # 1411/UBND-NNTN → 4122, no deadline, done
    ginseng: int  # 78/TB-UBND → 4129 (Chủ tịch), in progress overdue, new note
    quiet: int  # 1302/UBND-NNTN → 4108, matched, no change
    review: int  # 96/KH-UBND → 4150, under review
    secret: int  # 1520/UBND-NNTN, secret, ref forced to 4136
    director: int  # Director's task, ref forced to 4143
    missing: int  # 9999/UBND-NNTN, not on the portal
    internal: int  # Director's task not on the portal (not reported)


def seed(reg: Register) -> Seeded:
    return Seeded(
        plan=add_task(reg, "245/QĐ-UBND", "2024-03-25", "UBND_KT", UB, deadline=date(2024, 12, 31)),
        fire=add_task(reg, "1411/UBND-NNTN", "2024-03-29", "UBND_KT", UB),
        ginseng=add_task(reg, "78/TB-UBND", "2024-04-02", "CT_UBND_KT", CT, deadline=date(2024, 5, 15)),
        quiet=add_task(reg, "1302/UBND-NNTN", "2024-03-18", "CT_UBND_KT", CT, deadline=date(2024, 4, 5)),
        review=add_task(reg, "96/KH-UBND", "2024-04-15", "UBND_KT", UB, needs_review=True),
        secret=add_task(reg, "1520/UBND-NNTN", "2024-04-08", "UBND_KT", UB, secrecy="Mật", portal_ref="4136"),
        director=add_task(reg, "15/KH-SNN", "2024-04-12", "GD_SNN", GD, portal_ref="4143"),
        missing=add_task(reg, "9999/UBND-NNTN", "2024-05-02", "UBND_KT", UB, summary="Việc chưa có trên PM"),
        internal=add_task(reg, "16/KH-SNN", "2024-05-02", "GD_SNN", GD),
    )


def changes(reg: Register, cal: WorkingCalendar, t: Seeded) -> None:
    change(
        reg, cal, t.plan, started=date(2024, 4, 1), blocked="Thiếu kinh phí", note="Vướng kinh phí đối ứng."
    )
    change(reg, cal, t.fire, started=date(2024, 4, 1), done=date(2024, 5, 30), note="Đã hoàn thành mùa khô.")
    change(reg, cal, t.ginseng, started=date(2024, 4, 10), note="Đang hoàn thiện cơ chế hỗ trợ giống.")
    for task_id in (t.review, t.secret, t.director, t.missing):
        change(reg, cal, task_id, started=date(2024, 5, 1), note="Đang triển khai.")


# -- the whole flow, on SQLite and PostgreSQL -----------------------------------------------------


def test_reconcile_then_push_once(
    db_url: str, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    reg = open_register(db_url, busy_timeout=5)
    try:
        t = seed(reg)
        report = reconcile(reg, portal, maps, profile)
        with reg.read() as s:
            refs = {tid: s.get(Task, tid).portal_ref for tid in vars(t).values()}
        assert refs[t.plan] == "4115" and refs[t.fire] == "4122" and refs[t.ginseng] == "4129"
        assert refs[t.quiet] == "4108" and refs[t.review] == "4150"
        assert refs[t.missing] is None and refs[t.internal] is None
        assert report.matched == 5 and report.already == 1  # the Director's forced ref is on the portal
        assert [m.number for m in report.register_only] == ["9999/UBND-NNTN"]
        claimed = {"4115", "4122", "4129", "4108", "4150", "4143"}
        assert {p.portal_ref for p in report.portal_only} == set(sim.state.tasks) - claimed
        assert sim.state.returned == []

        changes(reg, cal, t)
        summary = push_outbox(reg, portal, maps, cal, today=TODAY, origins=profile.portal_origins)
        assert (summary.pushed, summary.held, summary.failed, summary.retry) == (3, 4, 0, 0)
        assert len(sim.state.accepted) == 3
        [plan] = accepted_for(sim, "4115")
        assert plan["status_label"] == "Đang thực hiện - có khó khăn, vướng mắc"
        assert plan["progress_note"] == "Vướng kinh phí đối ứng."
        [fire] = accepted_for(sim, "4122")
        assert (fire["status_label"], fire["completed_on"]) == ("Đã hoàn thành trong hạn", "2024-05-30")
        [ginseng] = accepted_for(sim, "4129")
        assert ginseng["status_label"] == "Đang thực hiện quá hạn"
        assert ginseng["progress_note"] == "Đang hoàn thiện cơ chế hỗ trợ giống."
        for ref in ("4150", "4136", "4143"):
            assert accepted_for(sim, ref) == []
        for task_id in (t.plan, t.fire, t.ginseng):
            [row] = rows(reg, task_id)
            assert row.state == "pushed" and row.receipt and row.receipt["sent"] is True
        held = {tid: rows(reg, tid)[0] for tid in (t.review, t.secret, t.director, t.missing)}
        assert {r.state for r in held.values()} == {"held"}
        assert held[t.review].last_error == HOLD_REVIEW
        assert held[t.secret].last_error == HOLD_SECRET
        assert "Giám đốc Sở" in (held[t.director].last_error or "")
        assert held[t.missing].last_error == HOLD_NO_REF

        again = push_outbox(reg, portal, maps, cal, today=TODAY, origins=profile.portal_origins)
        assert (again.pushed, again.unchanged) == (0, 0)
        assert len(sim.state.accepted) == 3

        change(
            reg,
            cal,
            t.plan,
            started=date(2024, 4, 1),
            blocked="Thiếu kinh phí",
            note="Vướng kinh phí đối ứng.",
        )
        same = push_outbox(reg, portal, maps, cal, today=TODAY, origins=profile.portal_origins)
        assert (same.pushed, same.unchanged) == (0, 1)
        assert len(sim.state.accepted) == 3
    finally:
        reg.dispose()


# -- faults ---------------------------------------------------------------------------------------


def _one_change(reg: Register, cal: WorkingCalendar, *, ref: str = "4115") -> int:
    task_id = add_task(
        reg, "245/QĐ-UBND", "2024-03-25", "UBND_KT", UB, deadline=date(2024, 12, 31), portal_ref=ref
    )
    change(reg, cal, task_id, started=date(2024, 4, 1), blocked="Thiếu kinh phí", note="Vướng kinh phí.")
    return task_id


def test_server_error_burst_leaves_row_pending_then_next_run_pushes(
    register: Register, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar
) -> None:
    task_id = _one_change(register, cal)
    portal.read("4115")  # signed in: the next push is GET form, POST, GET read-back
    sim.state.faults.burst_500, sim.state.faults.burst_after = 1, 1  # the POST answers 500
    first = push_outbox(register, portal, maps, cal, today=TODAY)
    assert first.retry == 1 and sim.state.accepted == []
    [row] = rows(register, task_id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at is not None and row.next_attempt_at > now()
    assert "500" in (row.last_error or "") or "Phần mềm" in (row.last_error or "")

    waiting = push_outbox(register, portal, maps, cal, today=TODAY)  # backoff not over: untouched
    assert (waiting.pushed, waiting.retry) == (0, 0)
    later = push_outbox(register, portal, maps, cal, today=TODAY, now=now() + timedelta(hours=5))
    assert later.pushed == 1
    assert len(accepted_for(sim, "4115")) == 1
    [row] = rows(register, task_id)
    assert (row.state, row.attempts) == ("pushed", 2)


def test_duplicate_submit_refused_marks_failed(
    register: Register, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar
) -> None:
    task_id = _one_change(register, cal)
    sim.state.faults.duplicate = 1
    summary = push_outbox(register, portal, maps, cal, today=TODAY)
    assert summary.failed == 1 and sim.state.accepted == []
    [row] = rows(register, task_id)
    assert row.state == "failed"
    assert "trùng lặp" in (row.last_error or "")
    with register.read() as s:
        events = list(s.exec(select(Event).where(Event.kind == "push_failed")))
    assert len(events) == 1 and "trùng lặp" in events[0].message


def test_layout_change_stops_run_and_leaves_rows_untouched(
    register: Register, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar
) -> None:
    first = _one_change(register, cal)
    second = add_task(register, "1411/UBND-NNTN", "2024-03-29", "UBND_KT", UB, portal_ref="4122")
    change(register, cal, second, started=date(2024, 4, 1), done=date(2024, 5, 30), note="Xong.")
    sim.state.faults.layout = 2
    summary = push_outbox(register, portal, maps, cal, today=TODAY)
    assert summary.mapping_broken and summary.pushed == 0
    assert "mappings" in summary.line()
    assert sim.state.accepted == []
    for task_id in (first, second):
        [row] = rows(register, task_id)
        assert (row.state, row.attempts, row.last_error) == ("pending", 0, None)


def test_dry_run_sends_nothing_and_describes_each_row(
    register: Register, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar
) -> None:
    task_id = _one_change(register, cal)
    done = add_task(register, "1411/UBND-NNTN", "2024-03-29", "UBND_KT", UB, portal_ref="4122")
    change(register, cal, done, started=date(2024, 4, 1), done=date(2024, 5, 30), note="Xong.")
    summary = push_outbox(register, portal, maps, cal, today=TODAY, dry_run=True)
    assert sim.state.requests == 0 and sim.state.accepted == []
    assert summary.lines == [
        "Nhiệm vụ 245/QĐ-UBND (mã PM-4115): trạng thái «Đang thực hiện - có khó khăn, vướng mắc», "
        "diễn giải «Vướng kinh phí.», ngày hoàn thành —",
        "Nhiệm vụ 1411/UBND-NNTN (mã PM-4122): trạng thái «Đã hoàn thành trong hạn», "
        "diễn giải «Xong.», ngày hoàn thành 30/05/2024",
    ]
    assert summary.line().startswith("Chạy thử: 2 nhiệm vụ sẽ được gửi")
    assert [r.state for r in rows(register, task_id)] == ["pending"]


def test_return_task_needs_a_reason(register: Register, sim: Sim, portal: HttpPortal) -> None:
    task_id = add_task(register, "245/QĐ-UBND", "2024-03-25", "UBND_KT", UB, portal_ref="4115")
    with pytest.raises(UserError, match="lý do"):
        return_task(register, portal, task_id, "   ", "vanthu")
    assert sim.state.returned == [] and sim.state.requests == 0


# -- kill -9 between the submit and the mark ------------------------------------------------------

CHILD = """
import sys
from datetime import date
from pathlib import Path
from adapters.portal import HttpPortal, load_recipe
from connector.calendar import WorkingCalendar
from connector.mappings import load_all
from connector.register.db import open_register
from connector.domain import number_key
from connector.sync.outbox import push_outbox

url, base = sys.argv[1], sys.argv[2]
maps = load_all(Path("mappings"))
reg = open_register(url, busy_timeout=5)
portal = HttpPortal(base, "snn.vanphong", "Kontum@2024", load_recipe(Path("mappings")), timeout=120)
push_outbox(reg, portal, maps, WorkingCalendar(maps.calendar), today=date(2024, 6, 3))
"""


def test_kill_9_between_submit_and_mark_never_posts_twice(
    sqlite_url: str, register: Register, sim: Sim, portal: HttpPortal, maps: Mappings, cal: WorkingCalendar
) -> None:
    task_id = _one_change(register, cal)
    sim.state.faults.slow = 1.0  # every answer waits: the read-back after the submit is slow
    child = subprocess.Popen([sys.executable, "-c", CHILD, sqlite_url, sim.url], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not sim.state.accepted:
            assert child.poll() is None, "the uploader ended before its submit was accepted"
            assert time.monotonic() < deadline, "the submit never reached the portal"
            time.sleep(0.005)
        child.kill()  # SIGKILL: between the accepted submit and the register's mark
    finally:
        child.wait(timeout=10)
    assert child.returncode == -9
    [row] = rows(register, task_id)
    assert (row.state, row.attempts) == ("sending", 1)

    sim.state.faults.slow = 0.0
    summary = push_outbox(register, portal, maps, cal, today=TODAY)
    assert (summary.pushed, summary.unchanged) == (0, 1)
    assert len(accepted_for(sim, "4115")) == 1
    assert sim.state.request_log.count(("POST", "/NhiemVu/CapNhat.aspx")) == 1
    [row] = rows(register, task_id)
    assert row.state == "pushed"
    assert row.receipt and row.receipt["detail"]["reason"] == "found_on_portal_before_resend"


# -- the command front ends -------------------------------------------------------------------------


def test_push_and_reconcile_commands_print_vietnamese(
    workspace: Path, sim: Sim, maps: Mappings, cal: WorkingCalendar, capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.cli.portal import run_push, run_reconcile
    from connector.config import load

    config = workspace / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("http://127.0.0.1:8702", sim.url), encoding="utf-8"
    )
    env = {
        "CONNECTOR_PORTAL_PASSWORD": PASSWORD,
        "CONNECTOR_EOFFICE_PASSWORD": "x",
        "CONNECTOR_MAIL_PASSWORD": "x",
    }
    cfg = load(config, environ=env, collect=[])
    assert cfg.settings.portal is not None
    sim.state.users[cfg.settings.portal.username] = PASSWORD
    reg = open_register(cfg.register_url, busy_timeout=5)
    try:
        task_id = add_task(reg, "245/QĐ-UBND", "2024-03-25", "UBND_KT", UB)  # no deadline: never overdue
        change(reg, cal, task_id, started=date(2024, 4, 1), note="Đang triển khai kế hoạch.")
    finally:
        reg.dispose()

    assert run_reconcile(cfg, maps) == 0
    out = capsys.readouterr().out
    assert "Đối chiếu Phần mềm:" in out and "1 mới khớp" in out

    assert run_push(cfg, maps, cal, dry_run=True) == 0
    out = capsys.readouterr().out
    assert "Nhiệm vụ 245/QĐ-UBND (mã PM-4115): trạng thái «Đang thực hiện trong hạn», " in out
    assert "Chạy thử: 1 nhiệm vụ sẽ được gửi" in out
    assert sim.state.accepted == []

    assert run_push(cfg, maps, cal, dry_run=False) == 0
    out = capsys.readouterr().out
    assert "Cập nhật Phần mềm: 1 đã gửi và xác nhận" in out
    [accepted] = accepted_for(sim, "4115")
    assert accepted["progress_note"] == "Đang triển khai kế hoạch."
