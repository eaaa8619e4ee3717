"""BrowserPortal (Playwright + Debian's /usr/bin/chromium) against the portal simulator (no mocks).

A missing Chromium fails these tests with the apt-get line (fixture `chromium`); it never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.portal import BrowserPortal, HttpPortal
from adapters.portal.browser import CHROMIUM_ARGS
from connector.domain import Attachment, StatusUpdate
from connector.errors import MappingMismatchError, PortalUnavailableError, UserError
from tests.adapters import portal_fixtures as pf

PASSWORD, USER, Sim = pf.PASSWORD, pf.USER, pf.Sim
recipe, sim, chromium = pf.recipe, pf.sim, pf.chromium  # fixtures

BLOCKED = "Đang thực hiện - có khó khăn, vướng mắc"
REASON = "Nội dung cấp phép cơ sở khám bệnh, chữa bệnh thuộc chức năng, nhiệm vụ của Sở Y tế, không thuộc Sở."


@pytest.fixture
def browser(sim: Sim, recipe: dict, chromium: str, tmp_path: Path) -> Iterator[BrowserPortal]:
    with BrowserPortal(
        sim.url, USER, PASSWORD, recipe, chromium_path=chromium, artifacts_dir=tmp_path, timeout=15
    ) as b:
        yield b


def test_launch_flags_are_the_required_ones() -> None:
    assert set(CHROMIUM_ARGS) >= {
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    }


def test_same_recipe_reads_the_same_tasks_as_http(sim: Sim, recipe: dict, browser: BrowserPortal) -> None:
    via_browser = list(browser.list_tasks())
    with sim.http(recipe) as http:
        via_http = list(http.list_tasks())

    assert via_browser == via_http
    assert len(via_browser) == 31
    assert browser.read("4129") == via_http[4]


def test_push_sends_one_change_with_hidden_fields_and_file(sim: Sim, browser: BrowserPortal) -> None:
    report = Attachment(
        "bao-cao.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04 bao cao",
    )
    update = StatusUpdate(
        "4178", BLOCKED, "Đã dự thảo văn bản.\nChờ ý kiến Sở Tài chính.", report_file=report
    )

    receipt = browser.push(update)

    assert receipt.sent is True
    assert receipt.detail["engine"] == "browser"
    assert len(sim.state.accepted) == 1
    change = sim.state.accepted[0]
    assert change.fields["status_value"] == "DANG_TH_VUONG_MAC"
    assert change.fields["progress_note"] == "Đã dự thảo văn bản.\nChờ ý kiến Sở Tài chính."
    assert change.files["ctl00$MainContent$fuBaoCao"] == ("bao-cao.docx", report.data)
    assert all(change.form[k] == v for k, v in change.issued_hidden.items())
    assert "ctl00$MainContent$btnHuy" not in change.form

    again = browser.push(update)

    assert again.sent is False
    assert len(sim.state.accepted) == 1


def test_js_only_return_page_works_in_the_browser(sim: Sim, browser: BrowserPortal) -> None:
    browser.return_task("4213", REASON)

    assert [(r.portal_ref, r.reason) for r in sim.state.returned] == [("4213", REASON)]
    assert all(r.form[k] for r in sim.state.returned for k in ("__VIEWSTATE", "__EVENTVALIDATION"))
    assert "4213" not in {t.portal_ref for t in browser.list_tasks()}


def test_http_engine_routes_the_browser_page_as_the_recipe_says(
    sim: Sim, recipe: dict, chromium: str
) -> None:
    assert recipe["pages"]["return"]["engine"] == "browser"
    with sim.http(recipe) as portal:
        portal.return_task("4220", REASON)
        assert portal.read("4101").number == "1234/UBND-NNTN"  # the rest stays on HTTP

    assert [r.portal_ref for r in sim.state.returned] == ["4220"]


def test_session_expiry_is_renewed_for_page_loads(sim: Sim, browser: BrowserPortal) -> None:
    browser.read("4101")
    sim.state.expire_sessions()

    assert browser.push(StatusUpdate("4178", BLOCKED, "Chờ ý kiến.")).sent is True
    assert sim.state.logins == 2


def test_failure_keeps_screenshot_and_trace(sim: Sim, browser: BrowserPortal, tmp_path: Path) -> None:
    sim.state.faults.layout = 2

    with pytest.raises(MappingMismatchError) as caught:
        browser.push(StatusUpdate("4178", BLOCKED, "Chờ ý kiến."))

    message = caught.value.message
    assert (
        "Trang «Trang cập nhật tình hình thực hiện» (/NhiemVu/CapNhat.aspx) không còn khớp với công thức "
        "mappings/portal.toml: khóa pages.update.fields.status" in message
    )
    assert "ddlTrangThai" in message
    pngs, traces = (
        list(tmp_path.glob("portal-push-4178-*.png")),
        list(tmp_path.glob("portal-push-4178-*.trace.zip")),
    )
    assert len(pngs) == 1 and pngs[0].stat().st_size > 0
    assert len(traces) == 1 and traces[0].stat().st_size > 0
    assert str(pngs[0]) in message
    assert PASSWORD.encode() not in traces[0].read_bytes()
    assert sim.state.accepted == []


def test_500_is_unavailable(sim: Sim, browser: BrowserPortal) -> None:
    browser.read("4101")
    sim.state.faults.burst_500 = 1

    with pytest.raises(PortalUnavailableError, match="HTTP 500"):
        browser.read("4101")


def test_missing_chromium_says_how_to_install_it(sim: Sim, recipe: dict) -> None:
    with pytest.raises(UserError, match="apt-get install chromium") as caught:
        BrowserPortal(sim.url, USER, PASSWORD, recipe, chromium_path="/nonexistent/chromium")

    assert caught.value.hint == "sudo apt-get install chromium"


def test_http_portal_closes_the_browser_it_started(sim: Sim, recipe: dict, chromium: str) -> None:
    portal = HttpPortal(sim.url, USER, PASSWORD, recipe)
    portal.return_task("4227", REASON)
    started = portal._browser
    assert started is not None

    portal.close()

    assert started._browser is None
