"""`connector check --live` as an admin runs it: signs in to the simulators the config names, opens each
read page once, says page by page what matched, exits 1 when a page no longer matches its recipe."""

from __future__ import annotations

from pathlib import Path

from tests.simulated import Sites, cli, write_workspace


def test_check_live_page_by_page_then_a_changed_layout(tmp_path: Path, sites: Sites) -> None:
    eoffice, portal, urls = sites
    config = write_workspace(tmp_path, urls)
    ok = cli(config, "check", "--live")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "eoffice.toml (chỉ đọc, không gửi gì)" in ok.stdout and "portal.toml (chỉ đọc" in ok.stdout
    assert "Đăng nhập (/dang-nhap): được" in ok.stdout and "khớp" in ok.stdout
    assert "KHÔNG" not in ok.stdout

    eoffice.faults.layout = 2  # the province's eOffice changed its pages
    changed = cli(config, "check", "--live")
    assert changed.returncode == 1
    assert "KHÔNG KHỚP" in changed.stdout and "table#tblVanBanDen" in changed.stdout
    assert all(r.method == "GET" or r.path == "/dang-nhap" for r in eoffice.requests)  # read-only
    assert portal.accepted == [] and portal.returned == []  # nothing was sent to the portal
    assert "Traceback" not in changed.stdout + changed.stderr
