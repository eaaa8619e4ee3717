"""E-mail that must go out at most once per key and day: the claim ledger, and alerts to the admin.

A send is a two-step claim in `reminders_sent` (unique unit, day, kind): the row is written as
"sending" and committed *before* the e-mail leaves, then marked "sent". After a crash between
the two, the "sending" row stays and nothing is sent again that day (one missed e-mail is
better than a unit receiving the same reminder twice; a warning says it may not have gone).
A send that failed with nothing delivered is marked "failed", and a later run may claim it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlmodel import select

from connector.clock import TZ, now
from connector.domain import Message
from connector.errors import ConnectorError, to_message
from connector.log import get_logger
from connector.ports import Notifier
from connector.register.db import Register
from connector.register.queries import log_event
from connector.register.tables import ReminderSent
from connector.runtime.job import JobContext

ADMIN = "__admin__"
Claim = Literal["claimed", "sent", "sending"]
"""claimed: ours to send now; sent: already went out; sending: a crash left it uncertain."""


def claim(register: Register, unit_code: str, day: date, kind: str, task_ids: Sequence[int] = ()) -> Claim:
    """Take the (unit, day, kind) row for sending and commit, unless it was sent or may have been."""
    with register.write() as s:
        row = s.exec(
            select(ReminderSent).where(
                ReminderSent.unit_code == unit_code, ReminderSent.day == day, ReminderSent.kind == kind
            )
        ).first()
        if row is not None and row.state in ("sent", "sending"):
            return "sent" if row.state == "sent" else "sending"
        row = row or ReminderSent(unit_code=unit_code, day=day, kind=kind)
        row.state, row.error, row.task_ids, row.sent_at = "sending", None, list(task_ids), now()
        s.add(row)
    return "claimed"


def settle(register: Register, unit_code: str, day: date, kind: str, *, error: str | None = None) -> None:
    """Mark a claimed row "sent" (error None) or "failed" (nothing was delivered)."""
    with register.write() as s:
        row = s.exec(
            select(ReminderSent).where(
                ReminderSent.unit_code == unit_code, ReminderSent.day == day, ReminderSent.kind == kind
            )
        ).one()
        row.state = "sent" if error is None else "failed"
        row.error = error
        row.sent_at = now()
        s.add(row)


def warn_uncertain_once(register: Register, unit_code: str, day: date, kind: str) -> bool:
    """Note on a "sending" row that its warning was given; True the first time only."""
    with register.write() as s:
        row = s.exec(
            select(ReminderSent).where(
                ReminderSent.unit_code == unit_code, ReminderSent.day == day, ReminderSent.kind == kind
            )
        ).one()
        if row.error:
            return False
        row.error = "chưa rõ đã gửi hay chưa (tiến trình dừng giữa lúc gửi)"
        s.add(row)
    return True


def maybe_delivered(exc: BaseException) -> bool:
    """Whether a failed send may still have reached the server (never retried automatically).

    A notifier marks such errors with `maybe_delivered = True`; an error it did not translate
    (a bug) counts as uncertain too, so a bug can cost a reminder but never duplicate one.
    """
    return not isinstance(exc, ConnectorError) or bool(getattr(exc, "maybe_delivered", False))


def alert_admin(
    ctx: JobContext, key: str, subject: str, text: str, *, notifier: Notifier | None = None
) -> bool:
    """E-mail `smtp.admin_email` about `key` at most once a day; True when this call sent it.

    Without [smtp] or `admin_email` nothing is sent (the caller's sync-log line still shows the
    problem). `notifier` defaults to the one configured.
    """
    smtp = ctx.cfg.settings.smtp
    if smtp is None or smtp.admin_email is None:
        return False
    if notifier is None:
        notifier = ctx.adapters.notifier()
        if notifier is None:  # (smtp checked above)
            return False
    day, kind = ctx.now.astimezone(TZ).date(), f"alert:{key}"
    if claim(ctx.register, ADMIN, day, kind) != "claimed":
        return False
    address = str(smtp.admin_email)
    try:
        notifier.send(Message(to=(address,), subject=subject, text=text))
    except Exception as exc:  # any failure is recorded; the caller's job goes on
        reason = to_message(exc)
        if not maybe_delivered(exc):
            settle(ctx.register, ADMIN, day, kind, error=reason)
        with ctx.register.write() as s:
            log_event(
                s,
                kind="alert_failed",
                level="error",
                message=f"Không gửi được thư cảnh báo tới quản trị ({address}): {reason}",
                detail={"key": key, "address": address},
            )
        get_logger("connector.office.notify").warning("alert_failed", key=key, error=type(exc).__name__)
        return False
    settle(ctx.register, ADMIN, day, kind)
    with ctx.register.write() as s:
        log_event(
            s,
            kind="alerted",
            level="warning",
            message=f"Đã gửi thư cảnh báo tới quản trị ({address}): {subject}",
            detail={"key": key, "address": address},
        )
    return True
