"""edXML packets (QCVN 102:2016) and the drop folder: fixtures of fixtures/documents/edxml/ and the
eOffice simulator's export."""

from __future__ import annotations

import base64
import io
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from adapters.edxml import EdxmlDropFolder, parse_packet
from connector.errors import BadDocumentError, is_transient
from connector.ports import Source
from fixtures.simulators.eoffice.files import PacketFile, edxml_packet

from .conftest import PASSWORD, ROOT, USERNAME

PACKETS = ROOT / "fixtures" / "documents" / "edxml"
GOOD = [
    "01-cong-van-moi.edxml",
    "02-cap-nhat.edxml",
    "03-quyet-dinh.edxml",
    "04-thay-the.edxml",
    "05-cong-dien.edxml",
    "06-thu-hoi.edxml",
    "07-kem-goi-zip.edxml",
]
BAD = ["08-hong.edxml", "09-thuc-the.edxml"]


def _parse(name: str):
    return parse_packet((PACKETS / name).read_bytes(), source="lienthong", label=name)


def _inbox(tmp_path: Path, names: list[str]) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n, name in enumerate(names):
        target = inbox / name
        shutil.copy(PACKETS / name, target)
        stamp = 1_700_000_000 + n  # arrival order = name order
        os.utime(target, (stamp, stamp))
    return inbox


def test_new_packet_header_body_and_attachments():
    (doc,) = _parse("01-cong-van-moi.edxml")
    meta = doc.metadata
    assert doc.source == "lienthong"
    assert doc.source_ref == "000.00.00.H34,2024/06/19,2044/UBND-NNTN" == meta["document_id"]
    assert meta["number"] == "2044/UBND-NNTN"
    assert meta["issuer"] == "UBND tỉnh Kon Tum" and meta["issuer_id"] == "000.00.00.H34"
    assert meta["recipient"] == "Sở Nông nghiệp và Phát triển nông thôn"
    assert meta["issued_on"] == "2024-06-19" and meta["place"] == "Kon Tum"
    assert meta["doc_type"] == "Công văn"
    assert meta["subject"] == "V/v triển khai tiêm phòng vắc xin Lở mồm long móng đợt 2"
    assert meta["signer"] == "Nguyễn Văn Hùng" and meta["signer_position"] == "Phó Chủ tịch"
    assert meta["due_on"] == "2024-07-31"
    assert meta["to_places"] == "Sở Nông nghiệp và Phát triển nông thôn; Sở Tài chính"
    assert meta["urgency"] == "" and meta["priority"] == "0"
    assert meta["business_type"] == "new" and meta["replaces_ref"] == ""
    assert "Số: 2044/UBND-NNTN" in doc.body and "31/07/2024" in doc.body
    assert [(a.name, a.media_type) for a in doc.attachments] == [
        ("2044-UBND-NNTN.pdf", "application/pdf"),
        ("Phu-luc.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]
    assert doc.attachments[0].data.startswith(b"%PDF-") and doc.attachments[1].data.startswith(b"PK")
    assert doc.sha256 == doc.fingerprint((PACKETS / "01-cong-van-moi.edxml").read_bytes())


def test_update_and_revoke_address_the_existing_document():
    (new,) = _parse("01-cong-van-moi.edxml")
    (update,) = _parse("02-cap-nhat.edxml")
    assert update.source_ref == new.source_ref
    assert update.metadata["business_type"] == "update" and update.metadata["due_on"] == "2024-08-15"
    assert update.metadata["business_reason"] == "Điều chỉnh thời hạn hoàn thành"
    (dispatch,) = _parse("05-cong-dien.edxml")
    (revoke,) = _parse("06-thu-hoi.edxml")
    assert dispatch.metadata["urgency"] == "Hỏa tốc"
    assert revoke.source_ref == dispatch.source_ref
    assert revoke.metadata["business_type"] == "revoke"
    assert revoke.metadata["business_reason"] == "Thu hồi do gửi nhầm đơn vị nhận"


def test_replacement_is_a_new_document_naming_the_old_one():
    (old,) = _parse("03-quyet-dinh.edxml")
    (new,) = _parse("04-thay-the.edxml")
    assert new.source_ref != old.source_ref
    assert new.metadata["business_type"] == "replace"
    assert new.metadata["replaces_ref"] == old.source_ref
    assert new.metadata["number"] == "430/QĐ-UBND"


def test_zip_attachment_holding_another_packet():
    outer, inner = _parse("07-kem-goi-zip.edxml")
    assert outer.metadata["number"] == "2101/UBND-NNTN"
    assert [a.name for a in outer.attachments] == ["Bieu-mau.docx"]  # the zip is unpacked, not kept
    assert inner.metadata["number"] == "2099/UBND-NNTN" and inner.metadata["due_on"] == "2024-10-15"
    assert inner.metadata["enclosed_in"] == outer.source_ref
    assert inner.source == outer.source


def test_older_edxml_namespace_is_read_by_local_names():
    (doc,) = parse_packet((ROOT / "fixtures/documents/cong-van.edxml").read_bytes(), source="x")
    assert doc.metadata["number"] == "2044/UBND-NNTN" and doc.metadata["issued_on"] == "2024-06-19"
    assert [a.name for a in doc.attachments] == ["ghi-chu.txt"]


@pytest.mark.parametrize("name", BAD)
def test_malformed_and_hostile_packets_are_bad_documents(name):
    with pytest.raises(BadDocumentError) as info:
        _parse(name)
    assert name in info.value.message and not is_transient(info.value)


def test_oversize_packet_and_zip_bomb_are_refused():
    data = (PACKETS / "01-cong-van-moi.edxml").read_bytes()
    with pytest.raises(BadDocumentError, match="vượt giới hạn"):
        parse_packet(data, source="x", max_bytes=len(data) - 1)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("rong.txt", b"\0" * 5_000_000)
    packet = edxml_packet(
        from_name="UBND tỉnh Kon Tum", from_id="H34", to_name="Sở", to_id="S", number="1/UBND-NNTN",
        issued_on=date(2024, 1, 2), place="Kon Tum", doc_type="Công văn", subject="V/v",
        content="", signer="A", signer_title="B", document_id="H34,2024/01/02,1/UBND-NNTN",
        attachments=[PacketFile("bom.zip", "application/zip", bomb.getvalue())],
    )  # fmt: skip
    assert len(packet) < 100_000
    with pytest.raises(BadDocumentError, match="zip bomb"):  # by its ratio, before it inflates
        parse_packet(packet, source="x", max_bytes=1_000_000)
    with pytest.raises(BadDocumentError, match="zip bomb"):  # also when the byte budget would allow it
        parse_packet(packet, source="x", max_bytes=20_000_000)


def test_bad_base64_is_a_bad_document():
    data = (PACKETS / "01-cong-van-moi.edxml").read_bytes()
    start = data.index(b"<edXML:ContentTransferEncoded>") + len(b"<edXML:ContentTransferEncoded>")
    broken = data[:start] + b"!!!" + data[start:]
    with pytest.raises(BadDocumentError, match="base64"):
        parse_packet(broken, source="x")


def test_drop_folder_poll_then_acknowledge_moves_packets(tmp_path):
    inbox = _inbox(tmp_path, GOOD + BAD)
    folder = EdxmlDropFolder("lienthong", inbox)
    assert isinstance(folder, Source)
    batch, cursor = folder.poll({})
    assert cursor == {}
    numbers = [d.metadata["number"] for d in batch]
    assert numbers == [
        "2044/UBND-NNTN", "2044/UBND-NNTN", "412/QĐ-UBND", "430/QĐ-UBND", "05/CĐ-UBND", "05/CĐ-UBND",
        "2101/UBND-NNTN", "2099/UBND-NNTN",
    ]  # fmt: skip
    assert [d.metadata["business_type"] for d in batch][:2] == ["new", "update"]  # oldest packet first
    assert sorted(f.ref for f in batch.failed) == BAD
    for name in BAD:  # moved at once, the reason beside it
        assert not (inbox / name).exists()
        reason = (inbox / "failed" / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert name in reason
    assert sorted(p.name for p in inbox.glob("*.edxml")) == GOOD  # nothing moved before commit
    outer = next(d for d in batch if d.metadata["number"] == "2101/UBND-NNTN")
    folder.acknowledge([outer.source_ref])  # its enclosed document is not committed yet
    assert (inbox / "07-kem-goi-zip.edxml").exists()
    folder.acknowledge([d.source_ref for d in batch])
    assert list(inbox.glob("*.edxml")) == []
    assert sorted(p.name for p in (inbox / "done").iterdir()) == GOOD
    again, _ = folder.poll({})
    assert list(again) == [] and again.failed == []
    assert folder.fetch(outer.source_ref).metadata["number"] == "2101/UBND-NNTN"  # from done/
    with pytest.raises(BadDocumentError):
        folder.fetch("không-có")


def test_acknowledge_after_a_restart_still_moves(tmp_path):
    inbox = _inbox(tmp_path, ["03-quyet-dinh.edxml"])
    batch, _ = EdxmlDropFolder("lienthong", inbox).poll({})
    fresh = EdxmlDropFolder("lienthong", inbox)  # the process restarted after the commit
    fresh.acknowledge([d.source_ref for d in batch])
    assert (inbox / "done" / "03-quyet-dinh.edxml").exists()


def test_oversize_file_in_the_folder_goes_to_failed(tmp_path):
    inbox = _inbox(tmp_path, ["01-cong-van-moi.edxml", "03-quyet-dinh.edxml"])
    batch, _ = EdxmlDropFolder("lienthong", inbox, max_bytes=5000).poll({})
    assert [d.metadata["number"] for d in batch] == ["412/QĐ-UBND"]
    assert [f.ref for f in batch.failed] == ["01-cong-van-moi.edxml"]
    assert "vượt giới hạn" in (inbox / "failed" / "01-cong-van-moi.edxml.reason.txt").read_text(
        encoding="utf-8"
    )


def test_drop_folder_reads_the_simulators_export(eoffice, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wanted = ["24001", "24002", "24006", "24010", "24050"]
    with httpx.Client(base_url=eoffice.url, follow_redirects=True) as client:
        form = BeautifulSoup(client.get("/dang-nhap").content, "html.parser")
        token = form.select_one("input[name=__RequestVerificationToken]")["value"]
        client.post("/dang-nhap", data={"__RequestVerificationToken": token, "TenDangNhap": USERNAME,
                                        "MatKhau": PASSWORD})  # fmt: skip
        for ref in wanted:
            response = client.get("/vbden/edxml", params={"id": ref})
            assert response.status_code == 200 and response.headers["content-type"] == "application/xml"
            (inbox / f"{ref}.edxml").write_bytes(response.content)
    batch, _ = EdxmlDropFolder("lienthong", inbox).poll({})
    assert batch.failed == []
    got = {d.metadata["number"]: d for d in batch}
    for ref in wanted:
        sim = eoffice.state.documents[ref]
        doc = got[sim.number]
        assert doc.metadata["issuer"] == sim.issuer
        assert doc.metadata["issued_on"] == sim.issued_on.isoformat()
        assert doc.metadata["subject"] == sim.subject
        assert doc.metadata["urgency"] == sim.urgency
        assert doc.metadata["due_on"] == (sim.due_on.isoformat() if sim.due_on else "")
        assert doc.body == sim.content.strip()
        assert [a.name for a in doc.attachments] == sim.attachments
        assert doc.source_ref == sim.document_id


def test_messages_do_not_leak_attachment_bytes():
    data = (PACKETS / "01-cong-van-moi.edxml").read_bytes()
    start = data.index(b"<edXML:ContentTransferEncoded>") + len(b"<edXML:ContentTransferEncoded>")
    secret = base64.b64encode(b"noi dung rieng").decode()
    broken = data[:start] + secret.encode() + b"%" + data[start:]
    with pytest.raises(BadDocumentError) as info:
        parse_packet(broken, source="x")
    assert secret not in info.value.message
