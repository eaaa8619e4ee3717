"""Reading an office workbook: find the header (one or two merged rows), then yield the data rows.

Office registers are typed by hand: a title and a "Kính gửi" line above the header, the header
spread over two merged rows ("Thời hạn" over "Ngày" / "Ghi chú"), a row of column numbers
"(1) (2) (3)" under it, blank rows between months. The workbook is opened read-only (a large
register streams), which does not expose merged ranges; a merged header is rebuilt from its
shape instead: a top cell left empty above a filled sub-cell belongs to the group on its left.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from connector.errors import BadDocumentError, UserError
from connector.office.excel.settings import ExcelMap
from connector.zipguard import check_zip

_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")


class WorkbookError(UserError):
    """The file is not a workbook we can read, or its header cannot be found."""

    hint = "connector import-excel TỆP.xlsx"


@dataclass(frozen=True)
class SheetRow:
    """One data row: its Excel row number (1-based, as the clerk sees it) and its cells by field."""

    row: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """What was read: sheet name, header rows (1-based), each field's column header, data rows, blanks."""

    name: str
    header_rows: tuple[int, ...]
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    rows: list[SheetRow] = field(default_factory=list)
    blank: int = 0


def read_sheet(path: Path, xmap: ExcelMap) -> Sheet:
    """Open `path` (read-only) and return its data rows keyed by field; `WorkbookError` otherwise."""
    values = _values(path, xmap)
    name, grid = values
    found = _find_header(grid, xmap)
    if found is None:
        expected = ", ".join(xmap.columns.number[:1] + xmap.columns.summary[:1])
        raise WorkbookError(
            f"Không tìm thấy dòng tiêu đề trong {xmap.header_search_rows} dòng đầu của trang «{name}» "
            f"tệp {path.name} (cần ít nhất cột {expected}). Sửa tiêu đề cột trong tệp, hoặc thêm cách "
            "viết tiêu đề vào mappings/excel.toml rồi chạy lại."
        )
    header_rows, by_column, written = found
    sheet = Sheet(name=name, header_rows=tuple(r + 1 for r in header_rows), columns=written)
    first = header_rows[-1]  # 0-based index of the last header row
    for index in range(first + 1, len(grid)):
        raw = grid[index]
        cells = {f: raw[c] if c < len(raw) else None for c, f in by_column.items()}
        present = [v for v in raw if not _empty(v)]
        if not present:
            sheet.blank += 1
            continue
        if index == first + 1 and all(_NUMBERING.match(str(v).strip()) for v in present):
            continue  # the "(1) (2) (3)" row printed under the header
        sheet.rows.append(SheetRow(row=index + 1, cells=cells))
    return sheet


def _values(path: Path, xmap: ExcelMap) -> tuple[str, list[tuple[Any, ...]]]:
    """The chosen sheet's cell values, row by row; a clear error for anything but a readable .xlsx."""
    if not path.exists():
        raise WorkbookError(f"Không tìm thấy tệp {path}. Kiểm tra lại đường dẫn rồi chạy lại.")
    if zipfile.is_zipfile(path):  # (not a zip at all: openpyxl's error below says what to do)
        try:
            check_zip(path.read_bytes(), path.name)  # a zip bomb is refused before openpyxl inflates it
        except BadDocumentError as exc:
            raise WorkbookError(f"{exc.message} Mở tệp bằng Excel, lưu lại rồi chạy lại.") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise WorkbookError(
            f"Tệp {path.name} không phải tệp Excel .xlsx đọc được ({type(exc).__name__}). Nếu là tệp .xls "
            "cũ hoặc .ods, mở bằng Excel/LibreOffice và lưu lại dạng .xlsx (Excel Workbook) rồi chạy lại."
        ) from None
    try:
        if xmap.sheet:
            if xmap.sheet not in book.sheetnames:
                raise WorkbookError(
                    f"Tệp {path.name} không có trang tính «{xmap.sheet}» (có: {', '.join(book.sheetnames)}). "
                    "Sửa khóa sheet trong mappings/excel.toml (để trống để đọc trang đầu) rồi chạy lại."
                )
            ws = book[xmap.sheet]
        else:
            ws = book.worksheets[0]
        try:
            grid = [tuple(row) for row in ws.iter_rows(values_only=True)]
        except Exception as exc:  # a damaged sheet part: openpyxl's own parse errors, translated here
            raise WorkbookError(
                f"Tệp {path.name} bị hỏng, không đọc được trang tính «{ws.title}» ({type(exc).__name__}). "
                "Mở tệp bằng Excel, lưu lại dạng .xlsx rồi chạy lại."
            ) from None
        return ws.title, grid
    finally:
        book.close()


def _find_header(
    grid: Sequence[tuple[Any, ...]], xmap: ExcelMap
) -> tuple[tuple[int, ...], dict[int, str], dict[str, str]] | None:
    """(header row indexes, column → field, field → header text) of the best-matching header."""
    best: tuple[int, tuple[int, ...], dict[int, str], dict[str, str]] | None = None
    limit = min(xmap.header_search_rows, len(grid))
    for r in range(limit):
        options: list[tuple[tuple[int, ...], list[list[str]]]] = [((r,), _labels(grid[r], None))]
        if r + 1 < len(grid):
            options.append(((r, r + 1), _labels(grid[r], grid[r + 1])))
        for rows, labels in options:
            by_column, written = _match(labels, xmap)
            if "number" not in written and "summary" not in written:
                continue
            if best is None or len(written) > best[0]:
                best = (len(written), rows, by_column, written)
    return None if best is None else best[1:]


def _labels(top: Sequence[Any], sub: Sequence[Any] | None) -> list[list[str]]:
    """Candidate header texts per column, most specific first ("Thời hạn Ngày", "Ngày", "Thời hạn")."""
    width = max(len(top), len(sub or ()))
    out: list[list[str]] = []
    group: str | None = None
    for c in range(width):
        t = _text(top[c] if c < len(top) else None)
        s = _text(sub[c] if sub is not None and c < len(sub) else None)
        if sub is None:
            out.append([t] if t else [])
            continue
        if t and s:
            group = t
        elif t:
            group = None  # a cell merged down over both rows
        elif s and group:
            t = group
        out.append([x for x in (f"{t} {s}" if t and s else "", s, t) if x])
    return out


def _match(labels: list[list[str]], xmap: ExcelMap) -> tuple[dict[int, str], dict[str, str]]:
    by_column: dict[int, str] = {}
    written: dict[str, str] = {}
    for c, candidates in enumerate(labels):
        for text in candidates:
            name = xmap.field_for(text)
            if name is not None and name not in written:
                by_column[c], written[name] = name, candidates[0]
                break
    return by_column, written


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
