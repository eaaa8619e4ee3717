"""A recipe (`mappings/*.toml`) as typed, validated objects: one shape for eOffice and the portal.

The shape is documented once, in `mappings/README.md`; this module is its executable form. Parsing
(`validate.py`) collects every problem at once (unknown key, wrong type, missing selector or path, a field the
program needs left unmapped) as `connector.errors.Problem`s naming the recipe file actually read,
so that `connector check` can list them all and a run never starts on a recipe that cannot work.

What the program needs from each kind of site is data here (`NEEDS`), not code in the adapters:
an eOffice recipe must list documents with their ref and received date and read each document's
number, issuer, date and subject; a portal recipe must list tasks with ref, number, status and
deadline, and push an update. The portal's task and return pages are optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.recipes import values as v
from connector.errors import MappingMismatchError

ENGINES = ("http", "browser")
FORMATS = ("html", "json")
PAGING = ("none", "link", "page", "offset", "cursor")
TOKEN_SOURCES = ("meta", "reply", "cookie")
TEXT_MODES = ("line", "block")
CODE_LISTS = ("status",)

# kind -> page -> (required?, logical fields that must be mapped)
NEEDS: dict[str, dict[str, tuple[bool, tuple[str, ...]]]] = {
    "eoffice": {
        "list": (True, ("ref", "received_on")),
        "detail": (True, ("number", "issued_on", "issuer", "subject")),
    },
    "portal": {
        "list": (True, ("ref", "number", "status_label", "deadline")),
        "task": (False, ("number", "status_label")),
        "update": (True, ("status", "progress_note")),
        "return": (False, ("reason",)),
    },
}
DATE_FIELDS = {
    "eoffice": ("issued_on", "received_on", "due_on", "handling_due"),
    "portal": ("issued_on", "deadline", "completed_on"),
}
ACTION_PAGES = ("update", "return")


@dataclass(frozen=True)
class Field:
    """How one logical value is found inside a block (HTML) or an item (JSON)."""

    name: str
    where: str  # the recipe key, for messages
    css: str | None = None
    path: str | None = None
    column: tuple[str, ...] = ()
    attr: str | None = None
    param: str | None = None
    pattern: str | None = None
    codes: str | None = None
    all: bool = False
    items: str | None = None
    separator: str | None = None
    text: str = "line"


@dataclass(frozen=True)
class Pairs:
    """A group of label/value pairs: each `label` element's value is its next sibling element
    (matching `value` when given), so rows of several pairs, dt/dd and label + sibling all read."""

    where: str
    scope: str | None
    label: str
    value: str | None
    items: str | None
    separator: str | None
    fields: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Paging:
    by: str = "none"
    next: str | None = None
    start: int = 1
    size: int = 20
    cursor: str | None = None
    total: str | None = None
    newest_first: bool = False


@dataclass(frozen=True)
class Success:
    """How a submit is known to have worked: text in an element (a toast), or a JSON field."""

    css: str | None = None
    path: str | None = None
    equals: Any = None
    text: str | None = None


@dataclass(frozen=True)
class Page:
    """One page (or endpoint) of a site as its recipe describes it."""

    key: str
    title: str
    file: str
    engine: str = "http"
    url: str = ""
    format: str = "html"
    method: str = "GET"
    wait: str | None = None
    scope: str | None = None
    items: str | None = None
    header: str | None = None
    empty: str | None = None
    paging: Paging = field(default_factory=Paging)
    fields: Mapping[str, Field] = field(default_factory=dict)
    inputs: Mapping[str, str] = field(default_factory=dict)  # form pages: logical -> input name
    pairs: tuple[Pairs, ...] = ()
    required: tuple[str, ...] = ()
    date_formats: tuple[str, ...] = ()
    form: str | None = None
    submit: str | None = None
    error: str | None = None
    success: Success | None = None
    body: Mapping[str, Any] | None = None
    after_submit: str | None = None
    since_param: str | None = None

    def mismatch(
        self, key: str, wanted: str, had: str = "", url: str = "", *, extra: str = ""
    ) -> MappingMismatchError:
        """The error for "this page no longer matches its recipe": recipe file, page, key, the
        selector or path, and a short excerpt of what the page had instead."""
        where = f" ({_short(url)})" if url else ""
        seen = f" Trang có: «{v.excerpt(had)}»." if had.strip() else ""
        return MappingMismatchError(
            f"Trang «{self.title}»{where} không còn khớp với công thức {self.file}: khóa {key} "
            f"({wanted}).{seen} {extra}Có thể hệ thống đã đổi giao diện; "
            f"quản trị viên cần cập nhật {self.file}."
        )


@dataclass(frozen=True)
class Token:
    """A value taken at sign-in (a <meta> tag, the JSON reply, a cookie) and sent as a header."""

    source: str
    select: str
    header: str
    value: str = "{token}"


@dataclass(frozen=True)
class Login:
    page: Page
    kind: str = "form"
    username: str = ""
    password: str = ""
    api: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    tokens: tuple[Token, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A whole recipe: site settings, sign-in, pages; `status_values` maps portal label → code."""

    kind: str
    file: str
    name: str
    date_formats: tuple[str, ...]
    none_values: frozenset[str]
    max_pages: int
    login: Login
    pages: Mapping[str, Page]
    status_values: Mapping[str, str]

    def page(self, key: str) -> Page | None:
        return self.pages.get(key)


def _short(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path or url
