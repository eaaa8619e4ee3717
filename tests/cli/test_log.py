"""`connector log` and `connector status` as a clerk runs them, against a register filled by a real sync."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from connector.clock import TZ, now
from connector.register.tables import Document, Event, OutboxItem, ReviewItem, SyncRun, Task
from tests.simulated import cli
from tests.synced import BROKEN, Site


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


KEYS = ["at", "level", "kind", "job", "source", "document_id", "document_ref", "message", "detail"]


def test_log_json_has_every_step_of_a_document_with_its_id(site: Site) -> None:
    again = cli(site.config, "sync")  # pushes the two recorded changes
    assert again.returncode == 0, again.stderr
    result = cli(site.config, "log", "--json")
    assert result.returncode == 0, result.stderr
    lines = _json_lines(result.stdout)
    assert all(list(line) == KEYS for line in lines)
    assert all(datetime.fromisoformat(line["at"]).utcoffset() == timedelta(hours=7) for line in lines)
    mine = [line for line in lines if line["document_id"] == site.a.id]
    kinds = {line["kind"] for line in mine}
    assert {"fetched", "normalised", "stored", "pushed"} <= kinds, kinds
    per_document = [line for line in lines if line["document_ref"] is not None]
    for kind in ("fetched", "normalised", "stored", "pushed"):
        of_kind = [line for line in per_document if line["kind"] == kind]
        assert of_kind and all(line["document_id"] is not None for line in of_kind), kind
    pushed = [line for line in lines if line["kind"] == "pushed"]
    assert {line["document_id"] for line in pushed} == {site.a.id, site.b.id}
    assert all("Phần mềm" in line["message"] for line in pushed)
    runs = [line for line in lines if line["kind"] == "run"]
    assert {"poll:eoffice", "push", "reconcile"} <= {line["job"] for line in runs}
    # oldest first
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)


def test_log_text_line_layout(site: Site) -> None:
    result = cli(site.config, "log", "--doc", site.a.number)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        stamp, rest = line[:19], line[19:]
        datetime.strptime(stamp, "%d/%m/%Y %H:%M:%S")
        assert rest.startswith("  [")
        assert f"  {site.a.number}  " in rest
    assert any("Đã ghi vào sổ theo dõi văn bản" in line for line in lines)


def test_doc_by_number_source_ref_and_task_id_give_the_same_lines(site: Site) -> None:
    outputs = []
    for ref in (site.a.number, site.a.source_ref, str(site.a.task_id), f"#{site.a.task_id}"):
        result = cli(site.config, "log", "--doc", ref, "--json")
        assert result.returncode == 0, result.stderr
        outputs.append(_json_lines(result.stdout))
    assert all(o == outputs[0] for o in outputs)
    lines = outputs[0]
    assert {line["kind"] for line in lines} >= {"fetched", "normalised", "stored"}
    assert all(line["document_id"] in (site.a.id, None) for line in lines)
    assert all(line["document_ref"] == site.a.number for line in lines if line["document_id"] is None)
    with site.register.read() as s:
        total = s.exec(select(func.count()).select_from(Event).where(Event.document_id == site.a.id)).one()
    assert len([line for line in lines if line["document_id"] == site.a.id]) == total


def test_doc_finds_old_events_that_only_name_the_document(site: Site) -> None:
    with site.register.write() as s:
        s.add(
            Event(
                at=now() - timedelta(days=40),
                level="info",
                kind="stored",
                source="eoffice",
                document_ref=site.b.number,
                message="Dòng cũ, trước khi sự kiện ghi mã văn bản.",
            )
        )
    lines = _json_lines(cli(site.config, "log", "--doc", site.b.number, "--json").stdout)
    assert lines[0]["message"].startswith("Dòng cũ") and lines[0]["document_id"] is None
    assert any(line["document_id"] == site.b.id for line in lines[1:])


def test_failed_shows_only_errors_and_warnings(site: Site) -> None:
    result = cli(site.config, "log", "--failed", "--json")
    assert result.returncode == 0, result.stderr
    lines = _json_lines(result.stdout)
    assert lines and {line["level"] for line in lines} <= {"error", "warning"}
    broken = [line for line in lines if line["document_ref"] == BROKEN]
    assert broken and broken[0]["kind"] == "failed"
    assert "Việc cần làm" in broken[0]["message"]
    assert broken[0]["message"].rstrip().endswith(f"connector rerun {BROKEN}")
    text = cli(site.config, "log", "--failed")
    assert "[lỗi]" in text.stdout and "[tin]" not in text.stdout


def test_since_leaves_out_older_lines(site: Site) -> None:
    old = now() - timedelta(days=10)
    with site.register.write() as s:
        s.add(
            Event(
                at=old,
                level="error",
                kind="failed",
                source="eoffice",
                document_ref="OLD-1",
                message="Lỗi cũ mười ngày trước.",
            )
        )
    everything = _json_lines(cli(site.config, "log", "--json").stdout)
    assert any(line["document_ref"] == "OLD-1" for line in everything)
    day = (old + timedelta(days=1)).astimezone(TZ).date()
    recent = _json_lines(cli(site.config, "log", "--json", "--since", day.isoformat()).stdout)
    assert recent and not any(line["document_ref"] == "OLD-1" for line in recent)
    assert all(datetime.fromisoformat(line["at"]).date() >= day for line in recent)
    assert len(recent) == len(everything) - 1


def test_unknown_ref_is_exit_1_in_vietnamese(site: Site) -> None:
    result = cli(site.config, "log", "--doc", "9999/KHONG-CO")
    assert result.returncode == 1
    assert "Không tìm thấy «9999/KHONG-CO»" in result.stderr and "connector log" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_text_and_json_match_the_register(site: Site) -> None:
    result = cli(site.config, "status", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["at", "jobs", "tasks", "tasks_total", "outbox", "review_open", "alerts"]
    with site.register.read() as s:
        tasks = s.exec(
            select(func.count())
            .select_from(Task)
            .join(Document, col(Task.document_id) == Document.id)
            .where(Task.concerns_us == True, Document.state == "registered")  # noqa: E712
        ).one()
        review = s.exec(select(func.count()).select_from(ReviewItem).where(ReviewItem.state == "open")).one()
        waiting = s.exec(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.state != "pushed")
        ).one()
    assert data["tasks_total"] == sum(data["tasks"].values()) == tasks > 0
    assert data["review_open"] == review > 0
    assert data["outbox"]["due"] == waiting == 2
    assert set(data["outbox"]) == {"due", "at_risk", "late", "held", "failed"}
    jobs = {j["job"]: j for j in data["jobs"]}
    assert {"poll:eoffice", "push", "reconcile"} <= set(jobs)
    assert jobs["poll:eoffice"]["last_outcome"] == "partial"  # the broken record
    assert datetime.fromisoformat(jobs["push"]["last_started"]).utcoffset() == timedelta(hours=7)
    assert data["alerts"] == []

    text = cli(site.config, "status")
    assert text.returncode == 0, text.stderr
    assert f"Nhiệm vụ của Sở ({tasks}):" in text.stdout
    assert f"Chờ văn thư kiểm tra: {review}" in text.stdout
    assert "Chờ cập nhật lên Phần mềm: 2" in text.stdout
    assert "Đọc nguồn eoffice: xong một phần" in text.stdout
    assert "CẢNH BÁO" not in text.stdout


def test_status_alerts_a_job_without_success_for_too_long(site: Site) -> None:
    back = timedelta(days=3)
    with site.register.write() as s:
        for run in s.exec(select(SyncRun)):
            run.started_at = run.started_at - back
            run.finished_at = run.finished_at - back if run.finished_at else None
            s.add(run)
        s.add(
            SyncRun(
                job="push",
                started_at=now(),
                finished_at=now(),
                outcome="failed",
                message="Phần mềm không trả lời.",
            )
        )
    data = json.loads(cli(site.config, "status", "--json").stdout)
    assert {a["job"] for a in data["alerts"]} == {"poll:eoffice", "push", "reconcile", "remind", "report"}
    assert all("connector log --failed" in a["message"] for a in data["alerts"])
    text = cli(site.config, "status").stdout
    assert "CẢNH BÁO:" in text and "Cập nhật Phần mềm theo dõi: thất bại" in text and "3 ngày trước" in text


def test_log_and_status_need_no_secrets_and_no_register_is_said_plainly(site: Site, tmp_path) -> None:
    (site.config.parent / "secrets.toml").unlink()
    assert cli(site.config, "status").returncode == 0
    assert cli(site.config, "log", "--failed").returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    config = empty / "config.toml"
    config.write_text(site.config.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli(config, "log")
    assert result.returncode == 1
    assert "Chưa có sổ theo dõi" in result.stderr and "connector sync" in result.stderr
    assert not (empty / "data" / "register.sqlite3").exists()
