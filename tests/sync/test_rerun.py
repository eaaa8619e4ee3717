"""`connector rerun REF`: one document fetched again, its changes shown, only its tasks pushed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func
from sqlmodel import select

from connector.errors import UserError
from connector.register.tables import Document, DocumentRevision, Event, IntakeItem, OutboxItem, SyncRun, Task
from connector.service import ConfiguredAdapters
from connector.sync.rerun import RerunResult, rerun_document
from tests.simulated import cli
from tests.synced import BROKEN, Site


def _rerun(site: Site, ref: str) -> RerunResult:
    return rerun_document(
        site.register,
        site.cfg,
        site.maps,
        site.cal,
        ref,
        adapters=ConfiguredAdapters(site.cfg, site.maps),
    )


def _edit(site: Site, ref: str, old: str, new: str) -> None:
    """Change a text on the eOffice simulator: in the record and in the document's content."""
    doc = site.eoffice.documents[ref]
    assert old in doc.content
    doc.subject = doc.subject.replace(old, new)
    doc.content = doc.content.replace(old, new)


def _state(site: Site) -> dict[str, object]:
    """Everything a re-run of one document must leave alone: other documents' rows and row counts."""
    with site.register.read() as s:
        return {
            "docs": {d.id: (d.updated_at, d.content_sha256) for d in s.exec(select(Document))},
            "tasks": {t.id: t.updated_at for t in s.exec(select(Task))},
            "items": {i.id: (i.last_seen, i.status) for i in s.exec(select(IntakeItem))},
        }


def _outbox(site: Site, task_id: int) -> list[str]:
    with site.register.read() as s:
        return [r.state for r in s.exec(select(OutboxItem).where(OutboxItem.task_id == task_id))]


def test_rerun_shows_the_change_keeps_a_revision_and_pushes_only_its_tasks(site: Site) -> None:
    a, b = site.a, site.b
    sim_doc = site.eoffice.documents[a.source_ref]
    old_subject = sim_doc.subject
    new_subject = old_subject + " (sửa đổi, bổ sung)"
    _edit(site, a.source_ref, old_subject, new_subject)
    _edit(site, a.source_ref, "hoàn thành trước ngày 25/03/2024", "hoàn thành trước ngày 15/04/2024")
    before = _state(site)
    accepted = len(site.portal.accepted)

    result = _rerun(site, a.number)

    assert result.ok and result.outcome == "stored", result.messages
    assert result.document_id == a.id and result.number == a.number
    assert ("subject", old_subject, new_subject) in result.changes
    assert ("tasks[1].deadline", "25/03/2024", "15/04/2024") in result.changes
    assert [c.label for c in result.changes if c.field in ("subject", "tasks[1].deadline")] == [
        "Trích yếu",
        "Nhiệm vụ 1 — thời hạn",
    ]
    assert result.pushed == 1
    new = site.portal.accepted[accepted:]
    assert [c.portal_ref for c in new] == [a.portal_ref]
    assert _outbox(site, a.task_id) == ["pushed"] and _outbox(site, b.task_id) == ["pending"]

    after = _state(site)
    allowed = {"docs": {a.id}, "tasks": {a.task_id}, "items": _items_of(site, a.id)}
    for name in ("docs", "tasks", "items"):
        mine_before, mine_after = dict(before[name]), dict(after[name])  # type: ignore[call-overload]
        assert mine_before.keys() == mine_after.keys()
        changed = {k for k in mine_after if mine_after[k] != mine_before[k]}
        assert changed == allowed[name], (name, changed)
    with site.register.read() as s:
        doc = s.get(Document, a.id)
        assert doc is not None and doc.subject == new_subject
        [revision] = s.exec(select(DocumentRevision).where(DocumentRevision.document_id == a.id)).all()
        assert revision.normalised and revision.normalised["subject"] == old_subject
        assert s.exec(select(func.count()).select_from(DocumentRevision)).one() == 1
        run = s.get(SyncRun, result.run_id)
        assert run is not None and run.job == "rerun" and run.outcome == "ok"
        events = list(s.exec(select(Event).where(Event.run_id == result.run_id)))
    assert {e.kind for e in events} >= {"rerun", "revised", "fetched", "normalised", "stored", "pushed"}
    assert {e.document_id for e in events} == {a.id}


def _items_of(site: Site, doc_id: int) -> set[int]:
    with site.register.read() as s:
        return {i.id for i in s.exec(select(IntakeItem).where(IntakeItem.document_id == doc_id)) if i.id}


def test_cli_rerun_without_change_says_so_and_pushes_that_document(site: Site) -> None:
    accepted = len(site.portal.accepted)
    result = cli(site.config, "rerun", site.b.source_ref)
    assert result.returncode == 0, result.stderr
    assert "Không có gì thay đổi." in result.stdout
    assert "1 đã gửi và xác nhận" in result.stdout
    assert [c.portal_ref for c in site.portal.accepted[accepted:]] == [site.b.portal_ref]
    assert _outbox(site, site.a.task_id) == ["pending"]
    with site.register.read() as s:
        assert s.exec(select(func.count()).select_from(DocumentRevision)).one() == 0


def test_cli_rerun_by_task_id_prints_the_diff(site: Site) -> None:
    old = site.eoffice.documents[site.a.source_ref].subject
    _edit(site, site.a.source_ref, old, "V/v triển khai nhiệm vụ mới")
    result = cli(site.config, "rerun", f"#{site.a.task_id}")
    assert result.returncode == 0, result.stderr
    assert f"Trích yếu: «{old}» → «V/v triển khai nhiệm vụ mới»" in result.stdout


def test_rerun_brings_in_a_document_that_failed_before(site: Site) -> None:
    with site.register.read() as s:
        item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == BROKEN)).one()
        assert item.status == "failed" and item.document_id is None
    result = cli(site.config, "rerun", BROKEN)
    assert result.returncode == 0, result.stderr
    assert "Số hiệu: (trống) → «" in result.stdout
    with site.register.read() as s:
        item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == BROKEN)).one()
        assert item.status in ("stored", "review") and item.document_id is not None


def test_rerun_waits_for_another_writer(site: Site) -> None:
    """Another process (the running service) holds a write transaction: the re-run waits, then succeeds."""
    holder = textwrap.dedent(
        f"""
        import sqlite3, sys, time
        db = sqlite3.connect({str(site.db_path)!r}, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO events (at, level, kind, message) "
                   "VALUES ('2026-01-01 00:00:00', 'info', 'holder', 'giữ quyền ghi')")
        print("held", flush=True)
        sys.stdin.readline()
        time.sleep(1)
        db.execute("COMMIT")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "held"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        result = _rerun(site, site.a.number)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert result.ok, result.messages
    with site.register.read() as s:
        held = s.exec(select(Event).where(Event.kind == "holder")).one()
        first = min(e.id or 0 for e in s.exec(select(Event).where(Event.run_id == result.run_id)))
    assert held.id is not None and held.id < first


def test_unknown_ref_exit_1_in_vietnamese(site: Site) -> None:
    result = cli(site.config, "rerun", "4321/KHONG-CO")
    assert result.returncode == 1
    assert "Không tìm thấy «4321/KHONG-CO»" in result.stderr
    assert "Việc cần làm" in result.stderr and "Traceback" not in result.stderr
    with site.register.read() as s:
        assert s.exec(select(SyncRun).where(SyncRun.job == "rerun")).all() == []


def test_source_no_longer_configured_is_a_clear_error(site: Site) -> None:
    with site.register.write() as s:
        for item in s.exec(select(IntakeItem).where(IntakeItem.document_id == site.a.id)):
            item.source = "hop-thu-cu"
            s.add(item)
    with pytest.raises(UserError, match=r"hop-thu-cu.*không còn trong config\.toml"):
        _rerun(site, site.a.number)


def test_ref_matching_several_documents_asks_for_a_precise_one(site: Site) -> None:
    with site.register.write() as s:
        a = s.get(Document, site.a.id)
        assert a is not None
        twin = Document(
            number=a.number,
            number_key=a.number_key,
            issuer_code="KHAC",
            issued_on=a.issued_on,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )
        s.add(twin)
    result = cli(site.config, "rerun", site.a.number)
    assert result.returncode == 1
    assert f"«{site.a.number}» khớp với 2 văn bản" in result.stderr
    assert f"(mã #{site.a.id})" in result.stderr and "ghi rõ hơn" in result.stderr
    assert "connector log --doc" in result.stderr
    assert cli(site.config, "rerun", site.a.source_ref).returncode == 0


def test_document_gone_from_the_source_fails_in_vietnamese_and_is_logged(site: Site) -> None:
    del site.eoffice.documents[site.a.source_ref]
    result = cli(site.config, "rerun", site.a.number)
    assert result.returncode == 1
    assert "Nguồn eoffice không trả văn bản" in result.stdout and "Việc cần làm" in result.stdout
    assert f"connector log --doc {site.a.number}" in result.stderr
    failed = cli(site.config, "log", "--failed", "--doc", site.a.number)
    assert "Không đọc lại được văn bản" in failed.stdout
    assert f"connector rerun {site.a.number}" in failed.stdout
    with site.register.read() as s:
        run = s.exec(select(SyncRun).where(SyncRun.job == "rerun")).one()
        assert run.outcome == "failed"
        doc = s.get(Document, site.a.id)
        assert doc is not None and doc.state == "registered"  # nothing else changed
