"""The single-page-app portal (fixtures/simulators/spa) through its JSON API on the fast engine, and
through its JavaScript-drawn screens in Debian's Chromium (real servers on 127.0.0.1, no mocks)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from adapters.portal import BrowserPortal, HttpPortal
from adapters.recipes import load_recipe
from connector.domain import StatusUpdate
from connector.errors import MappingMismatchError, PortalRejectedError, PortalUnavailableError
from fixtures.simulators.portal import PortalState
from fixtures.simulators.serve import serve_in_thread
from fixtures.simulators.spa import create_app
from tests.adapters import portal_fixtures as pf

chromium = pf.chromium  # fixture
EXAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "examples"
API, SCREENS = EXAMPLES / "spa-portal.toml", EXAMPLES / "spa-portal-browser.toml"
BLOCKED = "Đang thực hiện - có khó khăn, vướng mắc"


@dataclass
class Spa:
    state: PortalState
    url: str

    def http(self, recipe: dict | None = None) -> HttpPortal:
        return HttpPortal(self.url, pf.USER, pf.PASSWORD, recipe or load_recipe(API), timeout=10)


@pytest.fixture
def spa() -> Iterator[Spa]:
    state = PortalState()
    with serve_in_thread(create_app(state, draw_delay_ms=300)) as url:
        yield Spa(state, url)


def test_api_push_is_three_requests_and_sends_codes_and_iso_dates(spa: Spa) -> None:
    with spa.http() as portal:
        portal.read("4101")
        spa.state.reset_counters()
        receipt = portal.push(
            StatusUpdate("4178", "Đã hoàn thành trong hạn", "Đã ban hành.", date(2024, 6, 5))
        )
    assert receipt.sent and receipt.detail["portal_message"] == "Đã cập nhật tiến độ nhiệm vụ."
    assert spa.state.request_log == [
        ("GET", "/api/nhiemvu/4178"),
        ("PUT", "/api/nhiemvu/4178/tien-do"),
        ("GET", "/api/nhiemvu/4178"),
    ]
    assert spa.state.accepted[0].form == {
        "trangThai": "HT_TRONG_HAN",
        "dienGiai": "Đã ban hành.",
        "ngayHoanThanh": "2024-06-05",
    }


def test_no_chromium_is_started_for_the_api_recipe(spa: Spa) -> None:
    with spa.http() as portal:
        assert len(list(portal.list_tasks())) == 31
        assert portal._browser is None


def test_refusal_reads_the_sites_own_message(spa: Spa) -> None:
    with spa.http() as portal, pytest.raises(PortalRejectedError, match="Vui lòng nhập ngày hoàn thành"):
        portal.push(StatusUpdate("4178", "Đã hoàn thành trong hạn", "Xong."))
    assert spa.state.accepted == []


def test_expired_token_signs_in_again_for_reads_never_for_the_update(spa: Spa) -> None:
    with spa.http() as portal:
        portal.read("4101")
        spa.state.expire_sessions()
        assert portal.read("4101").number == "1234/UBND-NNTN"
        assert spa.state.logins == 2
        spa.state.faults.expire_after = 1  # the read before the PUT works, the PUT finds it gone
        with pytest.raises(PortalUnavailableError, match="hết hạn"):
            portal.push(StatusUpdate("4178", BLOCKED, "Chờ kinh phí."))
    assert spa.state.accepted == []


def test_wrong_password_names_the_account_not_the_password(spa: Spa) -> None:
    with (
        HttpPortal(spa.url, pf.USER, "sai-mat-khau-42", load_recipe(API)) as portal,
        pytest.raises(PortalRejectedError, match="mật khẩu không đúng") as caught,
    ):
        portal.read("4101")
    assert "sai-mat-khau-42" not in caught.value.message and pf.USER in caught.value.message


def test_no_return_screen_says_what_it_cannot_do(spa: Spa) -> None:
    with spa.http() as portal, pytest.raises(PortalRejectedError) as caught:
        portal.return_task("4213", "Không thuộc chức năng của Sở.")
    assert "[pages.return]" in caught.value.message and "spa-portal.toml" in caught.value.message
    assert "trực tiếp" in caught.value.message


def test_a_renamed_json_key_is_a_mismatch_with_the_item_as_it_is(spa: Spa) -> None:
    recipe = copy.deepcopy(load_recipe(API))
    recipe["pages"]["list"]["fields"]["number"] = "soHieu"
    with spa.http(recipe) as portal, pytest.raises(MappingMismatchError) as caught:
        list(portal.list_tasks())
    message = caught.value.message
    assert "spa-portal.toml" in message and "pages.list.fields.number" in message and "«soHieu»" in message
    assert '"soKyHieu": "1234/UBND-NNTN"' in message  # what the API sent instead


def test_screens_in_chromium_wait_for_the_drawn_data_and_the_in_app_save(
    spa: Spa, chromium: str, tmp_path: Path
) -> None:
    recipe = load_recipe(SCREENS)
    with (
        BrowserPortal(
            spa.url, pf.USER, pf.PASSWORD, recipe, chromium_path=chromium, artifacts_dir=tmp_path, timeout=15
        ) as browser,
        spa.http() as api,
    ):
        listed = list(browser.list_tasks())
        assert listed == list(api.list_tasks())  # path refs, JS-drawn table, same values as the API
        receipt = browser.push(StatusUpdate("4178", BLOCKED, "Chờ ý kiến Sở Tài chính."))
        assert receipt.sent and receipt.detail["portal_message"] == "Đã cập nhật tiến độ nhiệm vụ."
        assert api.read("4178").status_label == BLOCKED
    assert len(spa.state.accepted) == 1


def test_a_wait_that_never_comes_is_a_mismatch_not_an_empty_list(
    spa: Spa, chromium: str, tmp_path: Path
) -> None:
    recipe = copy.deepcopy(load_recipe(SCREENS))
    recipe["pages"]["list"]["wait"] = "table#dsNhiemVu"
    with (
        BrowserPortal(
            spa.url, pf.USER, pf.PASSWORD, recipe, chromium_path=chromium, artifacts_dir=tmp_path, timeout=3
        ) as browser,
        pytest.raises(MappingMismatchError) as caught,
    ):
        list(browser.list_tasks())
    assert "pages.list.wait" in caught.value.message and "table#dsNhiemVu" in caught.value.message
