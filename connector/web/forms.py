"""The dashboard's POST actions: log in/out, confirm or correct a review item, re-run, record progress.

Each action checks, in this order, the CSRF token of the session (a form from another site is
refused) and the login; both failures answer 403 with a Vietnamese page. Then it writes one
transaction with its sync-log event naming the clerk (`connector.sync.clerk`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from connector.errors import UserError, to_message
from connector.register import views as overview
from connector.register.queries import log_event
from connector.register.tables import Document, IntakeItem, Task
from connector.sync.clerk import Correction, FormError, Progress, confirm_review, record_progress
from connector.web import auth
from connector.web.dashboard import Dashboard

NEED_LOGIN = "Việc này cần đăng nhập. Hãy đăng nhập tại trang «Đăng nhập» rồi làm lại."
BAD_TOKEN = (
    "Biểu mẫu đã hết hạn hoặc không gửi từ trang theo dõi (mã chống giả mạo không khớp). "
    "Hãy tải lại trang rồi làm lại."
)


def parse_date(text: str, label: str) -> date | None:
    """A dd/mm/yyyy date from a form; empty means none."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise FormError(f"{label} «{text}» không đúng dạng ngày/tháng/năm (ví dụ 25/12/2026).") from None


def _see(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def add_action_routes(app: FastAPI, web: Dashboard) -> None:
    """Register every POST route on `app`."""

    def guarded(request: Request, token: str) -> str | Response:
        """The clerk's name, or the 403 page when the token or the login is missing."""
        if not auth.csrf_ok(request, token):
            return web.forbidden(request, BAD_TOKEN)
        user = auth.current_user(request)
        if user is None:
            return web.forbidden(request, NEED_LOGIN)
        return user

    @app.get("/dang-nhap")
    def login_page(request: Request, next: str = "/") -> Response:
        return web.page(request, "login.html", title="Đăng nhập", next=_safe(next), error=None)

    @app.post("/dang-nhap")
    def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        if not auth.csrf_ok(request, csrf):
            return web.forbidden(request, BAD_TOKEN)
        user = web.guard.check(name, password)
        if user is None:
            locked = web.guard.locked(name.strip().lower())
            error = (
                "Tài khoản tạm khóa 5 phút vì nhập sai mật khẩu nhiều lần."
                if locked
                else "Tên đăng nhập hoặc mật khẩu không đúng."
            )
            return web.page(request, "login.html", 401, title="Đăng nhập", next=_safe(next), error=error)
        auth.log_in(request, user)
        return _see(_safe(next))

    @app.post("/dang-xuat")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        if not auth.csrf_ok(request, csrf):
            return web.forbidden(request, BAD_TOKEN)
        request.session.clear()
        return _see("/")

    @app.post("/kiem-tra/{item_id}/xac-nhan")
    def confirm(request: Request, item_id: int, csrf: str = Form("")) -> Response:
        user = guarded(request, csrf)
        if isinstance(user, Response):
            return user
        return _act(request, lambda: confirm_review(web.register, web.maps, item_id, clerk=user))

    @app.post("/kiem-tra/{item_id}/sua")
    def correct(
        request: Request, item_id: int, task_id: int = Form(...), summary: str = Form(""),
        lead_unit: str = Form(""), deadline: str = Form(""), csrf: str = Form(""),
    ) -> Response:  # fmt: skip
        user = guarded(request, csrf)
        if isinstance(user, Response):
            return user

        def run() -> str:
            fix = Correction(task_id, summary, lead_unit, parse_date(deadline, "Thời hạn"))
            return confirm_review(web.register, web.maps, item_id, clerk=user, correction=fix)

        return _act(request, run)

    @app.post("/nhiem-vu/{task_id}/tien-do")
    def progress(
        request: Request, task_id: int, started_on: str = Form(""), completed_on: str = Form(""),
        blocked_reason: str = Form(""), progress_note: str = Form(""), csrf: str = Form(""),
    ) -> Response:  # fmt: skip
        user = guarded(request, csrf)
        if isinstance(user, Response):
            return user
        with web.register.read() as s:
            task = s.get(Task, task_id)
        back = f"/van-ban/{task.document_id}" if task else "/so-theo-doi"

        def run() -> str:
            p = Progress(
                task_id,
                parse_date(started_on, "Ngày bắt đầu"),
                parse_date(completed_on, "Ngày hoàn thành"),
                blocked_reason,
                progress_note,
            )
            days = web.cfg.profile.time_limits.push_working_days
            origins = [str(o) for o in web.cfg.profile.portal_origins]
            return record_progress(
                web.register, web.cal, p, clerk=user, push_working_days=days, portal_origins=origins
            )

        return _act(request, run, back=back)

    @app.post("/van-ban/{doc_id}/chay-lai")
    def rerun(request: Request, doc_id: int, csrf: str = Form("")) -> Response:
        user = guarded(request, csrf)
        if isinstance(user, Response):
            return user
        return _rerun(web, request, doc_id, user)


def _act(request: Request, run: Callable[[], str], *, back: str = "/kiem-tra") -> Response:
    """Run an action; its message (or the form's error) is shown once on the page it returns to."""
    try:
        request.session["flash"] = run()
    except FormError as exc:
        request.session["flash"] = "Chưa lưu: " + to_message(exc)
    return _see(back)


def _rerun(web: Dashboard, request: Request, doc_id: int, clerk: str) -> Response:
    """Fetch the document again (`connector.sync.rerun`), then show the result and its log lines."""
    from connector.sync.rerun import rerun_document

    with web.register.read() as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            return web.page(request, "error.html", 404, title="Lỗi", message="Không có văn bản này.")
        ref = _unique_ref(s, doc)
        number = doc.number or f"#{doc.id}"
    with web.register.write() as s:
        log_event(
            s,
            kind="rerun",
            message=f"Văn thư {clerk} bấm «Chạy lại» văn bản {number} trên trang theo dõi.",
            document_ref=number,
            document_id=doc_id,
            detail={"clerk": clerk},
        )

    result: Any = None
    error = None
    try:
        result = rerun_document(
            web.register, web.cfg, web.maps, web.cal, ref,
            adapters=web.adapters,
        )  # fmt: skip
    except UserError as exc:
        error = to_message(exc)
    with web.register.read() as s:
        lines = overview.events(s, document_ids=[doc_id], limit=200)
        lines = [e for e in lines if result is not None and e.run_id == result.run_id]
    return web.page(
        request, "rerun.html", title=f"Chạy lại văn bản {number}", doc_id=doc_id, number=number,
        result=result, error=error, lines=lines,
    )  # fmt: skip


def _unique_ref(s: Any, doc: Document) -> str:
    """A reference `find_documents` maps to this document alone (number, source ref or a task id)."""
    candidates = [doc.number or ""]
    candidates += list(s.exec(select(IntakeItem.source_ref).where(IntakeItem.document_id == doc.id)))
    candidates += [f"#{t}" for t in s.exec(select(Task.id).where(Task.document_id == doc.id))]
    for ref in candidates:
        if ref and [d.id for d in overview.find_documents(s, ref)] == [doc.id]:
            return str(ref)
    return doc.number or str(doc.id)


def _safe(path: str) -> str:
    """Only paths of this site after login (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"
