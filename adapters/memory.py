"""In-memory twins of the three ports: a Source, a Portal and a Notifier that live in a test's memory.

They are fakes, not mocks (vdirsyncer's `MemoryStorage`): each one keeps real state and passes the
same contract tests as the adapter it stands in for (tests/contracts/), so that core tests which
run on a twin prove something about the real adapters too. When a contract line changes, the twin
changes with it, never the other way round.

Beyond the port, each twin has a few plain methods a test uses to play the other side: put a
document into the source, change it, break it; see what the portal received; make the next call
fail the way the real system does (a `Transient` error, which the retry policy reads).

Imports only `connector.domain`, `connector.ports` and `connector.errors` (DESIGN §3).
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from connector.domain import Attachment, Message, PortalTask, RawDocument, Receipt, StatusUpdate
from connector.errors import (
    BadDocumentError,
    ConnectorError,
    MappingMismatchError,
    NotifierUnavailableError,
    PortalRejectedError,
    PortalUnavailableError,
    SourceUnavailableError,
)
from connector.ports import Batch, Failure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_RETURN_REASON = 10  # the portal refuses a shorter reason for sending a task back


def _now() -> datetime:
    return datetime.now(TZ)


def _norm(text: str | None) -> str:
    """NFC with whitespace runs folded: how the portal compares displayed values."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


class _Faults:
    """A queue of errors the next calls raise, one per call (a 500 burst, a dropped connection)."""

    def __init__(self) -> None:
        self._queue: list[ConnectorError] = []
        self._lock = threading.Lock()

    def add(self, exc: ConnectorError, times: int) -> None:
        with self._lock:
            self._queue.extend([exc] * times)

    def raise_next(self) -> None:
        with self._lock:
            exc = self._queue.pop(0) if self._queue else None
        if exc is not None:
            raise exc


# -- Source -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    seq: int
    doc: RawDocument | None
    error: BadDocumentError | None = None


class MemorySource:
    """`connector.ports.Source` over documents held in memory, in arrival order.

    The cursor is ``{"seq": n}``: the arrival number of the last document returned. Adding a
    document, or changing one (a new version, like an edXML update packet), gives it the next
    arrival number, so `poll(cursor)` returns exactly what arrived after the cursor, each ref once,
    in its latest version. The twin never returns overlap; the contract allows a real source to.
    """

    def __init__(self, name: str = "memory", documents: Iterable[RawDocument] = ()) -> None:
        self.name = name
        self.closed = 0
        self._entries: dict[str, _Entry] = {}
        self._seq = 0
        self._lock = threading.Lock()
        self._faults = _Faults()
        self.acknowledged: list[str] = []
        """Every ref passed to `acknowledge`, in call order (a test asserts on it)."""
        self.polls = 0
        for doc in documents:
            self.put(doc)

    def __repr__(self) -> str:
        return f"MemorySource(name={self.name!r}, documents={len(self._entries)})"

    # -- playing the other side -----------------------------------------------------------------

    def add(
        self,
        ref: str,
        body: str = "",
        *,
        metadata: Mapping[str, str] | None = None,
        attachments: Iterable[Attachment] = (),
    ) -> RawDocument:
        """A document arrives (or a new version of `ref`); returns it as `poll` will."""
        meta = dict(metadata or {})
        files = tuple(attachments)
        doc = RawDocument(self.name, ref, _now(), body, meta, files, _fingerprint(ref, body, meta, files))
        return self.put(doc)

    def put(self, doc: RawDocument) -> RawDocument:
        """Store a ready-made RawDocument as the next arrival (its `source` becomes this source's name)."""
        if doc.source != self.name:
            doc = replace(doc, source=self.name)
        if not doc.sha256:
            doc = replace(doc, sha256=_fingerprint(doc.source_ref, doc.body, doc.metadata, doc.attachments))
        with self._lock:
            self._seq += 1
            self._entries[doc.source_ref] = _Entry(self._seq, doc)
        return doc

    def modify(
        self, ref: str, *, body: str | None = None, metadata: Mapping[str, str] | None = None
    ) -> RawDocument:
        """A new version of an existing document: new sha256, new arrival number."""
        current = self._current(ref)
        return self.add(
            ref,
            current.body if body is None else body,
            metadata={**current.metadata, **(metadata or {})},
            attachments=current.attachments,
        )

    def break_document(self, ref: str, message: str) -> None:
        """The document `ref` arrives unreadable: `poll` lists it in `failed`, `fetch` raises."""
        with self._lock:
            self._seq += 1
            self._entries[ref] = _Entry(self._seq, None, BadDocumentError(message))

    def remove(self, ref: str) -> None:
        """The source no longer has `ref` (deleted on its side): `fetch` raises BadDocumentError."""
        with self._lock:
            self._entries.pop(ref, None)

    def fail_next(self, exc: ConnectorError | None = None, *, times: int = 1) -> None:
        """The next `times` calls of poll/fetch raise `exc` (default: the source is unavailable)."""
        self._faults.add(exc or SourceUnavailableError(f"Nguồn «{self.name}» không trả lời."), times)

    # -- the port --------------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> tuple[Batch, dict[str, Any]]:
        """Everything that arrived after `cursor` (all from an empty one); marks nothing."""
        self._faults.raise_next()
        after = _seq_of(cursor)
        with self._lock:
            self.polls += 1
            entries = sorted(
                ((ref, e) for ref, e in self._entries.items() if e.seq > after), key=lambda x: x[1].seq
            )
            high = max([after, *(e.seq for _, e in entries)])
        batch = Batch()
        for ref, entry in entries:
            if entry.doc is not None:
                batch.documents.append(replace(entry.doc, fetched_at=_now()))
            elif entry.error is not None:
                batch.failed.append(Failure(ref, entry.error))
        return batch, {"seq": high}

    def fetch(self, ref: str) -> RawDocument:
        """The current version of `ref`, or BadDocumentError when the source does not have it."""
        self._faults.raise_next()
        return replace(self._current(ref), fetched_at=_now())

    def acknowledge(self, refs: Iterable[str]) -> None:
        """Record the refs the core committed (a real source flags or moves them here)."""
        with self._lock:
            self.acknowledged.extend(refs)

    def close(self) -> None:
        """Nothing to release; counted so that a test can see the core closed the source."""
        self.closed += 1

    def _current(self, ref: str) -> RawDocument:
        with self._lock:
            entry = self._entries.get(ref)
        if entry is None:
            raise BadDocumentError(f"Nguồn «{self.name}» không còn văn bản «{ref}».")
        if entry.doc is None:
            raise entry.error or BadDocumentError(f"Văn bản «{ref}» của nguồn «{self.name}» bị hỏng.")
        return entry.doc


def _fingerprint(ref: str, body: str, meta: Mapping[str, str], files: tuple[Attachment, ...]) -> str:
    """One version's identity: same fields, text and files give the same sha256, as in eOffice."""
    canon = json.dumps(
        {
            "ref": ref,
            "meta": dict(meta),
            "body": body,
            "files": [[f.name, f.media_type, RawDocument.fingerprint(f.data)] for f in files],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return RawDocument.fingerprint(canon.encode())


def _seq_of(cursor: Mapping[str, Any]) -> int:
    try:
        return int(cursor.get("seq", 0) or 0)
    except (TypeError, ValueError):
        return 0


# -- Portal -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    """A task the clerk sent back, with the reason as submitted."""

    portal_ref: str
    reason: str


class MemoryPortal:
    """`connector.ports.Portal` over tasks held in memory, keyed by `portal_ref`.

    Like the real portal it keeps the completion date beside each task (not on `PortalTask`), hides
    returned tasks from the list but still shows their page, compares values as displayed (NFC,
    whitespace folded) to decide that a push changes nothing, and, when built with `labels`,
    refuses a status the portal does not offer with the same `MappingMismatchError` as `HttpPortal`.
    """

    def __init__(self, tasks: Iterable[PortalTask] = (), *, labels: Iterable[str] | None = None) -> None:
        self.closed = 0
        self._tasks: dict[str, PortalTask] = {}
        self._completed: dict[str, date | None] = {}
        self._returned: set[str] = set()
        self._labels = {_norm(label) for label in labels} if labels is not None else None
        self._lock = threading.Lock()
        self._faults = _Faults()
        self._fail_after_submit: list[ConnectorError] = []
        self.pushed: list[StatusUpdate] = []
        """Every update the portal accepted (an unchanged push is not one)."""
        self.returned: list[Returned] = []
        for task in tasks:
            self.put(task)

    def __repr__(self) -> str:
        return f"MemoryPortal(tasks={len(self._tasks)})"

    # -- playing the other side -----------------------------------------------------------------

    def put(self, task: PortalTask, *, completed_on: date | None = None) -> None:
        """A task appears on the portal (or is changed there by someone else)."""
        with self._lock:
            self._tasks[task.portal_ref] = task
            self._completed[task.portal_ref] = completed_on
            self._returned.discard(task.portal_ref)

    def completed_on(self, portal_ref: str) -> date | None:
        """The completion date the portal holds for a task."""
        self._task(portal_ref)
        return self._completed.get(portal_ref)

    def fail_next(
        self, exc: ConnectorError | None = None, *, times: int = 1, after_submit: bool = False
    ) -> None:
        """The next `times` calls raise `exc` (default: portal unavailable, a Transient error).

        With `after_submit` the next push is applied and *then* raises: the answer was lost on the
        way back, the case the outbox resolves by reading the portal before pushing again.
        """
        error = exc or PortalUnavailableError("Phần mềm theo dõi chỉ đạo điều hành không trả lời.")
        if after_submit:
            self._fail_after_submit.extend([error] * times)
        else:
            self._faults.add(error, times)

    # -- the port --------------------------------------------------------------------------------

    def list_tasks(self) -> Iterator[PortalTask]:
        """Every task not sent back, in the order they appeared."""
        self._faults.raise_next()
        with self._lock:
            tasks = [t for ref, t in self._tasks.items() if ref not in self._returned]
        yield from tasks

    def read(self, portal_ref: str) -> PortalTask:
        """The task's current value (returned tasks included, as their page still exists)."""
        self._faults.raise_next()
        return self._task(portal_ref)

    def push(self, update: StatusUpdate) -> Receipt:
        """Apply one update unless the portal already shows it; never retries by itself."""
        self._faults.raise_next()
        current = self._task(update.portal_ref)
        if self._labels is not None and _norm(update.status_label) not in self._labels:
            raise MappingMismatchError(
                f"Phần mềm không có trạng thái «{update.status_label}» trong ô chọn trạng thái; "
                "cần đối chiếu mappings/statuses.toml."
            )
        with self._lock:
            same = (
                _norm(current.status_label) == _norm(update.status_label)
                and _norm(current.progress_note) == _norm(update.progress_note)
                and self._completed.get(update.portal_ref) == update.completed_on
            )
            if same:
                return Receipt(
                    update.portal_ref,
                    current.status_label,
                    _now(),
                    sent=False,
                    detail={"engine": "memory", "reason": "unchanged"},
                )
            self._tasks[update.portal_ref] = replace(
                current, status_label=update.status_label, progress_note=update.progress_note
            )
            self._completed[update.portal_ref] = update.completed_on
            self.pushed.append(update)
            lost = self._fail_after_submit.pop(0) if self._fail_after_submit else None
        if lost is not None:
            raise lost
        return Receipt(
            update.portal_ref,
            update.status_label,
            _now(),
            sent=True,
            detail={"engine": "memory", "before": current.status_label},
        )

    def return_task(self, portal_ref: str, reason: str) -> None:
        """Send a task back with the clerk's reason; refused as the portal refuses it."""
        self._faults.raise_next()
        self._task(portal_ref)
        text = reason.replace("\r\n", "\n").strip()
        with self._lock:
            if portal_ref in self._returned:
                raise PortalRejectedError(
                    f"Phần mềm từ chối: nhiệm vụ {portal_ref} đã được trả lại trước đó."
                )
            if len(text) < MIN_RETURN_REASON:
                raise PortalRejectedError(
                    f"Phần mềm từ chối trả lại nhiệm vụ {portal_ref}: cần nêu rõ lý do "
                    f"(ít nhất {MIN_RETURN_REASON} ký tự)."
                )
            self._returned.add(portal_ref)
            self.returned.append(Returned(portal_ref, text))

    def close(self) -> None:
        """Nothing to release; counted so that a test can see the core closed the portal."""
        self.closed += 1

    def _task(self, portal_ref: str) -> PortalTask:
        with self._lock:
            task = self._tasks.get(portal_ref)
        if task is None:
            raise PortalRejectedError(f"Phần mềm không tìm thấy nhiệm vụ {portal_ref}.")
        return task


# -- Notifier ---------------------------------------------------------------------------------------


class MemoryNotifier:
    """`connector.ports.Notifier` that keeps every message it "delivers" in `sent`."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self._faults = _Faults()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryNotifier(sent={len(self.sent)})"

    def fail_next(self, exc: ConnectorError | None = None, *, times: int = 1) -> None:
        """The next `times` sends raise `exc` (default: the mail server is unavailable, Transient)."""
        self._faults.add(exc or _mail_unavailable(), times)

    def send(self, message: Message) -> None:
        """Deliver (record) one message, or raise without recording it."""
        self._faults.raise_next()
        with self._lock:
            self.sent.append(message)

    def close(self) -> None:
        """Nothing to release."""


def _mail_unavailable() -> ConnectorError:
    return NotifierUnavailableError("Máy chủ thư (SMTP) không trả lời; thư chưa được gửi.")


__all__ = ["MemoryNotifier", "MemoryPortal", "MemorySource", "Returned"]
