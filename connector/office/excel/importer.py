"""Import the office's Excel register through the one intake path, and say what happened per row.

The workbook is a source like any other (`connector.office.excel.source.WorkbookSource`): its
documents go through `connector.sync.intake` — the normaliser, the ledger, the merge with a
directive received by another route, review and secret notices — in one `SyncRun` of job
"import-excel". What this module adds is the clerk's account in rows, the unit the office keeps
its workbook in: how many rows were taken, were already in the register, need a check, and each
row that could not be read with its sheet, number and reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.mappings import Mappings
from connector.office.excel.reader import Sheet
from connector.office.excel.settings import ExcelMap
from connector.office.excel.source import WorkbookSource
from connector.ports import TextReader
from connector.register.db import Register
from connector.sync.intake import sync_source

JOB = "import-excel"
Progress = Callable[[int, int | None], None]


@dataclass
class ImportSummary:
    """How one import ended, counted in rows; `lines()` is what `connector import-excel` prints."""

    sheet: str
    taken: int = 0
    review: int = 0
    existing: int = 0
    merged: int = 0
    secret: int = 0
    blank: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    run_id: int | None = None
    failed_run: str | None = None

    def lines(self) -> list[str]:
        """Vietnamese summary, then one line per row that could not be taken, then what to do."""
        if self.failed_run:
            return [f"Không nhập được sổ Excel: {self.failed_run}"]
        head = (
            f"Đã nhập {self.taken} dòng, bỏ qua {self.existing} dòng đã có, "
            f"{len(self.problems)} dòng không nhập được"
        )
        head += ":" if self.problems else "."
        out = [head]
        out += [f"  - trang «{self.sheet}», dòng {row}: {why}." for row, why in self.problems]
        extra = []
        if self.review:
            extra.append(f"{self.review} dòng cần văn thư kiểm tra (xem trang theo dõi, mục Chờ kiểm tra)")
        if self.merged:
            extra.append(f"{self.merged} dòng trùng văn bản đã nhận qua nguồn khác (đã gộp)")
        if self.secret:
            extra.append(f"{self.secret} văn bản mật (chỉ ghi thông báo đến)")
        if extra:
            out.append("Trong đó: " + "; ".join(extra) + ".")
        if self.problems:
            out.append(
                "Sửa các dòng trên trong tệp rồi chạy lại `connector import-excel` "
                "(dòng đã nhập không bị ghi trùng)."
            )
        return out


def import_sheet(
    register: Register,
    maps: Mappings,
    cal: WorkingCalendar,
    profile: Profile,
    sheet: Sheet,
    xmap: ExcelMap,
    *,
    file_name: str,
    read: TextReader,
    progress: Progress | None = None,
) -> ImportSummary:
    """Take `sheet` into the register by the intake path; the account in rows."""
    source = WorkbookSource(sheet, xmap, file_name=file_name)
    run = sync_source(register, source, maps, cal, profile, read=read, progress=progress, job=JOB)
    summary = ImportSummary(sheet=sheet.name, blank=sheet.blank, problems=list(source.problems))
    summary.run_id = run.run_id
    if run.failed:
        summary.failed_run = run.message
        return summary
    for ref, rows in source.rows.items():
        outcome, n = run.outcomes.get(ref), len(rows)
        summary.taken += n if outcome in ("stored", "review", "secret", "merged") else 0
        summary.existing += n if outcome == "unchanged" else 0
        summary.review += n if outcome == "review" else 0
        summary.merged += n if outcome == "merged" else 0
        summary.secret += n if outcome == "secret" else 0
    return summary
