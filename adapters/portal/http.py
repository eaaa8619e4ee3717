"""The portal through plain HTTP (httpx): the fast engine, and the default.

It speaks to a portal as its recipe says, whichever way the portal is built:
- HTML pages and forms, as a browser without JavaScript would (every hidden input sent back,
  only the pressed button, multipart when the form says so): open the form, submit, read the
  task page it lands on = 3 requests a push;
- the JSON API behind a single-page app (`format = "json"`): read the task, send the update as a
  JSON body from the recipe's template, read it back = 3 requests, and no Chromium at all.

It is frugal (the portal is slow and shared): it signs in only when it has no session or the
portal dropped it, and "already shows this value" costs one read and no submit. Pages whose
recipe says `engine = "browser"` are handed to a `BrowserPortal` (created on first need).
Optional pages: without [pages.task] a task is read from the list; without [pages.return]
`return_task` says the portal cannot do it through the program.

Errors: no answer, 5xx, 429, an expired session at submit → `PortalUnavailableError`
(Transient); 4xx, a refusal shown by the portal → `PortalRejectedError`; a page that no longer
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

from adapters.portal import tasks as tk
from adapters.recipes import listing
from adapters.recipes import read as rd
from adapters.recipes import values as v
from adapters.recipes.forms import FormView, parse_form, submission
from adapters.recipes.session import Session
from adapters.recipes.spec import NEEDS, Page
from adapters.recipes.validate import parse_recipe
from connector.domain import PortalTask, Receipt, StatusUpdate
from connector.errors import PortalRejectedError, PortalUnavailableError

if TYPE_CHECKING:
    from adapters.portal.browser import BrowserPortal

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


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
        self.recipe = parse_recipe(recipe, "portal")
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout = timeout
        self._browser = browser
        self._own_browser = False
        self.session = Session(
            self.recipe,
            self._base_url,
            username,
            password,
            timeout=timeout,
            unavailable=PortalUnavailableError,
            auth_error=PortalRejectedError,
        )

    @property
    def requests(self) -> int:
        return self.session.requests

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
        self.session.close()
        if self._browser is not None and self._own_browser:
            self._browser.close()

    # -- the Portal port ------------------------------------------------------------------------

    def list_tasks(self) -> Iterator[PortalTask]:
        """Every task on every page of the list."""
        page = self.recipe.pages["list"]
        if page.engine == "browser":
            yield from self._via_browser().list_tasks()
            return
        strict = NEEDS["portal"]["list"][1]
        for listed in listing.walk(self.recipe, page, lambda u, p: self._get(page, u, p)):
            for block in listed.items:
                found = rd.record(self.recipe, page, block, listed.doc, listed.columns, strict=strict)
                yield tk.to_task(self.recipe, page, found, found["ref"], listed.doc.url)

    def read(self, portal_ref: str) -> PortalTask:
        """The task's current value, from its page (or from the list when the portal has none)."""
        return self._view(portal_ref)[0]

    def push(self, update: StatusUpdate) -> Receipt:
        """Send one status update unless the portal already shows it; confirm by reading back."""
        page = self.recipe.pages["update"]
        if page.engine == "browser":
            return self._via_browser().push(update)
        if page.body is not None:
            return self._push_json(page, update)
        doc = self._get(page, v.fill(page.url, {"ref": update.portal_ref}))
        form = parse_form(page, doc.text, doc.url)
        values = tk.form_values(self.recipe, page, form, update)
        if tk.unchanged(form, values):
            return self._receipt(update, sent=False)
        files = None
        name = tk.report_input(page, update)
        if name is not None and update.report_file is not None:
            att = update.report_file
            files = {name: (att.name, att.data, att.media_type)}
        landing = self._submit(page, form, values, files, update.portal_ref)
        return self._confirm(update, landing, before=tk.before(page, form))

    def return_task(self, portal_ref: str, reason: str) -> None:
        """Send a task back to its issuer with the clerk's reason (Điều 6.2)."""
        page = self.recipe.page("return")
        if page is None:
            raise tk.no_page(self.recipe, "return", "trả lại nhiệm vụ")
        if page.engine == "browser":
            self._via_browser().return_task(portal_ref, reason)
            return
        if page.body is not None:
            answer = self._send_json(page, portal_ref, tk.body(self.recipe, page, None, portal_ref, reason))
            if not rd.succeeded(page, answer):
                raise page.mismatch(
                    f"pages.{page.key}.success", "dấu hiệu thành công", answer.text, answer.url
                )
            return
        doc = self._get(page, v.fill(page.url, {"ref": portal_ref}))
        form = parse_form(page, doc.text, doc.url)
        landing = self._submit(page, form, {page.inputs["reason"]: reason}, None, portal_ref)
        if not rd.succeeded(page, landing):
            raise page.mismatch(
                f"pages.{page.key}.success", "dấu hiệu thành công", landing.excerpt_source(), landing.url
            )

    def browser_page(self, key: str, ref: str) -> rd.Doc:
        """One page of the recipe opened in Chromium and waited for, read-only (`check --live`)."""
        return self._via_browser().open_page(key, ref)

    # -- steps ----------------------------------------------------------------------------------

    def _view(self, ref: str) -> tuple[PortalTask, str, rd.Doc | None]:
        """(task, completion date as shown, the page read) from the task page, or from the list."""
        page = self.recipe.page("task")
        if page is None:
            found = next((t for t in self.list_tasks() if t.portal_ref == ref), None)
            if found is None:
                raise PortalRejectedError(f"{self.recipe.name} không có nhiệm vụ mã {ref} trong danh sách.")
            return found, "", None
        if page.engine == "browser":
            return self._via_browser().read(ref), "", None
        doc = self._get(page, v.fill(page.url, {"ref": ref}))
        return self._task_from(page, doc, ref)

    def _task_from(self, page: Page, doc: rd.Doc, ref: str) -> tuple[PortalTask, str, rd.Doc]:
        found = rd.one(self.recipe, page, doc, strict=NEEDS["portal"]["task"][1])
        return tk.to_task(self.recipe, page, found, ref, doc.url), found.get("completed_on", ""), doc

    def _receipt(self, update: StatusUpdate, *, sent: bool, **detail: Any) -> Receipt:
        if not sent:
            detail = {"reason": "unchanged"}
        return Receipt(
            update.portal_ref,
            update.status_label,
            datetime.now(TZ),
            sent=sent,
            detail={"engine": self.engine, **detail},
        )

    def _push_json(self, page: Page, update: StatusUpdate) -> Receipt:
        current, completed, _ = self._view(update.portal_ref)
        task_page = self.recipe.page("task") or self.recipe.pages["list"]
        if tk.shows(self.recipe, task_page, current, completed, update, page.url):
            return self._receipt(update, sent=False)
        answer = self._send_json(
            page, update.portal_ref, tk.body(self.recipe, page, update, update.portal_ref)
        )
        if not rd.succeeded(page, answer):
            raise PortalRejectedError(
                f"{self.recipe.name} không xác nhận cập nhật nhiệm vụ {update.portal_ref}: "
                f"«{v.excerpt(answer.text)}»."
            )
        after, completed, _ = self._view(update.portal_ref)
        return self._checked(
            update, after, completed, before=current.status_label, message=rd.message(page, answer, "error")
        )  # the site's own words

    def _send_json(self, page: Page, ref: str, payload: Any) -> rd.Doc:
        url = v.fill(page.url, {"ref": ref})
        response = self.session.send_once(page, page.method, url, json=payload)
        doc = rd.Doc(str(response.url), response.text)
        try:
            doc.data = response.json()
        except ValueError:
            doc.data = None
        if response.status_code >= 400:
            shown = rd.message(page, doc, "error") or v.excerpt(response.text, 120)
            raise PortalRejectedError(
                f"{self.recipe.name} từ chối ({page.title.lower()}, nhiệm vụ {ref}): {shown}"
            )
        return doc

    def _confirm(self, update: StatusUpdate, landing: rd.Doc, *, before: str) -> Receipt:
        task_page = self.recipe.page("task")
        if (
            task_page is None
            or task_page.engine == "browser"
            or not _same_path(landing.url, v.fill(task_page.url, {"ref": update.portal_ref}))
        ):
            after, completed, _ = self._view(update.portal_ref)
        else:
            landing = rd.parse_doc(task_page, landing.text, landing.url)
            after, completed, _ = self._task_from(task_page, landing, update.portal_ref)
        message = rd.message(self.recipe.pages["update"], landing, "success") if landing.soup else None
        return self._checked(update, after, completed, before=before, message=message)

    def _checked(
        self, update: StatusUpdate, after: PortalTask, completed: str, *, before: str, message: str | None
    ) -> Receipt:
        page = self.recipe.page("task") or self.recipe.pages["list"]
        if not tk.shows(self.recipe, page, after, completed, update, page.url):
            raise PortalRejectedError(
                f"Đã gửi cập nhật nhiệm vụ {update.portal_ref} nhưng {self.recipe.name} vẫn hiển thị "
                f"«{after.status_label}»; cần kiểm tra trực tiếp trên Phần mềm.",
                hint="connector sync --dry-run",
            )
        return Receipt(
            update.portal_ref,
            after.status_label,
            datetime.now(TZ),
            sent=True,
            detail={"engine": self.engine, "before": before, "portal_message": message},
        )

    def _submit(
        self,
        page: Page,
        form: FormView,
        values: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes, str]] | None,
        ref: str,
    ) -> rd.Doc:
        """POST the form once; return the page it lands on. Never retried: errors propagate."""
        pairs = submission(form, page, values)
        if form.enctype == "multipart/form-data":  # a browser sends every file input, empty ones too
            all_files = {name: ("", b"", "application/octet-stream") for name in form.files} | dict(
                files or {}
            )
            response = self.session.send_once(
                page, "POST", form.action, data=_multi(pairs), files=list(all_files.items())
            )
        else:
            body = str(httpx.QueryParams(tuple(pairs))).encode()
            response = self.session.send_once(
                page,
                "POST",
                form.action,
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        if response.is_redirect:
            target = self.recipe.page("task") or page
            return self._get(target, urljoin(form.action, response.headers.get("location", "")))
        doc = rd.parse_doc(page, response.content, str(response.url))
        self._check_status(page, response.status_code, doc)
        error = rd.message(page, doc, "error")
        if error:
            raise PortalRejectedError(
                f"{self.recipe.name} từ chối ({page.title.lower()}, nhiệm vụ {ref}): {error}"
            )
        raise page.mismatch(
            f"pages.{page.key}.submit",
            f"nút «{page.submit}»",
            doc.excerpt_source(),
            doc.url,
            extra="Sau khi gửi, Phần mềm không chuyển trang cũng không báo lỗi. ",
        )

    def _get(self, page: Page, url: str, params: Mapping[str, str] | None = None) -> rd.Doc:
        doc, status = self.session.get(page, url, params or None)
        self._check_status(page, status, doc)
        return doc

    def _check_status(self, page: Page, status: int, doc: rd.Doc) -> None:
        if status == 404:
            raise PortalRejectedError(
                f"{self.recipe.name} không tìm thấy ({page.title.lower()}, {urlsplit(doc.url).path})."
            )
        if status >= 400:
            title = (
                v.text_of(doc.soup.find(["h2", "title"])) if doc.soup is not None else v.excerpt(doc.text, 80)
            )
            raise PortalRejectedError(
                f"{self.recipe.name} từ chối yêu cầu (HTTP {status}, {page.title.lower()}): "
                f"{title or 'không rõ lý do'}."
            )

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
