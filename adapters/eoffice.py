"""The eOffice document system ("Văn bản đến") as a `connector.ports.Source`, driven by a recipe.

Every URL, selector, JSON path and label comes from the recipe (`mappings/eoffice.toml`, or any
recipe of the same kind, parsed by `adapters.recipes`); this module knows only what a Source must
do with what the recipe finds: list refs with their received date, read each document, download
the files it links to.

Polling. The cursor is a JSON object::

    {"received_since": "2024-06-20", "seen": ["24051", "24052"]}

`received_since` is the latest received date (ngày đến) seen so far; the next poll lists from
`received_since - overlap_days` (a document registered late with an earlier date is still found)
and skips the refs in `seen`, the documents of that overlap window already returned. The list is
filtered by the site (`since_param`) when it can, and a list sorted newest first
(`paging.newest_first`) stops at the first page older than the window. An empty cursor lists all.

Bad items. One unreadable record (a required field missing, an impossible date, a vanished page)
does not stop the poll: `poll` returns a `Batch` listing it in `batch.failed`, not in `seen`, so
it is tried again while inside the window. Run-level problems raise: the page no longer matches
the recipe (`MappingMismatchError`), credentials refused (`SourceAuthError`), the site stays
unavailable after retries (`SourceUnavailableError`).

Documents and their files. `body` is the text the page shows (may be empty: many systems show
only metadata and attachment links, the directive itself being the attached file — mostly the
signed PDF, sometimes a scan of the signed paper or the Word file). Every file the page links to
is downloaded into `RawDocument.attachments` with the media type the server gives (guessed from
the name when it gives none), each bounded by `max_attachment_bytes`, so that the reading step
can take the text from whichever file holds it. Secret documents (độ mật set)
keep only the arrival-notice fields; their files are not even downloaded (DESIGN §7).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Self
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from bs4 import Tag

from adapters.http import retrying
from adapters.recipes import listing, read
from adapters.recipes import values as v
from adapters.recipes.session import Session
from adapters.recipes.spec import DATE_FIELDS, NEEDS, Page
from adapters.recipes.validate import parse_recipe
from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError, SourceAuthError, SourceUnavailableError, one_item
from connector.ports import Batch, Failure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ATTACHMENT_BYTES = 20_000_000
METADATA_KEYS = (
    "number",
    "issuer",
    "issued_on",
    "received_on",
    "subject",
    "secrecy",
    "urgency",
    "due_on",
    "signer",
    "doc_type",
    "arrival_no",
    "handling_lead",
    "handling_cooperating",
    "handling_officer",
    "handling_due",
    "handling_note",
    "business_type",
    "replaces_ref",
)
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
PAGE_FIELDS = frozenset({"body", "attachments"})


@dataclass(frozen=True)
class _Row:
    ref: str
    received_on: date


def check_recipe(recipe: Mapping[str, Any]) -> None:
    """Raise `MappingError` listing every problem of an eOffice recipe (for `connector check`)."""
    parse_recipe(recipe, "eoffice")


class EOfficeSource:
    """`connector.ports.Source` for an eOffice web system (see the module docstring)."""

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
        self.recipe = parse_recipe(recipe, "eoffice")
        self._list = self.recipe.pages["list"]
        self._detail = self.recipe.pages["detail"]
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._overlap = timedelta(days=overlap_days)
        self._max_attachment = max_attachment_bytes
        self.session = Session(
            self.recipe,
            self._base_url,
            username,
            password,
            timeout=timeout,
            unavailable=SourceUnavailableError,
            auth_error=SourceAuthError,
            retry=retrying(attempts=retry_attempts, initial=retry_initial, max_wait=retry_max_wait),
        )

    def __repr__(self) -> str:
        return f"EOfficeSource(name={self.name!r}, base_url={self._base_url!r}, username={self._username!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    # -- the port -------------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> tuple[Batch, dict[str, Any]]:
        """Every document received since the cursor (minus the overlap window), and the next cursor."""
        since = _cursor_date(cursor.get("received_since"))
        seen = {str(r) for r in cursor.get("seen", [])}
        rows = self.list_refs(since - self._overlap if since else None)
        batch = Batch()
        done: set[str] = set()
        for row in sorted(rows.values(), key=lambda r: (r.received_on, r.ref)):
            if row.ref in seen:
                done.add(row.ref)
                continue
            try:
                with one_item(f"văn bản mã {row.ref} trên {self.recipe.name}"):
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

    # -- the list -------------------------------------------------------------------------------

    def _open(self, page: Page, url: str, params: Mapping[str, str]) -> read.Doc:
        doc, status = self.session.get(page, url, params or None)
        if status >= 400:
            raise page.mismatch(
                f"pages.{page.key}.url", f"trang trả về mã {status}", doc.excerpt_source(), doc.url
            )
        return doc

    def list_refs(self, since: date | None) -> dict[str, _Row]:
        """Every row of the incoming list received on/after `since` (all when None), by ref."""
        page = self._list
        found: dict[str, _Row] = {}
        for listed in listing.walk(self.recipe, page, lambda u, p: self._open(page, u, p), since):
            oldest: date | None = None
            for n, block in enumerate(listed.items, start=1):
                row = self._row(page, listed, block, n)
                oldest = row.received_on if oldest is None else min(oldest, row.received_on)
                if since is None or row.received_on >= since:
                    found.setdefault(row.ref, row)
            if page.paging.newest_first and since and oldest is not None and oldest < since:
                break
        return found

    def _row(self, page: Page, listed: listing.ListPage, block: read.Node, n: int) -> _Row:
        values = read.record(
            self.recipe, page, block, listed.doc, listed.columns, strict=NEEDS["eoffice"]["list"][1]
        )
        if not values["ref"]:
            raise page.mismatch(
                page.fields["ref"].where,
                f"dòng {n} không cho mã văn bản",
                v.text_of(block) if hasattr(block, "get_text") else json.dumps(block, ensure_ascii=False),
                listed.doc.url,
            )
        try:
            day = v.parse_date(values["received_on"], page.date_formats or self.recipe.date_formats)
        except ValueError:
            raise page.mismatch(
                page.fields["received_on"].where,
                f"ô ngày đến ở dòng {n} không đúng định dạng",
                values["received_on"],
                listed.doc.url,
            ) from None
        return _Row(values["ref"], day)

    # -- one document ---------------------------------------------------------------------------

    def _document(self, ref: str) -> RawDocument:
        page = self._detail
        doc, status = self.session.get(page, v.fill(page.url, {"ref": ref}))
        if status in (404, 410):
            raise BadDocumentError(f"{self.recipe.name} không còn văn bản mã {ref} (mã {status}).")
        if status >= 400:
            raise BadDocumentError(f"{self.recipe.name} trả về mã {status} cho văn bản mã {ref}.")
        required = page.required or NEEDS["eoffice"]["detail"][1]
        found = read.one(self.recipe, page, doc, strict=required)
        meta = dict.fromkeys(METADATA_KEYS, "")
        meta["business_type"] = "new"
        meta.update({k: x for k, x in found.items() if k not in PAGE_FIELDS})
        for key in DATE_FIELDS["eoffice"]:
            if meta.get(key):
                try:
                    meta[key] = v.parse_date(
                        meta[key], page.date_formats or self.recipe.date_formats
                    ).isoformat()
                except ValueError:
                    raise BadDocumentError(
                        f"Văn bản mã {ref} trên {self.recipe.name}: ô «{self._label(key)}» có giá trị "
                        f"«{meta[key]}», không phải một ngày."
                    ) from None
        missing = [self._label(k) for k in required if not meta.get(k)]
        if missing:
            raise BadDocumentError(f"Văn bản mã {ref} trên {self.recipe.name} thiếu: {', '.join(missing)}.")
        now = datetime.now(TZ)
        if meta["secrecy"]:
            notice = {k: (x if k in NOTICE_KEYS else "") for k, x in meta.items()}
            return RawDocument(self.name, ref, now, "", notice, (), _fingerprint(notice, "", ()))
        body = found.get("body", "")
        body = body + "\n" if body and not body.endswith("\n") else body
        files = tuple(self._download(page, doc, link) for link in self._links(page, doc))
        return RawDocument(self.name, ref, now, body, meta, files, _fingerprint(meta, body, files))

    def _label(self, key: str) -> str:
        for group in self._detail.pairs:
            if group.fields.get(key):
                return group.fields[key][0]
        return key

    def _links(self, page: Page, doc: read.Doc) -> list[tuple[str, str]]:
        """(URL, file name) of every attachment the page links to (an HTML link's text names the
        file; a JSON value is the URL itself, named by its last path segment)."""
        spec = page.fields.get("attachments")
        if spec is None:
            return []
        out = []
        for el in read.elements(spec, read.root(page, doc)):
            if isinstance(el, Tag):
                href, name = str(el.get(spec.attr or "href") or ""), v.text_of(el)
            else:
                href, name = v.json_text(el), ""
            if href:
                out.append((urljoin(doc.url, href), name or unquote(urlsplit(href).path.rsplit("/", 1)[-1])))
        return out

    def _download(self, page: Page, doc: read.Doc, link: tuple[str, str]) -> Attachment:
        url, name = link
        response = self.session.request(page, "GET", url, max_bytes=self._max_attachment)
        if self.session.expired(response):
            self.session.login()
            response = self.session.request(page, "GET", url, max_bytes=self._max_attachment)
        hops = 0
        while response.is_redirect and hops < 5:
            url = urljoin(url, response.headers.get("location", ""))
            response = self.session.request(page, "GET", url, max_bytes=self._max_attachment)
            hops += 1
        if response.status_code >= 400:
            raise BadDocumentError(
                f"Không tải được tệp đính kèm «{name}» ({response.status_code}) từ {self.recipe.name}."
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
