"""The dashboard application: `create_app(cfg, maps, cal, register)` and a `serve` helper.

Every page is plain HTML rendered on the server, readable without logging in and without
JavaScript. Actions are POST forms (see `connector.web.forms`) that need a login and the
session's CSRF token. `connector run` serves this app with uvicorn on 127.0.0.1 by default.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from connector import clock
from connector.register import views as overview
from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.domain import Origin, Status
from connector.runtime.job import label, stale_jobs_now
from connector.mappings import Mappings
from connector.register.db import Register
from connector.register.queries import task_facts
from connector.register.tables import Document, DocumentRevision, IntakeItem, Task
from connector.status import derive_status
from connector.sync.outbox import HALF_DAY, outbox_health, working_time
from connector.web import auth, queries
from connector.web.forms import add_action_routes

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
    """What every page needs: config, mappings, calendar, register, templates, login guard."""

    def __init__(self, cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Register) -> None:
        self.cfg, self.maps, self.cal, self.register = cfg, maps, cal, register
        self.templates = _templates()
        self.guard = auth.Guard(cfg.settings.web.user)
        self.units = sorted((u for u in maps.units if u.kind == "internal"), key=lambda u: u.name)

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        """Render `name` with the login state and the CSRF token every form needs."""
        context |= {"user": auth.current_user(request), "csrf": auth.csrf_token(request)}
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def forbidden(self, request: Request, message: str) -> Response:
        return self.page(request, "error.html", 403, title="Không được phép", message=message)


def create_app(
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    register: Register,
) -> FastAPI:
    """The dashboard for this register; the session key is read from (or made in) the data folder."""
    app = FastAPI(title="Theo dõi nhiệm vụ", docs_url=None, redoc_url=None, openapi_url=None)
    web = Dashboard(cfg, maps, cal, register)
    app.state.dashboard = web
    app.state.session_hours = cfg.settings.web.session_hours
    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.secret_key(cfg.data_dir),
        session_cookie="connector_session",
        max_age=cfg.settings.web.session_hours * 3600,
        same_site="lax",
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = "Không tìm thấy trang này." if exc.status_code == 404 else "Yêu cầu không hợp lệ."
        return web.page(request, "error.html", exc.status_code, title="Lỗi", message=text)

    @app.exception_handler(RequestValidationError)
    async def _form_error(request: Request, exc: RequestValidationError) -> Response:
        text = "Biểu mẫu thiếu thông tin hoặc có giá trị không hợp lệ. Hãy tải lại trang rồi làm lại."
        return web.page(request, "error.html", 400, title="Lỗi", message=text)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        at = clock.now()
        with register.read() as s:
            states = overview.job_states(s)
            counts = overview.task_counts(s, at.date())
            review = overview.review_open(s)
            stale = stale_jobs_now(s, cfg, at)
        hours = cfg.settings.scheduler.alert_after_hours
        health = outbox_health(register, cal, at)
        return web.page(
            request, "overview.html", title="Tổng quan", states=states, counts=counts, review=review,
            stale=stale, health=health, hours=hours, now=at,
        )  # fmt: skip

    @app.get("/so-theo-doi", response_class=HTMLResponse)
    def register_page(
        request: Request, status: str = "", unit: str = "", overdue: str = "", origin: str = "", q: str = "",
        everything: str = Query("", alias="all"),
        page: int = 1,
    ) -> Response:  # fmt: skip
        yes = ("1", "on", "true")
        f = queries.RegisterFilter(status, unit, overdue in yes, origin, q, max(page, 1), everything in yes)
        with register.read() as s:
            rows, total = queries.task_rows(s, f, clock.today())
        pages = max(1, -(-total // queries.PAGE_SIZE))
        return web.page(
            request, "register.html", title="Sổ theo dõi nhiệm vụ", rows=rows, total=total, f=f, pages=pages,
            statuses=[str(x) for x in Status], origins=[str(o) for o in Origin], units=web.units,
        )  # fmt: skip

    @app.get("/van-ban/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, doc_id: int) -> Response:
        with register.read() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise StarletteHTTPException(404)
            tasks = list(s.exec(_by_doc(Task, doc_id).order_by(Task.seq)))  # type: ignore[arg-type]
            revisions = list(s.exec(_by_doc(DocumentRevision, doc_id)))
            routes = list(s.exec(_by_doc(IntakeItem, doc_id)))
            reviews = queries.document_reviews(s, doc_id)
            outbox = queries.document_outbox(s, doc_id)
            history = overview.events(
                s, document_ids=[doc_id], document_refs=overview.document_refs(s, [doc])
            )
        today = clock.today()
        statuses = {t.id: str(derive_status(task_facts(t), today)) for t in tasks}
        name = doc.number or f"#{doc.id}"
        return web.page(
            request, "document.html", title=f"Văn bản {name}", doc=doc, tasks=tasks,
            statuses=statuses, revisions=revisions, routes=routes, reviews=reviews, outbox=outbox,
            history=history, message=request.session.pop("flash", None),
        )  # fmt: skip

    @app.get("/nhat-ky", response_class=HTMLResponse)
    def log_page(request: Request, since: str = "", failed: str = "") -> Response:
        day, error = _since(since)
        with register.read() as s:
            lines = overview.events(s, since=day, failed=failed in ("1", "on", "true"), limit=500)
        return web.page(
            request, "log.html", title="Nhật ký đồng bộ", lines=list(reversed(lines)), since=since,
            failed=bool(failed), error=error,
        )  # fmt: skip

    @app.get("/kiem-tra", response_class=HTMLResponse)
    def review_page(request: Request) -> Response:
        with register.read() as s:
            items = queries.open_reviews(s)
        return web.page(
            request, "review.html", title="Chờ văn thư kiểm tra", items=items, units=web.units,
            message=request.session.pop("flash", None), error=request.session.pop("form_error", None),
        )  # fmt: skip

    @app.get("/cho-cap-nhat", response_class=HTMLResponse)
    def outbox_page(request: Request) -> Response:
        at = clock.now()
        with register.read() as s:
            rows = queries.outbox_rows(s)
        marked = [
            (o, t, d, c, at > o.due_by, at <= o.due_by and working_time(cal, at, o.due_by) < HALF_DAY)
            for o, t, d, c in rows
        ]
        return web.page(request, "outbox.html", title="Chờ cập nhật lên Phần mềm", rows=marked, now=at)

    add_action_routes(app, web)
    return app


def _by_doc(table: Any, doc_id: int) -> Any:
    from sqlmodel import select

    return select(table).where(table.document_id == doc_id)


def _since(text: str) -> tuple[date | None, str | None]:
    if not text.strip():
        return None, None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date(), None
        except ValueError:
            continue
    return None, f"Ngày «{text}» không đúng dạng ngày/tháng/năm; đang hiện toàn bộ nhật ký."


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> tuple[uvicorn.Server, threading.Thread]:
    """Run `app` with uvicorn in a daemon thread; `server.should_exit = True` stops it.

    The bound port is `server.servers[0].sockets[0].getsockname()[1]` (port 0: the OS chooses).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="dashboard")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("dashboard did not start")
        time.sleep(0.01)
    return server, thread


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the service's main thread keeps its own handlers
        pass
