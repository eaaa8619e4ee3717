"""`connector log` and `connector status`: the sync log and the service's state, read-only.

Both read the register through `connector.register.views` (the dashboard reads the same functions, so
the page and the command line never disagree). Neither needs a password nor takes the write lock,
and neither creates or upgrades the register: a register not made yet is said plainly.

`--json` prints stable keys so a monitoring script can follow them: `log` one object per line
(at, level, kind, job, source, document_id, document_ref, message, detail), `status` one object.
Times are Asia/Ho_Chi_Minh (ISO with +07:00).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.mappings import Mappings
from connector.register import views as overview
from connector.register.db import Register, head_revision, open_register
from connector.register.tables import Event, SyncRun
from connector.schedule import label

LEVEL_WORDS = {"info": "tin", "warning": "cảnh báo", "error": "lỗi"}
OUTCOME_WORDS = {
    "ok": "thành công",
    "partial": "xong một phần (có lỗi, xem nhật ký)",
    "failed": "thất bại",
    "skipped": "bỏ qua",
    "running": "đang chạy",
}
LOG_KEYS = ("at", "level", "kind", "job", "source", "document_id", "document_ref", "message", "detail")


class RegisterMissing(Exception):
    """The register does not exist yet or has an older structure; nothing to read."""


@dataclass(frozen=True)
class Entry:
    """One line of `connector log`: an event, or the end of a job run."""

    at: datetime
    level: str
    kind: str
    job: str | None
    source: str | None
    document_id: int | None
    document_ref: str | None
    message: str
    detail: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            k: (self.at.astimezone(clock.TZ).isoformat() if k == "at" else getattr(self, k)) for k in LOG_KEYS
        }

    def line(self) -> str:
        at = self.at.astimezone(clock.TZ).strftime("%d/%m/%Y %H:%M:%S")
        level = LEVEL_WORDS.get(self.level, self.level)
        text = " ".join(self.message.split())
        return f"{at}  [{level}] {self.source or self.job or '-'}  {self.document_ref or '-'}  {text}"


# -- connector log --------------------------------------------------------------------------------


def run_log(cfg: Config, *, since: date | None, doc: str | None, failed: bool, as_json: bool) -> int:
    """Print the sync log, oldest first; 1 when `doc` names nothing or there is no register."""
    try:
        with _reading(cfg) as register, register.read() as s:
            jobs = {r.id: r.job for r in s.exec(select(SyncRun))}
            entries: list[Entry]
            if doc is not None:
                docs = overview.find_documents(s, doc)
                refs = [doc.strip(), *overview.document_refs(s, docs)]
                found = overview.events(
                    s,
                    since=since,
                    failed=failed,
                    document_ids=[d.id for d in docs if d.id],
                    document_refs=refs,
                )
                if not docs and not found and not _mentioned(s, doc.strip()):
                    _err(
                        f"Không tìm thấy «{doc}» trong sổ theo dõi và nhật ký: đã tìm theo số hiệu văn bản, "
                        "mã văn bản trên nguồn và số nhiệm vụ.\nViệc cần làm: kiểm tra lại cách ghi (ví dụ "
                        "1234/UBND-NNTN), hoặc xem toàn bộ nhật ký: connector log"
                    )
                    return 1
                entries = [_event_entry(e, jobs) for e in found]
            else:
                entries = [_event_entry(e, jobs) for e in overview.events(s, since=since, failed=failed)]
                entries += [
                    _run_entry(r) for r in overview.runs(s, since=since, failed=failed) if r.finished_at
                ]
                entries.sort(key=lambda e: e.at)
    except RegisterMissing as exc:
        _err(str(exc))
        return 1
    for entry in entries:
        _out(json.dumps(entry.as_json(), ensure_ascii=False, default=str) if as_json else entry.line())
    if not entries and not as_json:
        _out("Nhật ký không có dòng nào khớp.")
    return 0


def _mentioned(s: Any, ref: str) -> bool:
    """Whether any event (whatever its date or level) names `ref`: then the REF exists."""
    return s.exec(select(Event.id).where(Event.document_ref == ref).limit(1)).first() is not None


def _event_entry(e: Event, jobs: dict[int | None, str]) -> Entry:
    return Entry(
        e.at,
        e.level,
        e.kind,
        jobs.get(e.run_id),
        e.source,
        e.document_id,
        e.document_ref,
        e.message,
        e.detail,
    )


def _run_entry(r: SyncRun) -> Entry:
    assert r.finished_at is not None
    level = {"failed": "error", "partial": "warning"}.get(r.outcome, "info")
    outcome = OUTCOME_WORDS.get(r.outcome, r.outcome)
    return Entry(
        r.finished_at,
        level,
        "run",
        r.job,
        None,
        None,
        None,
        f"Kết thúc lần chạy {r.job}: {outcome}. {r.message or ''}".strip(),
        {
            "run_id": r.id,
            "outcome": r.outcome,
            "counts": r.counts,
            "started_at": r.started_at.astimezone(clock.TZ).isoformat(),
        },
    )


# -- connector status -----------------------------------------------------------------------------


def run_status(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, as_json: bool) -> int:
    """Print the last run per job, task counts, the outbox, the review queue and the alerts."""
    try:
        data = status_data(cfg, cal)
    except RegisterMissing as exc:
        _err(str(exc))
        return 1
    if as_json:
        _out(json.dumps(data, ensure_ascii=False))
    else:
        for line in status_lines(data):
            _out(line)
    return 0


def status_data(cfg: Config, cal: WorkingCalendar) -> dict[str, Any]:
    """`connector status --json`: jobs, tasks, outbox, review, alerts (stable keys)."""
    at = clock.now()
    hours = cfg.settings.scheduler.alert_after_hours
    with _reading(cfg) as register, register.read() as s:
        states = overview.job_states(s)
        counts = overview.task_counts(s, at.date())
        review = overview.review_open(s)
        stale = overview.stale_jobs_now(s, cfg, at)
        health = overview.outbox_health(s, cal, at)
    by_job = {j.job: j for j in states}
    return {
        "at": at.isoformat(),
        "jobs": [
            {
                "job": j.job,
                "last_started": _iso(j.last_started),
                "last_finished": _iso(j.last_finished),
                "last_outcome": j.last_outcome,
                "last_outcome_text": OUTCOME_WORDS.get(j.last_outcome, j.last_outcome),
                "last_message": j.last_message,
                "last_ok_at": _iso(j.last_ok_at),
                "ago_seconds": int((at - j.last_started).total_seconds()),
            }
            for j in states
        ],
        "tasks": counts,
        "tasks_total": sum(counts.values()),
        "outbox": health,
        "review_open": review,
        "alerts": [
            {"job": job, "message": overview.stale_text(job, by_job.get(job), hours)} for job in stale
        ],
    }


def status_lines(data: dict[str, Any]) -> list[str]:
    """The Vietnamese text of `connector status`."""
    at = datetime.fromisoformat(data["at"])
    lines = [f"Tình trạng lúc {at:%d/%m/%Y %H:%M}:", "Lần chạy gần nhất:"]
    if not data["jobs"]:
        lines.append("  (chưa có lần chạy nào — chạy: connector sync)")
    for j in data["jobs"]:
        started = datetime.fromisoformat(j["last_started"])
        name = label(j["job"])
        text = f"  {name[:1].upper()}{name[1:]}: {j['last_outcome_text']}, lúc {started:%d/%m/%Y %H:%M} "
        text += f"({_ago(at - started)})"
        if j["last_outcome"] not in overview.OK_OUTCOMES and j["last_ok_at"]:
            text += f"; lần thành công gần nhất {datetime.fromisoformat(j['last_ok_at']):%d/%m/%Y %H:%M}"
        lines.append(text)
        if j["last_outcome"] == "failed" and j["last_message"]:
            lines.append("    " + " ".join(j["last_message"].split()))
    lines.append(f"Nhiệm vụ của Sở ({data['tasks_total']}):")
    lines += [f"  {status}: {n}" for status, n in data["tasks"].items()]
    o = data["outbox"]
    lines.append(
        f"Chờ cập nhật lên Phần mềm: {o['due']} (sắp đến hạn: {o['at_risk']}, quá hạn 2 ngày làm việc: "
        f"{o['late']}, giữ lại: {o['held']}, bị từ chối: {o['failed']})"
    )
    lines.append(f"Chờ văn thư kiểm tra: {data['review_open']}")
    if data["alerts"]:
        lines.append("CẢNH BÁO:")
        lines += [f"  {a['message']}" for a in data["alerts"]]
    return lines


def _ago(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 1:
        return "vừa xong"
    if minutes < 60:
        return f"{minutes} phút trước"
    if minutes < 48 * 60:
        return f"{minutes // 60} giờ trước"
    return f"{minutes // (24 * 60)} ngày trước"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(clock.TZ).isoformat() if value else None


# -- the register, read-only ----------------------------------------------------------------------


@contextmanager
def _reading(cfg: Config) -> Iterator[Register]:
    """The register as it is: never created, never upgraded (that is `connector sync`'s job)."""
    url = cfg.register_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise RegisterMissing(
            "Chưa có sổ theo dõi (chưa đồng bộ lần nào).\nViệc cần làm: chạy connector sync"
        )
    register = open_register(url, busy_timeout=cfg.settings.database.busy_timeout_seconds, upgrade=False)
    try:
        if register.revision() != head_revision():
            raise RegisterMissing(
                "Sổ theo dõi chưa có hoặc có cấu trúc cũ hơn chương trình này.\n"
                "Việc cần làm: chạy connector sync (tự nâng cấp sổ), rồi xem lại."
            )
        yield register
    finally:
        register.dispose()


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
