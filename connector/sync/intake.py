"""Intake: poll a source, keep the ledger, normalise, write the register; the cursor moves last.

One run of one source (a `SyncRun` with job ``poll:<source>``):

1. read the source's stored cursor (or a cursor built from ``--since``) and call `poll(cursor)`;
2. for every document, its text taken wherever it is (`connector.sync.reading`), then ONE write
   transaction: the ledger row (`IntakeItem`, unique per
   (source, source_ref), paperless-ngx's ProcessedMail), the `Document`, its `Task`s, a
   `ReviewItem` when the normaliser was unsure, and the Vietnamese sync-log events. A document
   already handled with the same sha256 is skipped ("unchanged");
3. items the source could not read (`Batch.failed`) and documents the normaliser rejected are
   ledgered as "failed" with the Vietnamese error and an error event; the run goes on. Items
   that failed in earlier runs are fetched again by ref (`source.fetch`), up to MAX_ATTEMPTS;
4. last, in its own transaction, the new cursor and the run's outcome. A `kill -9` anywhere
   leaves the cursor at or behind the committed data (dlt), and the ledger makes the repeat a
   no-op: nothing is lost and nothing is stored twice (DESIGN §7).

The cursor is saved even when some documents failed: the eOffice adapter keeps failed refs out of
its `seen` list and lists them again on every poll while they are inside its overlap window, the
ledger's failed items are re-fetched by ref after that, and holding the cursor back for one
broken record would re-read everything after it forever.

A run-level error (the page no longer matches its recipe, credentials refused, the source down
after retries) ends the run "failed" and leaves the cursor where it was.

One directive arriving by several routes (eOffice and an edXML packet, two mailboxes) is one
`Document`: same issuer, same number (upper-cased, spaces removed, Đ folded to D) and same issue
date. The later route is linked to it and noted in the event; its content does not overwrite.

Secret documents (Mật, Tối mật, Tuyệt mật) keep only the arrival notice (number, issuer, dates,
secrecy, urgency, type): no subject, no tasks, no normalised content, and an admin alert event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from connector.calendar import WorkingCalendar
from connector.clock import now, today
from connector.config import Profile
from connector.domain import RawDocument
from connector.errors import ConnectorError, RegisterError, Skippable, to_message
from connector.log import get_logger
from connector.mappings import Mappings
from connector.normalise import normalise
from connector.ports import Batch, Failure, Source, TextReader
from connector.register.db import Register
from connector.register.queries import load_cursor, log_event, save_cursor, start_run
from connector.register.tables import IntakeItem, SyncRun
from connector.sync.arrival import Arrival
from connector.sync.reading import with_text
from connector.sync.store import Store

COUNT_KEYS = ("fetched", "stored", "review", "secret", "unchanged", "failed", "merged", "revoked")
MAX_ATTEMPTS = 5
"""How many times an item that failed is fetched again by ref in later runs before a person must act."""
DONE = frozenset({"stored", "review", "secret", "revoked"})
"""Ledger states after which an unchanged document (same sha256) is not handled again."""

Progress = Callable[[int, int | None], None]
"""Called with (items handled so far, total or None when the source cannot say) after each item."""


@dataclass
class RunSummary:
    """How one intake run of one source ended; `line()` is what `connector sync` prints."""

    source: str
    outcome: str = "running"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    run_id: int | None = None
    message: str | None = None
    outcomes: dict[str, str] = field(default_factory=dict)
    """How each item of this run ended, by source ref ("stored", "unchanged", "failed", …)."""

    @property
    def failed(self) -> bool:
        """True when the run itself failed (a source error, not one bad document)."""
        return self.outcome == "failed"

    def line(self) -> str:
        """One Vietnamese line for the clerk: new, to review, secret, errors (+ unchanged, merged)."""
        c = self.counts
        if self.failed:
            return f"{self.source}: lần đồng bộ không hoàn thành, vị trí đọc giữ nguyên."
        new = c["stored"] + c["review"] + c["secret"]
        text = (
            f"{self.source}: {new} văn bản mới, {c['review']} cần kiểm tra, "
            f"{c['secret']} văn bản mật (chỉ ghi thông báo đến), {c['failed']} lỗi"
        )
        if c["merged"]:
            text += f", {c['merged']} trùng văn bản đã có (đã gộp)"
        if c["revoked"]:
            text += f", {c['revoked']} văn bản bị thu hồi"
        if c["unchanged"]:
            text += f", {c['unchanged']} không đổi"
        return text


def failure_text(exc: BaseException, source: str, advice: str | None = None) -> str:
    """The Vietnamese sentence for one document that could not be handled, and what to do."""
    first = to_message(exc).split("\nViệc cần làm:", 1)[0]
    if advice:
        return f"{first}\nViệc cần làm: {advice}"
    return (
        f"{first}\nViệc cần làm: xem nhật ký đồng bộ; nếu văn bản trên nguồn bị lỗi, đề nghị nơi gửi "
        f"sửa lại. Văn bản được đọc lại ở lần chạy `connector sync {source}` sau."
    )


def sync_source(
    register: Register,
    source: Source,
    maps: Mappings,
    cal: WorkingCalendar,
    profile: Profile,
    *,
    read: TextReader,
    since: date | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    job: str | None = None,
) -> RunSummary:
    """One intake run of `source` (see the module docstring); never raises for a source error.

    With `since`, the stored cursor is ignored and the source is read from that date (backfill);
    the resulting cursor is stored as usual. Only a register that refuses every write raises.
    `progress(done, total)` is called once the source has answered and after every item handled
    (a progress bar; `connector sync` draws one on a terminal). `stop()` true (the service is
    shutting down) ends the run after the current document, the cursor left where it was.
    """
    intake = Intake(register, source, maps, cal, profile, read=read, progress=progress, stop=stop)
    return intake.run(since, job=job or f"poll:{source.name}")


class Intake:
    """One run of one source; each document's `Arrival` carries `event`, its sync-log writer."""

    def __init__(
        self,
        register: Register,
        source: Source,
        maps: Mappings,
        cal: WorkingCalendar,
        profile: Profile,
        *,
        read: TextReader,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.stop = stop
        self.read = read
        self.register = register
        self.source = source
        self.name = source.name
        self.maps = maps
        self.cal = cal
        self.profile = profile
        self.our_units = frozenset(profile.our_units)
        self.lead_only = profile.concerns_us_when == "lead_only"
        limits = profile.time_limits
        self.classify_days = (limits.classify_working_days, limits.classify_working_days_complex)
        self.summary = RunSummary(source=self.name)
        self.committed: list[str] = []
        self.log = get_logger("connector.sync").bind(source=self.name)
        self.progress = progress
        self.total: int | None = None

    # -- the run ------------------------------------------------------------------------------

    def run(self, since: date | None, *, job: str) -> RunSummary:
        with self.register.write() as s:
            run = start_run(s, job)
            cursor: Mapping[str, Any] = (
                {"received_since": since.isoformat()} if since else load_cursor(s, self.name)
            )
        self.summary.run_id = run.id
        self.log = self.log.bind(run_id=run.id)
        try:
            batch, new_cursor = self.source.poll(cursor)
            failures = list(batch.failed) if isinstance(batch, Batch) else []
            found = len(batch) if isinstance(batch, Sized) else None
            with self.register.write() as s:
                self.event(
                    s,
                    "fetched",
                    f"Đọc nguồn {self.name}: {found if found is not None else 'một số'} văn bản, "
                    f"{len(failures)} văn bản không đọc được.",
                    detail={"cursor_before": dict(cursor), "documents": found, "unreadable": len(failures)},
                )
            handled: set[str] = set()
            self.total = None if found is None else found + len(failures)
            self._tick()
            for raw in batch:
                if self.stop is not None and self.stop():
                    return self._stopped()
                self.summary.counts["fetched"] += 1
                handled.add(raw.source_ref)
                self._one(raw)
                self._tick()
            for failure in failures:
                self.summary.counts["fetched"] += 1
                handled.add(str(failure.ref))
                self._failed_ref(str(failure.ref), failure.error, failure)
                self._tick()
            if not (isinstance(batch, Batch) and batch.complete):
                self._retry_failed(handled)
            self._finish(new_cursor)
        except Exception as exc:  # (a run-level error ends this run, not the program)
            self._abort(exc)
        return self.summary

    def _retry_failed(self, handled: set[str]) -> None:
        """Fetch again, by ref, items that failed in earlier runs (at most MAX_ATTEMPTS times each).

        The cursor moves past a failed item (see the module docstring); this is what still brings
        it in once the sender or the source has fixed it, even after it left the overlap window.
        """
        with self.register.read() as s:
            stmt = select(IntakeItem.source_ref).where(
                IntakeItem.source == self.name,
                IntakeItem.status == "failed",
                IntakeItem.attempts < MAX_ATTEMPTS,
            )
            refs = [r for r in s.exec(stmt) if r not in handled]
        if refs and self.total is not None:
            self.total += len(refs)
            self._tick()
        for ref in refs:
            self.summary.counts["fetched"] += 1
            try:
                raw = self.source.fetch(ref)
            except Exception as exc:
                if not isinstance(exc, Skippable):
                    raise
                self._failed_ref(ref, exc)
            else:
                self._one(raw)
            self._tick()

    def _tick(self) -> None:
        """Report progress; a broken progress display never stops the run."""
        if self.progress is None:
            return
        try:
            self.progress(self.summary.counts["fetched"], self.total)
        except Exception:  # (a display problem, e.g. a closed terminal)
            self.log.warning("progress_failed")
            self.progress = None

    def _finish(self, cursor: Mapping[str, Any]) -> None:
        """Cursor and outcome together, after every document before them is committed."""
        c = self.summary.counts
        self.summary.outcome = "partial" if c["failed"] else "ok"
        with self.register.write() as s:
            save_cursor(s, self.name, cursor)
            self._close_run(s, self.summary.line())
        self.log.info("run_finished", outcome=self.summary.outcome, counts=dict(c))
        acknowledge = getattr(self.source, "acknowledge", None)
        if acknowledge is not None and self.committed:
            try:
                acknowledge(list(self.committed))
            except ConnectorError as exc:  # the documents are safe; the source will show them again
                self.log.warning("acknowledge_failed", error=exc.message)

    def _stopped(self) -> RunSummary:
        """The service is shutting down: close the run, keep the cursor (the ledger skips what is in)."""
        self.summary.outcome = "partial"
        self.summary.message = (
            "Dừng giữa chừng vì dịch vụ đang tắt; vị trí đọc giữ nguyên, lần chạy sau đọc tiếp."
        )
        with self.register.write() as s:
            self._close_run(s, f"{self.summary.line()}. {self.summary.message}")
        self.log.info("run_stopped", counts=dict(self.summary.counts))
        return self.summary

    def _abort(self, exc: BaseException) -> None:
        text = to_message(exc)
        self.summary.outcome = "failed"
        self.summary.message = text
        if isinstance(exc, ConnectorError):
            self.log.error("run_failed", error=exc.message, error_type=type(exc).__name__)
        else:
            self.log.exception("run_crashed")
        try:
            with self.register.write() as s:
                self._close_run(s, text)
                self.event(
                    s,
                    "failed",
                    f"Lần đồng bộ nguồn {self.name} thất bại; vị trí đọc giữ nguyên, "
                    f"lần chạy sau đọc lại từ đó. {text}",
                    level="error",
                    detail={"error": type(exc).__name__},
                )
        except RegisterError as err:
            self.log.error("run_not_recorded", error=err.message)

    def _close_run(self, s: Session, message: str) -> None:
        run = s.get(SyncRun, self.summary.run_id)
        assert run is not None
        run.finished_at = now()
        run.outcome = self.summary.outcome
        run.counts = dict(self.summary.counts)
        run.message = message
        s.add(run)

    # -- one document -------------------------------------------------------------------------

    def _one(self, raw: RawDocument) -> str:
        """Handle one document in its own write transaction; the outcome counted ("stored", …)."""
        try:
            with self.register.write() as s:
                outcome = self._handle(s, raw)
        except RegisterError:
            raise
        except Exception as exc:  # (this document's problem; the run goes on)
            self.log.exception("document_crashed", document_ref=raw.source_ref)
            with self.register.write() as s:
                item = self._item(s, raw.source_ref)
                self._mark_failed(s, item, exc, sha256=raw.sha256)
            outcome = "failed"
        self.summary.counts[outcome] += 1
        self.summary.outcomes[raw.source_ref] = outcome
        if outcome != "failed":
            self.committed.append(raw.source_ref)
        return outcome

    def handle_document(self, raw: RawDocument) -> str:
        """One document through exactly the path `run` uses (`connector rerun` calls this), its outcome.

        The caller opens the sync run and sets `summary.run_id`; the events go into it.
        """
        return self._one(raw)

    def _failed_ref(self, ref: str, error: BaseException, failure: Failure | None = None) -> None:
        with self.register.write() as s:
            self._mark_failed(s, self._item(s, ref), error, failure=failure)
        self.summary.counts["failed"] += 1
        self.summary.outcomes[ref] = "failed"

    def _handle(self, s: Session, raw: RawDocument) -> str:
        item = self._item(s, raw.source_ref)
        if item.id is not None and item.sha256 == raw.sha256 and item.status in DONE:
            item.last_seen = now()
            s.add(item)
            return "unchanged"
        try:
            raw = with_text(raw, self.read)
            doc = normalise(
                raw,
                self.maps,
                self.cal,
                our_units=self.our_units,
                arrived_on=today(),
                lead_only=self.lead_only,
                classify_days=self.classify_days,
            )
        except Exception as exc:  # (reading and normalising are this document's alone: any error is its own)
            self.log.exception("normalise_crashed", document_ref=raw.source_ref)
            self._mark_failed(s, item, exc, sha256=raw.sha256)
            return "failed"
        arrival = Arrival(
            s,
            self.name,
            raw,
            item,
            doc,
            self.event,
            cal=self.cal,
            push_days=self.profile.time_limits.push_working_days,
            portal_origins=frozenset(str(o) for o in self.profile.portal_origins),
        )
        return Store(arrival).run()

    def _item(self, s: Session, ref: str) -> IntakeItem:
        stmt = select(IntakeItem).where(IntakeItem.source == self.name, IntakeItem.source_ref == ref)
        item = s.exec(stmt).first()
        if item is None:
            at = now()
            item = IntakeItem(source=self.name, source_ref=ref, first_seen=at, last_seen=at)
        return item

    def _mark_failed(
        self,
        s: Session,
        item: IntakeItem,
        exc: BaseException,
        *,
        sha256: str | None = None,
        failure: Failure | None = None,
    ) -> None:
        advice = failure.advice if failure is not None else None
        text = failure_text(exc, self.name, advice)
        if advice:
            what = failure.label if failure is not None and failure.label else f"mã {item.source_ref}"
            message = f"Không đưa được {what} (nguồn {self.name}) vào sổ theo dõi: {text}"
        else:
            message = (
                f"Không đưa được văn bản mã {item.source_ref} (nguồn {self.name}) vào sổ theo dõi: {text} "
                f"Sửa xong có thể đọc lại ngay: connector rerun {item.source_ref}"
            )
        item.status = "failed"
        item.error = text
        item.attempts += 1
        item.last_seen = now()
        if sha256:
            item.sha256 = sha256
        s.add(item)
        self.event(
            s,
            "failed",
            message,
            level="error",
            document_ref=item.source_ref,
            document_id=item.document_id,
            detail={
                "source_ref": item.source_ref,
                "error": type(exc).__name__,
                "attempts": item.attempts,
                **(failure.detail if failure is not None else {}),
            },
        )

    def event(
        self,
        s: Session,
        kind: str,
        message: str,
        *,
        level: str = "info",
        document_ref: str | None = None,
        document_id: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """One sync-log line in the register and the same line in the JSON log."""
        log_event(
            s,
            kind=kind,
            message=message,
            run_id=self.summary.run_id,
            level=level,
            source=self.name,
            document_ref=document_ref,
            document_id=document_id,
            detail=detail,
        )
        getattr(self.log, level)(kind, message=message, document_ref=document_ref, document_id=document_id)
