"""Follow-up letters applied to the register through the real intake: a real SQLite file (and the
extension also on PostgreSQL), `sync_source` over a `MemorySource`, the uploader over a
`MemoryPortal`.

A directive of UBND tỉnh Kon Tum is stored first; later letters extend, urge or withdraw its task,
or cite a document the register never saw.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from adapters.memory import MemoryPortal, MemorySource
from adapters.text import extract
from connector.calendar import WorkingCalendar
from connector.clock import TZ
from connector.config import Profile
from connector.domain import PortalTask
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.tables import (
    Document,
    FollowUpLink,
    OutboxItem,
    ReviewItem,
    StatusChange,
    Task,
    TaskHistory,
)
from connector.register.views import document_refs, events, task_counts
from connector.sync.clerk import confirm_review
from connector.sync.intake import sync_source
from connector.sync.outbox import push_outbox

SNN = "Sở Nông nghiệp và Phát triển nông thôn"
HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH KON TUM\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Số: {number}\nKon Tum, ngày {day} tháng {month} năm 2024\nV/v {subject}\n\n"
    f"Kính gửi: {SNN}.\n\n"
)
TAIL = "\nNơi nhận:\n- Như trên;\n- Lưu: VT."
DIRECTIVE = HEAD.format(number="1234/UBND-NNTN", day=12, month=5, subject="rà soát hồ đập") + (
    f"Giao {SNN} chủ trì rà soát an toàn các hồ đập thủy lợi, báo cáo UBND tỉnh trước ngày 30/6/2024." + TAIL
)
CITED = "Công văn số 1234/UBND-NNTN ngày 12/5/2024 của UBND tỉnh Kon Tum"
EXTENSION = HEAD.format(
    number="2300/UBND-NNTN", day=10, month=6, subject="gia hạn thời gian thực hiện nhiệm vụ"
) + (
    f"UBND tỉnh đồng ý gia hạn thời gian thực hiện nhiệm vụ giao tại {CITED}; giao {SNN} hoàn thành "
    "việc rà soát trước ngày 30/9/2024." + TAIL
)
URGING = HEAD.format(number="2400/UBND-NNTN", day=20, month=6, subject="đôn đốc thực hiện nhiệm vụ") + (
    f"Đến nay {SNN} chưa báo cáo kết quả. Chủ tịch UBND tỉnh yêu cầu {SNN} khẩn trương thực hiện "
    f"nhiệm vụ được giao tại {CITED}." + TAIL
)
WITHDRAWAL = HEAD.format(number="2500/UBND-NNTN", day=25, month=6, subject="thu hồi văn bản") + (
    f"Thu hồi {CITED}." + TAIL
)
UNKNOWN = HEAD.format(
    number="2600/UBND-NNTN", day=26, month=6, subject="gia hạn thời gian thực hiện nhiệm vụ"
) + (
    "UBND tỉnh đồng ý gia hạn thời gian thực hiện nhiệm vụ giao tại Công văn số 999/UBND-NNTN ngày "
    f"01/3/2024 của UBND tỉnh Kon Tum; giao {SNN} hoàn thành trước ngày 31/10/2024." + TAIL
)


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    reg = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    yield reg
    reg.dispose()


_SOURCES: weakref.WeakKeyDictionary[Register, MemorySource] = weakref.WeakKeyDictionary()
"""Each register's one eOffice source, for as long as the register lives."""


def _arrive(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile, *letters: tuple[str, str]
) -> None:
    """The letters arrive on the register's one eOffice source and are taken in by one intake run."""
    source = _SOURCES.setdefault(register, MemorySource("eoffice"))
    for ref, text in letters:
        source.add(ref, text)
    summary = sync_source(register, source, maps, cal, profile, read=extract)
    assert summary.counts["failed"] == 0, summary.outcomes


def _portal(ref: str) -> MemoryPortal:
    """The portal, showing the directive's task as UBND tỉnh assigned it."""
    shown = PortalTask(
        ref, "1234/UBND-NNTN", "UBND tỉnh Kon Tum", date(2024, 5, 12), "Rà soát hồ đập", SNN,
        date(2024, 6, 30), "Chưa thực hiện quá hạn",
    )  # fmt: skip
    return MemoryPortal([shown])


def _document(register: Register, number: str) -> Document:
    with register.read() as s:
        doc = s.exec(select(Document).where(Document.number == number)).one()
    return doc


def _tasks(register: Register, number: str) -> list[Task]:
    doc = _document(register, number)
    with register.read() as s:
        return list(s.exec(select(Task).where(Task.document_id == doc.id)))


def _history(register: Register, task: Task) -> list[TaskHistory]:
    with register.read() as s:
        return list(
            s.exec(select(TaskHistory).where(TaskHistory.task_id == task.id).order_by(col(TaskHistory.id)))
        )


def test_the_directive_alone_is_a_tracked_task_without_review(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    """The ground the other tests stand on: the earlier directive is clean and has one task."""
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE))
    (task,) = _tasks(register, "1234/UBND-NNTN")
    assert task.deadline == date(2024, 6, 30)
    assert _document(register, "1234/UBND-NNTN").state == "registered"


def test_an_extension_moves_the_earlier_deadline_with_history_and_no_new_task(
    db_url: str, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    register = open_register(db_url)
    try:
        _arrive(register, maps, cal, profile, ("a", DIRECTIVE))
        before = datetime.now(TZ)
        _arrive(register, maps, cal, profile, ("b", EXTENSION))
        (task,) = _tasks(register, "1234/UBND-NNTN")
        assert task.deadline == date(2024, 9, 30)
        assert _tasks(register, "2300/UBND-NNTN") == []  # the extension's own sentence is the same work
        extension = _document(register, "2300/UBND-NNTN")
        assert extension.state == "registered"
        (row,) = _history(register, task)
        assert (row.kind, row.old_deadline, row.new_deadline, row.by_document_id) == (
            "deadline",
            date(2024, 6, 30),
            date(2024, 9, 30),
            extension.id,
        )
        assert row.at >= before
        with register.read() as s:
            change = s.get(StatusChange, row.status_change_id)
            assert change is not None and change.facts is not None
            assert change.facts["deadline"] == "2024-09-30"
            outbox = s.exec(select(OutboxItem).where(OutboxItem.status_change_id == change.id)).one()
            assert outbox.task_id == task.id and outbox.state == "pending"
            link = s.exec(select(FollowUpLink).where(FollowUpLink.document_id == extension.id)).one()
            assert (link.cited_document_id, link.action, link.state) == (
                task.document_id,
                "extend",
                "applied",
            )
    finally:
        register.dispose()


def test_the_new_deadline_reaches_the_portal_through_the_outbox(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE))
    (task,) = _tasks(register, "1234/UBND-NNTN")
    with register.write() as s:  # what reconciliation does once the portal lists the task
        row = s.get(Task, task.id)
        assert row is not None
        row.portal_ref = "PM-77"
        s.add(row)
    portal = _portal("PM-77")
    _arrive(register, maps, cal, profile, ("b", EXTENSION))
    summary = push_outbox(register, portal, maps, cal, today=date(2024, 7, 1), origins=profile.portal_origins)
    assert summary.pushed == 1, summary
    (update,) = portal.pushed
    assert update.portal_ref == "PM-77"
    assert "30/09/2024" in update.progress_note and "2300/UBND-NNTN" in update.progress_note
    with register.read() as s:
        assert [o.state for o in s.exec(select(OutboxItem))] == ["pushed"]
        earlier = s.exec(select(Document).where(Document.number == "1234/UBND-NNTN")).one()
        told = [
            e.message
            for e in events(s, document_ids=[earlier.id or 0], document_refs=document_refs(s, [earlier]))
        ]
    assert any("gia hạn" in m and "30/09/2024" in m and "2300/UBND-NNTN" in m for m in told), told


def test_the_same_extension_again_changes_nothing_twice(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    """A new version of the letter (a line added at the source) and a second route: one history row."""
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE), ("b", EXTENSION))
    _arrive(register, maps, cal, profile, ("b", EXTENSION.replace(TAIL, "\nTrân trọng." + TAIL)))
    source = MemorySource("mail", [])
    source.add("m1", EXTENSION)
    sync_source(register, source, maps, cal, profile, read=extract)
    (task,) = _tasks(register, "1234/UBND-NNTN")
    assert [h.kind for h in _history(register, task)] == ["deadline"]
    with register.read() as s:
        assert s.exec(select(func.count()).select_from(StatusChange)).one() == 1
        assert s.exec(select(func.count()).select_from(Task)).one() == 1


def test_an_urging_letter_is_an_entry_in_the_earlier_tasks_history(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE))
    _arrive(register, maps, cal, profile, ("c", URGING))
    (task,) = _tasks(register, "1234/UBND-NNTN")
    urging = _document(register, "2400/UBND-NNTN")
    (row,) = _history(register, task)
    assert (row.kind, row.by_document_id) == ("urged", urging.id)
    assert row.note == "Đôn đốc thực hiện theo văn bản số 2400/UBND-NNTN của UBND tỉnh Kon Tum"
    assert task.deadline == date(2024, 6, 30)  # an urging without a date keeps the deadline
    assert _tasks(register, "2400/UBND-NNTN") == []
    with register.read() as s:
        assert s.exec(select(func.count()).select_from(StatusChange)).one() == 0


def test_a_withdrawal_ends_the_earlier_task(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE), ("b", EXTENSION))  # a push now waits
    counted = sum(_task_counts_today(register).values())
    _arrive(register, maps, cal, profile, ("d", WITHDRAWAL))
    earlier = _document(register, "1234/UBND-NNTN")
    assert earlier.state == "revoked"
    assert _document(register, "2500/UBND-NNTN").state == "registered"  # nothing in it for a clerk
    (task,) = _tasks(register, "1234/UBND-NNTN")
    assert [h.kind for h in _history(register, task)] == ["deadline", "withdrawn"]
    assert sum(_task_counts_today(register).values()) == counted - 1  # no longer counted in any status
    with register.read() as s:
        (outbox,) = s.exec(select(OutboxItem))
        assert outbox.state == "held" and "thu hồi" in (outbox.last_error or "")


def _task_counts_today(register: Register) -> dict[str, int]:
    with register.read() as s:
        return task_counts(s, date(2024, 7, 1))


def test_a_letter_citing_a_document_the_register_lacks_goes_to_review(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE), ("e", UNKNOWN))
    letter = _document(register, "2600/UBND-NNTN")
    assert letter.state == "review"
    with register.read() as s:
        (item,) = s.exec(select(ReviewItem).where(ReviewItem.document_id == letter.id))
        link = s.exec(select(FollowUpLink).where(FollowUpLink.document_id == letter.id)).one()
    assert any("999/UBND-NNTN" in r and "chưa có trong sổ theo dõi" in r for r in item.reasons or [])
    assert (link.number, link.state, link.cited_document_id) == ("999/UBND-NNTN", "missing", None)
    (own,) = _tasks(register, "2600/UBND-NNTN")  # the work is kept, for the clerk to place
    assert own.needs_review
    (task,) = _tasks(register, "1234/UBND-NNTN")
    assert task.deadline == date(2024, 6, 30) and _history(register, task) == []


def test_a_change_from_a_letter_under_review_waits_for_the_clerk(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    """The letter extends a known task and cites an unknown one: the known task changes, but its
    push waits until a clerk has confirmed the letter."""
    both = EXTENSION.replace(
        "việc rà soát trước ngày 30/9/2024.",
        "việc rà soát trước ngày 30/9/2024. Tiếp tục thực hiện Kế hoạch số 77/KH-UBND ngày 02/01/2024 "
        "của UBND tỉnh Kon Tum.",
    )
    _arrive(register, maps, cal, profile, ("a", DIRECTIVE))
    (task,) = _tasks(register, "1234/UBND-NNTN")
    with register.write() as s:
        row = s.get(Task, task.id)
        assert row is not None
        row.portal_ref = "PM-78"
        s.add(row)
    _arrive(register, maps, cal, profile, ("b", both))
    portal = _portal("PM-78")
    held = push_outbox(register, portal, maps, cal, today=date(2024, 7, 1), origins=profile.portal_origins)
    assert (held.held, held.pushed, portal.pushed) == (1, 0, [])
    with register.read() as s:
        (outbox,) = s.exec(select(OutboxItem))
        assert "2300/UBND-NNTN" in (outbox.last_error or "")
        letter = s.exec(select(Document).where(Document.number == "2300/UBND-NNTN")).one()
        item = s.exec(select(ReviewItem).where(ReviewItem.document_id == letter.id)).one()
    assert item.id is not None
    confirm_review(register, maps, item.id, clerk="vanthu")
    sent = push_outbox(register, portal, maps, cal, today=date(2024, 7, 1), origins=profile.portal_origins)
    assert sent.pushed == 1
