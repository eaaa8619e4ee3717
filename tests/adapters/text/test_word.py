"""DOCX in document order (header table, body, text boxes, merged and nested cells); .doc via LibreOffice."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from connector.errors import BadDocumentError
from fixtures.documents.text.fields import key_fields
from fixtures.documents.text.make_documents import STAMP_TEXT, STAMPED

from .conftest import BY_NAME, assert_key_fields, directive, read


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_docx_reads_header_table_then_body_in_order(name: str) -> None:
    """The header table's left cell, then its right cell, then the body: the reference's reading order."""
    got = read(f"{name}.docx")
    want = _lines(directive(name).reference())
    lines = [line for line in _lines(got.text) if line != STAMP_TEXT]
    assert (got.method, got.confidence, got.warnings) == ("docx", None, ())
    assert lines == want
    fields = key_fields(got.text)
    assert fields == key_fields(directive(name).reference())


def test_a_text_box_is_read_after_its_anchor_paragraph_once() -> None:
    lines = _lines(read(f"{STAMPED}.docx").text)
    assert lines.count(STAMP_TEXT) == 1
    assert lines[lines.index(directive(STAMPED).left[-1]) + 1] == STAMP_TEXT


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_BOTH = f"""<w:r {_W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
 <wps:txbx><w:txbxContent><w:p><w:r><w:t>DỰ THẢO</w:t></w:r></w:p></w:txbxContent></wps:txbx>
 </w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>DỰ THẢO</w:t>
 </w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"""


def _save(document: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_word_writes_a_text_box_twice_and_it_is_read_once() -> None:
    """DrawingML with a VML fallback of the same box, as Word 2010+ saves it."""
    document = docx.Document()
    document.add_paragraph("Kính gửi: Sở Tài chính.")._p.append(parse_xml(_BOTH))
    assert _lines(read("du-thao.docx", _save(document)).text) == ["Kính gửi: Sở Tài chính.", "DỰ THẢO"]


def test_merged_cells_once_and_nested_tables_in_place() -> None:
    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Nhiệm vụ"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "Sở Tài chính"
    inner = table.cell(1, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Thời hạn", "30/6/2024"
    document.add_paragraph("Sau bảng")
    lines = _lines(read("bang.docx", _save(document)).text)
    assert lines == ["Trước bảng", "Nhiệm vụ", "Sở Tài chính", "Thời hạn", "30/6/2024", "Sau bảng"]


def test_a_zip_that_is_not_a_word_file_is_refused_in_vietnamese() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(BadDocumentError, match="không phải tài liệu Word"):
        read("bang-tinh.docx", buf.getvalue())


@pytest.mark.parametrize("name", ["016-colead-lists", "013-giamdoc-so"])
def test_legacy_doc_is_converted_by_libreoffice(soffice: str, name: str) -> None:
    got = read(f"{name}.doc", media_type="application/msword")
    assert got.method == "doc"
    assert got.warnings == ("Tệp .doc (Word 97–2003) đã được chuyển sang .docx để đọc.",)
    assert got.text == read(f"{name}.docx").text
    assert [line for line in _lines(got.text) if line != STAMP_TEXT] == _lines(directive(name).reference())
    assert_key_fields(got.text, name)


def test_a_broken_doc_is_a_bad_document(soffice: str) -> None:
    data = bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(4096)
    with pytest.raises(BadDocumentError, match="hỏng hoặc không phải tài liệu Word"):
        read("hong.doc", data)


def test_without_libreoffice_the_error_names_the_apt_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BadDocumentError, match=r"cài gói libreoffice-writer-nogui") as caught:
        read("016-colead-lists.doc")
    assert (
        caught.value.hint == "sudo apt-get install -y libreoffice-writer-nogui"
    )  # for the admin, not the log
    assert "LibreOffice" in caught.value.message and "sudo" not in caught.value.message
