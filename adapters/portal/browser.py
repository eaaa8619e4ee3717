"""The portal through a real browser: Playwright driving Debian's Chromium (`/usr/bin/chromium`,
never a downloaded build), running the same recipe as `HttpPortal` for pages that need JavaScript.

- One browser per `BrowserPortal`, started on first use; one browser context per task, closed in
  `finally`. On failure the context's screenshot and Playwright trace are kept in `artifacts_dir`
  and their paths are added to the error message.
- Signing in happens in a separate, untraced context (so no trace holds the password); the
  session cookie is then given to each task's context. A session that expires is renewed for page
  loads, never for a submit: a submit is pressed at most once (ports.Portal).
- Values are read from the rendered HTML by the functions in `recipe.py`, so both engines agree
  on every selector and fail with the same `MappingMismatchError`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, FilePayload, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Response as PlaywrightResponse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from adapters.portal import recipe as rc
from connector.domain import PortalTask, Receipt, StatusUpdate
from connector.errors import (
    ConnectorError,
    PortalRejectedError,
    PortalUnavailableError,
    UserError,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
FORM_WAIT_MS = 10_000  # how long a JavaScript-built form may take to appear


def chromium_missing(path: str) -> UserError:
    """The error when Debian's Chromium is not installed: it says which package to install."""
    return UserError(
        f"Không tìm thấy trình duyệt Chromium tại {path} (cần cho các trang của Phần mềm chạy JavaScript). "
        "Quản trị viên cài bằng lệnh: sudo apt-get install chromium",
        hint="sudo apt-get install chromium",
    )


class BrowserPortal:
    """`connector.ports.Portal` through Chromium; same constructor as `HttpPortal` plus the browser's path."""

    engine = "browser"

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        recipe: Mapping[str, Any],
        *,
        timeout: float = 30,
        chromium_path: str = "/usr/bin/chromium",
        artifacts_dir: Path | None = None,
    ) -> None:
        if not Path(chromium_path).is_file():
            raise chromium_missing(chromium_path)
        self.recipe = rc.Recipe.from_mapping(recipe)
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout_ms = timeout * 1000
        self._chromium_path = chromium_path
        self.artifacts_dir = artifacts_dir or Path(tempfile.gettempdir()) / "connector-portal-artifacts"
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._state: dict[str, Any] | None = None  # cookies after sign-in

    def __repr__(self) -> str:  # never the password
        return f"BrowserPortal({self._base_url!r}, user={self._username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close Chromium and stop Playwright (safe to call twice)."""
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()

    # -- the Portal port ------------------------------------------------------------------------

    def list_tasks(self) -> Iterator[PortalTask]:
        """Every task on every page of the list (one browser context for the whole listing)."""
        page_r = self.recipe.list
        tasks: list[PortalTask] = []
        with self._context("list", "") as page:
            url: str | None = self._abs(page_r.url_for())
            seen: set[str] = set()
            while url is not None:
                if url in seen or len(seen) >= self.recipe.max_pages:
                    raise page_r.mismatch(
                        page_r.options.get("next", "next"),
                        url,
                        extra="Phân trang lặp lại hoặc quá số trang cho phép. ",
                    )
                seen.add(url)
                html = self._open(page, page_r, url)
                found, url = rc.parse_list(self.recipe, html, page.url)
                tasks.extend(found)
        return iter(tasks)

    def read(self, portal_ref: str) -> PortalTask:
        """The task's current value, from its page."""
        page_r = self.recipe.task
        with self._context("read", portal_ref) as page:
            html = self._open(page, page_r, self._abs(page_r.url_for(portal_ref)))
            return rc.parse_task(self.recipe, html, page.url, portal_ref).task

    def push(self, update: StatusUpdate) -> Receipt:
        """As `HttpPortal.push`: nothing is sent when the form already shows the value; else press once."""
        page_r = self.recipe.update
        ref = update.portal_ref
        with self._context("push", ref) as page:
            html = self._open(page, page_r, self._abs(page_r.url_for(ref)))
            form = rc.parse_form(page_r, html, page.url)
            values = rc.desired(self.recipe, form, update)
            if rc.unchanged(form, values):
                return Receipt(
                    ref,
                    update.status_label,
                    datetime.now(TZ),
                    sent=False,
                    detail={"engine": self.engine, "reason": "unchanged"},
                )
            status_name = page_r.fields["status"]
            for name, value in values.items():
                if name == status_name:
                    page.select_option(self._field(page_r, name), value=value)
                else:
                    page.fill(self._field(page_r, name), value)
            file_name = rc.report_field(self.recipe, update)
            if file_name is not None and update.report_file is not None:
                att = update.report_file
                page.set_input_files(
                    self._field(page_r, file_name),
                    files=[FilePayload(name=att.name, mimeType=att.media_type, buffer=att.data)],
                )
            html, url = self._press(page, page_r, ref)
            task_r = self.recipe.task
            if _same_path(url, page_r.url_for(ref)):
                raise page_r.mismatch(
                    f'[name="{page_r.submit}"]',
                    url,
                    extra="Sau khi gửi, Phần mềm không chuyển trang cũng không báo lỗi. ",
                )
            if not _same_path(url, task_r.url_for(ref)):
                html = self._open(page, task_r, self._abs(task_r.url_for(ref)))
                url = page.url
            view = rc.parse_task(self.recipe, html, url, ref)
            if not rc.shows(self.recipe, view, update):
                raise PortalRejectedError(
                    f"Đã gửi cập nhật nhiệm vụ {ref} nhưng Phần mềm vẫn hiển thị «{view.task.status_label}»; "
                    "cần kiểm tra trực tiếp trên Phần mềm.",
                    hint="connector sync --dry-run",
                )
            return Receipt(
                ref,
                view.task.status_label,
                datetime.now(TZ),
                sent=True,
                detail={
                    "engine": self.engine,
                    "before": rc.before(form, self.recipe),
                    "portal_message": rc.notice(page_r, html, "success"),
                },
            )

    def return_task(self, portal_ref: str, reason: str) -> None:
        """Send a task back with the clerk's reason (Điều 6.2); the form appears after JavaScript runs."""
        page_r = self.recipe.return_
        with self._context("return", portal_ref) as page:
            html = self._open(page, page_r, self._abs(page_r.url_for(portal_ref)))
            rc.parse_form(page_r, html, page.url)
            page.fill(self._field(page_r, page_r.fields["reason"]), reason)
            html, url = self._press(page, page_r, portal_ref)
            text = rc.notice(page_r, html, "success") or ""
            if rc.norm(page_r.success_text) not in text:
                raise page_r.mismatch(str(page_r.success_selector), url)

    # -- steps ----------------------------------------------------------------------------------

    @contextmanager
    def _context(self, action: str, ref: str) -> Iterator[Page]:
        """A fresh, traced browser context for one task; artifacts kept on failure, closed always."""
        browser = self._ensure_browser()
        if self._state is None:
            self._login()
        context = browser.new_context(storage_state=self._state, locale="vi-VN")  # type: ignore[arg-type]
        context.set_default_timeout(self._timeout_ms)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        try:
            try:
                yield page
            except PlaywrightError as exc:
                raise _translate(exc, action) from None
        except ConnectorError as exc:
            _annotate(exc, self._keep_artifacts(context, page, action, ref))
            raise
        else:
            context.tracing.stop()
        finally:
            context.close()

    def _keep_artifacts(self, context: Any, page: Page, action: str, ref: str) -> str:
        stamp = datetime.now(TZ).strftime("%Y%m%d-%H%M%S-%f")
        base = self.artifacts_dir / f"portal-{action}-{ref or 'all'}-{stamp}"
        kept = []
        try:
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{base}.png", full_page=True)
            kept.append(f"{base}.png")
        except PlaywrightError:
            pass
        try:
            context.tracing.stop(path=f"{base}.trace.zip")
            kept.append(f"{base}.trace.zip")
        except PlaywrightError:
            pass
        return f" Ảnh chụp màn hình và bản ghi vết: {', '.join(kept)}." if kept else ""

    def _ensure_browser(self) -> Browser:
        if self._browser is None:
            if not Path(self._chromium_path).is_file():
                raise chromium_missing(self._chromium_path)
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=self._chromium_path,
                    args=list(CHROMIUM_ARGS),
                    headless=True,
                    timeout=self._timeout_ms,
                )
            except PlaywrightError as exc:
                self._playwright.stop()
                self._playwright = None
                raise UserError(
                    f"Không khởi động được Chromium ({self._chromium_path}): {exc.message.splitlines()[0]}",
                    hint="sudo apt-get install chromium",
                ) from None
        return self._browser

    def _login(self) -> None:
        """Sign in inside an untraced context and keep only its cookies."""
        browser = self._ensure_browser()
        page_r = self.recipe.login
        context = browser.new_context(locale="vi-VN")
        context.set_default_timeout(self._timeout_ms)
        try:
            page = context.new_page()
            self._check(page_r, page.goto(self._abs(page_r.url_for())), page_r.url)
            rc.parse_form(page_r, page.content(), page.url)
            page.fill(self._field(page_r, page_r.fields["username"]), self._username)
            page.fill(self._field(page_r, page_r.fields["password"]), self._password)
            with page.expect_navigation():
                page.click(self._field(page_r, str(page_r.submit)))
            if self._is_login(page.url):
                error = rc.notice(page_r, page.content(), "error")
                if error:
                    raise PortalRejectedError(
                        f"Phần mềm từ chối đăng nhập bằng tài khoản đã cấu hình: {error}",
                        hint="connector check",
                    )
                raise page_r.mismatch(
                    f'[name="{page_r.submit}"]',
                    page.url,
                    extra="Sau khi đăng nhập, Phần mềm không chuyển trang. ",
                )
            self._state = dict(context.storage_state())
        except PlaywrightError as exc:
            raise _translate(exc, "login") from None
        finally:
            context.close()

    def _open(self, page: Page, page_r: rc.Page, url: str) -> str:
        """Load a page that needs a session (renewing it once) and, for a form, wait until it exists."""
        for attempt in (1, 2):
            response = page.goto(url)
            if self._is_login(page.url):
                self._state = None
                if attempt == 2:
                    raise PortalUnavailableError(
                        "Phần mềm trả về trang đăng nhập ngay sau khi đăng nhập lại "
                        f"({page_r.title.lower()})."
                    )
                self._login()
                page.context.add_cookies(list(self._state.get("cookies") or []) if self._state else [])
                continue
            self._check(page_r, response, url)
            if page_r.form:
                try:
                    page.wait_for_selector(
                        page_r.form, state="attached", timeout=min(FORM_WAIT_MS, self._timeout_ms)
                    )
                except PlaywrightTimeoutError:
                    raise page_r.mismatch(page_r.form, url) from None
            return page.content()
        raise AssertionError("unreachable")

    def _press(self, page: Page, page_r: rc.Page, ref: str) -> tuple[str, str]:
        """Press the recipe's submit button once and return the page it lands on."""
        with page.expect_navigation() as navigation:
            page.click(self._field(page_r, str(page_r.submit)))
        if self._is_login(page.url):
            self._state = None
            raise PortalUnavailableError(
                f"Phiên đăng nhập Phần mềm đã hết hạn khi gửi ({page_r.title.lower()}, nhiệm vụ {ref}); "
                "Phần mềm chưa ghi nhận. Lần chạy sau sẽ đọc lại rồi mới gửi."
            )
        self._check(page_r, navigation.value, page.url)
        html = page.content()
        error = rc.notice(page_r, html, "error")
        if error:
            raise PortalRejectedError(f"Phần mềm từ chối ({page_r.title.lower()}, nhiệm vụ {ref}): {error}")
        return html, page.url

    def _check(self, page_r: rc.Page, response: PlaywrightResponse | None, url: str) -> None:
        if response is None:
            return
        status = response.status
        path = urlsplit(url).path or url
        if status == 429 or status >= 500:
            raise PortalUnavailableError(
                f"Phần mềm đang lỗi hoặc quá tải (HTTP {status}) khi mở {page_r.title.lower()} ({path})."
            )
        if status == 404:
            raise PortalRejectedError(f"Phần mềm không tìm thấy ({page_r.title.lower()}, {path}).")
        if status >= 400:
            raise PortalRejectedError(f"Phần mềm từ chối yêu cầu (HTTP {status}, {page_r.title.lower()}).")

    def _field(self, page_r: rc.Page, name: str) -> str:
        return f'{page_r.form or "form"} [name="{name}"]'

    def _abs(self, url: str) -> str:
        return url if "://" in url else self._base_url + url

    def _is_login(self, url: str) -> bool:
        return _same_path(url, self.recipe.login.url_for())


def _same_path(url: str, other: str) -> bool:
    return urlsplit(url).path.lower() == urlsplit(other).path.lower()


def _translate(exc: PlaywrightError, action: str) -> ConnectorError:
    """Playwright's errors as connector errors: no answer or a timeout is worth retrying later."""
    first = (exc.message or "").splitlines()[0] if exc.message else type(exc).__name__
    if isinstance(exc, PlaywrightTimeoutError):
        return PortalUnavailableError(f"Phần mềm không trả lời kịp ({action}): {first}")
    return PortalUnavailableError(f"Không làm việc được với Phần mềm qua trình duyệt ({action}): {first}")


def _annotate(exc: ConnectorError, text: str) -> None:
    if text:
        exc.message = exc.message.rstrip() + text
        exc.args = (exc.message,)
