"""A small interpreter of the web recipes in `mappings/` (login form, list table, label → value pages).

A recipe is a parsed TOML table; every selector, URL and label a web adapter uses comes from it.
This module knows nothing of eOffice: it reads pages the way a recipe describes them and says
clearly when a page no longer looks like that (`MappingMismatchError`, naming the page, the URL
and the recipe key), so that a site redesign is never mistaken for an empty inbox.

Labels are compared after NFC normalisation, case folding, whitespace collapsing and dropping a
trailing colon: "Số/Ký hiệu:" matches "số/ký  hiệu". A label in the recipe may be one string or
a list of accepted spellings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bs4 import BeautifulSoup, Tag

from connector.errors import MappingError, MappingMismatchError, Problem

Labels = str | Sequence[str]


def norm_label(text: str) -> str:
    """The form in which labels are compared (NFC, case-folded, single spaces, no trailing colon)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def text_of(tag: Tag | None) -> str:
    """A cell's text on one line, NFC, with runs of whitespace collapsed."""
    if tag is None:
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", tag.get_text(" "))).strip()


def block_text(tag: Tag) -> str:
    """A block's text with one line per paragraph or line break (for a document's body)."""
    for br in tag.find_all("br"):
        br.replace_with("\n")
    parts = []
    for block in tag.find_all(["p", "div", "li", "tr"]) or [tag]:
        if block.find(["p", "div", "li", "tr"]):
            continue
        parts.append(unicodedata.normalize("NFC", block.get_text("")).strip("\r\n"))
    return "\n".join(parts).strip("\n") + "\n" if parts else ""


def labels_of(value: Labels) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def parse_date(text: str, formats: Labels) -> date:
    """`text` as a date in one of `formats` (strptime); ValueError when none fits."""
    for fmt in labels_of(formats):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class RecipeChecker:
    """Collects every problem of a recipe at once (errors.MappingError lists them all)."""

    def __init__(self, recipe: Mapping[str, Any], file: str) -> None:
        self.recipe = recipe
        self.file = file
        self.problems: list[Problem] = []

    def get(self, dotted: str, kind: type | tuple[type, ...] = str, *, default: Any = ...) -> Any:
        """The value at `a.b.c`, checked for type; a missing required key is recorded, not raised."""
        node: Any = self.recipe
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                if default is ...:
                    self.problems.append(Problem(self.file, dotted, "(thiếu)", f"một giá trị {_kind(kind)}"))
                    return None
                return default
            node = node[part]
        if not isinstance(node, kind):
            self.problems.append(Problem(self.file, dotted, repr(node), f"một giá trị {_kind(kind)}"))
            return None
        return node

    def labels(self, dotted: str) -> dict[str, list[str]]:
        """A table of key → label (string or list of strings)."""
        table = self.get(dotted, Mapping)
        out: dict[str, list[str]] = {}
        for key, value in (table or {}).items():
            if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                out[key] = labels_of(value)
            else:
                self.problems.append(
                    Problem(self.file, f"{dotted}.{key}", repr(value), "nhãn hoặc danh sách nhãn")
                )
        return out

    def done(self) -> None:
        if self.problems:
            raise MappingError(self.problems)


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "chuỗi", int: "số nguyên", float: "số", list: "danh sách", bool: "true/false"}
    return " hoặc ".join(names.get(k, "bảng") for k in kinds)


class Page:
    """One fetched page, parsed from its bytes (so its own `<meta charset>` wins), with its name
    and URL for messages and the recipe file it is checked against."""

    def __init__(self, content: bytes, *, url: str, name: str, recipe_file: str) -> None:
        self.soup = BeautifulSoup(content, "html.parser")
        self.url = url
        self.name = name
        self.recipe_file = recipe_file

    def mismatch(self, detail: str) -> MappingMismatchError:
        """The error for "this page is not what the recipe describes" (never an empty result)."""
        return MappingMismatchError(
            f"Trang «{self.name}» ({self.url}) không còn khớp với công thức trong {self.recipe_file} "
            f"(mapping no longer matches page): {detail}. Có thể hệ thống đã đổi giao diện; "
            "quản trị viên cần cập nhật tệp ánh xạ"
        )

    def one(self, selector: str, key: str, scope: Tag | None = None) -> Tag:
        """The element `selector` must find (recipe key `key`), else MappingMismatchError."""
        found = (scope or self.soup).select_one(selector)
        if found is None:
            raise self.mismatch(f"không tìm thấy phần tử «{selector}» (khóa {key})")
        return found

    def has(self, selector: str | None) -> bool:
        return selector is not None and bool(selector) and self.soup.select_one(selector) is not None


def form_values(form: Tag) -> dict[str, str]:
    """What a browser would submit from `form` untouched: inputs with a name (checked boxes only),
    selected options, textareas; buttons are left out."""
    values: dict[str, str] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name:
            continue
        kind = str(field.get("type", "text")).lower()
        if field.name == "input":
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and not field.has_attr("checked"):
                continue
            values[str(name)] = str(field.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            values[str(name)] = str(chosen.get("value", text_of(chosen))) if chosen else ""
        else:
            values[str(name)] = field.get_text()
    return values


def label_values(scope: Tag, pairs: str, label: str, value: str) -> dict[str, Tag]:
    """Label → value element for every `pairs` element holding a `label` and a `value` (first kept)."""
    found: dict[str, Tag] = {}
    for pair in scope.select(pairs):
        lab, val = pair.select_one(label), pair.select_one(value)
        if lab is not None and val is not None:
            found.setdefault(norm_label(text_of(lab)), val)
    return found


def pick(found: Mapping[str, Tag], labels: Iterable[str]) -> Tag | None:
    """The value element of the first of `labels` present in `found`."""
    for lab in labels:
        tag = found.get(norm_label(lab))
        if tag is not None:
            return tag
    return None


def column_index(
    page: Page, headers: Sequence[Tag], wanted: Mapping[str, Sequence[str]], key: str
) -> dict[str, int]:
    """Column position of each wanted key, by header label; a missing column is a mismatch."""
    names = [norm_label(text_of(h)) for h in headers]
    out: dict[str, int] = {}
    for field, labels in wanted.items():
        for lab in labels:
            if norm_label(lab) in names:
                out[field] = names.index(norm_label(lab))
                break
        else:
            raise page.mismatch(
                f"bảng không có cột «{labels[0]}» (khóa {key}.{field}); các cột hiện có: {names}"
            )
    return out
