"""The clerk's day in real Chromium (Playwright + /usr/bin/chromium) against a register filled by a real sync.

Log in, find a document through the register's filters, record a unit's progress on a task that
is still under review (the next push holds it), confirm the review and see the change released,
re-run the document and see the new sync-log lines on its page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import col, select

from connector import clock
from connector.register.tables import Document, Event, OutboxItem, ReviewItem, SyncRun, Task
from connector.sync.outbox import HOLD_REVIEW
from tests.simulated import cli
from tests.web.site import CHROMIUM, CLERK, PASSWORD, Site, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as s:
        yield s


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} không có: cài bằng `sudo apt-get install chromium` (Debian's Chromium).")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield b
        finally:
            b.close()


def _review_document(site: Site) -> tuple[Document, Task]:
    with site.register.read() as s:
        item = s.exec(
            select(ReviewItem).where(ReviewItem.state == "open").order_by(col(ReviewItem.id))
        ).first()
        assert item is not None, "the simulated eOffice has documents that need a clerk's check"
        doc = s.get(Document, item.document_id)
        task = s.exec(select(Task).where(Task.document_id == item.document_id)).first()
        assert doc is not None and doc.number and task is not None and task.needs_review
        return doc, task


def _outbox(site: Site, task_id: int | None) -> list[OutboxItem]:
    with site.register.read() as s:
        return list(s.exec(select(OutboxItem).where(OutboxItem.task_id == task_id)))


def test_clerk_confirms_a_review_and_reruns_a_document(site: Site, browser: Browser) -> None:
    doc, task = _review_document(site)
    page: Page = browser.new_page()
    page.set_default_timeout(20_000)

    page.goto(site.url + "/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(CLERK)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#who")).to_have_text(CLERK)

    # find the document through the register's filters
    page.get_by_role("link", name="Sổ theo dõi").click()
    page.get_by_label("Số hiệu hoặc nội dung").fill(doc.number or "")
    page.get_by_label("Trạng thái").select_option("Chưa thực hiện quá hạn")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#total")).not_to_have_text("0 nhiệm vụ.")
    page.locator("#register").get_by_role("link", name=doc.number or "").first.click()
    expect(page.locator("#number")).to_have_text(doc.number or "")

    # a unit reports progress; the task is under review, so the next push holds the change
    page.get_by_text(f"Ghi nhận tình hình thực hiện nhiệm vụ #{task.id}").click()
    page.get_by_label("Ngày bắt đầu (dd/mm/yyyy)").fill(clock.today().strftime("%d/%m/%Y"))
    page.get_by_label("Diễn giải tình hình thực hiện").fill("Đã giao phòng chuyên môn triển khai.")
    page.get_by_role("button", name="Lưu tình hình").click()
    expect(page.locator(".flash")).to_contain_text(f"Văn thư {CLERK} ghi nhận tình hình nhiệm vụ #{task.id}")
    synced = cli(site.config_file, "sync")
    assert synced.returncode == 0, synced.stderr
    [held] = _outbox(site, task.id)
    assert (held.state, held.last_error) == ("held", HOLD_REVIEW)

    # confirm the review: the change is released for the next push
    page.get_by_role("link", name="Chờ kiểm tra").click()
    page.get_by_role("button", name=f"Xác nhận đúng — văn bản {doc.number}").click()
    expect(page.locator(".flash")).to_contain_text(f"Văn thư {CLERK} đã xác nhận văn bản {doc.number}")
    [released] = _outbox(site, task.id)
    assert (released.state, released.last_error) == ("pending", None)
    page.get_by_role("link", name="Chờ cập nhật").click()
    expect(page.locator(f"#outbox-{released.id} .state")).to_have_text("Chờ gửi")
    with site.register.read() as s:
        stored = s.get(Task, task.id)
        assert stored is not None and not stored.needs_review

    # re-run the document: its page shows the new sync-log lines
    page.goto(f"{site.url}/van-ban/{doc.id}")
    history_before = page.locator("#history tbody tr").count()
    page.get_by_role("button", name="Chạy lại văn bản này").click()
    expect(page.locator("#rerun-outcome")).to_contain_text(f"Văn bản {doc.number}")
    expect(page.locator("#rerun-log")).to_contain_text(f"Chạy lại văn bản {doc.number}")
    page.get_by_role("link", name=f"Về trang văn bản {doc.number}").click()
    history = page.locator("#history")
    expect(history).to_contain_text(f"Văn thư {CLERK} bấm «Chạy lại» văn bản {doc.number}")
    expect(history).to_contain_text(f"Chạy lại văn bản {doc.number}: ")
    assert page.locator("#history tbody tr").count() > history_before
    with site.register.read() as s:
        runs = s.exec(select(SyncRun).where(SyncRun.job == "rerun")).all()
        lines = s.exec(select(Event).where(Event.document_id == doc.id, Event.kind == "rerun")).all()
    assert len(runs) == 1 and runs[0].outcome != "running"
    assert any(CLERK in e.message for e in lines)
