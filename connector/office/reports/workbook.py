"""The report workbook: sheet "Báo cáo" (Phụ lục layout of the justice seed) and sheet "Tổng hợp".

Sheet "Báo cáo" reads like a paper report of a Vietnamese administrative body (Nghị định
30/2020/NĐ-CP): the issuing body top left (the province's committee above the department, in
capitals), the national motto top right with place and date, the title, the nine columns of the
Phụ lục with one row per task, then "Nơi nhận:" on the left and the signature block on the
right. It prints on A4 landscape, fitted to the page width, the header row repeated on every
page. Sheet "Tổng hợp" counts the tasks per status (all eight of Điều 5e, even when 0) and per
unit in charge, with totals.

`save_atomically` writes a temporary file beside the target and renames it over the target, so
a crash leaves either the old file or the new one, never a half file.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from connector.domain import Status
from connector.office.reports.rows import ReportRow

COLUMNS: tuple[tuple[str, float], ...] = (
    ("Số TT", 6),
    ("Văn bản chỉ đạo", 24),
    ("Ngày ban hành", 12),
    ("Cơ quan đề nghị", 20),
    ("Nội dung chỉ đạo", 44),
    ("Đơn vị chủ trì triển khai", 22),
    ("Hạn xử lý hoặc báo cáo", 14),
    ("Diễn giải trạng thái", 32),
    ("Trạng thái", 18),
)
HEADER_ROW = 10
FIRST_ROW = HEADER_ROW + 1
LAST_COL = len(COLUMNS)
DATE_FORMAT = "DD/MM/YYYY"
NO_ROWS = "Không có nhiệm vụ nào trong kỳ báo cáo."
SIGN_HINT = "(Ký, ghi rõ họ tên)"
FONT = "Times New Roman"

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BODY = Font(name=FONT, size=11)


@dataclass(frozen=True)
class Heading:
    """Everything printed around the table."""

    province_body: str  # "UBND TỈNH KON TUM"
    department: str  # "SỞ TƯ PHÁP"
    place: str  # "Kon Tum"
    made_on: date
    title: str  # the profile rule's title
    period_line: str
    basis: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]


def build(heading: Heading, rows: list[ReportRow]) -> Workbook:
    """The whole workbook, ready to save."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Báo cáo"
    _report_sheet(ws, heading, rows)
    _summary_sheet(wb.create_sheet("Tổng hợp"), heading, rows)
    return wb


def _put(
    ws: Worksheet, row: int, cols: tuple[int, int], value: object, *, bold: bool = False,
    italic: bool = False, size: int = 12, align: str = "center",
) -> None:  # fmt: skip
    """Write `value` into columns cols[0]..cols[1] of `row`, merged when wider than one cell."""
    if cols[1] > cols[0]:
        ws.merge_cells(start_row=row, start_column=cols[0], end_row=row, end_column=cols[1])
    cell = ws.cell(row=row, column=cols[0], value=value)
    cell.font = Font(name=FONT, bold=bold, italic=italic, size=size)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)


def _report_sheet(ws: Worksheet, h: Heading, rows: list[ReportRow]) -> None:
    left, right = (1, 3), (5, LAST_COL)
    _put(ws, 1, left, h.province_body)
    _put(ws, 1, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _put(ws, 2, left, h.department, bold=True)
    _put(ws, 2, right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    _put(ws, 3, left, "Số:        /BC")
    _put(ws, 3, right, f"{h.place}, ngày {h.made_on:%d} tháng {h.made_on:%m} năm {h.made_on:%Y}", italic=True)
    _put(ws, 5, (1, LAST_COL), "BÁO CÁO", bold=True, size=14)
    _put(ws, 6, (1, LAST_COL), h.title, bold=True)
    _put(ws, 7, (1, LAST_COL), h.period_line, italic=True)
    _put(ws, 8, (1, LAST_COL), f"Căn cứ: {h.basis}", italic=True, size=11)
    for i, (name, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=i, value=name)
        cell.font = Font(name=FONT, bold=True, size=11)
        cell.alignment, cell.border = _CENTER, _BOX
        ws.column_dimensions[get_column_letter(i)].width = width
    last = _table(ws, rows)
    _signature(ws, last + 2, h)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)


def _table(ws: Worksheet, rows: list[ReportRow]) -> int:
    """The data rows; returns the last row used."""
    if not rows:
        ws.merge_cells(start_row=FIRST_ROW, start_column=1, end_row=FIRST_ROW, end_column=LAST_COL)
        ws.cell(row=FIRST_ROW, column=1, value=NO_ROWS).alignment = _CENTER
        for c in range(1, LAST_COL + 1):
            ws.cell(row=FIRST_ROW, column=c).border = _BOX
        return FIRST_ROW
    for n, r in enumerate(rows, start=1):
        at = FIRST_ROW + n - 1
        values: tuple[object, ...] = (
            n, r.document, r.issued_on, r.issuer, r.summary, r.unit,
            r.deadline if r.deadline else r.deadline_text, r.explanation, str(r.status),
        )  # fmt: skip
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=at, column=c, value=value)
            cell.font = _BODY  # (one shared style object: a new Font per cell triples the time)
            cell.border = _BOX
            cell.alignment = _CENTER if c in (1, 3, 7) else _WRAP
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
    return FIRST_ROW + len(rows) - 1


def _signature(ws: Worksheet, top: int, h: Heading) -> None:
    """ "Nơi nhận:" bottom left, the signer bottom right (title, hint, room to sign, name)."""
    _put(ws, top, (1, 4), "Nơi nhận:", bold=True, italic=True, size=11, align="left")
    lines = [f"- {r};" for r in h.recipients] + ["- Lưu: VT."]
    for i, line in enumerate(lines, start=1):
        _put(ws, top + i, (1, 4), line, size=10, align="left")
    right = (6, LAST_COL)
    _put(ws, top, right, h.signer_title, bold=True)
    _put(ws, top + 1, right, SIGN_HINT, italic=True, size=11)
    _put(ws, top + 5, right, h.signer_name, bold=True)


def unit_counts(rows: list[ReportRow]) -> dict[str, Counter[str]]:
    """Per unit in charge, its tasks per status (units in alphabetical order)."""
    per: dict[str, Counter[str]] = {}
    for r in rows:
        per.setdefault(r.unit, Counter())[str(r.status)] += 1
    return dict(sorted(per.items()))


def _summary_sheet(ws: Worksheet, h: Heading, rows: list[ReportRow]) -> None:
    statuses = [str(s) for s in Status]
    width = 3 + len(statuses)
    _put(ws, 1, (1, width), "TỔNG HỢP TÌNH HÌNH THỰC HIỆN NHIỆM VỤ", bold=True, size=13)
    _put(ws, 2, (1, width), h.period_line, italic=True)
    _put(ws, 4, (1, 3), "I. Theo trạng thái", bold=True, align="left")
    _header(ws, 5, ("Số TT", "Trạng thái", "Số nhiệm vụ"))
    by_status = Counter(str(r.status) for r in rows)
    for i, s in enumerate(statuses, start=1):
        _line(ws, 5 + i, (i, s, by_status.get(s, 0)))
    _line(ws, 6 + len(statuses), ("", "Tổng cộng", len(rows)), bold=True)
    top = 8 + len(statuses)
    _put(ws, top, (1, 3), "II. Theo đơn vị chủ trì triển khai", bold=True, align="left")
    _header(ws, top + 1, ("Số TT", "Đơn vị chủ trì triển khai", "Tổng số", *statuses))
    per_unit = unit_counts(rows)
    for i, (unit, counts) in enumerate(per_unit.items(), start=1):
        _line(ws, top + 1 + i, (i, unit, sum(counts.values()), *(counts.get(s, 0) for s in statuses)))
    totals = (by_status.get(s, 0) for s in statuses)
    _line(ws, top + 2 + len(per_unit), ("", "Tổng cộng", len(rows), *totals), bold=True)
    for c, w in enumerate((6, 44, 12, *([16] * len(statuses))), start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _header(ws: Worksheet, row: int, names: tuple[str, ...]) -> None:
    for c, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=c, value=name)
        cell.font = Font(name=FONT, bold=True, size=11)
        cell.alignment, cell.border = _CENTER, _BOX


def _line(ws: Worksheet, row: int, values: tuple[object, ...], *, bold: bool = False) -> None:
    for c, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=c, value=None if value == "" else value)
        cell.font = Font(name=FONT, bold=bold, size=11)
        cell.border = _BOX
        cell.alignment = _WRAP if c == 2 else _CENTER


def save_atomically(wb: Workbook, path: Path) -> None:
    """Write `wb` to `path` through a temporary file in the same folder and one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            wb.save(fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
