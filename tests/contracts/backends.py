"""How each contract test reaches the other side of an adapter: one small harness per backend.

A harness holds the adapter under test and the few things a contract test must do or see on the
far side (add a document, see what was acknowledged, count what the portal accepted). The contract
tests only talk to harnesses, so the twin and every real adapter answer exactly the same questions
(vdirsyncer's `StorageTests` + one `get_storage_args` per backend).
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from imapclient import IMAPClient

from adapters.edxml import EdxmlDropFolder, parse_packet
from adapters.eoffice import EOfficeSource
from adapters.mail import DONE_KEYWORD, MailSource
from adapters.memory import MemoryNotifier, MemorySource
from adapters.smtp import SmtpNotifier
from connector.domain import PortalTask
from connector.ports import Notifier, Portal, Source
from fixtures.simulators.eoffice import EOfficeState, SimDocument
from fixtures.simulators.portal import SimTask

ROOT = Path(__file__).resolve().parents[2]
PACKETS = ROOT / "fixtures" / "documents" / "edxml"
GOOD_PACKETS = [
    "01-cong-van-moi.edxml",
    "02-cap-nhat.edxml",  # an update of 01: the same source_ref, a second version in one poll
    "03-quyet-dinh.edxml",
    "05-cong-dien.edxml",
    "07-kem-goi-zip.edxml",  # a zip holding further packets: several documents from one file
]
UNKNOWN_REF = "khong-co-van-ban-nay-0000"


@dataclass
class SourceHarness:
    """A Source under contract, and its far side.

    - `expected()`: the refs the far side holds now (what a poll from `{}` must return);
    - `add()`: one new document arrives on the far side; returns its ref;
    - `handled()`: the refs the far side shows as handled (flagged, moved), or None when the
      source has nothing to mark (eOffice: the cursor alone records progress);
    - `reopen()`: a new adapter object over the same far side (a service restart).
    """

    kind: str
    source: Source
    expected: Callable[[], set[str]]
    add: Callable[[], str]
    handled: Callable[[], set[str] | None]
    reopen: Callable[[], Source]
    unknown_ref: str = UNKNOWN_REF


@dataclass
class PortalHarness:
    """A Portal under contract: the refs it must list and how many updates it has accepted."""

    kind: str
    portal: Portal
    expected: list[str]
    accepted: Callable[[], int]
    unknown_ref: str = "999999"


@dataclass
class Delivered:
    """One message as it arrived at the far side, reduced to what the contract compares."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None


# -- sources ----------------------------------------------------------------------------------------


def memory_source() -> SourceHarness:
    source = MemorySource("memory")
    for n in range(1, 6):
        source.add(
            f"mem-{n}",
            f"Nội dung văn bản số {n}.\n1. Giao Sở Nông nghiệp chủ trì.",
            metadata={"number": f"{100 + n}/UBND-NNTN", "subject": f"V/v nhiệm vụ số {n}"},
        )
    source.modify("mem-2", body="Nội dung đã sửa của văn bản số 2.")  # a second version, polled once
    counter = iter(range(100, 10_000))

    def add() -> str:
        ref = f"mem-{next(counter)}"
        source.add(ref, "Văn bản mới đến sau lần đọc trước.", metadata={"number": "999/UBND-NNTN"})
        return ref

    return SourceHarness(
        "memory",
        source,
        expected=lambda: {d.source_ref for d in source.poll({})[0]},
        add=add,
        handled=lambda: set(source.acknowledged),
        reopen=lambda: source,  # memory has no restart: the same object is the far side
    )


def eoffice_source(
    stack: ExitStack, state: EOfficeState, url: str, recipe: dict, user: tuple[str, str]
) -> SourceHarness:
    def make() -> EOfficeSource:
        src = EOfficeSource(
            "eoffice", url, user[0], user[1], recipe, retry_initial=0.01, retry_max_wait=2.0, timeout=5
        )
        stack.callback(src.close)
        return src

    template = next(iter(state.documents.values()))
    counter = iter(range(1, 1000))

    def add() -> str:
        high = max(d.received_on for d in state.documents.values())
        n = next(counter)
        doc: SimDocument = replace(
            template, id=f"29{n:03d}", number=f"{3000 + n}/UBND-NNTN", received_on=high + timedelta(days=1)
        )
        state.add(doc)
        return doc.id

    return SourceHarness(
        "eoffice",
        make(),
        expected=lambda: set(state.documents),
        add=add,
        handled=lambda: None,
        reopen=make,
    )


def edxml_source(tmp: Path, extra_packets: Iterator[bytes]) -> SourceHarness:
    inbox = tmp / "inbox"
    inbox.mkdir()
    for n, name in enumerate(GOOD_PACKETS):
        target = inbox / name
        shutil.copy(PACKETS / name, target)
        os.utime(target, (1_700_000_000 + n, 1_700_000_000 + n))  # arrival order = list order

    def refs_in(folder: Path) -> set[str]:
        if not folder.is_dir():
            return set()
        out: set[str] = set()
        for path in folder.iterdir():
            if path.suffix == ".edxml":
                out |= {d.source_ref for d in parse_packet(path.read_bytes(), source="x", label=path.name)}
        return out

    def add() -> str:
        data = next(extra_packets)
        path = inbox / f"moi-{uuid.uuid4().hex[:8]}.edxml"
        path.write_bytes(data)
        (doc,) = parse_packet(data, source="x", label=path.name)
        return doc.source_ref

    return SourceHarness(
        "edxml",
        EdxmlDropFolder("lienthong", inbox),
        expected=lambda: refs_in(inbox),
        add=add,
        handled=lambda: refs_in(inbox / "done"),
        reopen=lambda: EdxmlDropFolder("lienthong", inbox),
    )


def mail_message(subject: str, body: str) -> tuple[str, bytes]:
    msg = EmailMessage()
    msg["From"] = "Văn thư UBND tỉnh <vanthu@ubnd.example.vn>"
    msg["To"] = "snn@example.vn"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 19 Jun 2024 08:30:00 +0700"
    msg_id = make_msgid(domain="ubnd.example.vn")
    msg["Message-ID"] = msg_id
    msg.set_content(body)
    return msg_id, msg.as_bytes()


def imap_source(stack: ExitStack, host: str, port: int, user: str, password: str) -> SourceHarness:
    admin = IMAPClient(host, port, ssl=False, timeout=10)
    admin.login(user, password)
    stack.callback(admin.logout)
    mailbox = f"C{uuid.uuid4().hex[:10]}"
    admin.create_folder(mailbox)
    ids: set[str] = set()
    for n in range(1, 5):
        msg_id, raw = mail_message(f"Công văn số {n}/UBND-NNTN", f"Nội dung công văn số {n}.")
        admin.append(mailbox, raw)
        ids.add(msg_id)

    def make() -> MailSource:
        src = MailSource("hopthu", host, port, user, password, mailbox=mailbox, ssl=False, timeout=10)
        stack.callback(src.close)
        return src

    def add() -> str:
        msg_id, raw = mail_message("Công văn mới đến", "Thư đến sau lần đọc trước.")
        admin.append(mailbox, raw)
        ids.add(msg_id)
        return msg_id

    def handled() -> set[str]:
        admin.select_folder(mailbox, readonly=True)
        found = admin.fetch(admin.search("ALL"), ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        out = set()
        for data in found.values():
            flags = {f.decode() if isinstance(f, bytes) else str(f) for f in data[b"FLAGS"]}
            if DONE_KEYWORD in flags:
                header = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                out.add(header)
        return out

    return SourceHarness("imap", make(), expected=lambda: set(ids), add=add, handled=handled, reopen=make)


# -- portals ----------------------------------------------------------------------------------------


def portal_task(t: SimTask) -> PortalTask:
    """The simulator's stored task as a PortalTask (what the twin is seeded with)."""
    return PortalTask(
        portal_ref=t.ref,
        number=t.number,
        issuer=t.issuer,
        issued_on=t.issued_on,
        summary=t.summary,
        lead_unit=t.lead_unit,
        deadline=t.deadline,
        status_label=t.status_label,
        progress_note=t.progress_note,
    )


# -- notifiers --------------------------------------------------------------------------------------


@dataclass
class NotifierHarness:
    """A Notifier under contract: what reached the far side, and how to make the far side fail."""

    kind: str
    notifier: Notifier
    delivered: Callable[[], list[Delivered]]
    break_server: Callable[[], None]


def memory_notifier() -> NotifierHarness:
    twin = MemoryNotifier()
    return NotifierHarness(
        "memory",
        twin,
        delivered=lambda: [Delivered(m.to, m.subject, m.text, m.html) for m in twin.sent],
        break_server=twin.fail_next,
    )


class _Inbox:
    """aiosmtpd handler: keeps every message the server accepted, parsed as a mail client would."""

    def __init__(self) -> None:
        self.messages: list[Delivered] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        mail = message_from_bytes(bytes(envelope.content or b""), policy=email_policy.default)
        assert isinstance(mail, EmailMessage)
        text_part = mail.get_body(preferencelist=("plain",))
        html_part = mail.get_body(preferencelist=("html",))
        self.messages.append(
            Delivered(
                to=tuple(envelope.rcpt_tos),
                subject=str(mail["Subject"]),
                text=_lines(text_part.get_content()) if isinstance(text_part, EmailMessage) else "",
                html=_lines(html_part.get_content()) if isinstance(html_part, EmailMessage) else None,
            )
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lines(text: str) -> str:
    """MIME text travels with CRLF line ends (RFC 2045 canonical form); a mail client shows LF."""
    return text.replace("\r\n", "\n")


def smtp_notifier(stack: ExitStack) -> NotifierHarness:
    """`SmtpNotifier` against a real aiosmtpd server on 127.0.0.1 (plain SMTP, no login)."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    running = [True]

    def stop() -> None:
        if running[0]:
            controller.stop()
            running[0] = False

    stack.callback(stop)
    notifier = SmtpNotifier("127.0.0.1", port, sender="vanphong@snn.example.vn", security="none", timeout=5)
    return NotifierHarness("smtp", notifier, delivered=lambda: list(inbox.messages), break_server=stop)
