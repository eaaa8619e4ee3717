"""What every dashboard page needs: the service's parts, the templates and their filters, the login guard.

The words a clerk reads for the register's states, kinds and levels are here, once, for every
page and form.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from connector import clock
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.mappings import Mappings
from connector.ports import Adapters
from connector.register.db import Register
from connector.schedule import label
from connector.web import auth

HERE = Path(__file__).resolve().parent
STATE_NAMES = {
    "registered": "Đã vào sổ",
    "review": "Chờ văn thư kiểm tra",
    "secret_notice": "Văn bản mật (chỉ ghi thông báo đến)",
    "revoked": "Đã bị thu hồi",
    "replaced": "Đã được thay thế",
    "pending": "Chờ gửi",
    "sending": "Đang gửi",
    "held": "Giữ lại",
    "failed": "Bị từ chối",
    "pushed": "Đã gửi",
    "open": "Chờ xử lý",
    "resolved": "Đã xử lý",
    "ok": "Thành công",
    "partial": "Một phần",
    "skipped": "Bỏ qua",
    "running": "Đang chạy",
}


INTAKE_NAMES = {
    "fetched": "Đã nhận, chưa xử lý xong",
    "stored": "Đã ghi vào sổ",
    "review": "Chờ văn thư kiểm tra",
    "secret": "Văn bản mật (chỉ ghi thông báo đến)",
    "merged": "Trùng văn bản đã có",
    "unchanged": "Không đổi",
    "revoked": "Đã bị thu hồi",
    "failed": "Không đưa được vào sổ",
    "skipped": "Bỏ qua",
}
LEVEL_NAMES = {"info": "Thông tin", "warning": "Cảnh báo", "error": "Lỗi"}
KIND_NAMES = {
    "fetched": "Nhận văn bản",
    "normalised": "Chuẩn hóa",
    "stored": "Ghi vào sổ",
    "review": "Kiểm tra",
    "secret": "Văn bản mật",
    "reconciled": "Đối chiếu",
    "rerun": "Chạy lại",
    "progress": "Tình hình thực hiện",
    "returned": "Trả lại nhiệm vụ",
    "failed": "Lỗi",
    "pushed": "Cập nhật Phần mềm",
    "alert": "Cảnh báo quản trị",
    "report_written": "Báo cáo",
}


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(clock.TZ).date()
    return value.strftime("%d/%m/%Y")


def fmt_time(value: datetime | None) -> str:
    """HH:MM dd/mm/yyyy (+07:00), the office's clock."""
    if value is None:
        return "—"
    return value.astimezone(clock.TZ).strftime("%H:%M %d/%m/%Y (+07:00)")


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["d"] = fmt_date
    templates.env.filters["t"] = fmt_time
    templates.env.filters["state"] = lambda s: STATE_NAMES.get(s or "", s or "—")
    templates.env.filters["intake"] = lambda s: INTAKE_NAMES.get(s, s)
    templates.env.filters["level"] = lambda s: LEVEL_NAMES.get(s, s)
    templates.env.filters["kind"] = lambda s: KIND_NAMES.get(s, s)
    templates.env.filters["job"] = lambda j: label(j)[:1].upper() + label(j)[1:]
    return templates


class Dashboard:
    """What every page needs: config, mappings, calendar, register, adapters, templates, login guard."""

    def __init__(
        self, cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Register, adapters: Adapters
    ) -> None:
        self.cfg, self.maps, self.cal, self.register = cfg, maps, cal, register
        self.adapters = adapters
        self.templates = _templates()
        self.guard = auth.Guard(cfg.settings.web.user)
        self.units = sorted((u for u in maps.units if u.kind == "internal"), key=lambda u: u.name)

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        """Render `name` with the login state and the CSRF token every form needs."""
        context |= {"user": auth.current_user(request), "csrf": auth.csrf_token(request)}
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def forbidden(self, request: Request, message: str) -> Response:
        return self.page(request, "error.html", 403, title="Không được phép", message=message)
