"""EOfficeSource against the eOffice simulator over real HTTP on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import logging
import time
import tomllib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from adapters.eoffice import EOfficeSource, check_recipe
from adapters.http import retry_after_seconds
from adapters.recipes import read, values
from adapters.recipes.spec import Page
from connector.errors import (
    BadDocumentError,
    MappingError,
    MappingMismatchError,
    SourceAuthError,
    SourceUnavailableError,
    is_transient,
)
from connector.ports import Source

from .conftest import PASSWORD, ROOT

# What an admin changes in mappings/eoffice.toml after the site's redesign (layout 2).
V2_EDITS = {
    'scope = "table#tblVanBanDen"': 'scope = "div.k-grid table"',
    'empty = "td.khong-co-du-lieu"': 'empty = "tr.k-no-data"',
    'ref = { css = "a.xem-chi-tiet"': 'ref = { css = "a.k-link-detail"',
    'next = "ul.pagination a[rel=next]"': 'next = "a.k-pager-next"',
    'number = { column = "Số/Ký hiệu" }': 'number = { column = "Số ký hiệu" }',
    'scope = "#chiTietVanBan"': 'scope = "div.card"',
    'scope = "table.thong-tin-van-ban"\nlabel = "th"\nvalue = "td"': (
        'scope = "dl.doc-info"\nlabel = "dt"\nvalue = "dd"'
    ),
    'body = { css = "div.noi-dung-van-ban"': 'body = { css = "#vbContent"',
    'attachments = { css = "ul.dinh-kem a"': 'attachments = { css = "div.files a.file"',
    'number = "Số/Ký hiệu"\narrival_no = "Số đến"': 'number = "Số, ký hiệu"\narrival_no = "Số đến"',
    'issued_on = "Ngày ban hành"': 'issued_on = "Ngày văn bản"',
    'received_on = "Ngày đến"\nissuer': 'received_on = "Ngày nhận"\nissuer',
    'issuer = "Cơ quan ban hành"': 'issuer = "Nơi ban hành"',
    'doc_type = "Loại văn bản"': 'doc_type = "Loại VB"',
    'subject = "Trích yếu"': 'subject = "Nội dung trích yếu"',
    'secrecy = "Độ mật"\nurgency = "Độ khẩn"\ndue_on = "Hạn xử lý"': (
        'secrecy = "Mức độ mật"\nurgency = "Mức độ khẩn"\ndue_on = "Hạn giải quyết"'
    ),
    'scope = "table#butPhe"\nlabel = "th"\nvalue = "td"': (
        'scope = "section#y-kien-chi-dao"\nlabel = "dt"\nvalue = "dd"'
    ),
    'handling_lead = "Đơn vị chủ trì"': 'handling_lead = "Chủ trì"',
    'handling_cooperating = "Đơn vị phối hợp"': 'handling_cooperating = "Phối hợp"',
    'handling_officer = "Cán bộ theo dõi"': 'handling_officer = "Chuyên viên theo dõi"',
    'handling_due = "Hạn xử lý"': 'handling_due = "Thời hạn"',
    'handling_note = "Ý kiến chỉ đạo"': 'handling_note = "Nội dung bút phê"',
}


def _v2_recipe(tmp_path: Path) -> dict:
    text = (ROOT / "mappings" / "eoffice.toml").read_text(encoding="utf-8")
    for old, new in V2_EDITS.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "eoffice.toml"
    path.write_text(text, encoding="utf-8")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _lists(state) -> list:
    return [r for r in state.requests if r.path == "/vbden/danh-sach" and r.status == 200]


def test_full_poll_reads_every_document_over_all_pages(eoffice, make_source):
    source = make_source()
    assert isinstance(source, Source)
    batch, cursor = source.poll({})
    docs = {d.source_ref: d for d in batch}
    assert set(docs) == set(eoffice.state.documents) and len(docs) >= 50
    assert batch.failed == []
    # 56 documents, 10 a page: six pages, the first also seen once where the login's redirect lands
    assert sorted({r.query for r in _lists(eoffice.state)}) == ["", *(f"page={n}" for n in range(2, 7))]
    for ref, sim in eoffice.state.documents.items():
        meta = docs[ref].metadata
        assert meta["number"] == sim.number
        assert meta["issuer"] == sim.issuer
        assert meta["issued_on"] == sim.issued_on.isoformat()
        assert meta["received_on"] == sim.received_on.isoformat()
        assert meta["urgency"] == sim.urgency
        assert meta["due_on"] == (sim.due_on.isoformat() if sim.due_on else "")
        assert meta["business_type"] == "new"
        if sim.secrecy:
            continue
        assert meta["subject"] == sim.subject
        assert meta["doc_type"] == sim.doc_type
        assert docs[ref].body.splitlines() == sim.content.splitlines()
        assert [a.name for a in docs[ref].attachments] == sim.attachments
        h = sim.handling
        assert meta["handling_lead"] == (h.lead if h else "")
        assert meta["handling_cooperating"] == ("; ".join(h.cooperating) if h else "")
        assert meta["handling_officer"] == (h.officer if h else "")
        assert meta["handling_due"] == (h.due_on.isoformat() if h and h.due_on else "")
    pdf = next(a for a in docs["24001"].attachments if a.name.endswith(".pdf"))
    assert pdf.media_type == "application/pdf" and pdf.data.startswith(b"%PDF-")
    docx = next(a for d in batch for a in d.attachments if a.name.endswith(".docx"))
    assert docx.media_type.endswith("wordprocessingml.document") and docx.data.startswith(b"PK")
    # the seed has what the issue asks for: several tasks, no time limit, urgent ones, one secret
    assert sum("\n2. " in d.body for d in batch) >= 5
    assert sum(d.metadata["due_on"] == "" for d in batch) >= 5
    assert {d.metadata["urgency"] for d in batch} >= {"Khẩn", "Thượng khẩn", "Hỏa tốc"}
    assert cursor == {
        "received_since": max(d.received_on for d in eoffice.state.documents.values()).isoformat(),
        "seen": cursor["seen"],
    }
    assert cursor["seen"]


def test_secret_document_yields_only_the_arrival_notice(eoffice, make_source):
    batch, _ = make_source().poll({})
    secret = [d for d in batch if d.metadata["secrecy"]]
    assert len(secret) == 1
    doc = secret[0]
    assert doc.metadata["secrecy"] == "Mật"
    assert doc.body == "" and doc.attachments == ()
    assert doc.metadata["number"] and doc.metadata["received_on"]
    assert doc.metadata["subject"] == "" and doc.metadata["handling_lead"] == ""
    downloads = [
        r for r in eoffice.state.requests if r.path == "/vbden/tai-tep" and f"id={doc.source_ref}" in r.query
    ]
    assert downloads == []  # its files were never even fetched


def test_incremental_poll_returns_only_new_documents(eoffice, make_source):
    source = make_source()
    _, cursor = source.poll({})
    high = date.fromisoformat(cursor["received_since"])
    template = eoffice.state.documents["24030"]
    late = replace(template, id="25001", number="3001/UBND-NNTN", received_on=high + timedelta(days=3))
    backdated = replace(template, id="25002", number="3002/UBND-NNTN", received_on=high - timedelta(days=1))
    too_old = replace(template, id="25003", number="3003/UBND-NNTN", received_on=high - timedelta(days=30))
    for doc in (late, backdated, too_old):
        eoffice.state.add(doc)
    before = len(eoffice.state.requests)
    second, cursor2 = source.poll(cursor)
    assert sorted(d.source_ref for d in second) == ["25001", "25002"]
    since = (high - timedelta(days=2)).strftime("%d/%m/%Y")
    listed = [r for r in eoffice.state.requests[before:] if r.path == "/vbden/danh-sach"]
    assert listed and all("tuNgay=" + since.replace("/", "%2F") in r.query for r in listed)
    assert cursor2["received_since"] == late.received_on.isoformat()
    third, cursor3 = source.poll(cursor2)
    assert list(third) == [] and cursor3 == cursor2


def test_empty_window_is_an_empty_batch_not_a_mismatch(make_source):
    batch, cursor = make_source().poll({"received_since": "2031-01-10", "seen": []})
    assert list(batch) == [] and batch.failed == []
    assert cursor == {"received_since": "2031-01-10", "seen": []}


def test_session_expiry_mid_run_signs_in_again(eoffice, make_source):
    eoffice.state.faults.expire_after = 25
    batch, _ = make_source().poll({})
    assert len(batch) == len(eoffice.state.documents) and batch.failed == []
    assert eoffice.state.logins == 2
    assert any(r.status == 302 and r.path != "/dang-nhap" for r in eoffice.state.requests)


def test_burst_of_500_is_retried_then_succeeds(eoffice, make_source):
    source = make_source()
    source.fetch("24002")  # signed in
    eoffice.state.faults.burst_500 = 3
    doc = source.fetch("24003")
    assert doc.metadata["number"] == eoffice.state.documents["24003"].number
    assert [r.status for r in eoffice.state.requests].count(500) == 3


def test_retry_after_is_honoured(eoffice, make_source):
    source = make_source()
    source.fetch("24002")
    eoffice.state.faults.throttle = 1
    eoffice.state.faults.retry_after = "0.4"
    started = time.monotonic()
    source.fetch("24003")
    assert time.monotonic() - started >= 0.4  # backoff alone would have waited 0.01 s
    assert [r.status for r in eoffice.state.requests].count(429) == 1


def test_retry_after_beyond_the_limit_gives_up_at_once(eoffice, make_source):
    source = make_source(retry_max_wait=1.0)
    source.fetch("24002")
    eoffice.state.faults.throttle = 5
    eoffice.state.faults.retry_after = "120"
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError) as info:
        source.fetch("24003")
    assert time.monotonic() - started < 1
    assert info.value.retry_after == 120 and is_transient(info.value)
    assert "120" in info.value.message


def test_site_down_raises_transient_after_the_attempts(eoffice, make_source):
    eoffice.state.faults.burst_500 = 100
    with pytest.raises(SourceUnavailableError) as info:
        make_source(retry_attempts=3).poll({})
    assert is_transient(info.value) and "500" in info.value.message
    assert [r.status for r in eoffice.state.requests].count(500) == 3


def test_wrong_password_is_an_auth_error_that_never_shows_it(eoffice, make_source, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Sai-Mat-Khau-9f3b"
    source = make_source(password=wrong)
    with pytest.raises(SourceAuthError) as info:
        source.poll({})
    assert "vanthu.snn" in info.value.message and "không đúng" in info.value.message
    for text in (info.value.message, str(info.value), repr(source), caplog.text):
        assert wrong not in text and PASSWORD not in text
    assert all(wrong not in r.query for r in eoffice.state.requests)


def test_layout_v2_with_the_default_mapping_fails_loudly(eoffice, make_source):
    eoffice.state.faults.layout = 2
    with pytest.raises(MappingMismatchError) as info:
        make_source().poll({})
    message = info.value.message
    assert "Trang «Văn bản đến»" in message and "không còn khớp" in message
    assert "mappings/eoffice.toml" in message and "table#tblVanBanDen" in message


def test_layout_v2_document_page_with_the_default_mapping_fails_loudly(eoffice, make_source):
    source = make_source()
    source.fetch("24001")
    eoffice.state.faults.layout = 2
    with pytest.raises(MappingMismatchError, match="Chi tiết văn bản"):
        source.fetch("24002")


def test_layout_v2_with_an_edited_mapping_reads_the_same_documents(eoffice, make_source, tmp_path):
    v1, _ = make_source().poll({})
    eoffice.state.faults.layout = 2
    v2, _ = make_source(_v2_recipe(tmp_path)).poll({})
    assert v2.failed == []
    one = {d.source_ref: d for d in v1}
    two = {d.source_ref: d for d in v2}
    assert set(one) == set(two)
    for ref, doc in two.items():
        same = {k: v for k, v in doc.metadata.items() if k != "signer"}
        assert same == {k: v for k, v in one[ref].metadata.items() if k != "signer"}, ref
        assert doc.body == one[ref].body
        assert [a.data for a in doc.attachments] == [a.data for a in one[ref].attachments]


def test_malformed_record_is_set_aside_and_the_poll_goes_on(eoffice, make_source):
    eoffice.state.faults.malformed = {"24010"}
    source = make_source()
    batch, cursor = source.poll({})
    assert len(batch) == len(eoffice.state.documents) - 1
    assert [f.ref for f in batch.failed] == ["24010"]
    error = batch.failed[0].error
    assert isinstance(error, BadDocumentError) and not is_transient(error)
    assert "24010" in error.message and "31/02" in error.message
    assert "24010" not in cursor["seen"]
    with pytest.raises(BadDocumentError):
        source.fetch("24010")
    eoffice.state.faults.malformed = set()
    assert source.fetch("24010").metadata["number"] == eoffice.state.documents["24010"].number


def test_fetch_of_a_vanished_document_is_a_bad_document(make_source):
    with pytest.raises(BadDocumentError, match="99999"):
        make_source().fetch("99999")


def test_broken_recipe_lists_every_problem(eoffice_recipe):
    detail = {**eoffice_recipe["pages"]["detail"], "url": "/x"}
    broken = {
        **eoffice_recipe,
        "login": {"url": "/dang-nhap"},
        "pages": {**eoffice_recipe["pages"], "detail": detail},
    }
    with pytest.raises(MappingError) as info:
        EOfficeSource("eoffice", "http://127.0.0.1:9", "u", "p", broken)
    keys = {p.key for p in info.value.problems}
    assert {"login.form", "login.username", "login.password", "pages.detail.url"} <= keys
    assert all(p.file == "mappings/eoffice.toml" for p in info.value.problems)


def test_oversize_attachment_is_a_bad_document(make_source):
    with pytest.raises(BadDocumentError, match="lớn hơn giới hạn 500 byte"):
        make_source(max_attachment_bytes=500).fetch("24001")


def test_slow_site_beyond_the_timeout_is_transient(eoffice, make_source):
    eoffice.state.faults.slow = 0.5
    with pytest.raises(SourceUnavailableError, match="không trả lời kịp thời") as info:
        make_source(timeout=0.1, retry_attempts=2).poll({})
    assert is_transient(info.value)


def test_fault_switches_over_http(eoffice):
    with httpx.Client(base_url=eoffice.url) as client:
        answer = client.post("/__faults", json={"layout": 2, "malformed": ["24010"], "burst_500": 1})
        assert answer.status_code == 200
        assert client.post("/__faults", json={"no_such_switch": 1}).status_code == 400
        assert client.get("/dang-nhap").status_code == 500
        assert client.get("/__requests").json()["requests"][-1]["status"] == 500
    assert eoffice.state.faults.layout == 2 and eoffice.state.faults.malformed == {"24010"}


def test_a_page_in_a_legacy_charset_reads_as_nfc_text():
    html = (
        '<html><head><meta charset="windows-1258"></head><body><th>Trích y\u00ea\u0301u:</th></body></html>'
    )
    page = Page(key="detail", title="t", file="f")
    doc = read.parse_doc(page, html.encode("cp1258"), "http://x/")
    label = values.text_of(doc.soup.select_one("th"))
    assert label == "Trích yếu:" and values.norm_label(label) == values.norm_label("TRÍCH YẾU")


def test_shipped_recipe_is_valid_and_wrong_types_are_problems(eoffice_recipe):
    check_recipe(eoffice_recipe)
    detail = {**eoffice_recipe["pages"]["detail"], "required": 3, "colour": "đỏ"}
    broken = {**eoffice_recipe, "pages": {**eoffice_recipe["pages"], "detail": detail}}
    with pytest.raises(MappingError) as info:
        check_recipe(broken)
    assert [p.key for p in info.value.problems] == ["pages.detail.colour", "pages.detail.required"]


def test_retry_after_header_forms():
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after_seconds(answer("3")) == 3
    assert retry_after_seconds(answer("0.25")) == 0.25
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds(answer("Wed, 21 Oct 2015 07:28:30 GMT"), now=now) == 30
    assert retry_after_seconds(answer("soon")) is None
    assert retry_after_seconds(httpx.Response(503)) is None
