"""Import the office's Excel register: each row → a document and its task, once, whatever the re-runs.

Idempotent like intake (DESIGN §7): every row taken leaves an `IntakeItem` (source "excel",
source_ref = number key | issue date | hash of the task summary: its *content*, not its position,
so inserting a row above it changes nothing). A second import finds the ledger row and adds
nothing. A row whose directive is already in the register (same issuer, number key and issue
date — the intake merge key) joins that document: a task with the same summary is the same task;
a document that came by eOffice/edXML/mail keeps its own tasks (the row is linked, not added).
Rows of one document (one row per task, as offices keep it) become one document with several tasks.

Unknown issuers or units are kept as written and the row goes to review with a Vietnamese reason,
as intake does. Secret documents keep only the arrival notice. A row that cannot be taken (no
number and no summary, a date that is not a date, an unknown độ mật) is reported with its sheet,
row number and reason, and one sync-log event; nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from connector.clock import now
from connector.config import Profile
from connector.domain import number_key
from connector.mappings import Mappings
from connector.office.excel.cells import Record, parse_row
from connector.office.excel.reader import Sheet
from connector.office.excel.settings import ExcelMap
from connector.register.db import Register
from connector.register.queries import finish_run, log_event, start_run
from connector.register.tables import Document, IntakeItem, ReviewItem, Task
from connector.textfold import fold

SOURCE = "excel"
JOB = "import-excel"
Progress = Callable[[int, int | None], None]
_DONE, _NOT, _STARTED = fold("hoàn thành"), fold("chưa"), fold("đang thực hiện")
_BLOCKED, _HARD = fold("vướng mắc"), fold("khó khăn")


@dataclass
class ImportSummary:
    """How one import ended; `lines()` is what `connector import-excel` prints."""

    sheet: str
    taken: int = 0
    review: int = 0
    existing: int = 0
    merged: int = 0
    secret: int = 0
    blank: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    run_id: int | None = None

    def lines(self) -> list[str]:
        """Vietnamese summary, then one line per row that could not be taken, then what to do."""
        head = (
            f"Đã nhập {self.taken} dòng, bỏ qua {self.existing} dòng đã có, "
            f"{len(self.problems)} dòng không nhập được"
        )
        head += ":" if self.problems else "."
        out = [head]
        out += [f"  - trang «{self.sheet}», dòng {row}: {why}." for row, why in self.problems]
        extra = []
        if self.review:
            extra.append(f"{self.review} dòng cần văn thư kiểm tra (xem trang theo dõi, mục Chờ kiểm tra)")
        if self.merged:
            extra.append(f"{self.merged} dòng trùng văn bản đã nhận qua nguồn khác (đã gộp)")
        if self.secret:
            extra.append(f"{self.secret} văn bản mật (chỉ ghi thông báo đến)")
        if extra:
            out.append("Trong đó: " + "; ".join(extra) + ".")
        if self.problems:
            out.append(
                "Sửa các dòng trên trong tệp rồi chạy lại `connector import-excel` "
                "(dòng đã nhập không bị ghi trùng)."
            )
        return out


def row_ref(rec: Record) -> str:
    """The ledger key of a row: what it says, never where it sits in the sheet."""
    what = fold(rec.summary or rec.subject or "")
    digest = hashlib.sha256(f"{fold(rec.issuer or '')}|{what}".encode()).hexdigest()[:16]
    return f"{number_key(rec.number) or '-'}|{rec.issued_on.isoformat() if rec.issued_on else '-'}|{digest}"


class ExcelImport:
    """One import run of one sheet; each row in its own write transaction."""

    def __init__(
        self, register: Register, maps: Mappings, profile: Profile, xmap: ExcelMap, *, file_name: str
    ) -> None:
        self.register, self.maps, self.profile, self.xmap = register, maps, profile, xmap
        self.file_name = file_name
        self.run_id: int | None = None

    def run(self, sheet: Sheet, progress: Progress | None = None) -> ImportSummary:
        summary = ImportSummary(sheet=sheet.name, blank=sheet.blank)
        with self.register.write() as s:
            self.run_id = summary.run_id = start_run(s, JOB).id
        total = len(sheet.rows)
        _tick(progress, 0, total)
        for done, row in enumerate(sheet.rows, start=1):
            rec, problems = parse_row(row.cells, self.xmap)
            with self.register.write() as s:
                if problems:
                    self._problem(s, sheet.name, row.row, "; ".join(problems), rec)
                    summary.problems.append((row.row, "; ".join(problems)))
                else:
                    outcome = self._take(s, rec, row.row)
                    summary.taken += outcome in ("stored", "review", "secret", "merged")
                    summary.existing += outcome == "existing"
                    summary.review += outcome == "review"
                    summary.merged += outcome == "merged"
                    summary.secret += outcome == "secret"
            _tick(progress, done, total)
        with self.register.write() as s:
            counts = {
                "taken": summary.taken,
                "existing": summary.existing,
                "review": summary.review,
                "merged": summary.merged,
                "secret": summary.secret,
                "failed": len(summary.problems),
            }
            assert self.run_id is not None
            finish_run(s, self.run_id, outcome="partial" if summary.problems else "ok",
                       message=summary.lines()[0], counts=counts)  # fmt: skip
        return summary

    # -- one row --------------------------------------------------------------------------------

    def _take(self, s: Session, rec: Record, row: int) -> str:
        ref = row_ref(rec)
        item = s.exec(
            select(IntakeItem).where(IntakeItem.source == SOURCE, IntakeItem.source_ref == ref)
        ).first()
        at = now()
        if item is not None:
            item.last_seen = at
            s.add(item)
            return "existing"
        item = IntakeItem(source=SOURCE, source_ref=ref, first_seen=at, last_seen=at, attempts=1,
                          sha256=_row_hash(rec))  # fmt: skip
        resolved, issuer = self.maps.resolve_issuer(rec.issuer, rec.issued_on) if rec.issuer else (None, None)
        issuer_code = resolved.code if resolved else None
        origin = rec.origin or (issuer.origin if issuer else None)
        doc = self._twin(s, rec, issuer_code)
        label = f"số {rec.number}" if rec.number else f"dòng {row}"
        reasons: list[str] = []
        if rec.issuer and issuer_code is None:
            reasons.append(
                f"Cơ quan ban hành chưa có trong danh mục: '{rec.issuer}' (thêm vào mappings/issuers.toml)"
            )
        if doc is None:
            doc = Document(number=rec.number, number_key=number_key(rec.number), issuer_code=issuer_code,
                           issuer_name=rec.issuer, issued_on=rec.issued_on, received_on=rec.received_on,
                           urgency=str(rec.urgency) if rec.urgency else None,
                           origin=str(origin) if origin else None, created_at=at, updated_at=at)  # fmt: skip
            if rec.secrecy is not None:
                doc.secrecy, doc.state = str(rec.secrecy), "secret_notice"
            else:
                doc.subject, doc.normalised = rec.subject, _normalised(rec, resolved)
            s.add(doc)
            s.flush()
        elif doc.state == "secret_notice" or rec.secrecy is not None:
            return self._link(
                s, item, doc, "secret", row, label, "văn bản mật đã có thông báo đến; không ghi thêm"
            )
        assert doc.id is not None
        item.document_id = doc.id
        if rec.secrecy is not None:
            item.status = "secret"
            s.add(item)
            text = (
                f"VĂN BẢN {str(rec.secrecy).upper()} {label} (sổ Excel, dòng {row}): chỉ ghi thông báo "
                "đến, không lưu nội dung, không đưa lên Phần mềm. Việc cần làm: văn thư xử lý bản giấy "
                "theo quy định về bảo vệ bí mật nhà nước."
            )
            detail = {"row": row, "secrecy": str(rec.secrecy), "alert": "admin"}
            self._event(s, "secret", text, doc, level="warning", detail=detail)
            return "secret"
        tasks = list(s.exec(select(Task).where(Task.document_id == doc.id).order_by(Task.seq)))
        wanted = fold(rec.summary or rec.subject or "")
        if any(fold(t.summary) == wanted for t in tasks):
            return self._link(s, item, doc, "stored", row, label, "nhiệm vụ này đã có trong sổ theo dõi")
        others = s.exec(
            select(IntakeItem.source).where(IntakeItem.document_id == doc.id, IntakeItem.source != SOURCE)
        )
        if others.first() is not None:
            self._link(
                s, item, doc, "stored", row, label, "văn bản đã nhận qua nguồn khác; giữ các nhiệm vụ đã có"
            )
            return "merged"
        task, task_reasons = self._task(rec, doc, len(tasks) + 1, at)
        reasons += task_reasons
        task.needs_review = bool(reasons)  # nothing under review is pushed to the portal
        s.add(task)
        s.flush()
        if doc.normalised is not None:
            doc.normalised = {
                **doc.normalised,
                "tasks": [*doc.normalised.get("tasks", []), _task_json(rec, task)],
            }
        outcome = "review" if reasons else "stored"
        if reasons:
            self._review(s, doc, task, reasons)
        item.status = outcome
        s.add(item)
        s.add(doc)
        if outcome == "review":
            text = (f"Đã ghi {label} từ sổ Excel (dòng {row}); cần văn thư kiểm tra: {'; '.join(reasons)}. "
                    "Xác nhận trên trang theo dõi (mục Chờ kiểm tra), hoặc sửa tệp Excel và mappings/ "
                    "rồi nhập lại.")  # fmt: skip
        else:
            text = f"Đã ghi vào sổ theo dõi {label} từ sổ Excel (dòng {row}), nhiệm vụ {task.seq}."
        detail = {"row": row, "source_ref": item.source_ref, "task_id": task.id, "reasons": reasons}
        self._event(s, outcome, text, doc, detail=detail)
        return outcome

    def _task(self, rec: Record, doc: Document, seq: int, at: Any) -> tuple[Task, list[str]]:
        """The new task of a row, and why a clerk must check it (unknown units, done without a date)."""
        assert doc.id is not None
        reasons: list[str] = []
        when = rec.received_on or rec.issued_on
        lead = self.maps.resolve_unit(rec.lead_unit, on=when) if rec.lead_unit else None
        cooperating = [self.maps.resolve_unit(n, on=when) for n in rec.cooperating_units]
        for unit in [lead, *cooperating]:
            if unit is not None and unit.code is None:
                reasons.append(f"Đơn vị chưa có trong danh mục: '{unit.name}' (thêm vào mappings/units.toml)")
        known = self.maps.unit(lead.code) if lead and lead.code else None
        summary = rec.summary or rec.subject or ""
        task = Task(document_id=doc.id, seq=seq, summary=summary, lead_unit_code=lead.code if lead else None,
                    lead_unit_name=lead.name if lead else None,
                    handling_unit_code=known.code if known and known.kind == "internal" else None,
                    cooperating_units=[{"name": u.name, "code": u.code} for u in cooperating],
                    tracker=rec.tracker, deadline=rec.deadline, deadline_text=rec.deadline_text,
                    concerns_us=True, origin=doc.origin, progress_note=rec.progress_note,
                    needs_review=False, created_at=at, updated_at=at)  # fmt: skip
        status = fold(rec.status or "")
        if rec.completed_on is not None:
            task.completed_on = rec.completed_on
        elif _DONE in status and _NOT not in status:
            reasons.append(
                f"Sổ Excel ghi «{rec.status}» nhưng không có ngày hoàn thành: nhập ngày hoàn thành"
            )
        if _STARTED in status or task.completed_on is not None:
            task.started_on = (
                when  # the workbook keeps no start date; the day it arrived is the earliest true one
            )
        if _BLOCKED in status or _HARD in status:
            task.blocked_reason = rec.progress_note or rec.status
        if not rec.summary and not rec.subject:
            reasons.append("Dòng không có tóm tắt nhiệm vụ và trích yếu: nhập nội dung nhiệm vụ")
        task.needs_review = bool(reasons)
        return task, reasons

    def _twin(self, s: Session, rec: Record, issuer_code: str | None) -> Document | None:
        """The document with the intake merge key (issuer, number key, issue date), if stored."""
        key = number_key(rec.number)
        if not key or rec.issued_on is None or not (issuer_code or rec.issuer):
            return None
        stmt = select(Document).where(Document.number_key == key, Document.issued_on == rec.issued_on)
        if issuer_code:
            stmt = stmt.where(Document.issuer_code == issuer_code)
        else:
            stmt = stmt.where(Document.issuer_code == None, Document.issuer_name == rec.issuer)  # noqa: E711
        return s.exec(stmt.order_by(Document.id)).first()  # type: ignore[arg-type]

    def _link(
        self, s: Session, item: IntakeItem, doc: Document, status: str, row: int, label: str, why: str
    ) -> str:
        item.document_id, item.status = doc.id, status
        s.add(item)
        self._event(s, "stored", f"Dòng {row} của sổ Excel ({label}): {why}; không tạo bản trùng.", doc,
                    detail={"row": row, "source_ref": item.source_ref, "merged_into": doc.id})  # fmt: skip
        return "existing"

    def _review(self, s: Session, doc: Document, task: Task, reasons: list[str]) -> None:
        assert doc.id is not None
        open_item = s.exec(
            select(ReviewItem).where(ReviewItem.document_id == doc.id, ReviewItem.state == "open")
        ).first()
        if open_item is None:
            open_item = ReviewItem(
                document_id=doc.id, task_id=task.id, state="open", created_at=now(), reasons=[]
            )
        open_item.reasons = [
            *(open_item.reasons or []),
            *(r for r in reasons if r not in (open_item.reasons or [])),
        ]
        s.add(open_item)
        if doc.state == "registered":
            doc.state = "review"
        if doc.normalised is not None:
            doc.normalised = {
                **doc.normalised,
                "needs_review": True,
                "review_reasons": list(open_item.reasons),
            }

    def _problem(self, s: Session, sheet: str, row: int, why: str, rec: Record) -> None:
        text = (
            f"Không nhập được dòng {row}, trang «{sheet}» của tệp {self.file_name}: {why}. "
            f"Sửa dòng này trong tệp rồi chạy lại: connector import-excel {self.file_name}"
        )
        detail = {"sheet": sheet, "row": row, "file": self.file_name, "reason": why, "number": rec.number}
        self._event(s, "failed", text, None, level="error", detail=detail)

    def _event(self, s: Session, kind: str, message: str, doc: Document | None, *, level: str = "info",
               detail: dict[str, Any] | None = None) -> None:  # fmt: skip
        log_event(s, kind=kind, message=message, run_id=self.run_id, level=level, source=SOURCE,
                  document_ref=(doc.number if doc else None), document_id=(doc.id if doc else None),
                  detail=detail)  # fmt: skip


def _normalised(rec: Record, issuer: Any) -> dict[str, Any]:
    """The §9 object of a document built from the workbook (tasks are appended row by row)."""
    return {"number": rec.number, "issuer": {"name": rec.issuer, "code": issuer.code if issuer else None}
            if rec.issuer else None, "doc_type": None, "issued_on": _iso(rec.issued_on),
            "received_on": _iso(rec.received_on), "subject": rec.subject, "secrecy": None,
            "urgency": str(rec.urgency) if rec.urgency else None, "tasks": [], "needs_review": False,
            "review_reasons": [], "warnings": ["nhập từ sổ Excel"]}  # fmt: skip


def _task_json(rec: Record, task: Task) -> dict[str, Any]:
    return {"summary": task.summary, "lead_unit": {"name": task.lead_unit_name, "code": task.lead_unit_code}
            if task.lead_unit_name else None, "cooperating_units": list(task.cooperating_units or []),
            "deadline": _iso(task.deadline), "deadline_time": None, "deadline_text": task.deadline_text,
            "deadline_rule": None, "recurring": None, "concerns_us": True, "flags": []}  # fmt: skip


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _row_hash(rec: Record) -> str:
    return hashlib.sha256(repr(sorted(vars(rec).items())).encode()).hexdigest()


def _tick(progress: Progress | None, done: int, total: int) -> None:
    """Report progress; a broken display (a closed terminal) never stops the import."""
    if progress is None:
        return
    try:
        progress(done, total)
    except Exception:  # (a display problem only)
        return
