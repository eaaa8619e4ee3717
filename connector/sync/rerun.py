"""`connector rerun REF` and the dashboard's re-run button: one document again, nothing else touched.

A clerk fixes a document at its source (or the normaliser's mappings) and wants the register to
follow now, not at the next poll. `rerun_document` finds the document (number, source reference
or task id, via `connector.register.views.find_documents`), picks the route it arrived by (the one that
last succeeded), `fetch`es it from that source and sends it through `Intake.handle_document`, the
very path a poll uses: deduplication, new versions (a `DocumentRevision`), review and secrecy
behave identically. Then only this document's tasks are pushed to the portal.

It runs beside `connector run`: no lock file, only the register's short write transactions (one for
the run row, one for the document, one per pushed task), each waiting out the busy timeout if the
service is writing at that moment. Everything is recorded as a `SyncRun` with job "rerun".

Nothing here prints: the command line (`connector.cli.rerun`) and the dashboard render the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.errors import ConnectorError, UserError, to_message
from connector.mappings import Mappings
from connector.ports import Adapters, Portal
from connector.register.db import Register
from connector.register.queries import finish_run, log_event, start_run
from connector.register.tables import Document, IntakeItem, OutboxItem, Task
from connector.register.views import find_documents
from connector.sync.changes import Change, diff, flatten
from connector.sync.intake import DONE, Intake
from connector.sync.outbox import PushSummary, push_outbox

OUTCOME_TEXT = {
    "stored": "đã ghi lại vào sổ theo dõi",
    "review": "đã ghi lại; cần văn thư kiểm tra",
    "unchanged": "văn bản trên nguồn không đổi so với lần nhận trước",
    "merged": "trùng văn bản đã có (nhận qua đường khác); nội dung không ghi đè",
    "secret": "văn bản mật: chỉ giữ thông báo đến",
    "revoked": "văn bản đã bị thu hồi",
    "failed": "không đưa được vào sổ theo dõi",
}


@dataclass
class RerunResult:
    """What a re-run did: the document, what changed, how intake and the push ended, in Vietnamese."""

    ref: str
    source: str
    source_ref: str
    document_id: int | None = None
    number: str | None = None
    outcome: str = "failed"
    changes: list[Change] = field(default_factory=list)
    pushed: int = 0
    push: PushSummary | None = None
    push_failed: bool = False
    run_id: int | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the document is in the register as fetched and its push did not fail."""
        return self.outcome != "failed" and not self.push_failed


class RerunNotFoundError(UserError):
    """The REF names nothing in the register (or several documents)."""

    hint = "connector log --failed"


@dataclass(frozen=True)
class _Route:
    source: str
    source_ref: str
    document_id: int | None
    number: str | None


def rerun_document(
    register: Register,
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    ref: str,
    *,
    adapters: Adapters,
) -> RerunResult:
    """Fetch the document `ref` names again, store it like a poll would, push only its tasks.

    Raises `RerunNotFoundError` (a `UserError`) when `ref` matches no document or several, and
    `UserError` when none of its sources is configured any more; any later problem (the source
    is down, the document was withdrawn, the portal refused) is in the result and the sync log.
    """
    route = _route(register, cfg, ref)
    result = RerunResult(
        ref=ref,
        source=route.source,
        source_ref=route.source_ref,
        document_id=route.document_id,
        number=route.number,
    )
    before = _snapshot(register, route.document_id)
    with register.write() as s:
        run = start_run(s, "rerun")
        result.run_id = run.id
        log_event(
            s,
            kind="rerun",
            run_id=run.id,
            source=route.source,
            document_ref=route.number or ref,
            document_id=route.document_id,
            message=f"Chạy lại văn bản {route.number or ref}: đọc lại mã {route.source_ref} "
            f"từ nguồn {route.source} (connector rerun {ref}).",
        )
    try:
        _intake(register, cfg, maps, cal, route, result, adapters)
        if result.outcome != "failed":
            result.changes = diff(before, _snapshot(register, result.document_id))
            _push(register, cfg, maps, cal, result, adapters)
    except ConnectorError as exc:  # the source could not be built or read: recorded, not raised
        result.outcome = "failed"
        text = to_message(exc)
        result.messages.append(
            f"Không đọc lại được văn bản {route.number or ref} từ nguồn {route.source}: {text}"
        )
    finally:
        _close(register, result)
    return result


# -- finding the document and its route ---------------------------------------------------------


def _route(register: Register, cfg: Config, ref: str) -> _Route:
    configured = {s.name for s in cfg.settings.source}
    with register.read() as s:
        docs = find_documents(s, ref)
        if len(docs) > 1:
            listed = "; ".join(
                f"số {d.number or '(không số)'} ngày {_d(d.issued_on)} (mã #{d.id})" for d in docs
            )
            raise RerunNotFoundError(
                f"«{ref}» khớp với {len(docs)} văn bản: {listed}. Hãy ghi rõ hơn, ví dụ mã văn bản trên "
                "nguồn hoặc số nhiệm vụ (xem bằng connector log --doc).",
                hint=f"connector log --doc {ref}",
            )
        if docs:
            doc = docs[0]
            stmt = select(IntakeItem).where(IntakeItem.document_id == doc.id)
            items = list(s.exec(stmt.order_by(col(IntakeItem.last_seen).desc())))
            number = doc.number
        else:  # an item that never became a document (it failed): its ledger row by source ref
            items = list(s.exec(select(IntakeItem).where(IntakeItem.source_ref == ref.strip())))
            number = None
    if not items:
        raise RerunNotFoundError(
            f"Không tìm thấy «{ref}» trong sổ theo dõi: đã tìm theo số hiệu văn bản, mã văn bản trên nguồn "
            "và số nhiệm vụ. Hãy kiểm tra lại cách ghi (ví dụ 1234/UBND-NNTN) hoặc xem các văn bản lỗi."
        )
    items.sort(key=lambda i: (i.status in DONE, i.last_seen), reverse=True)  # last success first
    usable = [i for i in items if i.source in configured]
    if not usable:
        routes = ", ".join(f"{i.source}:{i.source_ref}" for i in items)
        known = ", ".join(sorted(configured)) or "(chưa khai báo nguồn nào)"
        raise UserError(
            f"Văn bản «{ref}» đến qua {routes}, nhưng nguồn đó không còn trong config.toml "
            f"(các nguồn đang khai báo: {known}); không đọc lại được.",
            hint="connector check",
        )
    item = usable[0]
    return _Route(item.source, item.source_ref, item.document_id, number)


# -- intake ---------------------------------------------------------------------------------------


def _intake(
    register: Register,
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    route: _Route,
    result: RerunResult,
    adapters: Adapters,
) -> None:
    source = adapters.source(route.source)
    try:
        try:
            raw = source.fetch(route.source_ref)
        except ConnectorError as exc:
            result.outcome = "failed"
            _event(
                register,
                result,
                "failed",
                "error",
                f"Không đọc lại được văn bản mã {route.source_ref} từ nguồn {route.source}: "
                f"{to_message(exc)}",
            )
            result.messages.append(f"Nguồn {route.source} không trả văn bản: {to_message(exc)}")
            return
        intake = Intake(register, source, maps, cal, cfg.profile, read=adapters.text_reader())
        intake.summary.run_id = result.run_id
        intake.log = intake.log.bind(run_id=result.run_id, job="rerun")
        result.outcome = intake.handle_document(raw)
    finally:
        source.close()
    with register.read() as s:
        stmt = select(IntakeItem).where(
            IntakeItem.source == route.source, IntakeItem.source_ref == route.source_ref
        )
        item = s.exec(stmt).first()
        doc = s.get(Document, item.document_id) if item and item.document_id else None
    if doc is not None:
        result.document_id, result.number = doc.id, doc.number or result.number
    words = OUTCOME_TEXT.get(result.outcome, result.outcome)
    result.messages.append(f"Văn bản {result.number or route.source_ref}: {words}.")
    if result.outcome == "failed" and item is not None and item.error:
        result.messages.append(item.error)


# -- what changed ---------------------------------------------------------------------------------


def _snapshot(register: Register, document_id: int | None) -> dict[str, str | None]:
    if document_id is None:
        return {}
    with register.read() as s:
        doc = s.get(Document, document_id)
    if doc is None:
        return {}
    data: Mapping[str, Any] = doc.normalised or {
        "number": doc.number,
        "issuer": {"name": doc.issuer_name},
        "doc_type": doc.doc_type,
        "issued_on": doc.issued_on,
        "received_on": doc.received_on,
        "subject": doc.subject,
        "secrecy": doc.secrecy,
        "urgency": doc.urgency,
        "tasks": [],
    }
    return flatten(data)


# -- push -----------------------------------------------------------------------------------------


def _push(
    register: Register,
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    result: RerunResult,
    adapters: Adapters,
) -> None:
    """Push this document's open outbox rows now; rows that failed or wait for a retry go again."""
    settings = cfg.settings.portal
    if result.document_id is None or settings is None or not settings.enabled:
        return
    with register.write() as s:
        task_ids = [t for t in s.exec(select(Task.id).where(Task.document_id == result.document_id)) if t]
        stmt = select(OutboxItem).where(col(OutboxItem.task_id).in_(task_ids), OutboxItem.state != "pushed")
        for row in s.exec(stmt):
            if row.state == "failed" or row.next_attempt_at is not None:
                row.state, row.next_attempt_at = "pending", None
                s.add(row)
    if not task_ids:
        return
    portal: Portal | None = None
    try:
        portal = adapters.portal()
        at = clock.now()
        summary = push_outbox(
            register,
            portal,
            maps,
            cal,
            today=at.date(),
            origins=cfg.profile.portal_origins,
            now=at,
            task_ids=task_ids,
            run_id=result.run_id,
        )
    except ConnectorError as exc:
        result.push_failed = True
        text = f"Chưa cập nhật được Phần mềm: {to_message(exc)}"
        result.messages.append(text)
        _event(register, result, "push_failed", "error", text)
        return
    finally:
        if portal is not None:
            portal.close()
    result.push = summary
    result.pushed = summary.pushed
    result.push_failed = bool(summary.failed or summary.mapping_broken or summary.stopped)
    result.messages.append(summary.line())
    if summary.message:
        result.messages.append(summary.message)


# -- the run --------------------------------------------------------------------------------------


def _event(register: Register, result: RerunResult, kind: str, level: str, message: str) -> None:
    with register.write() as s:
        log_event(
            s,
            kind=kind,
            level=level,
            run_id=result.run_id,
            source=result.source,
            document_ref=result.number or result.source_ref,
            document_id=result.document_id,
            message=message,
        )


def _close(register: Register, result: RerunResult) -> None:
    """The closing event (the changes, in the detail) and the run's outcome, in one transaction."""
    if result.run_id is None:
        return
    name = result.number or result.source_ref
    if result.outcome == "failed":
        summary = f"Chạy lại văn bản {name} không thành công. Sửa rồi chạy lại: connector rerun {result.ref}"
    elif result.changes:
        summary = f"Chạy lại văn bản {name}: {len(result.changes)} thông tin thay đổi ({_fields(result)})."
    else:
        summary = f"Chạy lại văn bản {name}: không có gì thay đổi."
    outcome = "failed" if result.outcome == "failed" else ("partial" if result.push_failed else "ok")
    counts = {"changes": len(result.changes), "pushed": result.pushed}
    with register.write() as s:
        log_event(
            s,
            kind="rerun",
            level="error" if outcome == "failed" else "info",
            run_id=result.run_id,
            source=result.source,
            document_ref=name,
            document_id=result.document_id,
            message=summary,
            detail={
                "outcome": result.outcome,
                "changes": [list(c) for c in result.changes],
                "pushed": result.pushed,
            },
        )
        finish_run(s, result.run_id, outcome=outcome, message=summary, counts=counts)


def _fields(result: RerunResult) -> str:
    labels = list(dict.fromkeys(c.label for c in result.changes))
    return ", ".join(labels[:5]) + (", …" if len(labels) > 5 else "")


def _d(day: Any) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"
