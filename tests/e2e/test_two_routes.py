"""One directive arriving by eOffice and by the official mailbox (a real Dovecot) is one document
with both routes recorded; reading either route again adds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlmodel import select

from adapters.eoffice import EOfficeSource
from adapters.mail import MailSource
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.tables import Document, IntakeItem
from connector.sync.intake import sync_source
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, create_app
from fixtures.simulators.serve import serve_in_thread
from tests.dovecot_server import Dovecot, dovecot_server

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = next(iter(DEFAULT_USERS.items()))


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite3'}", busy_timeout=5)
    yield reg
    reg.dispose()


def _mail(dovecot: Dovecot, mailbox: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = "vanthu@ubnd.example.vn"
    msg["To"] = dovecot.username
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="ubnd.example.vn")
    msg.set_content(body)
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as client:
        client.login(dovecot.username, dovecot.password)
        if not client.folder_exists(mailbox):
            client.create_folder(mailbox)
        client.append(mailbox, msg.as_bytes())


def test_same_directive_by_eoffice_and_mail_is_one_document(
    dovecot: Dovecot, register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    state = EOfficeState()
    doc = next(d for d in state.documents.values() if not d.secrecy and d.number.endswith("UBND-NNTN"))
    mailbox = f"T{uuid.uuid4().hex[:10]}"
    _mail(dovecot, mailbox, f"Gửi văn bản số {doc.number}", doc.content)

    with serve_in_thread(create_app(state)) as url:
        eoffice = EOfficeSource("eoffice", url, USER, PASSWORD, maps.recipes["eoffice"])
        by_eoffice = sync_source(register, eoffice, maps, cal, profile, read=read_text)
        mail = MailSource("hopthu", dovecot.host, dovecot.port, dovecot.username, dovecot.password,
                          mailbox=mailbox, ssl=False, timeout=10)  # fmt: skip
        by_mail = sync_source(register, mail, maps, cal, profile, read=read_text)
        again = (
            sync_source(register, mail, maps, cal, profile, read=read_text),
            sync_source(register, eoffice, maps, cal, profile, read=read_text),
        )
        eoffice.close()
        mail.close()

    assert by_eoffice.outcome == by_mail.outcome == "ok"
    assert by_mail.counts["merged"] == 1
    assert all(s.counts["stored"] + s.counts["review"] + s.counts["merged"] == 0 for s in again)
    with register.read() as s:
        [stored] = s.exec(select(Document).where(Document.number == doc.number)).all()
        routes = s.exec(select(IntakeItem).where(IntakeItem.document_id == stored.id)).all()
        assert {r.source for r in routes} == {"eoffice", "hopthu"}
        assert len(s.exec(select(Document)).all()) == len(state.documents) - by_eoffice.counts["merged"]
