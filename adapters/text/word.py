"""Word files: DOCX read with python-docx in document order; legacy .doc converted by LibreOffice first.

Order matters to the normaliser: the header table (issuer | motto, number | place and date)
comes before the body, so paragraphs and tables are walked as they stand in the body, each
table cell by cell (a merged cell once), each cell's paragraphs and nested tables in order.
Text boxes (a "KHẨN" stamp, a "DỰ THẢO" mark) are read after the paragraph that anchors them;
Word writes each box twice (DrawingML and a VML fallback), the fallback is skipped.

The ZIP is proven bounded by `connector.zipguard.check_zip` before python-docx opens it.

.doc: LibreOffice headless (`soffice --convert-to docx`, package libreoffice-writer), well kept
and already what offices use; antiword and catdoc are unmaintained and lose tables. Each
conversion runs in a throw-away profile (a desktop LibreOffice of the same user is not disturbed)
under the tool limits; a server without it gets a BadDocumentError naming the apt package.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.text import tools
from adapters.text.model import ExtractedText, Limits
from connector.errors import BadDocumentError
from connector.zipguard import check_zip

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def docx_text(data: bytes, label: str, limits: Limits) -> ExtractedText:
    """The text of a DOCX: body paragraphs and tables in order, text boxes after their anchor."""
    names = check_zip(data, label, limits)
    if "word/document.xml" not in names:
        raise BadDocumentError(f"Tệp «{label}» không phải tài liệu Word (.docx): thiếu word/document.xml.")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise BadDocumentError(
            f"Tệp «{label}» hỏng, không mở được như tài liệu Word ({type(exc).__name__})."
        ) from None
    lines: list[str] = []
    _walk(document, lines)
    return ExtractedText("\n".join(lines), "docx", pages=_pages(data, names))


def _pages(data: bytes, names: list[str]) -> int:
    """The page count Word saved in docProps/app.xml (a DOCX has no pages of its own), else 1."""
    if "docProps/app.xml" not in names:
        return 1
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        found = re.search(rb"<Pages>(\d{1,5})</Pages>", zf.read("docProps/app.xml"))
    return max(1, int(found.group(1))) if found else 1


def _walk(container: Document | _Cell, lines: list[str]) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            lines.append(item.text)
            lines.extend(_text_boxes(item))
        elif isinstance(item, Table):
            _table(item, lines)


def _table(table: Table, lines: list[str]) -> None:
    seen: dict[int, object] = {}  # id → the cell's XML element, held so that the id stays its own
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen[id(cell._tc)] = cell._tc
            _walk(cell, lines)


def _text_boxes(paragraph: Paragraph) -> list[str]:
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for box in paragraph._p.iter(f"{{{_W}}}txbxContent"):
        if any(a.tag == f"{{{_MC}}}Fallback" for a in box.iterancestors()):
            continue
        out.extend(Paragraph(inner, paragraph._parent).text for inner in box.iter(f"{{{_W}}}p"))
    return out


def doc_text(data: bytes, label: str, limits: Limits) -> ExtractedText:
    """A legacy Word 97–2003 (or RTF) file: LibreOffice makes it a DOCX, read as above."""
    soffice = tools.require("soffice", for_file=label)
    with tempfile.TemporaryDirectory(prefix="connector-doc-") as tmp:
        rtf = data.lstrip()[:5] == b"{\\rtf"
        src = Path(tmp) / ("van-ban.rtf" if rtf else "van-ban.doc")
        src.write_bytes(data)
        done = tools.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--norestore",
                f"--infilter={'Rich Text Format' if rtf else 'MS Word 97'}",  # no guessing: garbage fails
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                tmp,
                str(src),
            ],
            timeout=limits.convert_seconds,
            memory=max(limits.tool_memory_bytes, 4 * 1024**3),  # soffice maps ~1.5 GB at start
            env={"HOME": tmp},
            cwd=tmp,
            what=f"Chuyển tệp «{label}» sang .docx",
        )
        out = Path(tmp) / "van-ban.docx"
        if done.returncode != 0 or not out.exists():
            raise BadDocumentError(
                f"Tệp «{label}» hỏng hoặc không phải tài liệu Word: LibreOffice không chuyển được sang .docx."
            )
        converted = out.read_bytes()
    limits.check_size(len(converted), label)
    result = docx_text(converted, label, limits)
    what = "RTF" if rtf else ".doc (Word 97–2003)"
    note = f"Tệp {what} đã được chuyển sang .docx để đọc."
    return ExtractedText(result.text, "doc", result.pages, None, (note,))
