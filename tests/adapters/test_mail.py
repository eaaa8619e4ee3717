"""The official mailbox (adapters/mail.py) against a real Dovecot on 127.0.0.1 (tests/dovecot_server.py).

Messages are delivered with IMAP APPEND from a second connection; every test works in a mailbox
of its own, so the one server serves the whole module.
"""

from __future__ import annotations

import base64
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from imapclient import IMAPClient

from adapters.mail import MailSource
from connector.errors import BadDocumentError, SourceAuthError, SourceUnavailableError, is_transient
from connector.ports import Batch, Source
from tests.dovecot_server import Dovecot, dovecot_server, free_port

from .conftest import ROOT

DOCS = ROOT / "fixtures" / "documents"
PDF = (DOCS / "cong-van.pdf").read_bytes()
DOCX = (DOCS / "cong-van.docx").read_bytes()
PACKET = (DOCS / "edxml" / "01-cong-van-moi.edxml").read_bytes()
SUBJECT = "Khẩn: Về việc phòng, chống dịch tả lợn châu Phi"
TONES = set("\u0300\u0301\u0303\u0309\u0323")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture
def admin(dovecot: Dovecot) -> Iterator[IMAPClient]:
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    client.login(dovecot.username, dovecot.password)
    yield client
    client.logout()


@pytest.fixture
def mailbox(admin: IMAPClient) -> str:
    name = f"T{uuid.uuid4().hex[:10]}"
    admin.create_folder(name)
    return name


@pytest.fixture
def make_source(dovecot: Dovecot, mailbox: str) -> Iterator[Callable[..., MailSource]]:
    made: list[MailSource] = []

    def make(**kwargs) -> MailSource:
        options = {"mailbox": mailbox, "ssl": False, "timeout": 10, "password": dovecot.password}
        options.update(kwargs)
        password = options.pop("password")
        source = MailSource("hopthu", dovecot.host, dovecot.port, dovecot.username, password, **options)
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def message(
    subject: str = "Công văn số 1",
    body: str = "Nội dung công văn.",
    *,
    msgid: str | None = "auto",
    date: str = "Wed, 19 Jun 2024 23:30:00 +0000",
    files: tuple[tuple[str, str, bytes], ...] = (),
    html: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Văn thư UBND tỉnh <vanthu@ubnd.example.vn>"
    msg["To"] = "snn@example.vn"
    msg["Subject"] = subject
    msg["Date"] = date
    if msgid == "auto":
        msgid = make_msgid(domain="ubnd.example.vn")
    if msgid:
        msg["Message-ID"] = msgid
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for name, media, data in files:
        maintype, subtype = media.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def raw_with_subject(encoded_subject: str, body: bytes = b"Noi dung.", charset: str = "utf-8") -> bytes:
    """A hand-made message, for RFC 2047 words the stdlib would not produce itself."""
    return (
        b"From: vanthu@ubnd.example.vn\r\nTo: snn@example.vn\r\n"
        + f"Subject: {encoded_subject}\r\n".encode("ascii")
        + f"Message-ID: {make_msgid(domain='ubnd.example.vn')}\r\n".encode("ascii")
        + b"Date: Thu, 20 Jun 2024 08:00:00 +0700\r\nMIME-Version: 1.0\r\n"
        + f'Content-Type: text/plain; charset="{charset}"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'.encode()
        + body
        + b"\r\n"
    )


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: base letters precomposed, tone marks as combining characters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out.append(base + "".join(c for c in decomposed if c in TONES))
    return "".join(out).encode("cp1258")


def flags_of(admin: IMAPClient, mailbox: str) -> dict[str, set[bytes]]:
    admin.select_folder(mailbox, readonly=True)
    found = admin.fetch(admin.search("ALL"), ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    out = {}
    for data in found.values():
        head = data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[-1].strip()
        out[head] = set(data[b"FLAGS"])
    admin.unselect_folder()
    return out


# -- polling -------------------------------------------------------------------------------------


def test_is_a_source(make_source: Callable[..., MailSource]) -> None:
    assert isinstance(make_source(), Source)


def test_first_poll_returns_all_then_nothing_and_marks_nothing(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    ids = [make_msgid(domain="ubnd.example.vn") for _ in range(3)]
    for n, msgid in enumerate(ids):
        admin.append(mailbox, message(f"Công văn số {n}", msgid=msgid))
    source = make_source()
    batch, cursor = source.poll({})
    assert isinstance(batch, Batch)
    assert [d.source_ref for d in batch] == ids
    assert batch.failed == []
    assert cursor["mailbox"] == mailbox and cursor["last_uid"] == 3 and cursor["uidvalidity"]
    again, cursor2 = source.poll(cursor)
    assert list(again) == [] and cursor2 == cursor
    assert all(b"\\Seen" not in f for f in flags_of(admin, mailbox).values())


def test_a_new_message_comes_alone(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    admin.append(mailbox, message("Cũ 1"))
    admin.append(mailbox, message("Cũ 2"))
    source = make_source()
    _, cursor = source.poll({})
    new_id = make_msgid(domain="ubnd.example.vn")
    admin.append(mailbox, message("Mới", msgid=new_id))
    batch, cursor2 = source.poll(cursor)
    assert [d.source_ref for d in batch] == [new_id]
    assert batch.documents[0].metadata["subject"] == "Mới"
    assert cursor2["last_uid"] == 3
    # A fresh instance (a restart) continues from the stored cursor.
    assert list(make_source().poll(cursor2)[0]) == []


def test_uidvalidity_change_rereads_with_the_same_refs(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    old = [message("Có Message-ID"), message("Không có Message-ID", msgid=None)]
    for raw in old:
        admin.append(mailbox, raw)
    source = make_source()
    first, cursor = source.poll({})
    first_refs = [d.source_ref for d in first]
    assert first_refs[1].startswith("sha256:")
    admin.delete_folder(mailbox)
    admin.create_folder(mailbox)
    new_id = make_msgid(domain="ubnd.example.vn")
    for raw in [*old, message("Thư mới", msgid=new_id)]:
        admin.append(mailbox, raw)
    batch, cursor2 = source.poll(cursor)
    refs = [d.source_ref for d in batch]
    assert cursor2["uidvalidity"] != cursor["uidvalidity"]
    assert len(refs) == len(set(refs)) == 3
    assert set(refs) - set(first_refs) == {new_id}
    assert list(source.poll(cursor2)[0]) == []


# -- parsing -------------------------------------------------------------------------------------


def test_subjects_in_utf8_and_windows_1258_decode_to_nfc(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    nfd = unicodedata.normalize("NFD", SUBJECT).encode()
    utf8 = "=?utf-8?b?" + base64.b64encode(nfd).decode() + "?="
    win = "=?windows-1258?b?" + base64.b64encode(cp1258(SUBJECT)).decode() + "?="
    admin.append(mailbox, raw_with_subject(utf8))
    admin.append(
        mailbox, raw_with_subject(win, body=cp1258("Kính gửi Sở Nông nghiệp"), charset="windows-1258")
    )
    admin.append(
        mailbox, message("Thư HTML", html="<p>Kính gửi:<br>Sở <b>Nông nghiệp</b></p><p>Đề nghị…</p>")
    )
    docs = list(make_source().poll({})[0])
    assert [d.metadata["subject"] for d in docs[:2]] == [SUBJECT, SUBJECT]
    assert all(unicodedata.is_normalized("NFC", d.metadata["subject"]) for d in docs)
    assert docs[1].body == "Kính gửi Sở Nông nghiệp"
    assert docs[2].body.splitlines() == ["Kính gửi:", "Sở", "Nông nghiệp", "Đề nghị…"]
    assert docs[0].metadata["received_on"] == "2024-06-20"
    for key in ("number", "issuer", "issued_on", "received_on", "subject", "secrecy", "urgency"):
        assert key in docs[0].metadata


def test_pdf_docx_and_edxml_attachments(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    files = (
        ("Công văn 2044.pdf", "application/pdf", PDF),
        ("Phụ lục.docx", "application/octet-stream", DOCX),
    )
    admin.append(mailbox, message("Fwd: công văn", files=files))
    admin.append(
        mailbox,
        message(
            "Fwd: gói tin liên thông",
            body="Chuyển tiếp gói tin.",
            files=(("2044-UBND-NNTN.edxml", "application/octet-stream", PACKET),),
        ),
    )
    plain, packet = make_source().poll({})[0]
    assert [(a.name, a.media_type, a.data) for a in plain.attachments] == [
        ("Công văn 2044.pdf", "application/pdf", PDF),
        ("Phụ lục.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX),
    ]
    assert plain.metadata["number"] == "" and plain.metadata["received_on"] == "2024-06-20"
    meta = packet.metadata
    assert meta["number"] == "2044/UBND-NNTN"
    assert meta["issuer"] == "UBND tỉnh Kon Tum"
    assert meta["issued_on"] == "2024-06-19"
    assert meta["subject"] == "V/v triển khai tiêm phòng vắc xin Lở mồm long móng đợt 2"
    assert meta["mail_subject"] == "Fwd: gói tin liên thông"
    assert meta["received_on"] == "2024-06-20"
    assert packet.body.startswith("ỦY BAN NHÂN DÂN")
    assert [a.name for a in packet.attachments] == [
        "2044-UBND-NNTN.edxml",
        "2044-UBND-NNTN.pdf",
        "Phu-luc.docx",
    ]
    assert packet.sha256 and packet.sha256 != plain.sha256


def test_oversize_attachment_is_a_failure_and_the_rest_goes_on(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    big_id, huge_id = make_msgid(domain="a.vn"), make_msgid(domain="a.vn")
    admin.append(
        mailbox, message("Lớn", msgid=big_id, files=(("lon.bin", "application/pdf", b"x" * 60_000),))
    )
    admin.append(
        mailbox, message("Rất lớn", msgid=huge_id, files=(("rat-lon.pdf", "application/pdf", PDF * 2),))
    )
    admin.append(mailbox, message("Nhỏ", files=(("nho.docx", "application/octet-stream", b"PK" * 100),)))
    source = make_source(max_bytes=50_000)
    batch, cursor = source.poll({})
    assert [d.metadata["subject"] for d in batch] == ["Nhỏ"]
    assert [f.ref for f in batch.failed] == [big_id, huge_id]
    for failure in batch.failed:
        assert isinstance(failure.error, BadDocumentError)
        assert "vượt giới hạn" in failure.error.message
    assert cursor["last_uid"] == 3
    with pytest.raises(BadDocumentError, match="vượt giới hạn"):
        source.fetch(big_id)


# -- fetch and acknowledge -----------------------------------------------------------------------


def test_fetch_by_ref(admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]) -> None:
    wanted = make_msgid(domain="ubnd.example.vn")
    admin.append(mailbox, message("Khác"))
    admin.append(mailbox, message("Cần tìm", msgid=wanted))
    admin.append(mailbox, message("Không mã", msgid=None))
    first = make_source().poll({})[0]
    no_id = first.documents[2].source_ref
    fresh = make_source()
    assert fresh.fetch(wanted).metadata["subject"] == "Cần tìm"
    assert make_source().fetch(no_id).metadata["subject"] == "Không mã"
    with pytest.raises(BadDocumentError):
        fresh.fetch("<khong-co@example.vn>")


def test_acknowledge_flags_only_the_given_refs(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    ids = [make_msgid(domain="ubnd.example.vn") for _ in range(4)]
    for msgid in ids:
        admin.append(mailbox, message(msgid=msgid))
    source = make_source()
    source.poll({})
    source.acknowledge([ids[0]])
    make_source().acknowledge([ids[2], "<khong-co@example.vn>"])  # found by a HEADER search
    flags = flags_of(admin, mailbox)
    done = {b"\\Seen", b"$ConnectorDone"}
    assert done <= flags[ids[0]] and done <= flags[ids[2]]
    assert not (flags[ids[1]] & done) and not (flags[ids[3]] & done)


# -- errors --------------------------------------------------------------------------------------


def test_unreachable_server_is_transient(dovecot: Dovecot) -> None:
    source = MailSource("hopthu", "127.0.0.1", free_port(), "u", "p", ssl=False, timeout=2)
    with pytest.raises(SourceUnavailableError) as info:
        source.poll({})
    assert is_transient(info.value)


def test_missing_mailbox_is_terminal(make_source: Callable[..., MailSource]) -> None:
    with pytest.raises(SourceAuthError, match="Khong-co"):
        make_source(mailbox="Khong-co").poll({})


# -- waiting for mail ----------------------------------------------------------------------------


def _append_later(dovecot: Dovecot, mailbox: str, delay: float) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        other = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
        other.login(dovecot.username, dovecot.password)
        other.append(mailbox, message("Thư đến trong lúc chờ"))
        other.logout()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("use_idle", [True, False], ids=["idle", "noop"])
def test_wait_for_mail_wakes_on_append(
    dovecot: Dovecot, mailbox: str, make_source: Callable[..., MailSource], use_idle: bool
) -> None:
    source = make_source()
    source.use_idle = use_idle
    source.noop_interval_s = 0.2
    _, cursor = source.poll({})
    started = time.monotonic()
    assert source.wait_for_mail(0.3) is False
    thread = _append_later(dovecot, mailbox, 0.5)
    assert source.wait_for_mail(15) is True
    assert time.monotonic() - started < 6
    thread.join(5)
    assert [d.metadata["subject"] for d in source.poll(cursor)[0]] == ["Thư đến trong lúc chờ"]


def test_mail_that_came_before_waiting_counts_at_once(
    admin: IMAPClient, mailbox: str, make_source: Callable[..., MailSource]
) -> None:
    source = make_source()
    source.poll({})
    admin.append(mailbox, message("Đến trước khi chờ"))
    started = time.monotonic()
    assert source.wait_for_mail(10) is True
    assert time.monotonic() - started < 2


# Last on purpose: after a refused login Dovecot delays the next logins from 127.0.0.1 (auth penalty).
def test_wrong_password_is_an_auth_error_without_the_password(make_source: Callable[..., MailSource]) -> None:
    secret = "Sai-mat-khau-7731"
    with pytest.raises(SourceAuthError) as info:
        make_source(password=secret).poll({})
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert not is_transient(info.value)
