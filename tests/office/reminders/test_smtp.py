"""The SMTP notifier against a real server on 127.0.0.1: MIME shape, STARTTLS + login, error translation."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from adapters.smtp import SmtpNotifier
from connector.config import Config, Profile, Settings, SmtpSettings
from connector.domain import Message
from connector.errors import ConnectorError, NotifierRejectedError, NotifierUnavailableError, is_transient
from connector.service import build_notifier
from tests.office.reminders.conftest import PASSWORD, USER, Inbox, SmtpServer, free_port

SUBJECT = "[Nhắc việc] Phòng Kế hoạch - Tài chính: 1 nhiệm vụ quá hạn"
TEXT = "Kính gửi: Phòng Kế hoạch - Tài chính\nĐề nghị khẩn trương thực hiện.\n"
HTML = "<p>Kính gửi: <b>Phòng Kế hoạch - Tài chính</b></p>"
TO = "khtc@so-nong-nghiep.example.vn"


def _message() -> Message:
    return Message(to=(TO,), subject=SUBJECT, text=TEXT, html=HTML)


def test_message_is_multipart_utf8_with_encoded_subject_date_and_id(smtp_server: SmtpServer) -> None:
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, sender="vanphong@so.example.vn", security="none")
    notifier.send(_message())
    [(mail_from, rcpt, raw)] = smtp_server.inbox.raw
    assert (mail_from, rcpt) == ("vanphong@so.example.vn", [TO])
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # the Vietnamese subject is RFC 2047-encoded, not raw UTF-8
    assert b"Subject: =?utf-8?" in head
    [msg] = smtp_server.inbox.messages
    assert msg["Subject"] == SUBJECT
    assert msg["To"] == TO and msg["Date"] and msg["Message-ID"].endswith("@so.example.vn>")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == "utf-8" and text.get_content() == TEXT
    assert html.get_content().strip() == HTML


def test_starttls_and_login_then_delivered(tls_smtp_server: SmtpServer) -> None:
    server = tls_smtp_server
    notifier = SmtpNotifier(
        "127.0.0.1", server.port, sender="vanphong@so.example.vn", security="starttls", username=USER,
        password=PASSWORD, tls_context=server.client_tls,
    )  # fmt: skip
    notifier.send(_message())
    assert server.inbox.logins == [USER]
    assert [m["Subject"] for m in server.inbox.messages] == [SUBJECT]


def test_wrong_password_is_terminal_and_never_shows_the_password(tls_smtp_server: SmtpServer) -> None:
    server = tls_smtp_server
    wrong = "sai-mat-khau-bi-mat-123"
    notifier = SmtpNotifier(
        "127.0.0.1", server.port, sender="vanphong@so.example.vn", username=USER, password=wrong,
        tls_context=server.client_tls,
    )  # fmt: skip
    with pytest.raises(NotifierRejectedError) as info:
        notifier.send(_message())
    assert not is_transient(info.value)
    assert "từ chối đăng nhập" in info.value.message and USER in info.value.message
    assert wrong not in str(info.value) and wrong not in repr(notifier)
    assert server.inbox.raw == []


def test_untrusted_certificate_is_terminal(tls_smtp_server: SmtpServer) -> None:
    notifier = SmtpNotifier("127.0.0.1", tls_smtp_server.port, sender="vanphong@so.example.vn")
    with pytest.raises(NotifierRejectedError, match="Chứng chỉ TLS"):
        notifier.send(_message())


def test_server_requiring_starttls_refuses_plain_mail_as_terminal(tls_smtp_server: SmtpServer) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1", tls_smtp_server.port, sender="vanphong@so.example.vn", security="none"
    )
    with pytest.raises(NotifierRejectedError, match="530"):
        notifier.send(_message())
    assert tls_smtp_server.inbox.raw == []


def test_refused_recipient_is_terminal(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refuse.add(TO)
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, sender="vanphong@so.example.vn", security="none")
    with pytest.raises(NotifierRejectedError, match="từ chối địa chỉ người nhận") as info:
        notifier.send(_message())
    assert TO in info.value.message and "mappings/units.toml" in info.value.message
    assert smtp_server.inbox.raw == []


def test_connection_refused_is_transient() -> None:
    notifier = SmtpNotifier("127.0.0.1", free_port(), sender="vanphong@so.example.vn", security="none")
    with pytest.raises(NotifierUnavailableError) as info:
        notifier.send(_message())
    assert is_transient(info.value) and isinstance(info.value, ConnectorError)


def test_build_notifier_from_config(tmp_path: Path, profile: Profile, smtp_server: SmtpServer) -> None:
    bare = Config(settings=Settings(profile="nong-nghiep-2022"), profile=profile, root=tmp_path, secrets={})
    assert build_notifier(bare) is None
    smtp = SmtpSettings(
        host="127.0.0.1", port=smtp_server.port, security="none", sender="vanphong@so.example.vn",
        username=None, password_env="CONNECTOR_SMTP_PASSWORD",
    )  # fmt: skip
    cfg = Config(
        settings=Settings(profile="nong-nghiep-2022", smtp=smtp),
        profile=profile,
        root=tmp_path,
        secrets={"CONNECTOR_SMTP_PASSWORD": "khong-dung-vi-khong-co-ten"},
    )
    notifier = build_notifier(cfg)
    assert notifier is not None
    notifier.send(_message())
    assert smtp_server.inbox.messages[0].get_body(("plain",)).get_content() == TEXT  # type: ignore[union-attr]


def test_implicit_tls_port(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_ctx)
    controller.start()
    try:
        client = ssl.create_default_context(cafile=str(cert))
        SmtpNotifier(
            "127.0.0.1", port, sender="vanphong@so.example.vn", security="ssl", tls_context=client
        ).send(_message())
    finally:
        controller.stop()
    assert [m["Subject"] for m in inbox.messages] == [SUBJECT]
