"""Daily reminders to units, against a real SMTP server and a real SQLite register, at fixed dates.

The calendar around 2/9/2026: Fri 28/8 works; Sat 29, Sun 30, Mon 31/8 (swap), Tue 1/9 and Wed 2/9
(Quốc khánh) are off; Thu 3/9 works. With days_before = 3 the horizon on Fri 28/8 is Mon 7/9.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from sqlmodel import select

from connector.calendar import WorkingCalendar
from connector.clock import now
from connector.mappings import Mappings, Unit
from connector.office.notify import ADMIN, alert_admin
from connector.office.reminders import run_reminders
from connector.register.db import Register
from connector.register.tables import Document, Event, ReminderSent, SyncRun, Task
from tests.office.reminders.conftest import MakeCtx, SmtpServer, free_port

FRIDAY = datetime(2026, 8, 28, 7, 30)
THURSDAY = datetime(2026, 9, 3, 7, 30)
KHTC = "khtc@so-nong-nghiep.example.vn"
VP = "vanphong@so-nong-nghiep.example.vn"


def add_task(
    reg: Register,
    number: str,
    deadline: date | None,
    *,
    lead: str | None = "SNNMT",
    handling: str | None = None,
    secrecy: str | None = None,
    state: str = "registered",
    completed: date | None = None,
    needs_review: bool = False,
    summary: str | None = None,
) -> int:
    with reg.write() as s:
        doc = Document(
            number=number, issuer_name="UBND tỉnh Kon Tum", issued_on=date(2026, 8, 10),
            subject=f"V/v triển khai văn bản {number}", secrecy=secrecy, state=state,
            created_at=now(), updated_at=now(),
        )  # fmt: skip
        s.add(doc)
        s.flush()
        assert doc.id is not None
        task = Task(
            document_id=doc.id, seq=1, summary=summary or f"Thực hiện nhiệm vụ theo văn bản {number}",
            deadline=deadline, lead_unit_code=lead, handling_unit_code=handling, completed_on=completed,
            needs_review=needs_review, created_at=now(), updated_at=now(),
        )  # fmt: skip
        s.add(task)
        s.flush()
        assert task.id is not None
        return task.id


def _seed(reg: Register) -> dict[str, int]:
    return {
        "soon_khtc": add_task(reg, "101/UBND-KT", date(2026, 9, 7), lead="KHTC"),  # 3 working days
        "late_handled": add_task(reg, "102/UBND-KT", date(2026, 8, 26), handling="KHTC"),  # 2 overdue
        "holiday_vp": add_task(reg, "103/UBND-KT", date(2026, 9, 2)),  # due on a holiday, lead SNNMT
        "too_far": add_task(reg, "104/UBND-KT", date(2026, 9, 8), lead="KHTC"),
        "secret": add_task(reg, "105/UBND-KT", date(2026, 8, 27), lead="KHTC", secrecy="Mật"),
        "done": add_task(reg, "106/UBND-KT", date(2026, 8, 20), lead="KHTC", completed=date(2026, 8, 19)),
        "revoked": add_task(reg, "107/UBND-KT", date(2026, 8, 25), lead="KHTC", state="revoked"),
        "review": add_task(reg, "108/UBND-KT", date(2026, 8, 25), lead="KHTC", state="review",
                           needs_review=True),
        "no_deadline": add_task(reg, "109/UBND-KT", None, lead="KHTC"),
    }  # fmt: skip


def _bodies(server: SmtpServer, to: str) -> tuple[str, str, str]:
    [msg] = [m for m in server.inbox.messages if m["To"] == to]
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return str(msg["Subject"]), text.get_content(), html.get_content()


def test_one_email_per_unit_with_its_due_and_overdue_tasks(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register, cal: WorkingCalendar
) -> None:
    assert cal.is_working(FRIDAY.date()) and not cal.is_working(date(2026, 9, 2))
    ids = _seed(register)
    result = run_reminders(make_ctx(FRIDAY, smtp_server.port))

    assert result.outcome == "ok"
    assert result.counts["sent"] == 2 and result.counts["tasks"] == 3
    assert sorted(rcpt for _, [rcpt], _ in smtp_server.inbox.raw) == [KHTC, VP]

    subject, text, html = _bodies(smtp_server, KHTC)
    assert subject == (
        "[Nhắc việc] Phòng Kế hoạch - Tài chính: 1 nhiệm vụ quá hạn, 1 sắp đến hạn (28/08/2026)"
    )
    assert "Kính gửi: Phòng Kế hoạch - Tài chính" in text
    assert "Số 102/UBND-KT ngày 10/08/2026 của UBND tỉnh Kon Tum" in text
    assert "Thời hạn: 26/08/2026 (quá hạn 2 ngày làm việc)" in text
    assert "Trạng thái: Chưa thực hiện quá hạn" in text
    assert "Thời hạn: 07/09/2026 (còn 3 ngày làm việc)" in text
    assert "Trạng thái: Chưa thực hiện trong hạn" in text
    assert text.index("NHIỆM VỤ QUÁ HẠN") < text.index("102/UBND-KT") < text.index("NHIỆM VỤ SẮP ĐẾN HẠN")
    for absent in ("104/", "105/", "106/", "107/", "108/", "109/", "103/"):
        assert absent not in text and absent not in html
    assert "<td>Số 101/UBND-KT ngày 10/08/2026 của UBND tỉnh Kon Tum</td>" in html
    assert "<td>07/09/2026 (còn 3 ngày làm việc)</td>" in html
    assert "<td>V/v triển khai văn bản 102/UBND-KT</td>" in html

    _, vp_text, _ = _bodies(smtp_server, VP)  # lead unit is the department itself → the office
    assert "103/UBND-KT" in vp_text and "Thời hạn: 02/09/2026 (còn 0 ngày làm việc)" in vp_text

    with register.read() as s:
        events = s.exec(select(Event).where(Event.kind == "reminded")).all()
        run = s.get(SyncRun, result.run_id)
        claims = s.exec(select(ReminderSent).where(ReminderSent.kind == "daily")).all()
    by_unit = {e.detail["unit"]: e for e in events if e.detail}
    assert sorted(by_unit) == ["KHTC", "VP"]
    assert by_unit["KHTC"].detail == {
        "unit": "KHTC", "task_ids": [ids["late_handled"], ids["soon_khtc"]], "address": KHTC,
    }  # fmt: skip
    assert by_unit["VP"].document_id is not None
    assert "Đã gửi thư nhắc việc tới Phòng Kế hoạch - Tài chính" in by_unit["KHTC"].message
    assert run is not None and run.job == "remind" and run.outcome == "ok" and run.counts == result.counts
    assert {(c.unit_code, c.state) for c in claims} == {("KHTC", "sent"), ("VP", "sent")}


def test_secret_task_never_reminded_even_alone(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    add_task(register, "205/UBND-KT", date(2026, 8, 27), lead="KHTC", secrecy="Tối mật")
    result = run_reminders(make_ctx(FRIDAY, smtp_server.port))
    assert result.counts["tasks"] == 0 and smtp_server.inbox.raw == []


def test_overdue_is_chased_again_on_each_working_day_and_not_on_a_day_off(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    add_task(register, "102/UBND-KT", date(2026, 8, 26), handling="KHTC")
    run_reminders(make_ctx(FRIDAY, smtp_server.port))
    saturday = run_reminders(make_ctx(datetime(2026, 8, 29, 7, 30), smtp_server.port))
    holiday = run_reminders(make_ctx(datetime(2026, 9, 1, 7, 30), smtp_server.port))
    run_reminders(make_ctx(THURSDAY, smtp_server.port))
    assert saturday.outcome == holiday.outcome == "skipped"
    assert "ngày 01/09/2026 là ngày nghỉ" in holiday.message
    assert len(smtp_server.inbox.raw) == 2
    last = smtp_server.inbox.messages[-1].get_body(("plain",))
    assert last is not None and "quá hạn 3 ngày làm việc" in last.get_content()


def test_second_run_same_day_sends_nothing(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    _seed(register)
    run_reminders(make_ctx(FRIDAY, smtp_server.port))
    again = run_reminders(make_ctx(FRIDAY.replace(hour=15), smtp_server.port))
    assert len(smtp_server.inbox.raw) == 2
    assert again.outcome == "ok" and again.counts["sent"] == 0 and again.counts["already_sent"] == 2


def test_a_claim_left_sending_by_a_crash_is_not_resent(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    add_task(register, "101/UBND-KT", date(2026, 9, 7), lead="KHTC")
    with register.write() as s:  # the state a kill -9 between "claim" and "sent" leaves behind
        s.add(ReminderSent(unit_code="KHTC", day=FRIDAY.date(), kind="daily", state="sending", sent_at=now()))
    first = run_reminders(make_ctx(FRIDAY, smtp_server.port))
    second = run_reminders(make_ctx(FRIDAY.replace(hour=9), smtp_server.port))
    assert smtp_server.inbox.raw == []
    assert first.counts["uncertain"] == second.counts["uncertain"] == 1
    with register.read() as s:
        warnings = s.exec(select(Event).where(Event.kind == "reminder_uncertain")).all()
    assert len(warnings) == 1 and warnings[0].level == "warning"
    assert "có thể đã gửi hoặc chưa" in warnings[0].message and KHTC in warnings[0].message


def test_smtp_down_marks_failed_and_a_later_run_retries(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    add_task(register, "101/UBND-KT", date(2026, 9, 7), lead="KHTC")
    down = run_reminders(make_ctx(FRIDAY, free_port()))
    assert down.outcome == "failed" and down.counts["failed"] == 1
    assert "chạy lại nhắc việc" in down.message
    with register.read() as s:
        [row] = s.exec(select(ReminderSent)).all()
        [failed] = s.exec(select(Event).where(Event.kind == "reminder_failed")).all()
    assert row.state == "failed" and row.error and "từ chối kết nối" in row.error
    assert failed.level == "error" and KHTC in failed.message

    retry = run_reminders(make_ctx(FRIDAY.replace(hour=10), smtp_server.port))
    assert retry.outcome == "ok" and retry.counts["sent"] == 1
    assert [rcpt for _, [rcpt], _ in smtp_server.inbox.raw] == [KHTC]
    with register.read() as s:
        [row] = s.exec(select(ReminderSent)).all()
    assert row.state == "sent" and row.error is None


def test_refused_address_fails_that_unit_only(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    _seed(register)
    smtp_server.inbox.refuse.add(KHTC)
    result = run_reminders(make_ctx(FRIDAY, smtp_server.port))
    assert result.outcome == "partial" and result.counts["sent"] == 1 and result.counts["failed"] == 1
    assert [rcpt for _, [rcpt], _ in smtp_server.inbox.raw] == [VP]


def test_unit_without_email_warns_the_admin_once_a_day(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register, maps: Mappings
) -> None:
    bare = Unit(code="TTDV", name="Trung tâm Dịch vụ nông nghiệp", kind="internal")
    mappings = dataclasses.replace(maps, units=(*maps.units, bare))
    add_task(register, "301/UBND-KT", date(2026, 8, 31), lead="TTDV")
    first = run_reminders(make_ctx(FRIDAY, smtp_server.port, mappings=mappings))
    run_reminders(make_ctx(FRIDAY.replace(hour=16), smtp_server.port, mappings=mappings))
    assert first.counts["no_email"] == 1 and smtp_server.inbox.raw == []
    with register.read() as s:
        warnings = s.exec(select(Event).where(Event.kind == "reminder_no_email")).all()
    assert len(warnings) == 1 and warnings[0].level == "warning"
    assert 'email = "..."' in warnings[0].message and "TTDV" in warnings[0].message
    assert "mappings/units.toml" in warnings[0].message


def test_skipped_without_smtp_or_when_disabled(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    _seed(register)
    no_smtp = run_reminders(make_ctx(FRIDAY, None))
    disabled = run_reminders(make_ctx(FRIDAY, smtp_server.port, enabled=False))
    assert no_smtp.outcome == disabled.outcome == "skipped"
    assert "[smtp]" in no_smtp.message and "reminders.enabled = false" in disabled.message
    assert smtp_server.inbox.raw == []
    with register.read() as s:
        runs = s.exec(select(SyncRun).where(SyncRun.job == "remind")).all()
    assert [r.outcome for r in runs] == ["skipped", "skipped"]


def test_admin_alert_at_most_once_per_key_and_day(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    ctx = make_ctx(FRIDAY, smtp_server.port)
    assert alert_admin(ctx, "poll:eoffice", "[connector] eOffice chưa đồng bộ được", "Đã 26 giờ.")
    assert not alert_admin(ctx, "poll:eoffice", "[connector] eOffice chưa đồng bộ được", "Đã 27 giờ.")
    assert alert_admin(ctx, "push", "[connector] Chưa đẩy được lên Phần mềm", "Đã 25 giờ.")
    next_day = make_ctx(THURSDAY, smtp_server.port)
    assert alert_admin(next_day, "poll:eoffice", "[connector] eOffice chưa đồng bộ được", "Đã 5 ngày.")
    subjects = [m["Subject"] for m in smtp_server.inbox.messages]
    assert subjects == [
        "[connector] eOffice chưa đồng bộ được",
        "[connector] Chưa đẩy được lên Phần mềm",
        "[connector] eOffice chưa đồng bộ được",
    ]
    assert {m["To"] for m in smtp_server.inbox.messages} == {"quantri@so-nong-nghiep.example.vn"}
    with register.read() as s:
        kinds = sorted(r.kind for r in s.exec(select(ReminderSent).where(ReminderSent.unit_code == ADMIN)))
    assert kinds == ["alert:poll:eoffice", "alert:poll:eoffice", "alert:push"]
    assert not alert_admin(make_ctx(FRIDAY, smtp_server.port, admin_email=None), "x", "s", "t")
    assert not alert_admin(make_ctx(FRIDAY, None), "y", "s", "t")


def test_admin_alert_failure_is_logged_and_retried(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    assert not alert_admin(make_ctx(FRIDAY, free_port()), "push", "[connector] cảnh báo", "x")
    with register.read() as s:
        [failed] = s.exec(select(Event).where(Event.kind == "alert_failed")).all()
    assert "quantri@" in failed.message
    assert alert_admin(make_ctx(FRIDAY, smtp_server.port), "push", "[connector] cảnh báo", "x")
    assert len(smtp_server.inbox.raw) == 1


def test_connection_lost_during_data_is_uncertain_and_not_resent(
    make_ctx: MakeCtx, smtp_server: SmtpServer, register: Register
) -> None:
    add_task(register, "101/UBND-KT", date(2026, 9, 7), lead="KHTC")
    smtp_server.inbox.drop_data = True
    first = run_reminders(make_ctx(FRIDAY, smtp_server.port))
    smtp_server.inbox.drop_data = False
    second = run_reminders(make_ctx(FRIDAY.replace(hour=11), smtp_server.port))
    assert first.counts["uncertain"] == second.counts["uncertain"] == 1
    assert second.counts["sent"] == 0 and smtp_server.inbox.raw == []
    with register.read() as s:
        [row] = s.exec(select(ReminderSent)).all()
        warnings = s.exec(select(Event).where(Event.kind == "reminder_uncertain")).all()
    assert row.state == "sending"
    assert len(warnings) == 1 and "có thể đã đi hoặc chưa" in warnings[0].message
