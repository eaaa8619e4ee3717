"""What happens to a stored document after it arrives: a new version, a revocation, a replacement.

Called by `connector.sync.store.Store` with the `Arrival` it writes, inside the document's write
transaction; never commits.

- New version (a changed sha256 for the same (source, source_ref), e.g. an edXML "update"
  packet): the previous version's normalised JSON and sha256 are first copied into
  `document_revisions`, then the document is rewritten as before (clerk facts untouched).
- Revoke (edXML business type 1): the document, found by (source, source_ref) or else by the
  merge key, becomes state "revoked"; its row, tasks and history stay; pending outbox rows of its
  tasks are held (the uploader keeps them held). A revoke for a document the register does not
  have is ledgered "review" with the reason, for a clerk.
- Replace (business type 3, `replaces_ref`): the new document is stored normally and the one it
  replaces becomes state "replaced", with an event naming both.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import col, select

from connector.clock import now
from connector.domain import number_key
from connector.register.tables import Document, DocumentRevision, IntakeItem, OutboxItem, Task
from connector.sync.arrival import Arrival
from connector.sync.outbox import HOLD_REVOKED

ENDED = frozenset({"revoked", "replaced"})
"""Document states a later version of the same document does not undo."""


def revise(a: Arrival, document: Document) -> None:
    """Copy the stored version of `document` into `document_revisions` before it is rewritten."""
    s = a.s
    stmt = select(IntakeItem).where(
        IntakeItem.document_id == document.id, IntakeItem.sha256 == document.content_sha256
    )
    route = s.exec(stmt.order_by(col(IntakeItem.id))).first() or a.item
    assert document.id is not None
    s.add(
        DocumentRevision(
            document_id=document.id,
            source=route.source,
            source_ref=route.source_ref,
            sha256=document.content_sha256,
            normalised=dict(document.normalised) if document.normalised is not None else None,
            received_at=document.updated_at,
            replaced_at=now(),
        )
    )
    s.flush()
    count = s.exec(
        select(func.count()).select_from(DocumentRevision).where(DocumentRevision.document_id == document.id)
    ).one()
    a.event(
        s,
        "revised",
        f"Văn bản {a.label} có phiên bản mới (nguồn {a.source}); đã lưu phiên bản trước vào lịch sử "
        f"sửa đổi (lần thứ {count}), các thông tin văn thư đã ghi được giữ nguyên.",
        document_ref=a.ref,
        document_id=document.id,
        detail={
            "document_id": document.id,
            "previous_sha256": document.content_sha256,
            "sha256": a.raw.sha256,
            "revisions": count,
        },
    )


def revoke(a: Arrival, document: Document | None) -> str:
    """Mark `document` revoked and hold its pending pushes; the outcome for the run's counts."""
    s, item, raw = a.s, a.item, a.raw
    packet = raw.metadata.get("document_id") or raw.source_ref
    reason = raw.metadata.get("business_reason") or ""
    item.sha256 = raw.sha256
    item.attempts += 1
    item.last_seen = now()
    item.error = None
    if document is None:
        text = (
            f"Gói tin {packet} thu hồi văn bản {a.label}, nhưng sổ theo dõi chưa có văn bản này. "
            "Việc cần làm: văn thư kiểm tra văn bản gốc đã về chưa (có thể đến qua đường khác) "
            "và xử lý việc thu hồi bằng tay."
        )
        item.status = "review"
        item.error = text
        s.add(item)
        a.event(s, "review", text, level="warning", document_ref=a.ref,
                   detail={"source_ref": raw.source_ref, "business_type": "revoke"})  # fmt: skip
        return "review"
    assert document.id is not None
    item.document_id = document.id
    item.status = "revoked"
    s.add(item)
    if document.state == "revoked":
        return "unchanged"
    document.state = "revoked"
    document.updated_at = now()
    s.add(document)
    tasks = select(Task.id).where(Task.document_id == document.id)
    rows = list(
        s.exec(select(OutboxItem).where(col(OutboxItem.task_id).in_(tasks), OutboxItem.state == "pending"))
    )
    for row in rows:
        row.state = "held"
        row.last_error = HOLD_REVOKED
        s.add(row)
    number = document.number or raw.source_ref
    why = f" (lý do: {reason})" if reason else ""
    a.event(
        s,
        "revoked",
        f"Văn bản số {number} đã bị thu hồi theo gói tin {packet}{why}; các nhiệm vụ của văn bản "
        f"không còn được theo dõi. {len(rows)} cập nhật đang chờ gửi lên Phần mềm đã được giữ lại.",
        level="warning",
        document_ref=document.number or a.ref,
        document_id=document.id,
        detail={
            "document_id": document.id,
            "packet": packet,
            "source_ref": raw.source_ref,
            "held_outbox": [r.id for r in rows],
        },
    )
    return "revoked"


def replace(a: Arrival, new: Document) -> None:
    """Mark each document named in `replaces_ref` as replaced by `new` (a replace packet only)."""
    meta = a.raw.metadata
    if meta.get("business_type") != "replace" or not meta.get("replaces_ref"):
        return
    s = a.s
    for ref in str(meta["replaces_ref"]).split("; "):
        old = _find(a, ref)
        if old is None or old.id == new.id:
            a.event(
                s,
                "review",
                f"Văn bản {a.label} thay thế văn bản mã {ref}, nhưng sổ theo dõi chưa có văn bản đó. "
                "Việc cần làm: văn thư kiểm tra và đánh dấu văn bản bị thay thế bằng tay.",
                level="warning",
                document_ref=a.ref,
                document_id=new.id,
                detail={"replaced_by": new.id, "replaces_ref": ref},
            )
            continue
        if old.state == "replaced":
            continue
        old.state = "replaced"
        old.updated_at = now()
        s.add(old)
        a.event(
            s,
            "replaced",
            f"Văn bản số {old.number or ref} đã được thay thế bởi văn bản {a.label}; "
            "theo dõi nhiệm vụ theo văn bản thay thế.",
            document_ref=old.number or ref,
            document_id=old.id,
            detail={"replaced_by": new.id, "replaced": old.id, "replaces_ref": ref},
        )


def _find(a: Arrival, ref: str) -> Document | None:
    """The document an edXML DocumentId names: by ledger (same source), else by merge key."""
    s = a.s
    stmt = select(IntakeItem.document_id).where(IntakeItem.source == a.source, IntakeItem.source_ref == ref)
    doc_id = s.exec(stmt).first()
    if doc_id is not None:
        return s.get(Document, doc_id)
    parts = ref.split(",", 2)  # OrganId,yyyy/mm/dd,number (QCVN 102:2016)
    if len(parts) != 3:
        return None
    try:
        issued = date.fromisoformat(parts[1].strip().replace("/", "-"))
    except ValueError:
        return None
    q = select(Document).where(Document.number_key == number_key(parts[2]), Document.issued_on == issued)
    if a.issuer_code:
        q = q.where(Document.issuer_code == a.issuer_code)
    return s.exec(q.order_by(col(Document.id))).first()
