"""The outgoing mail server (Notifier port): reminders to units and alerts to the admin.

Stdlib only (smtplib + email.message). Every smtplib/socket/ssl error is translated here, at the
boundary, into a `connector.errors` type whose marker says whether a retry helps, and whose
text never carries the password.

The envelope is sent step by step (MAIL, RCPT, DATA) rather than with `send_message`, so that the
caller can tell "nothing was delivered" (refused before DATA, or DATA answered with an error:
retrying is safe) from "the connection broke while the message was being handed over" (the
server may or may not have it: `NotifierUncertainError`, never retried automatically).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from datetime import UTC, datetime
from email.header import Header
from email.message import Message as Message_
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from typing import Literal

from connector.domain import Message
from connector.errors import (
    NotifierError,
    NotifierRejectedError,
    NotifierUnavailableError,
    NotifierUncertainError,
)

Security = Literal["starttls", "ssl", "none"]


class SmtpNotifier:
    """Sends one `Message` per SMTP session (reminders are a few e-mails a day)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.security: Security = security
        self.username, self._password = username, password
        self.timeout = timeout
        self._tls = tls_context

    def __repr__(self) -> str:  # never show the password
        return f"SmtpNotifier({self.host}:{self.port}, security={self.security}, user={self.username})"

    @property
    def where(self) -> str:
        return f"máy chủ thư {self.host}:{self.port}"

    def build(self, message: Message) -> Message_:
        """The MIME message: text and HTML alternatives, UTF-8, encoded headers, Date, Message-ID.

        Built with `email.mime` and `email.header.Header` rather than `EmailMessage` + policy SMTP:
        the latter folds a long Vietnamese subject into encoded words split at a space and drops
        that space ("Tài chính" arrives as "Tàichính"); `Header` keeps it inside the encoded word.
        """
        text = MIMEText(message.text, "plain", "utf-8")
        if message.html is None:
            mail: Message_ = text
        else:
            mail = MIMEMultipart("alternative")
            mail.attach(text)
            mail.attach(MIMEText(message.html, "html", "utf-8"))
        mail["From"] = self.sender
        mail["To"] = ", ".join(message.to)
        mail["Subject"] = Header(message.subject, "utf-8", header_name="Subject").encode()
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        return mail

    def send(self, message: Message) -> None:
        """Deliver `message` to the server or raise a `connector.errors.NotifierError` subclass."""
        if not message.to:
            raise NotifierRejectedError("Thư không có địa chỉ người nhận; không gửi.")
        data = self.build(message).as_bytes(policy=compat32.clone(linesep="\r\n"))
        try:
            conn = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise self._translate(exc) from None
        try:
            self._envelope(conn, message.to)
            try:
                code, reply = conn.data(data)
            except smtplib.SMTPResponseException as exc:  # the server answered DATA with an error
                raise self._translate(exc) from None
            except (smtplib.SMTPException, OSError):
                raise NotifierUncertainError(
                    f"Kết nối tới {self.where} bị ngắt trong lúc gửi nội dung thư đến "
                    f"{', '.join(message.to)}: thư có thể đã đi hoặc chưa. Không tự gửi lại; "
                    "hỏi người nhận hoặc xem nhật ký máy chủ thư."
                ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self._translate(exc) from None
        finally:
            _quietly_close(conn)
        if code != 250:  # pragma: no cover - smtplib raises SMTPDataError for these
            raise NotifierRejectedError(f"{self.where} không nhận thư: {code} {_text(reply)}.")

    def close(self) -> None:
        """Nothing to release: each message opens and closes its own SMTP session."""

    def _connect(self) -> smtplib.SMTP:
        context = self._tls or ssl.create_default_context()
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password or "")
        except BaseException:
            _quietly_close(conn)
            raise
        return conn

    def _envelope(self, conn: smtplib.SMTP, to: tuple[str, ...]) -> None:
        code, reply = conn.mail(self.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        refused = {}
        for address in to:
            code, reply = conn.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, reply)
        if refused:
            conn.rset()
            raise smtplib.SMTPRecipientsRefused(refused)

    def _translate(self, exc: BaseException) -> NotifierError:
        """One Vietnamese sentence per failure; the password is never part of it."""
        where = self.where
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return NotifierRejectedError(
                f"{where} từ chối đăng nhập tài khoản {self.username} ({exc.smtp_code}). "
                "Kiểm tra smtp.username và mật khẩu trong biến môi trường smtp.password_env."
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return NotifierRejectedError(
                f"{where} không hỗ trợ {('STARTTLS' if self.security == 'starttls' else 'đăng nhập')}. "
                'Kiểm tra smtp.security ("starttls" | "ssl" | "none") và smtp.port.'
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            listed = "; ".join(f"{a} ({c} {_text(r)})" for a, (c, r) in exc.recipients.items())
            text = f"{where} từ chối địa chỉ người nhận: {listed}."
            if all(400 <= c < 500 for c in codes):
                return NotifierUnavailableError(text + " Lần chạy sau sẽ thử lại.")
            return NotifierRejectedError(text + " Sửa địa chỉ e-mail trong mappings/units.toml.")
        if isinstance(exc, smtplib.SMTPResponseException):
            text = f"{where} trả lời lỗi {exc.smtp_code}: {_text(exc.smtp_error)}."
            if 400 <= exc.smtp_code < 500:
                return NotifierUnavailableError(text + " Lần chạy sau sẽ thử lại.")
            return NotifierRejectedError(text + " Kiểm tra cấu hình [smtp] (sender, tài khoản).")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return NotifierRejectedError(
                f"Chứng chỉ TLS của {where} không hợp lệ ({exc.verify_message}). "
                "Kiểm tra smtp.host có đúng tên máy chủ thư."
            )
        if isinstance(exc, TimeoutError | socket.timeout):
            return NotifierUnavailableError(f"{where} không trả lời trong {self.timeout:g} giây; sẽ thử lại.")
        if isinstance(exc, ConnectionRefusedError):
            return NotifierUnavailableError(f"{where} từ chối kết nối (máy chủ chưa chạy?); sẽ thử lại.")
        if isinstance(exc, socket.gaierror):
            return NotifierUnavailableError(f"Không tìm thấy {where} (tên máy không phân giải); sẽ thử lại.")
        if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPException | OSError):
            return NotifierUnavailableError(f"Lỗi kết nối tới {where} ({type(exc).__name__}); sẽ thử lại.")
        return NotifierUnavailableError(f"Lỗi khi gửi thư qua {where} ({type(exc).__name__}).")


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).strip()


def _quietly_close(conn: smtplib.SMTP) -> None:
    """QUIT after the message was accepted: a failure here changes nothing about the delivery."""
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()
