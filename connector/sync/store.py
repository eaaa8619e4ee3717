"""Writing one normalised document into the register: new, new version, merged route, or secret.

Called by `connector.sync.intake` inside the document's write transaction; it never commits and
decides nothing about the document: every fact (number, issuer, dates, origin, secrecy, the
handling unit, the tracker, the classification limit) comes decided from the normaliser. What
this module owns are the register's rules (DESIGN §7): the merge key (issuer, number key, issue
date), the task upsert by (document, seq) that never touches what a clerk recorded, one open
review item per document, and the arrival notice of a secret document with nothing of its
content. New versions, revocations and replacements (edXML business types) are in
`connector.sync.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from connector.clock import now
from connector.register.tables import Document, DocumentRevision, IntakeItem, ReviewItem, StatusChange, Task
from connector.sync import followups, lifecycle
from connector.sync.arrival import Arrival


class Store:
    """Writes one arrival (new, new version, merged or secret) in the arrival's session."""

    def __init__(self, arrival: Arrival) -> None:
        self.a = arrival
        self.s, self.raw, self.item, self.doc = arrival.s, arrival.raw, arrival.item, arrival.doc
        self.secrecy = arrival.doc.secrecy

    def run(self) -> str:
        """Write the arrival; the outcome for the run's counts ("stored", "review", "merged", …)."""
        s, item, a = self.s, self.item, self.a
        document = s.get(Document, item.document_id) if item.document_id else None
        if self.raw.metadata.get("business_type") == "revoke":
            return lifecycle.revoke(a, document or self._twin())
        if document is None:
            twin = self._twin()
            if twin is not None:
                outcome = self._merge(twin)
                lifecycle.replace(a, twin)
                return outcome
        is_new = document is None
        at = now()
        if document is None:
            document = Document(created_at=at, updated_at=at)
        previous = dict(document.normalised or {})
        if (
            not is_new
            and self.secrecy is None
            and document.secrecy is None
            and document.content_sha256
            and document.content_sha256 != self.raw.sha256
        ):
            lifecycle.revise(a, document)
        plan = followups.plan(a, document)  # may add review reasons: before anything is written
        self.doc = a.doc
        self._fill(document)
        s.add(document)
        s.flush()
        assert document.id is not None
        item.document_id = document.id
        item.sha256 = self.raw.sha256
        item.error = None
        item.attempts += 1
        item.last_seen = at
        if self.secrecy is not None:
            _drop_content(s, document)
            item.status = "secret"
            s.add(item)
            self._alert(document)
            lifecycle.replace(a, document)
            return "secret"
        self._tasks(document, previous, skip=plan.skip)
        outcome = self._review(document, is_new=is_new)
        item.status = outcome
        s.add(item)
        self._events(document, outcome, is_new=is_new)
        followups.apply(a, document, plan)
        lifecycle.replace(a, document)
        return outcome

    def _fill(self, document: Document) -> None:
        doc = self.doc
        document.number = doc.number
        document.number_key = self.a.key
        document.issuer_code = self.a.issuer_code
        document.issuer_name = self.a.issuer_name
        document.doc_type = doc.doc_type
        document.issued_on = doc.issued_on
        document.received_on = doc.received_on
        document.secrecy = str(doc.secrecy) if doc.secrecy else None
        document.urgency = str(doc.urgency) if doc.urgency else None
        document.origin = str(doc.origin) if doc.origin else None
        document.content_sha256 = self.raw.sha256
        document.text_from = self.raw.metadata.get("text_from")
        document.text_method = self.raw.metadata.get("text_method")
        document.updated_at = now()
        if doc.secrecy is not None:
            document.state = "secret_notice"
            return
        document.subject = doc.subject
        document.normalised = doc.to_json()
        if document.state not in lifecycle.ENDED:
            document.state = "review" if doc.needs_review else "registered"
        document.classify_due_on = doc.classify_due_on

    def _twin(self) -> Document | None:
        """The stored document this one duplicates (issuer, number key, issue date), if any."""
        a = self.a
        if not a.key or self.doc.issued_on is None or not (a.issuer_code or a.issuer_name):
            return None
        stmt = select(Document).where(Document.number_key == a.key, Document.issued_on == self.doc.issued_on)
        if a.issuer_code:
            stmt = stmt.where(Document.issuer_code == a.issuer_code)
        else:
            stmt = stmt.where(Document.issuer_code == None, Document.issuer_name == a.issuer_name)  # noqa: E711
        return self.s.exec(stmt.order_by(Document.id)).first()  # type: ignore[arg-type]

    def _merge(self, twin: Document) -> str:
        s, item = self.s, self.item
        assert twin.id is not None
        if self.secrecy is not None and twin.secrecy is None:
            twin.secrecy = str(self.secrecy)
            _drop_content(s, twin)
            self._alert(twin)
        item.document_id = twin.id
        item.sha256 = self.raw.sha256
        item.error = None
        item.attempts += 1
        item.last_seen = now()
        item.status = {"secret_notice": "secret", "review": "review"}.get(twin.state, "stored")
        s.add(item)
        s.flush()
        routes = sorted(
            f"{o.source}:{o.source_ref}"
            for o in s.exec(select(IntakeItem).where(IntakeItem.document_id == twin.id))
        )
        self.a.event(
            s,
            "stored",
            f"Văn bản {self.a.label} đã có trong sổ theo dõi (nhận qua đường khác); "
            f"đã gộp vào văn bản đã có, không tạo bản trùng.",
            document_ref=self.a.ref,
            document_id=twin.id,
            detail={
                "merged_into": twin.id,
                "route": f"{self.a.source}:{self.raw.source_ref}",
                "routes": routes,
            },
        )
        return "merged"

    def _tasks(self, document: Document, previous: Mapping[str, Any], *, skip: frozenset[int]) -> None:
        """Upsert by (document, seq); facts a clerk recorded (dates, progress) are never touched.

        A deadline is replaced only while it still equals what the last version of the document
        said: a deadline a clerk changed (an extension) stays. A task in `skip` (an earlier task
        the document states again, `connector.sync.followups`) is not created; one stored before
        is kept up to date, never deleted.
        """
        s = self.s
        rows = {t.seq: t for t in s.exec(select(Task).where(Task.document_id == document.id))}
        old = list(previous.get("tasks") or [])
        at = now()
        for seq, t in enumerate(self.doc.tasks, start=1):
            row = rows.get(seq)
            if row is None and seq in skip:
                continue
            if row is None:
                assert document.id is not None
                row = Task(document_id=document.id, seq=seq, summary=t.summary, deadline=t.deadline,
                           tracker=t.tracker, created_at=at)  # fmt: skip
                if t.facts is not None:  # what the source already records (a workbook's row)
                    row.started_on, row.completed_on = t.facts.started_on, t.facts.completed_on
                    row.blocked_reason, row.progress_note = t.facts.blocked_reason, t.progress_note
            elif seq <= len(old) and row.deadline == _date(old[seq - 1].get("deadline")):
                row.deadline = t.deadline
            row.summary = t.summary
            row.lead_unit_code = t.lead_unit.code if t.lead_unit else None
            row.lead_unit_name = t.lead_unit.name if t.lead_unit else None
            row.cooperating_units = [{"name": u.name, "code": u.code} for u in t.cooperating_units]
            row.deadline_time = t.deadline_time.strftime("%H:%M") if t.deadline_time else None
            row.deadline_text = t.deadline_text
            row.deadline_rule = dict(t.deadline_rule) if t.deadline_rule else None
            row.recurring = dict(t.recurring) if t.recurring else None
            row.concerns_us = t.concerns_us
            row.origin = document.origin
            row.needs_review = self.doc.needs_review
            row.updated_at = at
            if row.tracker is None:
                row.tracker = t.tracker
            if t.handling_unit is not None:  # a version without the bút phê keeps the earlier one
                row.handling_unit_code = t.handling_unit
            s.add(row)

    def _review(self, document: Document, *, is_new: bool) -> str:
        s, doc = self.s, self.doc
        stmt = select(ReviewItem).where(ReviewItem.document_id == document.id, ReviewItem.state == "open")
        open_item = None if is_new else s.exec(stmt).first()
        if doc.needs_review:
            assert document.id is not None
            if open_item is None:
                open_item = ReviewItem(document_id=document.id, state="open", created_at=now())
            open_item.reasons = list(doc.review_reasons)
            s.add(open_item)
            return "review"
        if open_item is not None:  # the new version no longer needs a clerk's check
            open_item.state = "resolved"
            open_item.resolved_at = now()
            open_item.resolved_by = "connector sync (phiên bản mới)"
            s.add(open_item)
        return "stored"

    def _events(self, document: Document, outcome: str, *, is_new: bool) -> None:
        doc = self.doc
        concerning = sum(t.concerns_us for t in doc.tasks)
        self.a.event(
            self.s,
            "fetched",
            f"Đã nhận văn bản {self.a.label} từ nguồn {self.a.source} (mã {self.raw.source_ref}).",
            document_ref=self.a.ref,
            document_id=document.id,
            detail={"source_ref": self.raw.source_ref, "sha256": self.raw.sha256},
        )
        self.a.event(
            self.s,
            "normalised",
            f"Đã chuẩn hóa văn bản {self.a.label}: {len(doc.tasks)} nhiệm vụ, "
            f"{concerning} nhiệm vụ liên quan Sở.",
            document_ref=self.a.ref,
            document_id=document.id,
            detail={"source_ref": self.raw.source_ref, "warnings": list(doc.warnings)},
        )
        version = "" if is_new else " (phiên bản mới)"
        due = f"hạn phân loại, cập nhật: {document.classify_due_on:%d/%m/%Y}"
        detail = {"document_id": document.id, "source_ref": self.raw.source_ref, "origin": document.origin,
                  "new": is_new}  # fmt: skip
        if outcome == "review":
            self.a.event(
                self.s,
                "review",
                f"Đã ghi văn bản {self.a.label}{version}; cần văn thư kiểm tra: "
                f"{'; '.join(doc.review_reasons)}. ({due}) Xác nhận trên trang theo dõi (mục Chờ kiểm tra), "
                f"hoặc sửa văn bản trên nguồn rồi chạy: connector rerun {self.a.ref}",
                document_ref=self.a.ref,
                document_id=document.id,
                detail={**detail, "reasons": list(doc.review_reasons)},
            )
            return
        self.a.event(
            self.s,
            "stored",
            f"Đã ghi vào sổ theo dõi văn bản {self.a.label}{version}; {due}.",
            document_ref=self.a.ref,
            document_id=document.id,
            detail=detail,
        )

    def _alert(self, document: Document) -> None:
        """Admin alert for a secret document (DESIGN §7); the notice fields only."""
        self.a.event(
            self.s,
            "secret",
            f"VĂN BẢN {str(self.secrecy).upper()} {self.a.label} đến qua nguồn {self.a.source}: "
            "chỉ ghi thông báo đến, không lưu nội dung, không đưa lên Phần mềm. Việc cần làm: văn thư "
            "xử lý bản giấy theo quy định về bảo vệ bí mật nhà nước.",
            level="warning",
            document_ref=self.a.ref,
            document_id=document.id,
            detail={
                "document_id": document.id,
                "source_ref": self.raw.source_ref,
                "secrecy": str(self.secrecy),
                "alert": "admin",
            },
        )


def _drop_content(s: Session, document: Document) -> None:
    """Keep only the arrival notice of a secret document (a task with recorded changes stays)."""
    document.subject = None
    document.normalised = None
    document.classify_due_on = None
    document.state = "secret_notice"
    s.add(document)
    if document.id is None:
        return
    for review in s.exec(select(ReviewItem).where(ReviewItem.document_id == document.id)):
        s.delete(review)
    for revision in s.exec(select(DocumentRevision).where(DocumentRevision.document_id == document.id)):
        s.delete(revision)  # earlier versions of a now-secret document keep nothing either
    s.flush()
    for task in s.exec(select(Task).where(Task.document_id == document.id)):
        changes = s.exec(
            select(func.count()).select_from(StatusChange).where(StatusChange.task_id == task.id)
        )
        if not changes.one():
            s.delete(task)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
