"""The portal through a real browser: Playwright driving Debian's Chromium (`/usr/bin/chromium`,
never a downloaded build), running the same recipe as `HttpPortal` for pages that need JavaScript.

- One browser per `BrowserPortal`, started on first use; one browser context per task, closed in
  `finally`. On failure the context's screenshot and Playwright trace are kept in `artifacts_dir`
  and their paths are added to the error message.
- Signing in happens in a separate, untraced context (so no trace holds the password); the
  session cookie is then given to each task's context. A session that expires is renewed for page
  loads, never for a submit: a submit is pressed at most once (ports.Portal).
- Values are read from the rendered HTML by `adapters.recipes.read`, so both engines agree on
  every selector and fail with the same `MappingMismatchError`.
- Waits are the recipe's, never guesses: each page's `wait` (a selector that exists once the page's
  JavaScript drew its data, or "network" for "no request in flight"), and after a submit its
  `after_submit` (a selector such as the toast, "network", or by default a page load). A portal
  that saves by in-app navigation then draws the task later is read back only once its `wait`
  says the data is there, on a fresh load of the task page.
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

from adapters.portal import tasks as tk
from adapters.recipes import listing
from adapters.recipes import read as rd
from adapters.recipes import values as v
from adapters.recipes.forms import parse_form
from adapters.recipes.spec import NEEDS
from adapters.recipes.spec import Page as RecipePage
from adapters.recipes.validate import parse_recipe
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
WAIT_MS = 10_000  # how long a page's JavaScript may take to draw what the recipe waits for


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
        self.recipe = parse_recipe(recipe, "portal")
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
        page_r = self.recipe.pages["list"]
        strict = NEEDS["portal"]["list"][1]
        tasks: list[PortalTask] = []
        with self._context("list", "") as page:

            def fetch(url: str, params: Mapping[str, str]) -> rd.Doc:
                query = "&".join(f"{k}={v.fill('{x}', {'x': x})}" for k, x in params.items())
                return self._doc(page, page_r, self._abs(url) + (f"?{query}" if query else ""))

            for listed in listing.walk(self.recipe, page_r, fetch):
                for block in listed.items:
                    found = rd.record(self.recipe, page_r, block, listed.doc, listed.columns, strict=strict)
                    tasks.append(tk.to_task(self.recipe, page_r, found, found["ref"], listed.doc.url))
        return iter(tasks)

    def read(self, portal_ref: str) -> PortalTask:
        """The task's current value, from its page (or from the list when the portal has none)."""
        page_r = self.recipe.page("task")
        if page_r is None:
            found = next((t for t in self.list_tasks() if t.portal_ref == portal_ref), None)
            if found is None:
                raise PortalRejectedError(
                    f"{self.recipe.name} không có nhiệm vụ mã {portal_ref} trong danh sách."
                )
            return found
        with self._context("read", portal_ref) as page:
            return self._task(page, portal_ref)[0]

    def push(self, update: StatusUpdate) -> Receipt:
        """As `HttpPortal.push`: nothing is sent when the form already shows the value; else press once."""
        page_r = self.recipe.pages["update"]
        ref = update.portal_ref
        with self._context("push", ref) as page:
            doc = self._doc(page, page_r, self._abs(v.fill(page_r.url, {"ref": ref})))
            form = parse_form(page_r, doc.text, doc.url)
            values = tk.form_values(self.recipe, page_r, form, update)
            if tk.unchanged(form, values):
                return Receipt(
                    ref,
                    update.status_label,
                    datetime.now(TZ),
                    sent=False,
                    detail={"engine": self.engine, "reason": "unchanged"},
                )
            status_name = page_r.inputs["status"]
            for name, value in values.items():
                if name == status_name:
                    page.select_option(self._field(page_r, name), value=value)
                else:
                    page.fill(self._field(page_r, name), value)
            file_name = tk.report_input(page_r, update)
            if file_name is not None and update.report_file is not None:
                att = update.report_file
                payload: FilePayload = {"name": att.name, "mimeType": att.media_type, "buffer": att.data}
                page.set_input_files(self._field(page_r, file_name), files=[payload])
            landing, url = self._press(page, page_r, ref)
            if page_r.after_submit is None and _same_path(url, v.fill(page_r.url, {"ref": ref})):
                raise page_r.mismatch(
                    f"pages.{page_r.key}.submit",
                    f"nút «{page_r.submit}»",
                    landing.excerpt_source(),
                    url,
                    extra="Sau khi gửi, Phần mềm không chuyển trang cũng không báo lỗi. ",
                )
            message = rd.message(page_r, landing, "success")
            if page_r.success is not None and not rd.succeeded(page_r, landing):
                raise page_r.mismatch(
                    f"pages.{page_r.key}.success", "dấu hiệu thành công", landing.excerpt_source(), url
                )
            after, completed, task_page = self._task(page, ref)
            if not tk.shows(self.recipe, task_page, after, completed, update, url):
                raise PortalRejectedError(
                    f"Đã gửi cập nhật nhiệm vụ {ref} nhưng {self.recipe.name} vẫn hiển thị "
                    f"«{after.status_label}»; "
                    "cần kiểm tra trực tiếp trên Phần mềm.",
                    hint="connector sync --dry-run",
                )
            return Receipt(
                ref,
                after.status_label,
                datetime.now(TZ),
                sent=True,
                detail={"engine": self.engine, "before": tk.before(page_r, form), "portal_message": message},
            )

    def return_task(self, portal_ref: str, reason: str) -> None:
        """Send a task back with the clerk's reason (Điều 6.2); the form may appear after JavaScript runs."""
        page_r = self.recipe.page("return")
        if page_r is None:
            raise tk.no_page(self.recipe, "return", "trả lại nhiệm vụ")
        with self._context("return", portal_ref) as page:
            doc = self._doc(page, page_r, self._abs(v.fill(page_r.url, {"ref": portal_ref})))
            parse_form(page_r, doc.text, doc.url)
            page.fill(self._field(page_r, page_r.inputs["reason"]), reason)
            landing, url = self._press(page, page_r, portal_ref)
            if not rd.succeeded(page_r, landing):
                raise page_r.mismatch(
                    f"pages.{page_r.key}.success", "dấu hiệu thành công", landing.excerpt_source(), url
                )

    def open_page(self, key: str, ref: str) -> rd.Doc:
        """One page of the recipe, loaded and waited for as the recipe says; nothing is pressed."""
        page_r = self.recipe.pages[key]
        with self._context("check", ref) as page:
            return self._doc(page, page_r, self._abs(v.fill(page_r.url, {"ref": ref})))

    # -- steps ----------------------------------------------------------------------------------

    def _task(self, page: Page, ref: str) -> tuple[PortalTask, str, RecipePage]:
        """A fresh load of the task page, read once its `wait` says the data is drawn."""
        page_r = self.recipe.page("task")
        if page_r is None:
            listed = next((t for t in self.list_tasks() if t.portal_ref == ref), None)
            if listed is None:
                raise PortalRejectedError(f"{self.recipe.name} không có nhiệm vụ mã {ref} trong danh sách.")
            return listed, "", self.recipe.pages["list"]
        doc = self._doc(page, page_r, self._abs(v.fill(page_r.url, {"ref": ref})))
        found = rd.one(self.recipe, page_r, doc, strict=NEEDS["portal"]["task"][1])
        return tk.to_task(self.recipe, page_r, found, ref, doc.url), found.get("completed_on", ""), page_r

    def _doc(self, page: Page, page_r: RecipePage, url: str) -> rd.Doc:
        return rd.parse_doc(page_r, self._open(page, page_r, url), page.url)

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
        """Sign in inside an untraced context and keep only its cookies and local storage."""
        browser = self._ensure_browser()
        login = self.recipe.login
        page_r = login.page
        context = browser.new_context(locale="vi-VN")
        context.set_default_timeout(self._timeout_ms)
        try:
            page = context.new_page()
            self._check(page_r, page.goto(self._abs(page_r.url)), page_r.url)
            self._wait(page, page_r, page_r.wait or page_r.form, page_r.url)
            parse_form(
                page_r, page.content(), page.url, {"username": login.username, "password": login.password}
            )
            page.fill(self._field(page_r, login.username), self._username)
            page.fill(self._field(page_r, login.password), self._password)
            button = self._field(page_r, page_r.submit) if page_r.submit else f"{page_r.form} [type=submit]"
            try:
                with page.expect_navigation():
                    page.click(button)
            except PlaywrightTimeoutError:
                pass
            if self._is_login(page.url):
                doc = rd.parse_doc(page_r, page.content(), page.url)
                error = rd.message(page_r, doc, "error")
                if error:
                    raise PortalRejectedError(
                        f"{self.recipe.name} từ chối đăng nhập của tài khoản «{self._username}»: {error}",
                        hint="connector check",
                    )
                raise page_r.mismatch(
                    "login.submit",
                    f"nút «{button}»",
                    doc.excerpt_source(),
                    page.url,
                    extra="Sau khi đăng nhập, Phần mềm không chuyển trang. ",
                )
            self._state = dict(context.storage_state())
        except PlaywrightError as exc:
            raise _translate(exc, "login") from None
        finally:
            context.close()

    def _open(self, page: Page, page_r: RecipePage, url: str) -> str:
        """Load a page that needs a session (renewing it once), then wait as its recipe says."""
        for attempt in (1, 2):
            response = page.goto(url)
            if self._is_login(page.url):
                self._state = None
                if attempt == 2:
                    raise PortalUnavailableError(
                        f"{self.recipe.name} trả về trang đăng nhập ngay sau khi đăng nhập lại "
                        f"({page_r.title.lower()})."
                    )
                self._login()
                state: dict[str, Any] = self._state or {}
                page.context.add_cookies(state.get("cookies", []))
                self._restore_storage(page, state)
                continue
            self._check(page_r, response, url)
            self._wait(page, page_r, page_r.wait or page_r.form, url)
            if self._is_login(page.url):  # the page's script found the session gone and went to sign in
                self._state = None
                if attempt == 2:
                    raise PortalUnavailableError(
                        f"{self.recipe.name} đòi đăng nhập lại ({page_r.title.lower()})."
                    )
                self._login()
                self._restore_storage(page, self._state or {})
                continue
            return page.content()
        raise AssertionError("unreachable")

    def _restore_storage(self, page: Page, state: Mapping[str, Any]) -> None:
        """Put the signed-in local storage (a single-page app's token) back into this context."""
        for origin in state.get("origins", []):
            items = {i["name"]: i["value"] for i in origin.get("localStorage", [])}
            if items:
                page.goto(origin["origin"] + "/robots.txt")
                page.evaluate(
                    "(items) => { for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v); }",
                    items,
                )

    def _wait(self, page: Page, page_r: RecipePage, what: str | None, url: str) -> None:
        """Wait for what the recipe says shows the page is ready; a timeout is a mismatch."""
        if not what:
            return
        limit = min(WAIT_MS, self._timeout_ms)
        key = f"pages.{page_r.key}.wait" if page_r.wait else f"pages.{page_r.key}.form"
        if page_r.key == "login":
            key = "login.wait" if page_r.wait else "login.form"
        try:
            if what == "network":
                page.wait_for_load_state("networkidle", timeout=limit)
            else:
                page.wait_for_selector(what, state="attached", timeout=limit)
        except PlaywrightTimeoutError:
            had = (
                rd.parse_doc(page_r, page.content(), page.url).excerpt_source()
                if page_r.format == "html"
                else ""
            )
            raise page_r.mismatch(
                key, f"«{what}» không xuất hiện sau {limit / 1000:g} giây", had, url
            ) from None

    def _press(self, page: Page, page_r: RecipePage, ref: str) -> tuple[rd.Doc, str]:
        """Press the recipe's submit button once and wait as `after_submit` says (a page load by default)."""
        button = self._field(page_r, str(page_r.submit)) if page_r.submit else f"{page_r.form} [type=submit]"
        after = page_r.after_submit
        if after in (None, "navigation"):
            with page.expect_navigation() as navigation:
                page.click(button)
            response: PlaywrightResponse | None = navigation.value
        else:
            page.click(button)
            response = None
            self._wait(
                page,
                RecipePage(key=page_r.key, title=page_r.title, file=page_r.file, wait=after),
                after,
                page.url,
            )
        if self._is_login(page.url):
            self._state = None
            raise PortalUnavailableError(
                f"Phiên đăng nhập {self.recipe.name} đã hết hạn khi gửi "
                f"({page_r.title.lower()}, nhiệm vụ {ref}); "
                "Phần mềm chưa ghi nhận. Lần chạy sau sẽ đọc lại rồi mới gửi."
            )
        self._check(page_r, response, page.url)
        doc = rd.parse_doc(page_r, page.content(), page.url)
        error = rd.message(page_r, doc, "error")
        if error:
            raise PortalRejectedError(
                f"{self.recipe.name} từ chối ({page_r.title.lower()}, nhiệm vụ {ref}): {error}"
            )
        return doc, page.url

    def _check(self, page_r: RecipePage, response: PlaywrightResponse | None, url: str) -> None:
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

    def _field(self, page_r: RecipePage, name: str) -> str:
        return f'{page_r.form or "form"} [name="{name}"]'

    def _abs(self, url: str) -> str:
        return url if "://" in url else self._base_url + url

    def _is_login(self, url: str) -> bool:
        return _same_path(url, self.recipe.login.page.url)


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
