"""Export the register as the office's Excel sheet: one row per task, the Điều 5 columns.

The headers are the first spelling of each field in `mappings/excel.toml`, so a workbook written
here is read back by `import-excel` unchanged (a round trip adds nothing). The status column is
derived on the day of the export (DESIGN §5), never stored. A secret document appears only as its
arrival notice — number, issuer, dates, độ mật, độ khẩn — and none of its tasks (DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import select

from connector.clock import today
from connector.mappings import Mappings
from connector.office.excel.settings import ExcelMap
from connector.register.db import Register
from connector.register.queries import task_facts
from connector.register.tables import Document, Task
from connector.status import derive_status

COLUMNS: tuple[tuple[str, int], ...] = (
    ("number", 18),
    ("issuer", 24),
    ("subject", 40),
    ("issued_on", 12),
    ("received_on", 12),
    ("summary", 60),
    ("lead_unit", 28),
    ("cooperating_units", 32),
    ("tracker", 22),
    ("deadline", 14),
    ("status", 26),
    ("progress_note", 40),
    ("urgency", 10),
    ("origin", 18),
    ("secrecy", 10),
    ("completed_on", 14),
)
"""Field and column width, in the order of Điều 5 (độ mật and ngày hoàn thành close the row)."""
DATE_COLUMNS = frozenset({"issued_on", "received_on", "deadline", "completed_on"})
SECRET_NOTE = "(Văn bản mật: chỉ ghi thông báo đến, xử lý bản giấy theo quy định bảo vệ bí mật nhà nước)"
SHEET_TITLE = "Sổ theo dõi nhiệm vụ"


def export_register(register: Register, maps: Mappings, xmap: ExcelMap, out: Path) -> int:
    """Write the workbook to `out` (replacing it); returns the number of data rows written."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET_TITLE
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c, (name, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=c, value=xmap.heading(name))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    count = 0
    wrap = Alignment(wrap_text=True, vertical="top")  # one shared style object, not one per cell
    for count, values in enumerate(_rows(register, maps), start=1):
        for c, (name, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=count + 1, column=c, value=values.get(name))
            cell.alignment = wrap
            if name in DATE_COLUMNS and isinstance(values.get(name), date):
                cell.number_format = "DD/MM/YYYY"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return count


def _rows(register: Register, maps: Mappings) -> Iterator[dict[str, Any]]:
    on = today()
    with register.read() as s:
        documents = list(s.exec(select(Document).order_by(Document.received_on, Document.id)))  # type: ignore[arg-type]
        tasks: dict[int, list[Task]] = {}
        for task in s.exec(select(Task).order_by(Task.document_id, Task.seq)):  # type: ignore[arg-type]
            tasks.setdefault(task.document_id, []).append(task)
    for doc in documents:
        head = {
            "number": doc.number,
            "issuer": doc.issuer_name,
            "issued_on": doc.issued_on,
            "received_on": doc.received_on,
            "urgency": doc.urgency,
            "origin": doc.origin,
        }
        if doc.secrecy or doc.state == "secret_notice":
            yield {**head, "secrecy": doc.secrecy, "summary": SECRET_NOTE}
            continue
        head["subject"] = doc.subject
        own = tasks.get(doc.id or 0, [])
        if not own:
            yield head
        for task in own:
            yield {**head, **_task_cells(task, maps, on)}


def _task_cells(task: Task, maps: Mappings, on: date) -> dict[str, Any]:
    lead = task.lead_unit_name or (_unit_name(maps, task.lead_unit_code) if task.lead_unit_code else None)
    cooperating = "; ".join(str(u.get("name") or u.get("code") or "") for u in task.cooperating_units or [])
    return {
        "summary": task.summary,
        "lead_unit": lead,
        "cooperating_units": cooperating or None,
        "tracker": task.tracker,
        "deadline": task.deadline or task.deadline_text,
        "status": str(derive_status(task_facts(task), on)),
        "progress_note": task.progress_note,
        "origin": task.origin,
        "completed_on": task.completed_on,
    }


def _unit_name(maps: Mappings, code: str) -> str:
    unit = maps.unit(code)
    return unit.name if unit else code
