"""The dashboard over HTTP (real uvicorn on 127.0.0.1, httpx): reading is open, acting needs login + CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.cli.demo import config_text
from connector.config import load
from connector.domain import Status
from connector.mappings import load_all
from connector.register.db import open_register
from connector.register.queries import task_facts
from connector.register.tables import Document, Event, OutboxItem, ReviewItem, SyncRun, Task
from connector.service import ConfiguredAdapters
from connector.status import derive_status
from connector.web import queries
from connector.web.app import create_app, serve
from tests.web.site import CLERK, PASSWORD, Site, running_site

OVERDUE = {s for s in Status if "quá hạn" in s and not s.startswith("Đã hoàn thành")}
PAGES = ["/", "/so-theo-doi", "/nhat-ky", "/kiem-tra", "/cho-cap-nhat", "/dang-nhap", "/van-ban/1"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory.mktemp("web")) as s:
        yield s


def _token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every page carries the CSRF token in its forms"
    return found.group(1)


def _login(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    token = _token(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data={"name": CLERK, "password": password, "csrf": token, "next": "/"})


def _open_review(site: Site) -> tuple[int, int]:
    with site.register.read() as s:
        item = s.exec(
            select(ReviewItem).where(ReviewItem.state == "open").order_by(col(ReviewItem.id))
        ).first()
        assert item is not None, "the simulated eOffice has documents that need a clerk's check"
        assert item.id is not None
        return item.id, item.document_id


@pytest.mark.parametrize("path", PAGES)
def test_every_page_reads_without_login(site: Site, path: str) -> None:
    r = httpx.get(site.url + path)
    assert r.status_code == 200
    assert '<html lang="vi">' in r.text
    assert "Traceback" not in r.text


def test_overview_counts_and_register_filters(site: Site) -> None:
    home = httpx.get(site.url + "/").text
    assert "Nhiệm vụ theo trạng thái" in home and "Chờ văn thư kiểm tra" in home
    assert 'role="alert"' not in home  # every job just succeeded
    everything = httpx.get(site.url + "/so-theo-doi").text
    total = int(re.search(r'id="total">(\d+) nhiệm vụ', everything).group(1))  # type: ignore[union-attr]
    assert total > queries.PAGE_SIZE, "the simulated eOffice fills more than one page"
    with site.register.read() as s:
        pairs = s.exec(select(Task, Document).join(Document, col(Task.document_id) == Document.id)).all()
    ours = [t for t, d in pairs if t.concerns_us and d.state in ("registered", "review")]
    shown = [t for t, d in pairs if d.state != "secret_notice"]
    assert total == len(ours) < len(shown)  # by default only the department's tasks in force
    with_all = httpx.get(site.url + "/so-theo-doi", params={"all": "1"}).text
    assert f'id="total">{len(shown)} nhiệm vụ' in with_all
    rows = re.compile(r'<a href="/van-ban/\d+">')
    assert len(rows.findall(everything)) == queries.PAGE_SIZE
    second = httpx.get(site.url + "/so-theo-doi", params={"page": "2"}).text
    assert len(rows.findall(second)) == total - queries.PAGE_SIZE
    overdue = httpx.get(site.url + "/so-theo-doi", params={"overdue": "1"}).text
    n_overdue = int(re.search(r'id="total">(\d+) nhiệm vụ', overdue).group(1))  # type: ignore[union-attr]
    late = [t for t in ours if derive_status(task_facts(t), clock.today()) in OVERDUE]
    assert n_overdue == len(late) > 0  # the SQL filter agrees with the derived status
    assert "Chưa thực hiện trong hạn</td>" not in overdue
    status = "Chưa thực hiện quá hạn"
    only = httpx.get(site.url + "/so-theo-doi", params={"status": status}).text
    cells = re.findall(r"<td>(Chưa thực hiện[^<]*|Đang thực hiện[^<]*|Đã hoàn thành[^<]*)</td>", only)
    assert cells and set(cells) == {status}
    with site.register.read() as s:
        task = s.exec(select(Task).where(col(Task.lead_unit_code).is_not(None))).first()
        assert task is not None
        unit = task.lead_unit_code
        same_unit = len(
            s.exec(
                select(Task).where((Task.lead_unit_code == unit) | (Task.handling_unit_code == unit))
            ).all()
        )
    by_unit = httpx.get(site.url + "/so-theo-doi", params={"unit": unit, "all": "1"}).text
    assert f'id="total">{same_unit} nhiệm vụ' in by_unit
    nothing = httpx.get(
        site.url + "/so-theo-doi", params={"origin": "Giám đốc Sở", "q": "không-có-văn-bản-này"}
    )
    assert "Không có nhiệm vụ nào khớp bộ lọc" in nothing.text


def test_log_filters(site: Site) -> None:
    everything = httpx.get(site.url + "/nhat-ky").text
    assert "Đã nhận văn bản" in everything
    failed = httpx.get(site.url + "/nhat-ky", params={"failed": "1"}).text
    assert "Đã nhận văn bản" not in failed
    future = httpx.get(site.url + "/nhat-ky", params={"since": "01/01/2099"}).text
    assert "Không có dòng nhật ký nào" in future
    wrong = httpx.get(site.url + "/nhat-ky", params={"since": "hôm qua"}).text
    assert "không đúng dạng ngày/tháng/năm" in wrong


def test_actions_need_login(site: Site) -> None:
    item_id, doc_id = _open_review(site)
    with httpx.Client(base_url=site.url) as client:
        token = _token(client.get("/dang-nhap").text)  # a valid token, but no login
        for path in (f"/kiem-tra/{item_id}/xac-nhan", f"/van-ban/{doc_id}/chay-lai"):
            r = client.post(path, data={"csrf": token})
            assert r.status_code == 403
            assert "cần đăng nhập" in r.text
    with site.register.read() as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None and item.state == "open"


def test_actions_need_the_sessions_csrf_token(site: Site) -> None:
    item_id, _ = _open_review(site)
    with httpx.Client(base_url=site.url) as client:
        assert _login(client).status_code == 303
        missing = client.post(f"/kiem-tra/{item_id}/xac-nhan", data={})
        wrong = client.post(f"/kiem-tra/{item_id}/xac-nhan", data={"csrf": "x" * 43})
        for r in (missing, wrong):
            assert r.status_code == 403
            assert "mã chống giả mạo không khớp" in r.text
    with site.register.read() as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None and item.state == "open"


def test_wrong_password_is_refused_and_never_shown_or_logged(
    site: Site, capfd: pytest.CaptureFixture[str]
) -> None:
    wrong = "sai-mat-khau-9Xq"
    with httpx.Client(base_url=site.url) as client:
        r = _login(client, wrong)
        assert r.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.text
        assert wrong not in r.text
        assert "Đang đăng nhập" not in client.get("/").text
        ok = _login(client)
        assert ok.status_code == 303
        home = client.get("/").text
        assert f'<strong id="who">{CLERK}</strong>' in home
        assert PASSWORD not in home
        out = client.post("/dang-xuat", data={"csrf": _token(home)})
        assert out.status_code == 303
        assert "Đang đăng nhập" not in client.get("/").text
    out, err = capfd.readouterr()
    assert "web_login_failed" in out + err
    assert wrong not in out + err and PASSWORD not in out + err
    with site.register.read() as s:
        assert not [e for e in s.exec(select(Event)) if wrong in e.message or wrong in str(e.detail)]


def test_session_cookie_is_httponly_samesite_and_key_is_private(site: Site) -> None:
    with httpx.Client(base_url=site.url) as client:
        r = _login(client)
        cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    key = site.cfg.data_dir / "web-secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().strip() not in Path(site.config_file).read_text()


def test_correct_validates_then_keeps_previous_values(site: Site) -> None:
    item_id, doc_id = _open_review(site)
    with site.register.read() as s:
        task = s.exec(select(Task).where(Task.document_id == doc_id)).first()
        assert task is not None
        old_summary, task_id = task.summary, task.id
    unit = next(u for u in site.maps.units if u.kind == "internal")
    with httpx.Client(base_url=site.url) as client:
        _login(client)
        token = _token(client.get("/kiem-tra").text)
        incomplete = client.post(f"/kiem-tra/{item_id}/sua", data={"csrf": token})
        assert incomplete.status_code == 400 and "Biểu mẫu thiếu thông tin" in incomplete.text
        form = {"csrf": token, "task_id": str(task_id), "summary": "Sửa lại nội dung", "lead_unit": unit.code}
        bad = client.post(
            f"/kiem-tra/{item_id}/sua", data=form | {"deadline": "31/02/2026"}, follow_redirects=True
        )
        assert "Chưa lưu" in bad.text and "31/02/2026" in bad.text
        good = client.post(
            f"/kiem-tra/{item_id}/sua", data=form | {"deadline": "15/12/2026"}, follow_redirects=True
        )
        assert "đã sửa và xác nhận" in good.text
    with site.register.read() as s:
        task = s.get(Task, task_id)
        item = s.get(ReviewItem, item_id)
        assert task is not None and item is not None
        assert (task.summary, task.lead_unit_code, task.deadline.isoformat()) == (  # type: ignore[union-attr]
            "Sửa lại nội dung", unit.code, "2026-12-15",
        )  # fmt: skip
        assert not task.needs_review
        assert (item.state, item.resolved_by) == ("resolved", CLERK)
        found = s.exec(select(Event).where(Event.kind == "review", Event.document_id == doc_id)).all()
    [event] = [e for e in found if e.detail and "correction" in e.detail]
    assert CLERK in event.message
    assert event.detail is not None and event.detail["correction"]["before"]["summary"] == old_summary


def test_overview_warns_when_jobs_have_not_succeeded(tmp_path: Path) -> None:
    """A service started two days ago whose jobs never succeeded: the banner names them."""
    users = {"eoffice": "khong-dung", "portal": "khong-dung"}
    config = tmp_path / "config.toml"
    config.write_text(config_text({"eoffice": "http://127.0.0.1:9", "portal": "http://127.0.0.1:9"}, users))
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('CONNECTOR_EOFFICE_PASSWORD = "x"\nCONNECTOR_PORTAL_PASSWORD = "y"\n')
    secrets.chmod(0o600)
    cfg = load(config, environ={})
    maps = load_all(cfg.mappings_dir)
    register = open_register(cfg.register_url)
    two_days_ago = clock.now() - timedelta(days=2)
    with register.write() as s:  # the service's first run, two days ago, failed; nothing succeeded since
        s.add(
            SyncRun(job="poll:eoffice", started_at=two_days_ago, finished_at=two_days_ago, outcome="failed")
        )
    app = create_app(cfg, maps, WorkingCalendar(maps.calendar), register, ConfiguredAdapters(cfg, maps))
    server, thread = serve(app)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        home = httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        register.dispose()
    assert 'role="alert"' in home and "chưa chạy thành công trong 24 giờ qua" in home
    assert "«Đọc nguồn eoffice»" in home and "«Cập nhật Phần mềm theo dõi»" in home


def test_progress_is_validated_then_recorded_with_its_push_limit(site: Site) -> None:
    with site.register.read() as s:
        task = s.exec(
            select(Task).where(Task.origin == "UBND tỉnh", Task.needs_review == False).order_by(col(Task.id))  # noqa: E712
        ).first()
        assert task is not None
        task_id, doc_id = task.id, task.document_id
    today = clock.today().strftime("%d/%m/%Y")
    with httpx.Client(base_url=site.url) as client:
        _login(client)
        token = _token(client.get(f"/van-ban/{doc_id}").text)
        form = {"csrf": token, "started_on": today, "progress_note": "Đang triển khai.", "blocked_reason": ""}
        bad = client.post(
            f"/nhiem-vu/{task_id}/tien-do", data=form | {"completed_on": "01/01/2000"}, follow_redirects=True
        )
        assert "Chưa lưu: Ngày hoàn thành không được trước ngày bắt đầu." in bad.text
        assert not [o for o in _outbox_of(site, task_id)]
        good = client.post(f"/nhiem-vu/{task_id}/tien-do", data=form, follow_redirects=True)
        assert f"Văn thư {CLERK} ghi nhận tình hình nhiệm vụ #{task_id}" in good.text
        assert "Đang triển khai." in good.text
    [row] = _outbox_of(site, task_id)
    days = site.cfg.profile.time_limits.push_working_days
    assert row.state == "pending"
    assert row.due_by.astimezone(clock.TZ).date() == site.cal.add(clock.today(), days)
    with site.register.read() as s:
        stored = s.get(Task, task_id)
        assert stored is not None and stored.started_on == clock.today()


def _outbox_of(site: Site, task_id: int | None) -> list[OutboxItem]:
    with site.register.read() as s:
        return list(s.exec(select(OutboxItem).where(OutboxItem.task_id == task_id)))
