"""`connector export-excel FILE` and `connector import-excel FILE`: the office's Excel register.

Both print Vietnamese lines for the clerk. The import draws a progress line on a terminal only
(stderr is a TTY; `connector.cli.terminal.ProgressLine`), records a SyncRun "import-excel"
with one event per row that could not be taken, and exits 1 when there was such a row. A file
that is not a readable .xlsx is a clear `UserError` (exit 2), never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connector.calendar import WorkingCalendar
from connector.cli.terminal import progress_line
from connector.config import Config
from connector.errors import UserError
from connector.mappings import Mappings
from connector.office.excel.export import export_register
from connector.office.excel.importer import import_sheet
from connector.office.excel.reader import read_sheet
from connector.office.excel.settings import load_excel_map
from connector.register.db import open_register
from connector.service import text_reader


def run_export(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, out: Path) -> int:
    """Write the register to `out` (.xlsx); 0 when written."""
    if out.suffix.lower() != ".xlsx":
        raise UserError(
            f"Tệp xuất phải có đuôi .xlsx (đã cho: {out.name}).",
            hint=f"connector export-excel {out.with_suffix('.xlsx')}",
        )
    xmap = load_excel_map(cfg.mappings_dir)
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
    try:
        try:
            rows = export_register(register, maps, xmap, out)
        except PermissionError:
            raise UserError(
                f"Không ghi được tệp {out}: tệp đang mở trong Excel hoặc thư mục không cho ghi. "
                "Đóng tệp rồi chạy lại.",
                hint=f"connector export-excel {out}",
            ) from None
    finally:
        register.dispose()
    sys.stdout.write(f"Đã xuất {rows} dòng (mỗi nhiệm vụ một dòng) ra tệp {out}.\n")
    return 0


def run_import(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, path: Path) -> int:
    """Import the workbook at `path`; 1 when some row could not be taken, 0 otherwise."""
    xmap = load_excel_map(cfg.mappings_dir)
    sheet = read_sheet(path, xmap)
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
    bar = progress_line("import-excel")
    try:
        summary = import_sheet(
            register,
            maps,
            cal,
            cfg.profile,
            sheet,
            xmap,
            file_name=path.name,
            read=text_reader(),
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
        register.dispose()
    sys.stdout.write("".join(line + "\n" for line in summary.lines()))
    return 1 if summary.problems or summary.failed_run else 0
