"""The dashboard application: `create_app(cfg, maps, cal, register)` and a `serve` helper.

Every page is plain HTML rendered on the server, readable without logging in and without
JavaScript. Actions are POST forms (see `connector.web.forms`) that need a login and the
session's CSRF token. `connector run` serves this app with uvicorn on 127.0.0.1 by default.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import col
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from connector import clock
from connector.calendar import HALF_DAY, WorkingCalendar, working_time
from connector.config import Config
from connector.domain import Origin, Status
from connector.log import get_logger
from connector.mappings import Mappings
from connector.ports import Adapters
from connector.register import views as overview
from connector.register.db import Register
from connector.register.queries import task_facts
from connector.register.tables import Document, DocumentRevision, IntakeItem, Task
from connector.status import derive_status
from connector.web import auth, queries
from connector.web.dashboard import HERE, Dashboard
from connector.web.forms import add_action_routes


def create_app(
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    register: Register,
    adapters: Adapters,
) -> FastAPI:
    """The dashboard for this register; the session key is read from (or made in) the data folder."""
    app = FastAPI(title="Theo dõi nhiệm vụ", docs_url=None, redoc_url=None, openapi_url=None)
    web = Dashboard(cfg, maps, cal, register, adapters)
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
            stale = overview.stale_jobs_now(s, cfg, at)
            health = overview.outbox_health(s, cal, at)
        hours = cfg.settings.scheduler.alert_after_hours
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
            tasks = list(s.exec(_by_doc(Task, doc_id).order_by(col(Task.seq))))
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


def start_dashboard(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, adapters: Adapters
) -> Callable[[Register], tuple[Callable[[], None] | None, str | None]]:
    """The front end `connector run` starts beside its jobs (`connector.runtime.scheduler.Frontend`).

    Off when `[web] enabled = false`; when its port cannot be opened the jobs still run and the admin
    is told which setting to change.
    """

    def start(register: Register) -> tuple[Callable[[], None] | None, str | None]:
        web = cfg.settings.web
        if not web.enabled:
            return None, None
        try:
            server, thread = serve(create_app(cfg, maps, cal, register, adapters), web.host, web.port)
        except (OSError, RuntimeError) as exc:
            get_logger("connector.service").error("dashboard_failed", error=str(exc))
            sys.stdout.write(
                f"Không mở được trang theo dõi tại {web.host}:{web.port} ({exc}); "
                "các việc theo lịch vẫn chạy. Việc cần làm: đổi [web] port trong config.toml "
                "rồi chạy: systemctl restart connector\n"
            )
            return None, None

        def stop() -> None:
            server.should_exit = True
            thread.join(timeout=10)

        return stop, f"http://{web.host}:{web.port}/"

    return start


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the service's main thread keeps its own handlers
        pass
