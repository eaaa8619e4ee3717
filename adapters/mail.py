"""The official mailbox (hộp thư công vụ) as a `connector.ports.Source`, over IMAP with imapclient.

Polling. The cursor is a JSON object::

    {"mailbox": "INBOX", "uidvalidity": 1718000000, "last_uid": 42}

`poll` lists the UIDs above `last_uid` (a `UID n:*` search, filtered again on our side: a server
answers `n:*` with the last message even when it is below n) and reads them oldest first. When
the mailbox's UIDVALIDITY (or its name) differs from the cursor's, the UIDs mean nothing any more
and the whole mailbox is read again; intake deduplicates by `source_ref`, which is therefore
the Message-ID header (or, without one, `sha256:` + the hex digest of the raw message), never a
UID. Searches sent to the server only ever use UIDs, ALL or an ASCII Message-ID: servers differ
too much on non-ASCII search terms.

Reading. Messages are fetched with BODY.PEEK[] on a read-only (EXAMINE) mailbox, so polling marks
nothing; `acknowledge(refs)` flags the committed messages \\Seen and `$ConnectorDone`. Parsing
uses the stdlib `email` package (policy=default): RFC 2047/2231 words in any charset Python knows
(utf-8, windows-1258, …), every text normalised to NFC. The body is the text/plain part, else the
text/html one reduced to text. Attachments with a file name become `Attachment`s; an edXML packet
among them is read with `adapters.edxml.parse_packet`, whose metadata and body then describe the
document (the packet's own attachments are added, and further packets become documents of their
own, `enclosed_in` the message).

Bad items. A message over the size bound (an attachment over `max_bytes`, or the whole message
over three times that), or whose edXML packet cannot be read, is listed in `batch.failed` as
`Failure(ref, BadDocumentError)` while the others go on; the cursor moves past it (the ledger keeps
it for review, `fetch(ref)` re-reads it).

Errors. A refused login is `SourceAuthError` (the password is never part of any message); a
connection refused, reset or timed out, or a server that aborts, is `SourceUnavailableError`.

Waiting. `wait_for_mail(timeout_s)` uses IDLE when the server has it (renewed before the 29
minutes of RFC 2177), else NOOP polling, and says whether new mail arrived.
"""

from __future__ import annotations

import hashlib
import imaplib
import re
import ssl as ssl_lib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from adapters.mail_message import parse_message
from connector.domain import RawDocument
from connector.errors import BadDocumentError, SourceAuthError, SourceUnavailableError, one_item
from connector.ports import Batch, Failure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ATTACHMENT_BYTES = 20_000_000
IDLE_RENEW_S = 29 * 60
NOOP_INTERVAL_S = 30.0
FETCH_CHUNK_BYTES = 50_000_000
FETCH_CHUNK_COUNT = 50
SCAN_LIMIT = 2000
DONE_KEYWORD = "$ConnectorDone"
_MSGID_KEY = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
T = TypeVar("T")


class MailSource:
    """`connector.ports.Source` for an IMAP mailbox (see the module docstring)."""

    use_idle: bool = True
    """Use IDLE when the server has it; False forces the NOOP polling of `wait_for_mail`."""
    noop_interval_s: float = NOOP_INTERVAL_S
    """Seconds between two checks when waiting without IDLE."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        mailbox: str = "INBOX",
        ssl: bool = True,
        timeout: float = 30,
        max_bytes: int = MAX_ATTACHMENT_BYTES,
    ) -> None:
        self.name = name
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._mailbox = mailbox
        self._ssl = ssl
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._known: dict[str, tuple[int, int]] = {}  # ref -> (uidvalidity, uid), from the last reads
        self._uidnext_seen: int | None = None
        self._mode: bool | None = None  # readonly flag of the last SELECT/EXAMINE, to redo it
        self._what = f"hộp thư «{mailbox}» trên máy chủ {host}:{port}"

    def __repr__(self) -> str:
        return (
            f"MailSource(name={self.name!r}, host={self._host!r}, port={self._port!r}, "
            f"username={self._username!r}, mailbox={self._mailbox!r})"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the connection (errors on the way out are ignored)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            with suppress(Exception):
                client.shutdown()

    # -- the port -------------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> tuple[Batch, dict[str, Any]]:
        """Every message above the cursor's UID (all of them after a UIDVALIDITY change)."""
        info = self._call(lambda c: self._select(c, readonly=True))
        uidvalidity = int(info[b"UIDVALIDITY"])
        last = 0
        if cursor.get("mailbox") == self._mailbox and _int(cursor.get("uidvalidity")) == uidvalidity:
            last = _int(cursor.get("last_uid")) or 0
        criteria: list[str] | str = ["UID", f"{last + 1}:*"] if last else "ALL"
        uids = sorted(u for u in self._call(lambda c: c.search(criteria)) if u > last)
        batch = Batch()
        returned: set[str] = set()
        for result in self._read(uids, uidvalidity):
            if isinstance(result, Failure):
                batch.failed.append(result)
                continue
            for doc in result:
                if doc.source_ref not in returned:
                    returned.add(doc.source_ref)
                    batch.documents.append(doc)
        high = max([last, *uids])
        self._uidnext_seen = max(high + 1, int(info.get(b"UIDNEXT", 0) or 0))
        return batch, {"mailbox": self._mailbox, "uidvalidity": uidvalidity, "last_uid": high}

    def fetch(self, ref: str) -> RawDocument:
        """The message whose Message-ID (or `sha256:` digest) is `ref`, for a single re-run."""
        self._call(lambda c: self._select(c, readonly=True))
        uid = self._find(ref)
        if uid is None:
            raise BadDocumentError(f"Không còn thư «{ref}» trong {self._what}.")
        assert self._uidvalidity is not None
        for result in self._read([uid], self._uidvalidity):
            if isinstance(result, Failure):
                raise result.error
            for doc in result:
                if doc.source_ref == ref:
                    return doc
        raise BadDocumentError(f"Không còn thư «{ref}» trong {self._what}.")

    def acknowledge(self, refs: Iterable[str]) -> None:
        """Flag the committed messages \\Seen and $ConnectorDone (refs not found are ignored)."""
        wanted = [r for r in dict.fromkeys(refs) if r]
        if not wanted:
            return
        info = self._call(lambda c: self._select(c, readonly=False))
        uids = sorted({u for u in (self._find(r) for r in wanted) if u is not None})
        if not uids:
            return
        permanent = {bytes(f).lower() for f in info.get(b"PERMANENTFLAGS", ())}
        flags: list[bytes] = [b"\\Seen"]
        if b"\\*" in permanent or DONE_KEYWORD.lower().encode() in permanent:
            flags.append(DONE_KEYWORD.encode())
        self._call(lambda c: c.add_flags(uids, flags, silent=True))

    # -- waiting --------------------------------------------------------------------------------

    def wait_for_mail(self, timeout_s: float) -> bool:
        """Block until new mail arrives (True) or `timeout_s` passes (False).

        Mail that came after the last `poll` counts at once. IDLE is used when the server has it,
        renewed every 29 minutes at most; otherwise the mailbox is checked with NOOP.
        """
        deadline = time.monotonic() + max(0.0, timeout_s)
        info = self._call(lambda c: self._select(c, readonly=True))
        start = int(info.get(b"UIDNEXT", 0) or 0)
        if self._uidnext_seen is not None and start > self._uidnext_seen:
            return True
        client = self._connected()
        if self.use_idle and b"IDLE" in client.capabilities():
            return self._idle(deadline)
        return self._noop_wait(deadline, start)

    def _idle(self, deadline: float) -> bool:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            chunk = min(left, IDLE_RENEW_S)

            def one_round(c: IMAPClient, chunk: float = chunk) -> bool:
                c.idle()
                try:
                    end = time.monotonic() + chunk
                    while (rest := end - time.monotonic()) > 0:
                        for item in c.idle_check(timeout=rest):
                            if isinstance(item, tuple) and item[-1:] == (b"EXISTS",):
                                return True
                    return False
                finally:
                    c.idle_done()

            if self._call(one_round):
                return True

    def _noop_wait(self, deadline: float, start: int) -> bool:
        while True:
            status = self._call(lambda c: c.folder_status(self._mailbox, [b"UIDNEXT"]))
            if int(status.get(b"UIDNEXT", 0) or 0) > start:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, self.noop_interval_s))
            self._call(lambda c: c.noop())

    # -- IMAP plumbing --------------------------------------------------------------------------

    def _connected(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        with self._errors():
            context = ssl_lib.create_default_context() if self._ssl else None
            client = IMAPClient(
                self._host, self._port, ssl=self._ssl, ssl_context=context, timeout=self._timeout
            )
            client.normalise_times = False
            try:
                if not self._ssl and client.has_capability("STARTTLS"):
                    client.starttls(ssl_lib.create_default_context())
                client.login(self._username, self._password)
            except BaseException:
                with suppress(Exception):
                    client.shutdown()
                raise
        self._client = client
        return client

    def _call(self, action: Callable[[IMAPClient], T]) -> T:
        """Run one exchange; a connection that went stale since the last one is renewed once."""
        fresh = self._client is None
        client = self._connected()
        try:
            with self._errors():
                return action(client)
        except SourceUnavailableError:
            if fresh:
                raise
        client = self._connected()
        with self._errors():
            if self._mode is not None:
                before = self._uidvalidity
                self._select(client, readonly=self._mode)
                if before is not None and self._uidvalidity != before:
                    raise SourceUnavailableError(
                        f"UIDVALIDITY của {self._what} vừa đổi giữa chừng; lần chạy sau sẽ đọc lại."
                    )
            return action(client)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except imap_errors.LoginError:
            self._drop()
            raise SourceAuthError(
                f"Máy chủ thư {self._host}:{self._port} từ chối đăng nhập của tài khoản «{self._username}» "
                "(sai tên hoặc mật khẩu)."
            ) from None
        except (imap_errors.IMAPClientAbortError, TimeoutError, OSError) as exc:
            self._drop()
            raise SourceUnavailableError(
                f"Không kết nối được {self._what} ({type(exc).__name__}); lần chạy sau sẽ thử lại."
            ) from None
        except imaplib.IMAP4.error as exc:
            self._drop()
            raise SourceUnavailableError(
                f"Máy chủ thư báo lỗi với {self._what}: {self._scrub(str(exc))}"
            ) from None

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with suppress(Exception):
                client.shutdown()

    def _select(self, client: IMAPClient, *, readonly: bool) -> dict[bytes, Any]:
        try:
            info = client.select_folder(self._mailbox, readonly=readonly)
        except imap_errors.IMAPClientError as exc:
            if isinstance(exc, imap_errors.IMAPClientAbortError):
                raise
            raise SourceAuthError(
                f"Không mở được {self._what} (hộp thư không tồn tại hoặc không có quyền): "
                f"{self._scrub(str(exc))}"
            ) from None
        self._mode = readonly
        uidvalidity = int(info[b"UIDVALIDITY"])
        if self._uidvalidity != uidvalidity:
            self._known.clear()
        self._uidvalidity = uidvalidity
        return dict(info)

    # -- finding and reading messages -----------------------------------------------------------

    def _find(self, ref: str) -> int | None:
        """The UID of the message `ref` in the selected mailbox, or None.

        Known from the last read, else a HEADER search with the (ASCII) Message-ID, else a scan of
        the latest `SCAN_LIMIT` messages on our side (non-ASCII ids, `sha256:` refs)."""
        known = self._known.get(ref)
        if known is not None and known[0] == self._uidvalidity:
            return known[1]
        if ref.startswith("sha256:") or not ref.isascii() or any(ch in ref for ch in '"\\\r\n'):
            uids = sorted(self._call(lambda c: c.search("ALL")))[-SCAN_LIMIT:]
        else:
            uids = sorted(self._call(lambda c: c.search(["HEADER", "Message-ID", ref])))
        if not uids:
            return None
        heads = self._call(lambda c: c.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]))
        for uid in sorted(heads, reverse=True):
            found = _message_id(heads[uid].get(_MSGID_KEY, b""))
            if not ref.startswith("sha256:"):
                if found == ref:
                    return int(uid)
            elif not found:
                raw = self._call(partial(_fetch_body, uid=uid)).get(uid, {}).get(b"BODY[]")
                if raw and "sha256:" + hashlib.sha256(raw).hexdigest() == ref:
                    return int(uid)
        return None

    def _read(self, uids: list[int], uidvalidity: int) -> Iterator[list[RawDocument] | Failure]:
        """Each UID's documents (or its Failure), in UID order, fetched in bounded chunks."""
        if not uids:
            return
        heads = self._call(
            lambda c: c.fetch(uids, ["RFC822.SIZE", "INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        )
        limit = 3 * self._max_bytes
        chunk: list[int] = []
        size = 0
        for uid in uids:
            head = heads.get(uid)
            if head is None:  # expunged meanwhile
                continue
            msg_size = int(head.get(b"RFC822.SIZE", 0))
            if msg_size > limit:
                yield from self._flush(chunk, heads, uidvalidity)
                chunk, size = [], 0
                ref = _message_id(head.get(_MSGID_KEY, b"")) or f"{self._mailbox}/{uidvalidity}/{uid}"
                yield Failure(
                    ref,
                    BadDocumentError(
                        f"Thư «{ref}» trong {self._what} có dung lượng {msg_size} byte, "
                        f"vượt giới hạn {limit} byte; thư không được tải về."
                    ),
                )
                continue
            if chunk and (size + msg_size > FETCH_CHUNK_BYTES or len(chunk) >= FETCH_CHUNK_COUNT):
                yield from self._flush(chunk, heads, uidvalidity)
                chunk, size = [], 0
            chunk.append(uid)
            size += msg_size
        yield from self._flush(chunk, heads, uidvalidity)

    def _flush(
        self, chunk: list[int], heads: Mapping[int, Mapping[bytes, Any]], uidvalidity: int
    ) -> Iterator[list[RawDocument] | Failure]:
        if not chunk:
            return
        bodies = self._call(lambda c: c.fetch(chunk, ["BODY.PEEK[]"]))
        for uid in chunk:
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue
            internal = heads.get(uid, {}).get(b"INTERNALDATE")
            raw = bytes(raw)
            ref = _message_id(heads.get(uid, {}).get(_MSGID_KEY, b""))
            ref = ref or "sha256:" + hashlib.sha256(raw).hexdigest()
            self._known[ref] = (uidvalidity, uid)
            try:
                with one_item(f"thư «{ref}» trong {self._what}"):
                    docs = parse_message(
                        raw, ref, internal, source=self.name, max_bytes=self._max_bytes, what=self._what
                    )
            except BadDocumentError as exc:
                yield Failure(ref, exc)
                continue
            yield docs


# -- helpers ------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _message_id(header_block: Any) -> str:
    """The Message-ID from a `BODY[HEADER.FIELDS (MESSAGE-ID)]` block, unfolded and stripped."""
    if not header_block:
        return ""
    text = bytes(header_block).decode("utf-8", errors="replace")
    match = re.search(r"(?im)^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", text)
    if not match:
        return ""
    return "".join(match.group(1).split())


__all__ = ["MailSource"]


def _fetch_body(conn: Any, *, uid: int) -> Any:
    """The whole message `uid`, without marking it seen."""
    return conn.fetch([uid], ["BODY.PEEK[]"])
