"""Walking a paged list the way its recipe says: a "next" link, a page number, an offset or a
cursor from the reply, with the loop guards every run needs (a link back to a page already read,
more pages than `site.max_pages`). Engine-neutral: the caller passes the function that opens one
URL (httpx or Chromium) and gets each page's blocks back as they are read, so it can stop early
(a list sorted newest first needs no page older than the cursor).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from adapters.recipes import read
from adapters.recipes import values as v
from adapters.recipes.spec import Page, Recipe

Fetch = Callable[[str, Mapping[str, str]], read.Doc]


@dataclass
class ListPage:
    """One page of a list as read: the document, its blocks and the column positions."""

    doc: read.Doc
    items: list[read.Node]
    columns: dict[str, int]


def _since_text(recipe: Recipe, page: Page, since: date | None) -> str:
    return since.strftime((page.date_formats or recipe.date_formats)[0]) if since else ""


def first_url(recipe: Recipe, page: Page, since: date | None = None) -> tuple[str, dict[str, str]]:
    """The URL of the first page and its query parameters (the received-date filter, if any)."""
    text = _since_text(recipe, page, since)
    state = {"page": page.paging.start, "offset": 0, "size": page.paging.size, "cursor": "", "since": text}
    params = {page.since_param: text} if text and page.since_param else {}
    return v.fill(page.url, state), params


def walk(recipe: Recipe, page: Page, fetch: Fetch, since: date | None = None) -> Iterator[ListPage]:
    """Every page of the list in order; stop iterating to stop reading."""
    url, params = first_url(recipe, page, since)
    paging = page.paging
    state: dict[str, object] = {
        "page": paging.start,
        "offset": 0,
        "size": paging.size,
        "cursor": "",
        "since": _since_text(recipe, page, since),
    }
    read_so_far = 0
    seen: set[str] = set()
    while True:
        key = url + "?" + json.dumps(dict(params), sort_keys=True)
        if key in seen:
            raise page.mismatch(f"pages.{page.key}.paging", "phân trang quay lại trang đã đọc", url, url)
        if len(seen) >= recipe.max_pages:
            raise page.mismatch("site.max_pages", f"danh sách vượt quá {recipe.max_pages} trang", url, url)
        seen.add(key)
        doc = fetch(url, params)
        blocks = read.items(page, doc)
        yield ListPage(doc, blocks, read.columns(page, doc) if blocks else {})
        read_so_far += len(blocks)
        total = _total(page, doc)
        if paging.by == "none" or (total is not None and read_so_far >= total):
            return
        if paging.by == "link":
            nxt = _next_link(page, doc)
            if not nxt:
                return
            split = urlsplit(urljoin(doc.url, nxt))
            params = {k: x[0] for k, x in parse_qs(split.query, keep_blank_values=True).items()}
            url = split._replace(query="").geturl()
            continue
        if not blocks:
            return
        if paging.by == "page":
            state["page"] = int(str(state["page"])) + 1
        elif paging.by == "offset":
            state["offset"] = int(str(state["offset"])) + len(blocks)
        else:
            cursor = (
                v.first(v.json_text(x) for x in v.select(doc.data, paging.cursor or "")) if doc.data else ""
            )
            if not cursor:
                return
            state["cursor"] = cursor
        url = v.fill(page.url, state)


def _next_link(page: Page, doc: read.Doc) -> str:
    selector = page.paging.next or ""
    if doc.soup is not None:
        tag = doc.soup.select_one(selector)
        return str(tag.get("href") or "") if tag is not None else ""
    return v.first(v.json_text(x) for x in v.select(doc.data, selector))


def _total(page: Page, doc: read.Doc) -> int | None:
    if not page.paging.total or doc.data is None:
        return None
    hits: list[Any] = v.select(doc.data, page.paging.total)
    try:
        return int(hits[0]) if hits else None
    except (TypeError, ValueError):
        return None
