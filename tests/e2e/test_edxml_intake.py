"""edXML intake end to end: the drop folder adapter, the real normaliser and register, and the
eOffice simulator's edXML export. New → update → replace → revoke, packet by packet, as the
liên thông client would drop them; the same directives by eOffice and by edXML are one Document."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from adapters.edxml import EdxmlDropFolder
from adapters.eoffice import EOfficeSource
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar, due_by
from connector.clock import now
from connector.config import Profile
from connector.domain import TaskFacts, number_key
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.queries import record_status_change
from connector.register.tables import Document, DocumentRevision, Event, IntakeItem, OutboxItem, Task
from connector.sync.intake import RunSummary, sync_source
from connector.sync.outbox import HOLD_REVOKED, push_outbox
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, create_app
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
PACKETS = ROOT / "fixtures" / "documents" / "edxml"
USER, PASSWORD = next(iter(DEFAULT_USERS.items()))


@pytest.fixture
def register(db_url: str) -> Iterator[Register]:
    reg = open_register(db_url, busy_timeout=5)
    yield reg
    reg.dispose()


@pytest.fixture
def sim() -> Iterator[tuple[EOfficeState, str]]:
    state = EOfficeState()
    with serve_in_thread(create_app(state)) as url:
        yield state, url


class Drop:
    """A drop folder fed one packet at a time, each newer than the last (the adapter reads oldest first)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def put(self, name: str, data: bytes | None = None) -> Path:
        self.n += 1
        target = self.folder / name
        if data is None:
            shutil.copyfile(PACKETS / name, target)
        else:
            target.write_bytes(data)
        stamp = 1_700_000_000 + self.n
        os.utime(target, (stamp, stamp))
        return target


def _sync(
    register: Register, folder: Path, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> RunSummary:
    summary = sync_source(register, EdxmlDropFolder("lienthong", folder), maps, cal, profile, read=read_text)
    assert summary.outcome == "ok", summary
    return summary


def _doc(register: Register, number: str) -> Document:
    with register.read() as s:
        [doc] = s.exec(select(Document).where(Document.number_key == number_key(number))).all()
        return doc


def _events(register: Register, kind: str) -> list[Event]:
    with register.read() as s:
        return list(s.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))


def test_new_update_replace_revoke_packets(
    register: Register, tmp_path: Path, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    drop = Drop(tmp_path / "drop")

    # new
    drop.put("01-cong-van-moi.edxml")
    first = _sync(register, drop.folder, maps, cal, profile)
    assert first.counts["stored"] + first.counts["review"] == 1
    original = _doc(register, "2044/UBND-NNTN")
    assert original.normalised and original.content_sha256

    # update: same (source, source_ref), new sha256 → one document, the previous version kept
    drop.put("02-cap-nhat.edxml")
    _sync(register, drop.folder, maps, cal, profile)
    updated = _doc(register, "2044/UBND-NNTN")
    assert updated.id == original.id
    assert updated.content_sha256 != original.content_sha256
    with register.read() as s:
        [rev] = s.exec(select(DocumentRevision)).all()
        assert s.exec(select(func.count()).select_from(IntakeItem)).one() == 1
    assert rev.document_id == original.id
    assert rev.normalised == original.normalised
    assert rev.sha256 == original.content_sha256
    assert (rev.source, rev.source_ref) == ("lienthong", "000.00.00.H34,2024/06/19,2044/UBND-NNTN")
    assert rev.received_at.tzinfo is not None and rev.replaced_at >= rev.received_at
    [revised] = _events(register, "revised")
    assert "phiên bản mới" in revised.message and revised.detail["document_id"] == original.id

    # replace: 430/QĐ-UBND replaces 412/QĐ-UBND
    drop.put("03-quyet-dinh.edxml")
    drop.put("04-thay-the.edxml")
    _sync(register, drop.folder, maps, cal, profile)
    old, new = _doc(register, "412/QĐ-UBND"), _doc(register, "430/QĐ-UBND")
    assert old.state == "replaced"
    assert new.state in ("registered", "review")
    [replaced] = _events(register, "replaced")
    assert replaced.detail == {
        "replaced_by": new.id,
        "replaced": old.id,
        "replaces_ref": "000.00.00.H34,2024/07/02,412/QĐ-UBND",
    }
    assert "412/QĐ-UBND" in replaced.message and "thay thế" in replaced.message

    # revoke: the công điện is revoked; its pending push is held and stays held
    drop.put("05-cong-dien.edxml")
    _sync(register, drop.folder, maps, cal, profile)
    cong_dien = _doc(register, "05/CĐ-UBND")
    changed = now()
    with register.write() as s:
        task = s.exec(select(Task).where(Task.document_id == cong_dien.id).order_by(col(Task.seq))).first()
        if task is None:  # (the normaliser found no task line: a clerk adds one)
            task = Task(document_id=cong_dien.id, seq=1, summary="Triển khai công điện",
                        created_at=changed, updated_at=changed)  # fmt: skip
            s.add(task)
            s.flush()
        task.portal_ref = "PM-1"
        task.needs_review = False
        facts = TaskFacts(changed.date() + timedelta(days=10), changed.date(), None, None)
        _, outbox = record_status_change(
            s,
            task,
            facts=facts,
            progress_note="Đang triển khai",
            due_by=due_by(cal, changed, 2),
            actor="vanthu",
        )
        assert outbox is not None
        s.flush()
        outbox_id = outbox.id
    drop.put("06-thu-hoi.edxml")
    revoking = _sync(register, drop.folder, maps, cal, profile)
    assert revoking.counts["revoked"] == 1 and "thu hồi" in revoking.line()
    revoked = _doc(register, "05/CĐ-UBND")
    assert revoked.id == cong_dien.id and revoked.state == "revoked"
    assert revoked.normalised == cong_dien.normalised  # the row and its content stay
    with register.read() as s:
        row = s.get(OutboxItem, outbox_id)
        assert row is not None and row.state == "held" and row.last_error == HOLD_REVOKED
        assert s.exec(select(Task).where(Task.document_id == cong_dien.id)).first() is not None
    [event] = _events(register, "revoked")
    assert event.level == "warning"
    assert event.message.startswith("Văn bản số 05/CĐ-UBND đã bị thu hồi theo gói tin ")
    assert "các nhiệm vụ của văn bản không còn được theo dõi" in event.message
    assert event.detail["held_outbox"] == [outbox_id]
    dry = push_outbox(register, None, maps, cal, today=changed.date(), dry_run=True)
    assert dry.would_send == 0 and dry.held == 1 and HOLD_REVOKED in dry.lines[0]

    # every packet processed went to done/; nothing left waiting, nothing failed
    done = sorted(p.name for p in (drop.folder / "done").iterdir())
    assert done == [f"0{i}-{n}.edxml" for i, n in enumerate(
        ["cong-van-moi", "cap-nhat", "quyet-dinh", "thay-the", "cong-dien", "thu-hoi"], start=1)]  # fmt: skip
    assert not list(drop.folder.glob("*.edxml")) and not (drop.folder / "failed").exists()

    # the latest packets delivered again change nothing (the ledger holds each ref's last sha256)
    for name in ("02-cap-nhat.edxml", "04-thay-the.edxml", "06-thu-hoi.edxml"):
        drop.put(name, (drop.folder / "done" / name).read_bytes())
    again = _sync(register, drop.folder, maps, cal, profile)
    assert again.counts["unchanged"] == again.counts["fetched"] == 3
    assert len(_events(register, "revoked")) == 1 and len(_events(register, "revised")) == 1


def test_revoke_of_an_unknown_document_goes_to_review(
    register: Register, tmp_path: Path, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    drop = Drop(tmp_path / "drop")
    drop.put("06-thu-hoi.edxml")
    summary = _sync(register, drop.folder, maps, cal, profile)
    assert summary.counts["review"] == 1 and summary.counts["failed"] == 0
    with register.read() as s:
        [item] = s.exec(select(IntakeItem)).all()
        assert s.exec(select(func.count()).select_from(Document)).one() == 0
    assert item.status == "review" and item.document_id is None
    assert item.error is not None and "chưa có văn bản này" in item.error
    [event] = [
        e for e in _events(register, "review") if e.detail and e.detail.get("business_type") == "revoke"
    ]
    assert event.level == "warning" and "thu hồi" in event.message


def _login(client: httpx.Client) -> None:
    """The eOffice login form as the adapter posts it: anti-forgery token + cookie, then the session."""
    form = client.get("/dang-nhap")
    token = re.search(r'name="__RequestVerificationToken" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/dang-nhap",
        data={
            "__RequestVerificationToken": token.group(1),
            "TenDangNhap": USER,
            "MatKhau": PASSWORD,
            "ReturnUrl": "/vbden/danh-sach",
        },
    )
    assert answer.status_code == 302 and "dang-nhap" not in answer.headers["location"]


def test_reads_the_simulators_export_and_merges_with_eoffice(
    register: Register,
    sim: tuple[EOfficeState, str],
    tmp_path: Path,
    maps: Mappings,
    cal: WorkingCalendar,
    profile: Profile,
) -> None:
    state, url = sim
    chosen = ["24001", "24004", "24009"]  # a letter, a decision, a ministry's letter
    drop = Drop(tmp_path / "drop")
    with httpx.Client(base_url=url, timeout=10) as client:
        _login(client)
        for ref in chosen:
            response = client.get("/vbden/edxml", params={"id": ref})
            assert response.status_code == 200 and b"edXMLEnvelope" in response.content
            drop.put(f"{ref}.edxml", response.content)

    first = _sync(register, drop.folder, maps, cal, profile)
    assert first.counts["fetched"] == 3 and first.counts["failed"] == 0
    ids: dict[str, int] = {}
    for ref in chosen:
        seed = state.documents[ref]
        doc = _doc(register, seed.number)
        assert (doc.number, doc.issued_on) == (seed.number, seed.issued_on)
        assert doc.issuer_name is not None and doc.issuer_name.casefold() == seed.issuer.casefold()
        resolved, _ = maps.resolve_issuer(seed.issuer, seed.issued_on)
        assert resolved is not None and doc.issuer_code == resolved.code
        assert doc.id is not None
        ids[ref] = doc.id

    with EOfficeSource(
        "eoffice", url, USER, PASSWORD, maps.recipes["eoffice"], retry_attempts=2, retry_initial=0.01
    ) as source:
        second = sync_source(register, source, maps, cal, profile, read=read_text)
    assert second.outcome == "ok", second
    assert second.counts["merged"] >= 3
    with register.read() as s:
        for ref in chosen:
            seed = state.documents[ref]
            assert _doc(register, seed.number).id == ids[ref]  # one Document, two routes
            routes = sorted(
                (i.source, i.source_ref)
                for i in s.exec(select(IntakeItem).where(IntakeItem.document_id == ids[ref]))
            )
            assert routes == [("eoffice", ref), ("lienthong", seed.document_id)]
    merges = {
        e.detail["merged_into"]: e
        for e in _events(register, "stored")
        if e.detail and "merged_into" in e.detail
    }
    for ref in chosen:
        event = merges[ids[ref]]
        assert event.detail["route"] == f"eoffice:{ref}"
        assert f"eoffice:{ref}" in event.detail["routes"]
        assert f"lienthong:{state.documents[ref].document_id}" in event.detail["routes"]
