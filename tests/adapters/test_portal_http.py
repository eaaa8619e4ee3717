"""HttpPortal against the portal simulator over real HTTP on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import tomllib
from datetime import date

import httpx
import pytest
from bs4 import BeautifulSoup

from adapters.portal import HttpPortal
from adapters.recipes.validate import parse_recipe
from connector.domain import Attachment, StatusUpdate
from connector.errors import (
    MappingError,
    MappingMismatchError,
    PortalRejectedError,
    PortalUnavailableError,
    Transient,
)
from connector.ports import Portal
from fixtures.simulators.portal import STATUS_OPTIONS
from tests.adapters import portal_fixtures as pf

PASSWORD, ROOT, USER, Sim, with_page = pf.PASSWORD, pf.ROOT, pf.USER, pf.Sim, pf.with_page
recipe, sim, portal = pf.recipe, pf.sim, pf.portal  # fixtures

BLOCKED = "Đang thực hiện - có khó khăn, vướng mắc"
DONE = "Đã hoàn thành trong hạn"
OPEN_REF = "4178"  # 1799/UBND-NNTN: "Chưa thực hiện quá hạn", no note yet


def update(ref: str = OPEN_REF, **kw: object) -> StatusUpdate:
    fields = {
        "status_label": BLOCKED,
        "progress_note": "Đã dự thảo văn bản; chờ ý kiến Sở Tài chính về kinh phí.",
    }
    fields.update(kw)
    return StatusUpdate(portal_ref=ref, **fields)  # type: ignore[arg-type]


def posts(sim: Sim) -> list[tuple[str, str]]:
    return [r for r in sim.state.request_log if r[0] == "POST" and "Login" not in r[1]]


# -- reading ----------------------------------------------------------------------------------------


def test_lists_every_task_across_pages(sim: Sim, portal: HttpPortal) -> None:
    tasks = list(portal.list_tasks())

    assert len(tasks) == len(sim.state.tasks) == 31
    assert len({t.portal_ref for t in tasks}) == 31
    first = tasks[0]
    assert first.portal_ref == "4101"
    assert first.number == "1234/UBND-NNTN"
    assert first.issuer == "UBND tỉnh Kon Tum"
    assert first.issued_on == date(2024, 3, 12)
    assert first.lead_unit == "Sở Nông nghiệp và Phát triển nông thôn"
    assert first.deadline == date(2024, 3, 29)
    assert first.status_label == "Đã hoàn thành trong hạn"
    assert first.progress_note.startswith("Đã tham mưu")
    no_deadline = next(t for t in tasks if t.number == "1411/UBND-NNTN")
    assert no_deadline.deadline is None
    assert tasks[-1].number == "2633/UBND-NNTN"
    # sign in (GET + POST), then one GET per page of 10: frugal
    assert (
        sim.state.request_log
        == [("GET", "/Login.aspx"), ("POST", "/Login.aspx")] + [("GET", "/NhiemVu/DanhSach.aspx")] * 4
    )


def test_implements_the_portal_port(portal: HttpPortal) -> None:
    assert isinstance(portal, Portal)


def test_reads_one_task(portal: HttpPortal) -> None:
    task = portal.read("4129")

    assert task.number == "78/TB-UBND"
    assert task.issuer == "Chủ tịch UBND tỉnh Kon Tum"
    assert task.status_label == "Đang thực hiện quá hạn"
    assert task.deadline == date(2024, 5, 15)
    assert "sâm Ngọc Linh" in task.summary


def test_unknown_task_is_rejected(portal: HttpPortal) -> None:
    with pytest.raises(PortalRejectedError, match="không tìm thấy"):
        portal.read("999999")


# -- pushing --------------------------------------------------------------------------------------


def test_push_sends_exactly_one_change_with_hidden_fields_round_tripped(sim: Sim, portal: HttpPortal) -> None:
    report = Attachment("bao-cao-tien-do.pdf", "application/pdf", b"%PDF-1.4\n% bao cao\n")
    receipt = portal.push(update(report_file=report))

    assert receipt.sent is True
    assert receipt.status_label == BLOCKED
    assert receipt.detail["before"] == "Chưa thực hiện quá hạn"
    assert len(sim.state.accepted) == 1
    change = sim.state.accepted[0]
    assert change.portal_ref == OPEN_REF
    assert change.fields == {
        "status_value": "DANG_TH_VUONG_MAC",
        "status_label": BLOCKED,
        "progress_note": "Đã dự thảo văn bản; chờ ý kiến Sở Tài chính về kinh phí.",
        "completed_on": None,
        "report_file": "bao-cao-tien-do.pdf",
    }
    assert change.files["ctl00$MainContent$fuBaoCao"] == ("bao-cao-tien-do.pdf", report.data)
    for name in (
        "__VIEWSTATE",
        "__EVENTVALIDATION",
        "__VIEWSTATEGENERATOR",
        "__EVENTTARGET",
        "__EVENTARGUMENT",
        "ctl00$MainContent$hdfPhienBan",
    ):
        assert change.form[name] == change.issued_hidden[name]
    assert "ctl00$MainContent$btnCapNhat" in change.form
    assert "ctl00$MainContent$btnHuy" not in change.form  # only the pressed button, as a browser
    assert portal.read(OPEN_REF).status_label == BLOCKED


def test_push_costs_three_requests_once_signed_in(sim: Sim, portal: HttpPortal) -> None:
    portal.read("4101")
    sim.state.reset_counters()

    portal.push(update())

    assert sim.state.request_log == [
        ("GET", "/NhiemVu/CapNhat.aspx"),  # the form: current value + hidden fields
        ("POST", "/NhiemVu/CapNhat.aspx"),  # the submit
        ("GET", "/NhiemVu/ChiTiet.aspx"),  # where it lands = the read-back
    ]


def test_push_of_unchanged_value_sends_nothing(sim: Sim, portal: HttpPortal) -> None:
    current = portal.read("4122")
    sim.state.reset_counters()

    receipt = portal.push(StatusUpdate("4122", current.status_label, current.progress_note))

    assert receipt.sent is False
    assert sim.state.accepted == []
    assert sim.state.request_log == [("GET", "/NhiemVu/CapNhat.aspx")]


def test_completion_date_is_sent_in_the_portal_format(sim: Sim, portal: HttpPortal) -> None:
    receipt = portal.push(
        update(status_label=DONE, progress_note="Đã ban hành văn bản.", completed_on=date(2024, 6, 5))
    )

    assert receipt.sent is True
    assert sim.state.accepted[0].form["ctl00$MainContent$txtNgayHoanThanh"] == "05/06/2024"
    assert sim.state.accepted[0].fields["completed_on"] == "2024-06-05"


def test_portal_validation_message_becomes_a_rejection(sim: Sim, portal: HttpPortal) -> None:
    with pytest.raises(PortalRejectedError, match="Vui lòng nhập ngày hoàn thành"):
        portal.push(update(status_label=DONE))
    assert sim.state.accepted == []


# -- faults ---------------------------------------------------------------------------------------


def test_session_expiry_mid_listing_is_renewed(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.expire_after = 1  # page 1 fine, then the session is gone

    tasks = list(portal.list_tasks())

    assert len(tasks) == 31
    assert sim.state.logins == 2


def test_session_expiry_before_the_form_is_renewed(sim: Sim, portal: HttpPortal) -> None:
    portal.read("4101")
    sim.state.expire_sessions()

    assert portal.push(update()).sent is True
    assert len(sim.state.accepted) == 1
    assert sim.state.logins == 2


def test_session_expiry_at_submit_is_not_retried(sim: Sim, portal: HttpPortal) -> None:
    portal.read("4101")
    sim.state.faults.expire_after = 1  # the form loads, the submit finds the session gone

    with pytest.raises(PortalUnavailableError, match="hết hạn") as caught:
        portal.push(update())

    assert isinstance(caught.value, Transient)
    assert sim.state.accepted == []
    assert len(posts(sim)) == 1
    assert portal.push(update()).sent is True  # the caller's next attempt signs in again
    assert len(sim.state.accepted) == 1


def test_500_burst_fails_that_call_and_the_next_one_works(sim: Sim, portal: HttpPortal) -> None:
    portal.read("4101")
    sim.state.faults.burst_500 = 1

    with pytest.raises(PortalUnavailableError, match="500"):
        portal.push(update())

    assert sim.state.accepted == []
    assert portal.push(update()).sent is True


def test_500_on_the_submit_propagates_and_is_not_resent(sim: Sim, portal: HttpPortal) -> None:
    portal.read("4101")
    sim.state.faults.burst_after, sim.state.faults.burst_500 = 1, 1  # the form loads, the submit fails

    with pytest.raises(PortalUnavailableError, match="500"):
        portal.push(update())

    assert len(posts(sim)) == 1
    assert sim.state.accepted == []


def test_down_portal_is_unavailable_with_retry_after(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.down = True

    with pytest.raises(PortalUnavailableError, match="503") as caught:
        portal.read("4101")

    assert caught.value.retry_after == 60  # type: ignore[attr-defined]


def test_unreachable_portal_is_unavailable(recipe: dict) -> None:
    with (
        HttpPortal("http://127.0.0.1:9", USER, PASSWORD, recipe, timeout=2) as p,
        pytest.raises(PortalUnavailableError, match="Không kết nối được"),
    ):
        p.read("4101")


def test_slow_portal_times_out_as_unavailable(sim: Sim, recipe: dict) -> None:
    sim.state.faults.slow = 0.6
    with sim.http(recipe, timeout=0.3) as p, pytest.raises(PortalUnavailableError, match="không trả lời"):
        p.read("4101")


def test_duplicate_submit_is_rejected(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.duplicate = 1

    with pytest.raises(PortalRejectedError, match="trùng lặp"):
        portal.push(update())

    assert sim.state.accepted == []
    assert len(posts(sim)) == 1


def test_simulator_refuses_a_replayed_form_token(sim: Sim) -> None:
    """The simulator itself: the same rendered form posted twice is a duplicate the second time."""
    with httpx.Client(base_url=sim.url) as c:
        login = BeautifulSoup(c.get("/Login.aspx").text, "html.parser")
        data = {i["name"]: i.get("value", "") for i in login.select("input[type=hidden]")}
        data |= {
            "ctl00$MainContent$txtTenDangNhap": USER,
            "ctl00$MainContent$txtMatKhau": PASSWORD,
            "ctl00$MainContent$btnDangNhap": "Đăng nhập",
        }
        assert c.post("/Login.aspx", data=data).status_code == 302
        form = BeautifulSoup(c.get(f"/NhiemVu/CapNhat.aspx?id={OPEN_REF}").text, "html.parser")
        data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
        data |= {
            "ctl00$MainContent$ddlTrangThai": "DANG_TH",
            "ctl00$MainContent$txtDienGiai": "Đang thực hiện.",
            "ctl00$MainContent$btnCapNhat": "Cập nhật",
        }
        first = c.post(f"/NhiemVu/CapNhat.aspx?id={OPEN_REF}", data=data)
        second = c.post(f"/NhiemVu/CapNhat.aspx?id={OPEN_REF}", data=data)
        tampered = c.post(f"/NhiemVu/CapNhat.aspx?id={OPEN_REF}", data=data | {"__EVENTVALIDATION": "x"})

    assert first.status_code == 302
    assert "trùng lặp" in second.text
    assert tampered.status_code == 400
    assert len(sim.state.accepted) == 1


def test_changed_layout_of_the_list_is_a_mapping_mismatch(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.layout = 2

    with pytest.raises(MappingMismatchError) as caught:
        list(portal.list_tasks())

    message = caught.value.message
    assert message.startswith(
        "Trang «Trang danh sách nhiệm vụ» (/NhiemVu/DanhSach.aspx) không còn khớp với công thức "
        "mappings/portal.toml: khóa pages.list.scope "
        "(bộ chọn «table#ctl00_MainContent_gvNhiemVu» không tìm thấy gì)."
    )
    assert "Trang có: «" in message  # what the page showed instead
    assert message.endswith("quản trị viên cần cập nhật mappings/portal.toml.")


def test_changed_layout_of_the_forms_is_caught_before_any_submit(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.layout = 2

    with pytest.raises(
        MappingMismatchError, match=r"khóa pages.update.fields.status \(ô «ctl00\$MainContent\$ddlTrangThai»"
    ) as c:
        portal.push(update())
    assert "ddlTinhTrang" in c.value.message  # the inputs the form has now
    with pytest.raises(
        MappingMismatchError, match=r"Trang thông tin nhiệm vụ.*pages.task.fields.status_label.*lblTrangThai"
    ):
        portal.read("4101")
    assert posts(sim) == []


def test_js_only_page_on_the_http_engine_says_it_needs_the_browser(sim: Sim, recipe: dict) -> None:
    http_only = with_page(recipe, "return", engine="http")
    with sim.http(http_only) as p, pytest.raises(MappingMismatchError) as caught:
        p.return_task("4213", "Nội dung cấp phép cơ sở y tế thuộc chức năng của Sở Y tế.")

    assert "khóa pages.return.form (bộ chọn «form#frmTraLai»" in caught.value.message
    assert 'engine = "browser"' in caught.value.message
    assert sim.state.returned == []


# -- credentials, recipe --------------------------------------------------------------------------


def test_wrong_password_is_rejected_without_echoing_credentials(sim: Sim, recipe: dict) -> None:
    with (
        HttpPortal(sim.url, USER, "sai-mat-khau-123", recipe) as p,
        pytest.raises(PortalRejectedError) as caught,
    ):
        p.read("4101")

    assert "mật khẩu không đúng" in caught.value.message
    assert "sai-mat-khau-123" not in str(caught.value)
    assert "sai-mat-khau-123" not in repr(p)


def test_errors_never_carry_the_password(sim: Sim, portal: HttpPortal) -> None:
    sim.state.faults.burst_500 = 1
    with pytest.raises(PortalUnavailableError) as caught:
        portal.read("4101")
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(portal)


def test_statuses_toml_agrees_with_the_portal_form() -> None:
    with (ROOT / "mappings" / "statuses.toml").open("rb") as fh:
        mapped = {(s["portal_value"], s["portal_label"]) for s in tomllib.load(fh)["status"]}

    assert mapped == set(STATUS_OPTIONS)


def test_recipe_without_status_values_picks_options_by_label(sim: Sim, recipe: dict) -> None:
    bare = {k: v for k, v in recipe.items() if k != "status_values"}
    with sim.http(bare) as p:
        assert p.push(update()).sent is True
    assert sim.state.accepted[0].fields["status_value"] == "DANG_TH_VUONG_MAC"


def test_broken_recipe_lists_every_problem(recipe: dict) -> None:
    broken = with_page(recipe, "update", engine="firefox")
    del broken["pages"]["update"]["form"]
    del broken["pages"]["list"]["fields"]["number"]

    with pytest.raises(MappingError) as caught:
        parse_recipe(broken, "portal")

    keys = {p.key for p in caught.value.problems}
    assert keys == {"pages.update.form", "pages.update.engine", "pages.list.fields.number"}
    assert {p.file for p in caught.value.problems} == {"mappings/portal.toml"}


def test_fault_switches_over_http(sim: Sim, portal: HttpPortal) -> None:
    """`POST /__faults` flips the same switches as `state.faults` (for the demo and manual runs)."""
    with httpx.Client(base_url=sim.url) as c:
        assert c.post("/__faults", json={"down": True}).json()["down"] is True
        with pytest.raises(PortalUnavailableError, match="503"):
            portal.read("4101")
        c.post("/__faults", json={"reset": True, "latency": 0.0})
        assert portal.read("4101").number == "1234/UBND-NNTN"
        assert c.post("/__faults", json={"nonsense": 1}).status_code == 400
        assert c.get("/__state").json()["accepted"] == []
