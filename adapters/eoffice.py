"""The eOffice document system ("Văn bản đến") as a `connector.ports.Source`, over httpx + BeautifulSoup.

Every URL, selector and label comes from the recipe (`mappings/eoffice.toml`, passed in parsed);
pages are handed to the parser as bytes so that a page's own charset wins.

Polling. The cursor is a JSON object::

    {"received_since": "2024-06-20", "seen": ["24051", "24052"]}

`received_since` is the latest received date (ngày đến) seen so far; the next poll lists from
`received_since - overlap_days` (a document registered late with an earlier date is still found)
and skips the refs in `seen`, the documents of that overlap window already returned. An empty
cursor lists everything. Pages are followed through the list's own "next" link.

Bad items. One unreadable record (a required field missing, an impossible date, a vanished page)
does not stop the poll: `poll` returns a `Batch`, which iterates over the good documents and
lists the bad ones in `batch.failed` as `Failure(ref, BadDocumentError)`. A failed ref is not put
in `seen`, so it is tried again on every poll while it is inside the overlap window, and can be
re-run with `fetch(ref)`. Run-level problems raise and return nothing: the page no longer matches
the recipe (`MappingMismatchError`), the credentials are refused (`SourceAuthError`), the site
stays unavailable after retries (`SourceUnavailableError`).

Resilience. Each request is retried on transport errors, 429 and 5xx, honouring `Retry-After`
(adapters/http.py). A session that expires mid-run (a redirect to, or a render of, the login form)
is renewed once, transparently. The password is only ever sent in the login POST body; it is in
no URL, log line, repr or error message.

Secret documents (độ mật set): returned with the arrival-notice fields only; the body is empty,
attachments are not even downloaded (DESIGN §7).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Self
from urllib.parse import parse_qs, quote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx

from adapters import recipes as rc
from adapters.http import make_client, retrying, send
from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError, MappingMismatchError, Problem, SourceAuthError
from connector.ports import Batch, Failure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ATTACHMENT_BYTES = 20_000_000
METADATA_KEYS = (
    "number", "issuer", "issued_on", "received_on", "subject", "secrecy", "urgency", "due_on", "signer",
    "doc_type", "arrival_no", "handling_lead", "handling_cooperating", "handling_officer", "handling_due",
    "handling_note", "business_type", "replaces_ref",
)  # fmt: skip
NOTICE_KEYS = frozenset(
    {
        "number",
        "issuer",
        "issued_on",
        "received_on",
        "secrecy",
        "urgency",
        "doc_type",
        "arrival_no",
        "business_type",
        "replaces_ref",
    }
)


@dataclass(frozen=True)
class _Row:
    ref: str
    received_on: date


class _Recipe:
    """The recipe, checked once: every problem is reported together as a MappingError."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        file = str(raw.get("name", "mappings/eoffice.toml"))
        c = rc.RecipeChecker(raw, file)
        self.file = file
        self.login_url = c.get("login.url")
        self.login_form = c.get("login.form")
        self.username_field = c.get("login.username_field")
        self.password_field = c.get("login.password_field")
        self.login_error = c.get("login.error", default="")
        self.list_url = c.get("list.url")
        self.since_param = c.get("list.since_param")
        self.list_date_format = c.get("list.date_format", (str, list))
        self.table = c.get("list.table")
        self.header_cells = c.get("list.header_cells")
        self.rows = c.get("list.rows")
        self.empty = c.get("list.empty")
        self.link = c.get("list.link")
        self.ref_param = c.get("list.ref_param")
        self.next = c.get("list.next")
        self.max_pages = c.get("list.max_pages", int, default=500)
        self.columns = c.labels("list.columns")
        self.detail_url = c.get("detail.url")
        self.container = c.get("detail.container")
        self.pairs = c.get("detail.pairs")
        self.label = c.get("detail.label")
        self.value = c.get("detail.value")
        self.body = c.get("detail.body")
        self.attachments = c.get("detail.attachments")
        self.date_format = c.get("detail.date_format", (str, list))
        self.date_fields = set(c.get("detail.date_fields", list, default=[]) or [])
        self.none_values = {rc.norm_label(v) for v in c.get("detail.none_values", list, default=[]) or []}
        self.required = list(c.get("detail.required", list, default=[]) or [])
        self.fields = c.labels("detail.fields")
        self.h_container = c.get("handling.container")
        self.h_pairs = c.get("handling.pairs")
        self.h_label = c.get("handling.label")
        self.h_value = c.get("handling.value")
        self.h_items = c.get("handling.items", default="")
        self.h_separator = c.get("handling.separator", default=";")
        self.h_fields = c.labels("handling.fields")
        for key in ("number", "received_on"):
            if self.columns and key not in self.columns:
                c.problems.append(Problem(file, f"list.columns.{key}", "(thiếu)", "nhãn cột"))
        if self.detail_url and "{ref}" not in self.detail_url:
            c.problems.append(Problem(file, "detail.url", repr(self.detail_url), "một đường dẫn có {ref}"))
        c.done()


def check_recipe(recipe: Mapping[str, Any]) -> None:
    """Raise `MappingError` listing every problem of an eOffice recipe (for `connector check`)."""
    _Recipe(recipe)


class EOfficeSource:
    """`connector.ports.Source` for the eOffice web system (see the module docstring)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        username: str,
        password: str,
        recipe: Mapping[str, Any],
        *,
        overlap_days: int = 2,
        timeout: float = 30,
        retry_attempts: int = 5,
        retry_initial: float = 0.5,
        retry_max_wait: float = 60.0,
        max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
    ) -> None:
        self.name = name
        self._recipe = _Recipe(recipe)
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._overlap = timedelta(days=overlap_days)
        self._client = make_client(self._base_url, timeout=timeout)
        self._retry = retrying(attempts=retry_attempts, initial=retry_initial, max_wait=retry_max_wait)
        self._what = f"eOffice «{name}»"
        self._signed_in = False
        self._max_attachment = max_attachment_bytes

    def __repr__(self) -> str:
        return f"EOfficeSource(name={self.name!r}, base_url={self._base_url!r}, username={self._username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    # -- the port -------------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> tuple[Batch, dict[str, Any]]:
        """Every document received since the cursor (minus the overlap window), and the next cursor."""
        since = _cursor_date(cursor.get("received_since"))
        seen = {str(r) for r in cursor.get("seen", [])}
        rows = self._list(since - self._overlap if since else None)
        batch = Batch()
        done: set[str] = set()
        for row in sorted(rows.values(), key=lambda r: (r.received_on, r.ref)):
            if row.ref in seen:
                done.add(row.ref)
                continue
            try:
                batch.documents.append(self._document(row.ref))
                done.add(row.ref)
            except BadDocumentError as exc:
                batch.failed.append(Failure(row.ref, exc))
        high = max([r.received_on for r in rows.values()] + ([since] if since else []), default=None)
        if high is None:
            return batch, {}
        window = high - self._overlap
        keep = sorted(r.ref for r in rows.values() if r.ref in done and r.received_on >= window)
        return batch, {"received_since": high.isoformat(), "seen": keep}

    def fetch(self, ref: str) -> RawDocument:
        """The current version of one document, for a single re-run."""
        return self._document(ref)

    def acknowledge(self, refs: Iterable[str]) -> None:
        """Nothing to mark on the site: the cursor alone records what was taken."""

    # -- pages ----------------------------------------------------------------------------------

    def _get(
        self, url: str, params: Mapping[str, str] | None = None, *, max_bytes: int | None = None
    ) -> httpx.Response:
        return self._retry(send)(
            self._client, "GET", url, what=self._what, params=params, max_bytes=max_bytes
        )

    def _is_login(self, response: httpx.Response) -> bool:
        return urlsplit(str(response.url)).path.rstrip("/") == urlsplit(self._recipe.login_url).path.rstrip(
            "/"
        )

    def _page(self, url: str, name: str, params: Mapping[str, str] | None = None) -> tuple[rc.Page, int]:
        """A page as the signed-in user sees it; signs in (again) when the site asks for it."""
        if not self._signed_in:
            self._login()
        response = self._get(url, params)
        page = self._parse(response, name)
        if self._is_login(response) or page.has(self._recipe.login_form):
            self._signed_in = False
            self._login()
            response = self._get(url, params)
            page = self._parse(response, name)
            if self._is_login(response) or page.has(self._recipe.login_form):
                raise SourceAuthError(f"{self._what}: phiên đăng nhập bị từ chối ngay sau khi đăng nhập lại.")
        if response.status_code in (401, 403):
            raise SourceAuthError(
                f"{self._what} từ chối quyền truy cập trang «{name}» ({response.status_code})."
            )
        return page, response.status_code

    def _parse(self, response: httpx.Response, name: str) -> rc.Page:
        url = str(response.url.copy_with(query=None))
        return rc.Page(response.content, url=url, name=name, recipe_file=self._recipe.file)

    def _login(self) -> None:
        r = self._recipe
        response = self._get(r.login_url)
        page = self._parse(response, "Đăng nhập")
        form = page.one(r.login_form, "login.form")
        values = rc.form_values(form)
        for field_name in (r.username_field, r.password_field):
            if form.find(["input"], attrs={"name": field_name}) is None:
                raise page.mismatch(f"biểu mẫu đăng nhập không có ô «{field_name}»")
        values[r.username_field] = self._username
        values[r.password_field] = self._password
        action = urljoin(str(response.url), str(form.get("action") or r.login_url))
        # The redirect after a successful sign-in is not followed: its landing page (usually the
        # unfiltered list) would cost one more request per run and is not what the poll reads.
        answer = self._retry(send)(
            self._client, "POST", action, what=self._what, data=values, follow_redirects=False
        )
        back_to_login = False
        if answer.is_redirect:
            target = urlsplit(urljoin(action, answer.headers.get("location", ""))).path.rstrip("/")
            back_to_login = target == urlsplit(urljoin(action, r.login_url)).path.rstrip("/")
            if not back_to_login:
                self._signed_in = True
                return
        after = self._parse(answer, "Đăng nhập")
        if back_to_login or self._is_login(answer) or after.has(r.login_form) or answer.status_code >= 400:
            shown = rc.text_of(after.soup.select_one(r.login_error)) if r.login_error else ""
            reason = f": {shown}" if shown else f" (mã {answer.status_code})"
            raise SourceAuthError(f"{self._what} từ chối đăng nhập của tài khoản «{self._username}»{reason}")
        self._signed_in = True

    def _list(self, since: date | None) -> dict[str, _Row]:
        """Every row of the incoming list received on/after `since` (all when None), by ref."""
        r = self._recipe
        fmt = rc.labels_of(r.list_date_format)[0]
        params = {r.since_param: since.strftime(fmt)} if since else {}
        url: str | None = r.list_url
        found: dict[str, _Row] = {}
        visited: set[str] = set()
        while url is not None:
            if len(visited) >= r.max_pages:
                raise MappingMismatchError(
                    f"{self._what}: danh sách vượt quá {r.max_pages} trang (list.max_pages)."
                )
            page, status = self._page(url, "Văn bản đến", params)
            if status >= 400:
                raise page.mismatch(f"trang trả về mã {status}")
            visited.add(page.url + "?" + json.dumps(params, sort_keys=True))
            for row in self._rows(page):
                found.setdefault(row.ref, row)
            nxt = page.soup.select_one(r.next)
            url, params = None, {}
            if nxt is not None and nxt.get("href"):
                url = urljoin(page.url, str(nxt["href"]))
                split = urlsplit(url)
                params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
                url = split._replace(query="").geturl()
                if url + "?" + json.dumps(params, sort_keys=True) in visited:
                    raise page.mismatch(f"liên kết trang sau «{r.next}» quay lại trang đã đọc")
        return found

    def _rows(self, page: rc.Page) -> list[_Row]:
        r = self._recipe
        table = page.one(r.table, "list.table")
        columns = rc.column_index(page, table.select(r.header_cells), r.columns, "list.columns")
        rows = table.select(r.rows)
        if table.select_one(r.empty) is not None:
            return []
        if not rows:
            raise page.mismatch(
                f"bảng không có dòng «{r.rows}» nào và cũng không có dấu hiệu trống «{r.empty}»"
            )
        out = []
        for n, row in enumerate(rows, start=1):
            cells = row.find_all(["td", "th"], recursive=False)
            link = row.select_one(r.link)
            if link is None or len(cells) <= max(columns.values()):
                raise page.mismatch(f"dòng {n} không có liên kết «{r.link}» hoặc thiếu ô")
            ref = parse_qs(urlsplit(str(link.get("href", ""))).query).get(r.ref_param, [""])[0]
            if not ref:
                raise page.mismatch(f"liên kết ở dòng {n} không có tham số «{r.ref_param}» (list.ref_param)")
            received = rc.text_of(cells[columns["received_on"]])
            try:
                day = rc.parse_date(received, r.list_date_format)
            except ValueError:
                raise page.mismatch(f"ô ngày đến ở dòng {n} là «{received}», không đúng định dạng") from None
            out.append(_Row(ref, day))
        return out

    # -- one document ---------------------------------------------------------------------------

    def _document(self, ref: str) -> RawDocument:
        r = self._recipe
        page, status = self._page(r.detail_url.replace("{ref}", quote(ref, safe="")), "Chi tiết văn bản")
        if status == 404 or status == 410:
            raise BadDocumentError(f"{self._what} không còn văn bản mã {ref} (mã {status}).")
        if status >= 400:
            raise BadDocumentError(f"{self._what} trả về mã {status} cho văn bản mã {ref}.")
        container = page.one(r.container, "detail.container")
        found = rc.label_values(container, r.pairs, r.label, r.value)
        if not any(rc.pick(found, labels) for labels in r.fields.values()):
            raise page.mismatch(f"không thấy nhãn nào của detail.fields trong «{r.container} {r.pairs}»")
        meta = dict.fromkeys(METADATA_KEYS, "")
        meta["business_type"] = "new"
        for key, labels in r.fields.items():
            meta[key] = self._value(rc.pick(found, labels))
        h_scope = page.one(r.h_container, "handling.container")
        h_found = rc.label_values(h_scope, r.h_pairs, r.h_label, r.h_value)
        for key, labels in r.h_fields.items():
            meta[key] = self._value(rc.pick(h_found, labels), items=True)
        named = {**r.fields, **r.h_fields}
        for key in r.date_fields:
            if meta.get(key):
                try:
                    meta[key] = rc.parse_date(meta[key], r.date_format).isoformat()
                except ValueError:
                    raise BadDocumentError(
                        f"Văn bản mã {ref} trên {self._what}: ô «{named.get(key, [key])[0]}» "
                        f"có giá trị «{meta[key]}», không phải một ngày."
                    ) from None
        missing = [r.fields.get(k, [k])[0] for k in r.required if not meta.get(k)]
        if missing:
            raise BadDocumentError(f"Văn bản mã {ref} trên {self._what} thiếu: {', '.join(missing)}.")
        body_tag = page.one(r.body, "detail.body", container)
        now = datetime.now(TZ)
        if meta["secrecy"]:
            notice = {k: (v if k in NOTICE_KEYS else "") for k, v in meta.items()}
            return RawDocument(self.name, ref, now, "", notice, (), _fingerprint(notice, "", ()))
        body = rc.block_text(body_tag)
        files = tuple(self._download(page, a) for a in container.select(r.attachments) if a.get("href"))
        return RawDocument(self.name, ref, now, body, meta, files, _fingerprint(meta, body, files))

    def _value(self, tag: Any, *, items: bool = False) -> str:
        if tag is None:
            return ""
        parts = (
            [rc.text_of(li) for li in tag.select(self._recipe.h_items)]
            if items and self._recipe.h_items
            else []
        )
        if not parts:
            text = rc.text_of(tag)
            parts = [p.strip() for p in text.split(self._recipe.h_separator)] if items else [text]
        parts = [p for p in parts if p and rc.norm_label(p) not in self._recipe.none_values]
        return "; ".join(parts)

    def _download(self, page: rc.Page, link: Any) -> Attachment:
        url = urljoin(page.url, str(link["href"]))
        name = rc.text_of(link) or urlsplit(url).path.rsplit("/", 1)[-1]
        response = self._get(url, max_bytes=self._max_attachment)
        if self._is_login(response):
            self._signed_in = False
            self._login()
            response = self._get(url, max_bytes=self._max_attachment)
        if response.status_code >= 400:
            raise BadDocumentError(
                f"Không tải được tệp đính kèm «{name}» ({response.status_code}) từ {self._what}."
            )
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if not media or media == "application/octet-stream":
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Attachment(name, media, response.content)


def _cursor_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _fingerprint(meta: Mapping[str, str], body: str, files: tuple[Attachment, ...]) -> str:
    """The identity of one version of a document: its fields, text and files (not the page's HTML,
    whose tokens change on every visit)."""
    canon = json.dumps(
        {
            "meta": dict(meta),
            "body": body,
            "files": [[f.name, RawDocument.fingerprint(f.data)] for f in files],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return RawDocument.fingerprint(canon.encode())


__all__ = ["EOfficeSource", "check_recipe"]
