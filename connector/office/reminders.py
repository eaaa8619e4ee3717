"""Daily reminders to units (Điều 8–10: the office chases units by e-mail among other means).

On a working day, each unit responsible for a task that is due within `reminders.days_before`
working days, or overdue, gets one e-mail listing all its tasks (Vietnamese, text and HTML).
The unit chased is the phòng the Director assigned in the bút phê (`handling_unit_code`), else
the lead unit when it is one of the department's internal units, else the office itself, which
then passes the task on. Secret documents, documents under review, revoked or replaced ones and
finished tasks are never included.

Safe to run at any time and any number of times: the claim ledger in `connector.office.notify` makes
a second run the same day send nothing already sent, and never resend one that may have gone.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from connector.clock import TZ
from connector.domain import Message
from connector.errors import to_message
from connector.mappings import Unit
from connector.office.notify import claim, maybe_delivered, settle, warn_uncertain_once
from connector.ports import Notifier
from connector.register.queries import finish_run, log_event, start_run, task_facts
from connector.register.tables import Document, Task
from connector.runtime.job import JobContext, JobResult, Outcome
from connector.status import derive_status

JOB = "remind"
KIND = "daily"


@dataclass(frozen=True)
class Item:
    """One task in a reminder, with what the e-mail says about it."""

    task: Task
    document: Document
    days: int  # working days left (>= 0) or overdue (< 0)
    status: str
    today: date

    @property
    def when(self) -> str:
        if self.days < 0:
            return f"quá hạn {-self.days} ngày làm việc"
        if self.task.deadline == self.today:
            return "đến hạn hôm nay"
        return f"còn {self.days} ngày làm việc"


def due_items(ctx: JobContext, today: date) -> dict[str, list[Item]]:
    """Tasks to remind about on `today`, grouped by the code of the unit to chase, overdue first."""
    horizon = ctx.cal.add(today, ctx.cfg.settings.reminders.days_before)
    with ctx.register.read() as s:
        rows = s.exec(
            select(Task, Document)
            .join(Document, Task.document_id == Document.id)  # type: ignore[arg-type]
            .where(
                Task.completed_on == None,  # noqa: E711
                Task.concerns_us == True,  # noqa: E712
                Task.needs_review == False,  # noqa: E712
                Task.deadline != None,  # noqa: E711
                Task.deadline <= horizon,  # type: ignore[operator]
                Document.state == "registered",
                Document.secrecy == None,  # noqa: E711
            )
            .order_by(Task.deadline, Task.id)  # type: ignore[arg-type]
        ).all()
    grouped: dict[str, list[Item]] = defaultdict(list)
    for task, document in rows:
        if document.secrecy or task.deadline is None:  # never, even if a query above is edited
            continue
        days = (
            ctx.cal.between(today, task.deadline)
            if task.deadline >= today
            else -ctx.cal.between(task.deadline, today)
        )
        status = str(derive_status(task_facts(task), today))
        grouped[chased_unit(ctx, task)].append(Item(task, document, days, status, today))
    return dict(grouped)


def chased_unit(ctx: JobContext, task: Task) -> str:
    """The unit an e-mail about `task` goes to (see the module docstring)."""
    if task.handling_unit_code:
        return task.handling_unit_code
    lead = ctx.maps.unit(task.lead_unit_code) if task.lead_unit_code else None
    if lead is not None and lead.kind == "internal":
        return lead.code
    return ctx.cfg.profile.office_unit


def run_reminders(ctx: JobContext, *, notifier: Notifier | None = None) -> JobResult:
    """One reminders run (scheduler at `scheduler.reminders_at` on working days, or by hand)."""
    today = ctx.now.astimezone(TZ).date()
    with ctx.register.write() as s:
        run_id = start_run(s, JOB).id
    assert run_id is not None
    skip = _skip_reason(ctx, today)
    if skip is None and notifier is None:
        notifier = ctx.adapters.notifier()
    if skip is not None or notifier is None:
        return _finish(ctx, run_id, JobResult("skipped", {}, skip or "Chưa cấu hình [smtp]."))
    counts = {"units": 0, "tasks": 0, "sent": 0, "already_sent": 0, "uncertain": 0, "failed": 0,
              "no_email": 0}  # fmt: skip
    for code, items in sorted(due_items(ctx, today).items()):
        if ctx.stop.is_set():
            break
        counts["units"] += 1
        counts["tasks"] += len(items)
        counts[_remind_unit(ctx, run_id, notifier, today, code, items)] += 1
    failed = counts["failed"]
    outcome: Outcome = "ok" if not failed else ("partial" if counts["sent"] else "failed")
    message = (
        f"Nhắc việc ngày {today:%d/%m/%Y}: đã gửi {counts['sent']} thư ({counts['tasks']} nhiệm vụ, "
        f"{counts['units']} đơn vị); {counts['already_sent']} đơn vị đã được nhắc trong ngày; "
        f"{failed} thư gửi lỗi; {counts['no_email']} đơn vị chưa có địa chỉ e-mail."
    )
    if failed:
        message += " Việc cần làm: xem nhật ký, sửa lỗi rồi chạy lại nhắc việc (thư chưa gửi sẽ được gửi)."
    return _finish(ctx, run_id, JobResult(outcome, counts, message))


def _skip_reason(ctx: JobContext, today: date) -> str | None:
    settings = ctx.cfg.settings
    if settings.smtp is None:
        return (
            "Không gửi nhắc việc: chưa cấu hình máy chủ thư. Việc cần làm: thêm bảng [smtp] vào "
            "config.toml (xem config.example.toml), rồi chạy `connector check`."
        )
    if not settings.reminders.enabled:
        return "Không gửi nhắc việc: nhắc việc đang tắt (reminders.enabled = false trong config.toml)."
    if not ctx.cal.is_working(today):
        return f"Không gửi nhắc việc: ngày {today:%d/%m/%Y} là ngày nghỉ ({ctx.cal.reason_off(today)})."
    return None


def _finish(ctx: JobContext, run_id: int, result: JobResult) -> JobResult:
    with ctx.register.write() as s:
        finish_run(s, run_id, outcome=result.outcome, message=result.message, counts=result.counts)
    result.run_id = run_id
    return result


def _remind_unit(
    ctx: JobContext, run_id: int, notifier: Notifier, today: date, code: str, items: list[Item]
) -> str:
    """Send one unit its e-mail; returns the counter to bump."""
    unit = ctx.maps.unit(code)
    name = unit.name if unit else code
    task_ids = [i.task.id for i in items if i.task.id is not None]
    doc_ids = {i.document.id for i in items}
    doc_id = next(iter(doc_ids)) if len(doc_ids) == 1 else None
    detail = {"unit": code, "task_ids": task_ids}

    def event(kind: str, level: str, message: str, **extra: object) -> None:
        with ctx.register.write() as s:
            log_event(s, kind=kind, level=level, message=message, run_id=run_id, document_id=doc_id,
                      detail={**detail, **extra})  # fmt: skip

    if unit is None or unit.email is None:
        if claim(ctx.register, code, today, "no-email", task_ids) == "claimed":
            settle(ctx.register, code, today, "no-email")
            event(
                "reminder_no_email",
                "warning",
                f"Không gửi được nhắc việc cho {name}: đơn vị chưa có địa chỉ e-mail ({len(items)} nhiệm "
                f'vụ). Việc cần làm: quản trị thêm dòng email = "..." cho đơn vị mã {code} trong '
                "mappings/units.toml, rồi chạy `connector check`.",
            )
        return "no_email"
    address = str(unit.email)
    state = claim(ctx.register, code, today, KIND, task_ids)
    if state == "sent":
        return "already_sent"
    if state == "sending":
        if warn_uncertain_once(ctx.register, code, today, KIND):
            event(
                "reminder_uncertain",
                "warning",
                f"Thư nhắc việc ngày {today:%d/%m/%Y} cho {name} ({address}) có thể đã gửi hoặc chưa "
                "(chương trình dừng giữa lúc gửi); không gửi lại để tránh trùng. Việc cần làm: hỏi "
                "đơn vị đã nhận thư chưa; nếu chưa, văn phòng nhắc qua điện thoại.",
                address=address,
            )
        return "uncertain"
    try:
        notifier.send(compose(unit, items, today, ctx.cfg.profile.department))
    except Exception as exc:  # any failure is recorded; the other units still get theirs
        reason = to_message(exc)
        if maybe_delivered(exc):
            event("reminder_uncertain", "warning", f"Thư nhắc việc cho {name} ({address}): {reason}",
                  address=address)  # fmt: skip
            warn_uncertain_once(ctx.register, code, today, KIND)
            return "uncertain"
        settle(ctx.register, code, today, KIND, error=reason)
        event("reminder_failed", "error", f"Chưa gửi được thư nhắc việc cho {name} ({address}): {reason}",
              address=address)  # fmt: skip
        return "failed"
    settle(ctx.register, code, today, KIND)
    overdue = sum(i.days < 0 for i in items)
    event(
        "reminded",
        "info",
        f"Đã gửi thư nhắc việc tới {name} ({address}): {len(items)} nhiệm vụ "
        f"({overdue} quá hạn, {len(items) - overdue} sắp đến hạn).",
        address=address,
    )
    return "sent"


def compose(unit: Unit, items: list[Item], today: date, department: str) -> Message:
    """The unit's e-mail: overdue tasks first, then those due soon; plain text and HTML."""
    overdue = [i for i in items if i.days < 0]
    soon = [i for i in items if i.days >= 0]
    subject = (
        f"[Nhắc việc] {unit.name}: {len(overdue)} nhiệm vụ quá hạn, {len(soon)} sắp đến hạn "
        f"({today:%d/%m/%Y})"
    )
    intro = (
        f"Văn phòng {department} nhắc {unit.name} các nhiệm vụ được giao đã quá hạn hoặc sắp đến hạn "
        f"tính đến ngày {today:%d/%m/%Y}:"
    )
    outro = (
        "Đề nghị đơn vị khẩn trương thực hiện và báo cáo kết quả về Văn phòng Sở; nhiệm vụ đã hoàn "
        "thành thì báo ngày hoàn thành để Văn phòng cập nhật. Thư này do hệ thống theo dõi nhiệm vụ "
        "gửi tự động mỗi ngày làm việc, không cần trả lời."
    )
    text = [f"Kính gửi: {unit.name}", "", intro]
    parts = [f"<p>Kính gửi: <b>{html.escape(unit.name)}</b></p>", f"<p>{html.escape(intro)}</p>"]
    for title, group in (("NHIỆM VỤ QUÁ HẠN", overdue), ("NHIỆM VỤ SẮP ĐẾN HẠN", soon)):
        if not group:
            continue
        text += ["", f"{title} ({len(group)})"]
        parts.append(f"<h3>{title} ({len(group)})</h3>")
        rows = []
        for n, item in enumerate(group, start=1):
            fields = _fields(item)
            text.append(f"{n}. {fields[0][1]}")
            text += [f"   {label}: {value}" for label, value in fields[1:]]
            cells = "".join(f"<td>{html.escape(value)}</td>" for _, value in fields)
            rows.append(f"<tr><td>{n}</td>{cells}</tr>")
        head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in _fields(group[0]))
        parts.append(
            '<table border="1" cellpadding="4" cellspacing="0">'
            f"<tr><th>TT</th>{head}</tr>{''.join(rows)}</table>"
        )
    text += ["", outro]
    parts.append(f"<p>{html.escape(outro)}</p>")
    body = "\n".join(parts)
    page = f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>{body}</body></html>'
    return Message(to=(str(unit.email),), subject=subject, text="\n".join(text) + "\n", html=page)


def _fields(item: Item) -> list[tuple[str, str]]:
    doc, task = item.document, item.task
    number = doc.number or "(không số)"
    issued = f" ngày {doc.issued_on:%d/%m/%Y}" if doc.issued_on else ""
    issuer = f" của {doc.issuer_name}" if doc.issuer_name else ""
    assert task.deadline is not None
    return [
        ("Văn bản", f"Số {number}{issued}{issuer}"),
        ("Trích yếu", doc.subject or ""),
        ("Nhiệm vụ", task.summary),
        ("Thời hạn", f"{task.deadline:%d/%m/%Y} ({item.when})"),
        ("Trạng thái", item.status),
    ]
