"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts, and a register.

Optionally with STARTTLS (a self-signed certificate made with the `openssl` tool) and AUTH LOGIN/PLAIN
with one account, so the notifier's security and login paths run against a real server.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from connector.calendar import WorkingCalendar
from connector.clock import TZ
from connector.config import Config, Profile, RemindersSettings, Settings, SmtpSettings
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.runtime.job import JobContext
from connector.service import ConfiguredAdapters

USER, PASSWORD = "vanphong", "mat-khau-thu-nghiem-9x7"


@dataclass
class Inbox:
    """What the server received; `refuse` holds addresses answered with 550 at RCPT."""

    raw: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)
    drop_data: bool = False  # hang up after the message arrived, before answering 250

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        if self.drop_data:
            server.transport.close()  # type: ignore[union-attr]
            return "421 closing"
        self.raw.append((str(envelope.mail_from), list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(content.replace(b"\r\n", b"\n"), policy=email.policy.default)  # type: ignore[misc]
            for _, _, content in self.raw
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    client_tls: ssl.SSLContext | None = None


def _serve(inbox: Inbox, **kwargs: Any) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP, no TLS, no AUTH: the reminders' tests."""
    inbox = Inbox()
    controller, port = _serve(inbox)
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("Cần công cụ openssl để tạo chứng chỉ thử: apt-get install -y openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_smtp_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """STARTTLS required, AUTH (only after TLS) with one account."""
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    inbox = Inbox()
    controller, port = _serve(
        inbox, tls_context=server_ctx, require_starttls=True, authenticator=inbox.authenticate,
        auth_required=True,
    )  # fmt: skip
    try:
        yield SmtpServer("127.0.0.1", port, inbox, ssl.create_default_context(cafile=str(cert)))
    finally:
        controller.stop()


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    reg = open_register(f"sqlite:///{tmp_path / 'register.sqlite3'}")
    yield reg
    reg.dispose()


MakeCtx = Callable[..., JobContext]


@pytest.fixture
def make_ctx(
    tmp_path: Path, maps: Mappings, cal: WorkingCalendar, profile: Profile, register: Register
) -> MakeCtx:
    """A JobContext at a fixed time, sending through `port` (None: no [smtp] table)."""

    def make(
        when: datetime,
        port: int | None,
        *,
        days_before: int = 3,
        enabled: bool = True,
        mappings: Mappings | None = None,
        admin_email: str | None = "quantri@so-nong-nghiep.example.vn",
    ) -> JobContext:
        smtp = (
            None
            if port is None
            else SmtpSettings(
                host="127.0.0.1",
                port=port,
                security="none",
                sender="vanphong@so-nong-nghiep.example.vn",
                admin_email=admin_email,
                timeout_seconds=5,
            )
        )
        settings = Settings(
            profile="nong-nghiep-2022",
            smtp=smtp,
            reminders=RemindersSettings(enabled=enabled, days_before=days_before),
        )
        cfg = Config(settings=settings, profile=profile, root=tmp_path, secrets={})
        return JobContext(
            cfg,
            mappings or maps,
            cal,
            register,
            ConfiguredAdapters(cfg, mappings or maps),
            when.replace(tzinfo=TZ),
        )

    return make
