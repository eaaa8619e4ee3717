"""The fast engine's session with one site: sign-in as the recipe says (an HTML form, or a JSON
body), the tokens it yields sent back as headers, and a transparent second sign-in when the site
drops the session. Shared by the eOffice source and the portal, so both sign in the same way.

- Form sign-in: GET the login page, send the form back as a browser would (every hidden input,
  the pressed button), do not follow the redirect after it (its landing page costs a request).
- JSON sign-in: GET the login page when a token sits in its `<meta>` tag (a CSRF token), POST the
  credentials as JSON to `login.api`, take tokens from the reply (`duLieu.accessToken`) or from a
  cookie, and send each as the header the recipe names (`Authorization: Bearer {token}`).
- Expiry: a redirect to the login page, the login form shown instead of the page, or 401/419
  from an API. Page loads sign in once more and retry; submits never (`send_once`).

Passwords travel only in the sign-in body; they are in no URL, message or repr.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from adapters.http import make_client, send
from adapters.recipes import read
from adapters.recipes import values as v
from adapters.recipes.forms import parse_form, submission
from adapters.recipes.spec import Page, Recipe
from connector.errors import ConnectorError

MAX_HOPS = 5
EXPIRED_STATUS = (401, 419)


class Session:
    """One signed-in HTTP session with a site; `requests` counts what was sent (for the bench)."""

    def __init__(
        self,
        recipe: Recipe,
        base_url: str,
        username: str,
        password: str,
        *,
        unavailable: type[ConnectorError],
        auth_error: type[ConnectorError],
        timeout: float = 30,
        retry: Callable[[Callable[..., httpx.Response]], Callable[..., httpx.Response]] | None = None,
    ) -> None:
        self.recipe = recipe
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._unavailable = unavailable
        self._auth = auth_error
        self._retry = retry
        self.client = make_client(self.base_url, timeout=timeout, follow_redirects=False)
        self.headers: dict[str, str] = {}
        self.signed_in = False
        self.requests = 0

    def __repr__(self) -> str:
        return f"Session({self.base_url!r}, user={self._username!r})"

    def close(self) -> None:
        self.client.close()

    # -- requests -------------------------------------------------------------------------------

    def what(self, page: Page) -> str:
        return f"{self.recipe.name} ({page.title.lower()})"

    def request(
        self, page: Page, method: str, url: str, *, once: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request with the session's headers; transport errors, 429 and 5xx raise `unavailable`
        (retried with the policy given, unless `once`: a submit is sent at most once)."""
        self.requests += 1
        headers = {**self.headers, **kwargs.pop("headers", {})}
        call = send if once or self._retry is None else self._retry(send)
        return call(
            self.client,
            method,
            url,
            what=self.what(page),
            unavailable=self._unavailable,
            headers=headers,
            **kwargs,
        )

    def send_once(self, page: Page, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A submit: sent once, never renewed; a session found expired raises `unavailable`."""
        if not self.signed_in:
            self.login()
        response = self.request(page, method, url, once=True, **kwargs)
        if self.expired(response):
            self.signed_in = False
            raise self._unavailable(
                f"Phiên đăng nhập {self.recipe.name} đã hết hạn khi gửi ({page.title.lower()}); "
                "hệ thống chưa ghi nhận. Lần chạy sau sẽ đọc lại rồi mới gửi."
            )
        return response

    def get(
        self, page: Page, url: str, params: Mapping[str, str] | None = None, **kwargs: Any
    ) -> tuple[read.Doc, int]:
        """A page as the signed-in user sees it: signs in first if needed, and once more if the
        site dropped the session; follows redirects that do not lead to the login page."""
        for attempt in (1, 2):
            if not self.signed_in:
                self.login()
            response = self.request(page, "GET", url, params=params, **kwargs)
            hops = 0
            while response.is_redirect and hops < MAX_HOPS and not self.expired(response):
                response = self.request(page, "GET", urljoin(str(response.url), response.headers["location"]))
                hops += 1
            if self.expired(response):
                self.signed_in = False
                if attempt == 2:
                    raise self._auth(
                        f"{self.what(page)}: phiên đăng nhập bị từ chối ngay sau khi đăng nhập lại."
                    )
                continue
            return read.parse_doc(
                page, response.content, str(response.url.copy_with(query=None))
            ), response.status_code
        raise AssertionError("unreachable")

    def expired(self, response: httpx.Response) -> bool:
        """Whether the site answered "sign in first" instead of the page."""
        if response.status_code in EXPIRED_STATUS:
            return True
        if response.is_redirect:
            return self.is_login(urljoin(str(response.url), response.headers.get("location", "")))
        if self.is_login(str(response.url)):
            return True
        login = self.recipe.login
        if login.kind == "form" and login.page.form and login.password.encode() in response.content:
            soup = read.parse_doc(login.page, response.content, str(response.url)).soup
            form = soup.select_one(login.page.form) if soup is not None else None
            return form is not None and form.select_one(f'[name="{login.password}"]') is not None
        return False

    def is_login(self, url: str) -> bool:
        login = self.recipe.login
        paths = {urlsplit(login.page.url).path.rstrip("/").lower()}
        if login.api:
            paths.add(urlsplit(login.api).path.rstrip("/").lower())
        return urlsplit(url).path.rstrip("/").lower() in paths

    # -- sign-in --------------------------------------------------------------------------------

    def login(self) -> None:
        """Sign in as the recipe says; refused credentials raise `auth_error` with the site's words."""
        login = self.recipe.login
        self.headers = {}
        if login.kind == "json":
            self._login_json()
        else:
            self._login_form()
        self.signed_in = True

    def _login_form(self) -> None:
        login = self.recipe.login
        page = login.page
        response = self.request(page, "GET", page.url)
        self._check(page, response)
        inputs = {"username": login.username, "password": login.password}
        form = parse_form(page, response.content, str(response.url), inputs)
        self._meta_tokens(response)
        pairs = submission(form, page, {login.username: self._username, login.password: self._password})
        body = str(httpx.QueryParams(tuple(pairs))).encode()
        answer = self.request(
            page,
            "POST",
            form.action,
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if answer.is_redirect and not self.is_login(urljoin(form.action, answer.headers.get("location", ""))):
            self._reply_tokens(None)
            return
        doc = read.parse_doc(page, answer.content, str(answer.url))
        shown = read.message(page, doc, "error")
        reason = f": {shown}" if shown else f" (mã {answer.status_code})"
        raise self._auth(
            f"{self.recipe.name} từ chối đăng nhập của tài khoản «{self._username}»{reason}",
            hint="connector check",
        )

    def _login_json(self) -> None:
        login = self.recipe.login
        page = login.page
        if any(t.source == "meta" for t in login.tokens):
            response = self.request(page, "GET", page.url)
            self._check(page, response)
            self._meta_tokens(response)
        body: dict[str, Any] = _deep(dict(login.body))
        _set(body, login.username, self._username)
        _set(body, login.password, self._password)
        answer = self.request(page, "POST", login.api or page.url, json=body)
        try:
            doc = read.Doc(str(answer.url), answer.text, data=answer.json())
        except ValueError:
            doc = read.Doc(str(answer.url), answer.text, data=None)
        shown = read.message(page, doc, "error")
        if answer.status_code >= 400 or (shown and page.error):
            reason = f": {shown}" if shown else f" (mã {answer.status_code})"
            raise self._auth(
                f"{self.recipe.name} từ chối đăng nhập của tài khoản «{self._username}»{reason}",
                hint="connector check",
            )
        self._reply_tokens(doc)

    def _meta_tokens(self, response: httpx.Response) -> None:
        tokens = [t for t in self.recipe.login.tokens if t.source == "meta"]
        if not tokens:
            return
        page = self.recipe.login.page
        doc = read.parse_doc(
            Page(key="login", title=page.title, file=page.file), response.content, str(response.url)
        )
        for i, t in enumerate(self.recipe.login.tokens):
            if t.source != "meta":
                continue
            tag = doc.soup.select_one(t.select) if doc.soup is not None else None
            value = str(tag.get("content", "")) if tag is not None else ""
            if not value:
                raise page.mismatch(
                    f"login.tokens.{i}.select",
                    f"thẻ «{t.select}» (thuộc tính content)",
                    doc.excerpt_source(),
                    str(response.url),
                )
            self.headers[t.header] = t.value.replace("{token}", value)

    def _reply_tokens(self, doc: read.Doc | None) -> None:
        page = self.recipe.login.page
        for i, t in enumerate(self.recipe.login.tokens):
            if t.source == "meta":
                continue
            if t.source == "cookie":
                value = self.client.cookies.get(t.select) or ""
            else:
                value = (
                    v.first(v.json_text(x) for x in v.select(doc.data, t.select)) if doc and doc.data else ""
                )
            if not value:
                had = doc.text if doc is not None else ", ".join(self.client.cookies.keys())
                raise page.mismatch(
                    f"login.tokens.{i}.select",
                    f"«{t.select}» ({t.source}) không có sau khi đăng nhập",
                    had,
                    page.url,
                )
            self.headers[t.header] = t.value.replace("{token}", value)

    def _check(self, page: Page, response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise self._auth(f"{self.what(page)} trả về mã {response.status_code} tại {page.url}.")


def _deep(body: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep(dict(x)) if isinstance(x, Mapping) else x for k, x in body.items()}


def _set(body: dict[str, Any], path: str, value: str) -> None:
    """Put `value` at a dotted key path of a JSON body (`user.name`)."""
    keys = [str(k) for k in v.parse_path(path)]
    node = body
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
