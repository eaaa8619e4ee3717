"""The portal through plain HTTP (httpx + BeautifulSoup): the fast engine, and the default.

It behaves as a browser without JavaScript would: one session cookie, every hidden input of a form
sent back as it came (`__VIEWSTATE`, `__EVENTVALIDATION`, row versions), only the pressed button
sent, multipart when the form says so. It is frugal, because the portal is slow and shared: it
signs in only when it has no session or the portal has dropped it, follows no redirect it does not
need, and reads the update form once (the form shows the current value, so "already there" costs
no extra request). A push is: GET form, POST, GET the task page it lands on (read-back) = 3.

Pages whose recipe says `engine = "browser"` are handed to a `BrowserPortal` (created on first
need unless one is given), so the recipe alone decides which engine opens which page.

Errors (connector.errors, translated by the shared `adapters/http.py`): no answer, 5xx, 429 →
`PortalUnavailableError` (Transient, with `retry_after`); 4xx, a
refusal shown by the portal, a duplicate submit → `PortalRejectedError`; a page that no longer
matches the recipe → `MappingMismatchError`. A submit is never retried here (ports.Portal).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx

from adapters.http import make_client, send
from adapters.portal import recipe as rc
from connector.domain import PortalTask, Receipt, StatusUpdate
from connector.errors import PortalRejectedError, PortalUnavailableError

if TYPE_CHECKING:
    from adapters.portal.browser import BrowserPortal

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_REDIRECTS = 5


class HttpPortal:
    """`connector.ports.Portal` over httpx; `requests` counts the HTTP requests sent (for the bench)."""

    engine = "http"

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        recipe: Mapping[str, Any],
        *,
        timeout: float = 30,
        browser: BrowserPortal | None = None,
    ) -> None:
        self._raw_recipe = recipe
        self.recipe = rc.Recipe.from_mapping(recipe)
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout = timeout
        self._browser = browser
        self._own_browser = False
        self._signed_in = False
        self.requests = 0
        self._client = make_client(self._base_url, timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:  # never the password
        return f"HttpPortal({self._base_url!r}, user={self._username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session and the browser this object started, if any."""
        self._client.close()
        if self._browser is not None and self._own_browser:
            self._browser.close()

    # -- the Portal port ------------------------------------------------------------------------

    def list_tasks(self) -> Iterator[PortalTask]:
        """Every task on every page of the list, following the "next page" link until it has no href."""
        page = self.recipe.list
        if page.engine == "browser":
            yield from self._via_browser().list_tasks()
            return
        url: str | None = page.url_for()
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= self.recipe.max_pages:
                raise page.mismatch(
                    page.options.get("next", "next"),
                    url,
                    extra="Phân trang lặp lại hoặc quá số trang cho phép. ",
                )
            seen.add(url)
            html, final = self._get(page, url)
            tasks, url = rc.parse_list(self.recipe, html, final)
            yield from tasks

    def read(self, portal_ref: str) -> PortalTask:
        """The task's current value, from its page on the portal."""
        page = self.recipe.task
        if page.engine == "browser":
            return self._via_browser().read(portal_ref)
        html, final = self._get(page, page.url_for(portal_ref))
        return rc.parse_task(self.recipe, html, final, portal_ref).task

    def push(self, update: StatusUpdate) -> Receipt:
        """Submit one status update unless the form already shows it; confirm by reading back.

        A report file rides along with a change; on its own it does not make one.
        """
        page = self.recipe.update
        if page.engine == "browser":
            return self._via_browser().push(update)
        html, final = self._get(page, page.url_for(update.portal_ref))
        form = rc.parse_form(page, html, final)
        values = rc.desired(self.recipe, form, update)
        if rc.unchanged(form, values):
            return Receipt(
                update.portal_ref,
                update.status_label,
                datetime.now(TZ),
                sent=False,
                detail={"engine": self.engine, "reason": "unchanged"},
            )
        files = None
        name = rc.report_field(self.recipe, update)
        if name is not None and update.report_file is not None:
            att = update.report_file
            files = {name: (att.name, att.data, att.media_type)}
        landing_html, landing_url = self._submit(page, form, values, files, update.portal_ref)
        return self._confirm(update, landing_html, landing_url, before=rc.before(form, self.recipe))

    def return_task(self, portal_ref: str, reason: str) -> None:
        """Send a task back to its issuer with the clerk's reason (Điều 6.2)."""
        page = self.recipe.return_
        if page.engine == "browser":
            self._via_browser().return_task(portal_ref, reason)
            return
        html, final = self._get(page, page.url_for(portal_ref))
        form = rc.parse_form(page, html, final)
        landing_html, landing_url = self._submit(
            page, form, {page.fields["reason"]: reason}, None, portal_ref
        )
        text = rc.notice(page, landing_html, "success") or ""
        if rc.norm(page.success_text) not in text:
            raise page.mismatch(str(page.success_selector), landing_url)

    # -- steps ----------------------------------------------------------------------------------

    def _confirm(self, update: StatusUpdate, html: str, url: str, *, before: str) -> Receipt:
        task_page = self.recipe.task
        if not _same_path(url, task_page.url_for(update.portal_ref)):
            html, url = self._get(task_page, task_page.url_for(update.portal_ref))
        view = rc.parse_task(self.recipe, html, url, update.portal_ref)
        if not rc.shows(self.recipe, view, update):
            raise PortalRejectedError(
                f"Đã gửi cập nhật nhiệm vụ {update.portal_ref} nhưng Phần mềm vẫn hiển thị "
                f"«{view.task.status_label}»; cần kiểm tra trực tiếp trên Phần mềm.",
                hint="connector sync --dry-run",
            )
        message = rc.notice(self.recipe.update, html, "success")
        return Receipt(
            update.portal_ref,
            view.task.status_label,
            datetime.now(TZ),
            sent=True,
            detail={"engine": self.engine, "before": before, "portal_message": message},
        )

    def _submit(
        self,
        page: rc.Page,
        form: rc.FormView,
        values: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes, str]] | None,
        ref: str,
    ) -> tuple[str, str]:
        """POST the form once; return the page it lands on. Never retried: errors propagate."""
        pairs = rc.submission(form, page, values)
        multipart = form.enctype == "multipart/form-data"
        if multipart:  # a browser sends every file input, empty ones with filename=""
            files = {name: ("", b"", "application/octet-stream") for name in form.files} | dict(files or {})
        if multipart:
            response = self._send(
                page, "POST", form.action, data=_multi(pairs), files=list((files or {}).items())
            )
        else:
            response = self._send(page, "POST", form.action, **_urlencoded(pairs))
        if response.is_redirect:
            location = urljoin(form.action, response.headers.get("location", ""))
            if self._is_login(location):
                self._signed_in = False
                raise PortalUnavailableError(
                    f"Phiên đăng nhập Phần mềm đã hết hạn khi gửi ({page.title.lower()}, nhiệm vụ {ref}); "
                    "Phần mềm chưa ghi nhận. Lần chạy sau sẽ đọc lại rồi mới gửi."
                )
            return self._get(self.recipe.task, location)
        self._check_status(page, response, form.action)
        error = rc.notice(page, response.text, "error")
        if error:
            raise PortalRejectedError(f"Phần mềm từ chối ({page.title.lower()}, nhiệm vụ {ref}): {error}")
        raise page.mismatch(
            f'[name="{page.submit}"]',
            str(response.url),
            extra="Sau khi gửi, Phần mềm không chuyển trang cũng không báo lỗi. ",
        )

    def _get(self, page: rc.Page, url: str) -> tuple[str, str]:
        """GET a page that needs a session; signs in first if needed, and again once if it expired."""
        for attempt in (1, 2):
            if not self._signed_in:
                self._login()
            response = self._send(page, "GET", url)
            hops = 0
            while response.is_redirect and hops < MAX_REDIRECTS:
                location = urljoin(str(response.url), response.headers.get("location", ""))
                if self._is_login(location):
                    break
                response = self._send(page, "GET", location)
                hops += 1
            if response.is_redirect or self._is_login(str(response.url)):
                self._signed_in = False
                if attempt == 2:
                    raise PortalUnavailableError(
                        f"Phần mềm trả về trang đăng nhập ngay sau khi đăng nhập lại ({page.title.lower()})."
                    )
                continue
            self._check_status(page, response, url)
            return response.text, str(response.url)
        raise AssertionError("unreachable")

    def _login(self) -> None:
        page = self.recipe.login
        response = self._send(page, "GET", page.url_for())
        self._check_status(page, response, page.url)
        form = rc.parse_form(page, response.text, str(response.url))
        values = {page.fields["username"]: self._username, page.fields["password"]: self._password}
        pairs = rc.submission(form, page, values)
        response = self._send(page, "POST", form.action, **_urlencoded(pairs))
        if response.is_redirect and not self._is_login(
            urljoin(form.action, response.headers.get("location", ""))
        ):
            self._signed_in = True
            return
        self._check_status(page, response, page.url)
        error = rc.notice(page, response.text, "error")
        if error:
            raise PortalRejectedError(
                f"Phần mềm từ chối đăng nhập bằng tài khoản đã cấu hình: {error}",
                hint="connector check",
            )
        raise page.mismatch(
            f'[name="{page.submit}"]', page.url, extra="Sau khi đăng nhập, Phần mềm không chuyển trang. "
        )

    def _send(self, page: rc.Page, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request through the shared boundary (adapters/http.py): no answer, 429 or 5xx raise
        `PortalUnavailableError` with `retry_after`; messages name the page and URL, never the body."""
        self.requests += 1
        return send(
            self._client,
            method,
            url,
            what=f"Phần mềm theo dõi chỉ đạo điều hành ({page.title.lower()})",
            unavailable=PortalUnavailableError,
            **kwargs,
        )

    def _check_status(self, page: rc.Page, response: httpx.Response, what: str) -> None:
        if response.status_code == 404:
            raise PortalRejectedError(
                f"Phần mềm không tìm thấy ({page.title.lower()}, {urlsplit(what).path or what})."
            )
        if response.status_code >= 400:
            title = rc.text_of(rc.soup(response.text).find(["h2", "title"])) or "không rõ lý do"
            raise PortalRejectedError(
                f"Phần mềm từ chối yêu cầu (HTTP {response.status_code}, {page.title.lower()}): {title}."
            )

    def _is_login(self, url: str) -> bool:
        return _same_path(url, self.recipe.login.url_for())

    def _via_browser(self) -> BrowserPortal:
        if self._browser is None:
            from adapters.portal.browser import BrowserPortal  # Playwright only when a page needs it

            self._browser = BrowserPortal(
                self._base_url, self._username, self._password, self._raw_recipe, timeout=self._timeout
            )
            self._own_browser = True
        return self._browser


def _same_path(url: str, other: str) -> bool:
    return urlsplit(url).path.lower() == urlsplit(other).path.lower()


def _urlencoded(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """application/x-www-form-urlencoded, fields in document order, repeated names kept."""
    params: list[tuple[str, str | int | float | bool | None]] = list(pairs)
    body = str(httpx.QueryParams(params)).encode()
    return {"content": body, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


def _multi(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form pairs as httpx's `data=` for multipart (a repeated name becomes a list)."""
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in out:
            prev = out[name]
            out[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value
    return out
