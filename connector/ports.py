"""The interfaces between the core and the systems we do not own (DESIGN §4).

Each port is a `typing.Protocol`; adapters in `adapters/` implement them and the in-memory twin
in `adapters/memory.py` passes the same contract tests (tests/contracts/). The docstrings are the
contract, in RFC 2119 words (paperless-ngx's plugin base does the same).

Errors: an implementation MUST raise only `connector.errors` types (translate foreign exceptions
at the boundary, as httpx does), and MUST pick the class whose marker says whether a retry helps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from connector.domain import (
    Attachment,
    ExtractedText,
    Message,
    PortalTask,
    RawDocument,
    Receipt,
    StatusUpdate,
)
from connector.errors import BadDocumentError

Cursor = Mapping[str, Any]
"""A source's opaque position; JSON-serialisable, stored in the register with the data."""

TextReader = Callable[[Attachment], ExtractedText]
"""Takes the text out of one file (PDF, a scan by OCR, DOCX, HTML). It MUST raise only
`BadDocumentError` (Vietnamese) for a file it cannot read, and MUST bound what it expands
(decompression, pages, OCR time) so that no file can exhaust the service's memory."""


@dataclass(frozen=True)
class Failure:
    """One item a poll could not read; it is set aside for review while the rest goes on.

    `label` names the item for a person when its ref does not ("dòng 34, trang «Theo dõi 2024» của
    tệp so-theo-doi.xlsx"); `advice` is what that person does to get it in, when fetching it
    again cannot (fix the workbook and import it again); `detail` goes into the sync-log event.
    """

    ref: str
    error: BadDocumentError
    label: str | None = None
    advice: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """What `Source.poll` may return as its iterable: the good documents and the bad items beside them.

    One unreadable record must not hide the others (paperless keeps a ledger row per message for
    the same reason); intake records each `Failure` in the ledger with its Vietnamese error.
    """

    documents: list[RawDocument] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    complete: bool = False
    """The batch is the whole source (a workbook, a file): nothing outside it can be fetched again,
    so items that failed in earlier runs are not asked for by ref."""

    def __iter__(self) -> Iterator[RawDocument]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


@runtime_checkable
class Source(Protocol):
    """Where directives come from: eOffice, the official mailbox, an edXML drop folder.

    - `poll(cursor)` MUST return every document that arrived after `cursor` (an empty mapping
      means "from the beginning") and the cursor to store once those documents are committed.
      It MAY return documents already seen (overlap windows); intake deduplicates by
      (source, source_ref). It MUST NOT return an empty batch because a page changed: that is
      `MappingMismatchError`.
    - `fetch(ref)` MUST return the current version of one document by its `source_ref`, for a
      single re-run, or raise `BadDocumentError` when the source no longer has it.
    - A source MUST NOT mark anything as handled on its side (flag, move) inside `poll`; it does
      so in `acknowledge(refs)`, which the core calls only after the documents are committed.
    - `close()` MUST release what the source holds (a session, a connection); the core calls it
      once when it is done with the source, also after an error. It MUST be safe to call twice.
    """

    name: str

    def poll(self, cursor: Cursor) -> tuple[Iterable[RawDocument], Cursor]: ...

    def fetch(self, ref: str) -> RawDocument: ...

    def acknowledge(self, refs: Iterable[str]) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Portal(Protocol):
    """The province's task-tracking portal.

    - `list_tasks()` MUST yield every task assigned to the department, all pages.
    - `read(portal_ref)` MUST return the portal's current value (the uploader reads before and
      after each push: state moves only when the read-back shows the change).
    - `push(update)` submits one status update. If the portal already shows exactly this value it
      SHOULD return a `Receipt` with `sent=False` and send nothing. It MUST NOT retry a submit by
      itself: the outbox decides, after reading the portal again.
    - `return_task(portal_ref, reason)` sends a task back (Điều 6.2); only ever called after a
      clerk's explicit action with a written reason.
    - `close()` releases the session or browser; safe to call twice.
    """

    def list_tasks(self) -> Iterable[PortalTask]: ...

    def read(self, portal_ref: str) -> PortalTask: ...

    def push(self, update: StatusUpdate) -> Receipt: ...

    def return_task(self, portal_ref: str, reason: str) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Notifier(Protocol):
    """Sends an e-mail (reminders to units, alerts to the admin).

    `send(message)` MUST either deliver to the server or raise; the caller records the send in the
    register so that a restart never sends the same reminder twice. `close()` ends the connection.
    """

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


class Adapters(Protocol):
    """How the core asks for the adapters the config names, without knowing any of them.

    The composition root (`connector.service.ConfiguredAdapters`) implements it; jobs and the
    dashboard receive one and never import an adapter or the root.

    - `source(name)` MUST return a new, open Source for the `[[source]]` of that name, or raise
      `ConfigError` naming the setting.
    - `portal()` MUST return a new, open Portal for `[portal]`, or raise `ConfigError`.
    - `notifier()` returns the Notifier for `[smtp]`, or None when no mail is configured.
    - `installed(kind)` tells whether an adapter of that `type` exists in this installation.
    - `text_reader()` returns the `TextReader` every route reads attachments with.
    """

    def source(self, name: str) -> Source: ...

    def portal(self) -> Portal: ...

    def notifier(self) -> Notifier | None: ...

    def installed(self, kind: str) -> bool: ...

    def text_reader(self) -> TextReader: ...
