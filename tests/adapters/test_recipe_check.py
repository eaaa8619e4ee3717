"""`check_recipe` and `live_check` (adapters/recipes/check.py) on every shipped recipe and simulator."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from adapters.recipes import load_recipe
from adapters.recipes.check import check_recipe, live_check
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState
from fixtures.simulators.eoffice import create_app as eoffice_app
from fixtures.simulators.ioffice import USERS as IOFFICE_USERS
from fixtures.simulators.ioffice import create_app as ioffice_app
from fixtures.simulators.portal import PortalState
from fixtures.simulators.portal import create_app as portal_app
from fixtures.simulators.serve import serve_in_thread
from fixtures.simulators.spa import create_app as spa_app

M = Path(__file__).resolve().parents[2] / "mappings"
SHIPPED = [
    ("eoffice", M / "eoffice.toml"),
    ("portal", M / "portal.toml"),
    ("eoffice", M / "examples/ioffice.toml"),
    ("portal", M / "examples/spa-portal.toml"),
    ("portal", M / "examples/spa-portal-browser.toml"),
]


@pytest.mark.parametrize(("kind", "path"), SHIPPED, ids=[p.name for _, p in SHIPPED])
def test_every_shipped_recipe_is_valid(kind: str, path: Path) -> None:
    assert check_recipe(kind, load_recipe(path), str(path)) == []


def test_problems_name_the_file_key_and_what_is_expected() -> None:
    recipe = copy.deepcopy(load_recipe(M / "examples/spa-portal.toml"))
    recipe["pages"]["list"]["engine"] = "browser"  # Chromium cannot read a JSON endpoint
    recipe["pages"]["list"]["paging"]["by"] = "offset"  # the URL has no {offset}
    del recipe["pages"]["list"]["fields"]["deadline"]  # the program needs it
    recipe["pages"]["task"]["fields"]["number"] = {"css": "#so"}  # a JSON page needs a path
    recipe["login"]["tokens"][1]["value"] = "Bearer"  # no {token}
    problems = check_recipe("portal", recipe, "mappings/portal.toml")
    keys = {p.key for p in problems}
    assert keys == {
        "pages.list.url",
        "pages.list.fields.deadline",
        "pages.task.fields.number.path",
        "login.tokens.1.value",
        "pages.list.engine",
    }
    assert all(p.file == "mappings/portal.toml" for p in problems)
    assert check_recipe("eoffice", load_recipe(M / "portal.toml"), "x.toml")[0].key == "kind"


def _live(kind: str, path: Path, app: object, user: tuple[str, str]) -> list[str]:
    with serve_in_thread(app) as url:
        return live_check(kind, load_recipe(path), str(path.relative_to(M.parent)), url, *user, timeout=10)


def test_live_check_reports_page_by_page_on_each_style() -> None:
    portal_user = ("snn.vanphong", "Kontum@2024")
    eoffice = _live(
        "eoffice", M / "eoffice.toml", eoffice_app(EOfficeState()), next(iter(DEFAULT_USERS.items()))
    )
    assert eoffice[0].endswith("theo công thức mappings/eoffice.toml (chỉ đọc, không gửi gì):")
    assert "Đăng nhập (/dang-nhap): được" in eoffice[1]
    assert "«Văn bản đến» (/vbden/danh-sach): khớp, 10 dòng" in eoffice[2]
    assert "«Chi tiết văn bản»" in eoffice[3] and "đọc được body, attachments, number" in eoffice[3]
    ioffice = _live("eoffice", M / "examples/ioffice.toml", ioffice_app(), next(iter(IOFFICE_USERS.items())))
    assert "mappings/examples/ioffice.toml" in ioffice[0] and "khớp, 5 dòng" in ioffice[2]
    assert "trống: body" not in ioffice[3] and "attachments" in ioffice[3]
    spa = _live("portal", M / "examples/spa-portal.toml", spa_app(PortalState()), portal_user)
    assert "khớp, 10 dòng" in spa[2] and "[pages.update] gửi JSON" in spa[4]
    assert "[pages.return]: không có trong công thức" in spa[5]
    webforms = _live("portal", M / "portal.toml", portal_app(PortalState()), portal_user)
    assert any(
        "Trang «Trang cập nhật tình hình thực hiện»" in line and "(không gửi)" in line for line in webforms
    )


def test_live_check_says_what_did_not_match_and_never_sends() -> None:
    state = EOfficeState()
    state.faults.layout = 2
    lines = _live("eoffice", M / "eoffice.toml", eoffice_app(state), next(iter(DEFAULT_USERS.items())))
    assert "KHÔNG KHỚP" in lines[2] and "table#tblVanBanDen" in lines[2] and "Trang có:" in lines[2]
    assert all(r.method == "GET" or r.path == "/dang-nhap" for r in state.requests)
