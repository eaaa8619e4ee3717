"""Reconciliation with the portal, and sending a task back (Điều 6.2).

`reconcile` lists every task the portal shows for the department and matches it with the register
by (normalised number, issuer, issue date), the same key intake merges duplicates by. A match sets
`Task.portal_ref`, which the outbox needs before it pushes anything. The report goes both ways:
portal tasks the register lacks, and register tasks of an origin that belongs on the portal
(the profile's `portal_origins`) that the portal does not show. It never sends a task back:
`return_task` does that, only on a clerk's explicit action with a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select

from connector import clock
from connector.config import Profile
from connector.domain import PortalTask, number_key
from connector.errors import UserError
from connector.mappings import Mappings
from connector.ports import Portal
from connector.register.db import Register
from connector.register.queries import log_event, start_run
from connector.register.tables import Document, SyncRun, Task
from connector.textfold import fold

Key = tuple[str | None, date | None]


@dataclass(frozen=True)
class Missing:
    """A register task that should be on the portal and is not."""

    task_id: int
    number: str | None
    summary: str


@dataclass
class ReconcileReport:
    """What reconciliation found; `matched` counts portal_refs newly set."""

    portal_total: int = 0
    matched: int = 0
    already: int = 0
    portal_only: list[PortalTask] = field(default_factory=list)
    register_only: list[Missing] = field(default_factory=list)
    run_id: int | None = None

    def lines(self) -> list[str]:
        """A Vietnamese report, one line per finding."""
        out = [
            f"Đối chiếu Phần mềm: {self.portal_total} nhiệm vụ trên Phần mềm; {self.matched} mới khớp, "
            f"{self.already} đã khớp từ trước; {len(self.portal_only)} có trên Phần mềm nhưng chưa có "
            f"trong sổ; {len(self.register_only)} có trong sổ nhưng chưa thấy trên Phần mềm."
        ]
        out += [
            f"  Chưa có trong sổ: {t.number} ngày {_d(t.issued_on)} của {t.issuer} (mã {t.portal_ref})"
            for t in self.portal_only
        ]
        out += [
            f"  Chưa thấy trên Phần mềm: {m.number or '(không số)'} — {m.summary[:80]} "
            f"(nhiệm vụ #{m.task_id})"
            for m in self.register_only
        ]
        return out


def reconcile(register: Register, portal: Portal, maps: Mappings, profile: Profile) -> ReconcileReport:
    """Match portal tasks with register tasks, set `portal_ref` on matches, report the rest."""
    report = ReconcileReport()
    portal_tasks = list(portal.list_tasks())
    report.portal_total = len(portal_tasks)
    by_key: dict[Key, list[tuple[PortalTask, set[str]]]] = {}
    for pt in portal_tasks:
        by_key.setdefault((number_key(pt.number), pt.issued_on), []).append((pt, _issuer_ids(pt, maps)))
    on_portal = {pt.portal_ref for pt in portal_tasks}
    allowed = {str(o) for o in profile.portal_origins}
    claimed: set[str] = set()
    with register.write() as s:
        run = start_run(s, "reconcile")
        report.run_id = run.id
        stmt = select(Task, Document).where(Task.document_id == Document.id)
        rows = s.exec(stmt.order_by(col(Task.id), col(Task.seq)))
        pairs = [(t, d) for t, d in rows if not d.secrecy and d.state != "secret_notice"]
        for task, _doc in pairs:  # refs already set and still on the portal stay
            if task.portal_ref in on_portal:
                claimed.add(task.portal_ref)
        for task, doc in pairs:
            if task.portal_ref in on_portal:
                report.already += 1
                continue
            key = (doc.number_key or number_key(doc.number), doc.issued_on)
            mine = {x for x in (doc.issuer_code, fold(doc.issuer_name or "")) if x}
            candidates = [
                pt for pt, ids in by_key.get(key, []) if ids & mine and pt.portal_ref not in claimed
            ]
            if candidates:
                task.portal_ref = candidates[0].portal_ref
                task.updated_at = clock.now()
                claimed.add(task.portal_ref)
                s.add(task)
                report.matched += 1
                continue
            origin = task.origin or doc.origin
            if task.concerns_us and origin in allowed:
                report.register_only.append(Missing(task.id or 0, doc.number, task.summary))
        report.portal_only = [pt for pt in portal_tasks if pt.portal_ref not in claimed]
        run_row = s.get(SyncRun, run.id)
        assert run_row is not None
        run_row.finished_at, run_row.outcome = clock.now(), "ok"
        run_row.counts = {
            "portal": report.portal_total,
            "matched": report.matched,
            "already": report.already,
            "portal_only": len(report.portal_only),
            "register_only": len(report.register_only),
        }
        run_row.message = report.lines()[0]
        log_event(s, kind="reconciled", run_id=run.id, source="portal", message=run_row.message)
    return report


def return_task(register: Register, portal: Portal, task_id: int, reason: str, actor: str) -> None:
    """Send a task back to its issuer on the portal, with the clerk's written reason (Điều 6.2)."""
    text = (reason or "").strip()
    if not text:
        raise UserError(
            "Phải ghi rõ lý do trả lại nhiệm vụ; chưa gửi gì lên Phần mềm.",
            hint=f'connector return {task_id} --reason "…"',
        )
    with register.read() as s:
        task = s.get(Task, task_id)
        doc = s.get(Document, task.document_id) if task else None
    if task is None or doc is None:
        raise UserError(f"Không có nhiệm vụ #{task_id} trong sổ theo dõi.", hint="connector check")
    if not task.portal_ref:
        raise UserError(
            f"Nhiệm vụ #{task_id} chưa khớp với nhiệm vụ trên Phần mềm; chưa thể trả lại.",
            hint="connector sync",
        )
    portal.return_task(task.portal_ref, text)
    with register.write() as s:
        log_event(
            s,
            kind="returned",
            source="portal",
            document_ref=doc.number,
            document_id=doc.id,
            message=f"{actor} đã trả lại nhiệm vụ {doc.number or task_id} trên Phần mềm. Lý do: {text}",
            detail={"task_id": task_id, "portal_ref": task.portal_ref, "actor": actor, "reason": text},
        )


def _issuer_ids(pt: PortalTask, maps: Mappings) -> set[str]:
    """The portal's issuer as a register may hold it: its code (mappings/issuers.toml), its folded name."""
    ref, _issuer = maps.resolve_issuer(pt.issuer, pt.issued_on)
    return {x for x in (ref.code, fold(pt.issuer)) if x}


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"
