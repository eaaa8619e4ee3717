"""Reading a fetched page the way its recipe describes it: the blocks of a list (table rows, cards,
list items, JSON items), the fields inside each block, and label/value pairs however laid out.

Both engines hand their page here (httpx's bytes, Chromium's rendered HTML), so a selector means
the same to both and a page that stopped matching fails the same way: `Page.mismatch`, naming the
recipe file, the page, the key, the selector or path and what the page had instead. Absent values
are "" (a site may leave a cell empty); only what the program cannot do without is a mismatch.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag

from adapters.recipes import values as v
from adapters.recipes.spec import Field, Page, Pairs, Recipe

Node = Tag | Any  # an HTML element, or a JSON value


@dataclass
class Doc:
    """One fetched page: where it came from, its text (for excerpts) and its parsed form."""

    url: str
    text: str
    soup: BeautifulSoup | None = None
    data: Any = None

    def excerpt_source(self) -> str:
        if self.soup is not None:
            body = self.soup.body or self.soup
            title = v.text_of(self.soup.title)
            return (f"{title} — " if title else "") + v.text_of(body)
        return self.text


def parse_doc(page: Page, content: bytes | str, url: str) -> Doc:
    """Parse a page as its recipe says (HTML from bytes, so its own charset wins; or JSON)."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    if page.format == "json":
        try:
            return Doc(url, text, data=json.loads(text))
        except ValueError:
            raise page.mismatch(f"pages.{page.key}.format", "trang phải trả về JSON", text, url) from None
    return Doc(url, text, soup=BeautifulSoup(content, "html.parser"))


def root(page: Page, doc: Doc) -> Node:
    """The part of the page the recipe reads (`scope`), or the whole page."""
    if doc.soup is not None:
        if not page.scope:
            return doc.soup
        found = doc.soup.select_one(page.scope)
        if found is None:
            raise page.mismatch(
                f"pages.{page.key}.scope",
                f"bộ chọn «{page.scope}» không tìm thấy gì",
                doc.excerpt_source(),
                doc.url,
            )
        return found
    if not page.scope:
        return doc.data
    hits = v.select(doc.data, page.scope)
    if not hits:
        raise page.mismatch(
            f"pages.{page.key}.scope", f"đường dẫn «{page.scope}» không có trong JSON", doc.text, doc.url
        )
    return hits[0]


def items(page: Page, doc: Doc) -> list[Node]:
    """The blocks of a list page; [] only when the page says it is empty (an `empty` marker, or an
    empty JSON list), never because nothing matched."""
    base = root(page, doc)
    selector = page.items or ""
    if doc.soup is None:
        if not v.select(base, selector.rsplit("[*]", 1)[0]) and selector.endswith("[*]"):
            raise page.mismatch(
                f"pages.{page.key}.items", f"đường dẫn «{selector}» không có trong JSON", doc.text, doc.url
            )
        return v.select(base, selector)
    if page.empty and base.select_one(page.empty) is not None:
        return []
    found = base.select(selector)
    if not found:
        marker = (
            f" và cũng không có dấu hiệu trống «{page.empty}» (khóa pages.{page.key}.empty)"
            if page.empty
            else ""
        )
        raise page.mismatch(
            f"pages.{page.key}.items",
            f"không có dòng/khối «{selector}» nào{marker}",
            v.text_of(base) if isinstance(base, Tag) else "",
            doc.url,
        )
    return list(found)


def columns(page: Page, doc: Doc) -> dict[str, int]:
    """Column position of each field read by header label; a missing column is a mismatch."""
    wanted = {name: f for name, f in page.fields.items() if f.column}
    if not wanted:
        return {}
    base = root(page, doc)
    names = [v.norm_label(v.text_of(h)) for h in base.select(page.header or "")]
    out: dict[str, int] = {}
    for name, f in wanted.items():
        hit = next((names.index(v.norm_label(x)) for x in f.column if v.norm_label(x) in names), None)
        if hit is None:
            shown = ", ".join(f"«{n}»" for n in names) or "(không có ô tiêu đề nào)"
            raise page.mismatch(f.where, f"cột «{f.column[0]}»", f"các cột hiện có: {shown}", doc.url)
        out[name] = hit
    return out


def elements(f: Field, node: Node, cols: Mapping[str, int] | None = None) -> list[Any]:
    """What a field selects inside one block: elements (HTML) or JSON values."""
    if isinstance(node, Tag):
        if f.column:
            cells = node.find_all(["td", "th"], recursive=False)
            i = (cols or {}).get(f.name)
            base = [cells[i]] if i is not None and i < len(cells) else []
            return [t for c in base for t in (c.select(f.css) if f.css else [c])]
        if not f.css:
            return [node]
        return list(node.select(f.css)) if f.all else [t for t in [node.select_one(f.css)] if t is not None]
    hits = v.select(node, f.path or "")
    return hits if f.all else hits[:1]


def _texts(f: Field, el: Any, items_sel: str | None = None, separator: str | None = None) -> list[str]:
    if isinstance(el, Tag):
        if f.attr:
            raw = str(el.get(f.attr, ""))
        elif items_sel and el.select(items_sel):
            return [v.text_of(li) for li in el.select(items_sel)]
        else:
            raw = v.block_text(el).rstrip("\n") if f.text == "block" else v.text_of(el)
    else:
        raw = v.json_text(el)
    if f.param or f.pattern:
        raw = v.ref_from(raw, param=f.param, pattern=f.pattern)
    if separator:
        return [p.strip() for p in raw.split(separator)]
    return [raw]


def field_value(
    recipe: Recipe, page: Page, f: Field, node: Node, cols: Mapping[str, int], *, strict: bool, url: str = ""
) -> str:
    """One field's value in one block, "" when absent; `strict`: absent is a mismatch."""
    found = elements(f, node, cols)
    if not found and strict:
        what = f"đường dẫn «{f.path}»" if f.path else f"bộ chọn «{f.css or f.column[0]}»"
        had = v.text_of(node) if isinstance(node, Tag) else json.dumps(node, ensure_ascii=False)
        raise page.mismatch(f.where, f"{what} không tìm thấy trong khối", had, url)
    parts = [p for el in found for p in _texts(f, el, f.items, f.separator)]
    if f.text == "block":  # a body: every line as shown, none dropped
        return "\n".join(parts)
    parts = [p for p in parts if p and v.norm_label(p) not in recipe.none_values]
    if f.codes == "status":
        parts = [_status_label(recipe, page, f, p, url) for p in parts]
    return "; ".join(parts)


def _status_label(recipe: Recipe, page: Page, f: Field, code: str, url: str) -> str:
    labels = {value: label for label, value in recipe.status_values.items()}
    if code in labels:
        return labels[code]
    if v.norm(code) in recipe.status_values:  # already a label
        return v.norm(code)
    known = ", ".join(sorted(labels)) or "(chưa nạp statuses.toml)"
    raise page.mismatch(
        f.where,
        f"mã trạng thái «{code}» không có trong statuses.toml (portal_value)",
        f"các mã đã biết: {known}",
        url,
    )


def record(
    recipe: Recipe, page: Page, node: Node, doc: Doc, cols: Mapping[str, int], *, strict: Collection[str] = ()
) -> dict[str, str]:
    """Every field of one block (or of the page's scope), by logical name."""
    return {
        name: field_value(recipe, page, f, node, cols, strict=name in strict, url=doc.url)
        for name, f in page.fields.items()
    }


def pairs(recipe: Recipe, page: Page, doc: Doc, *, needed: Collection[str] = ()) -> dict[str, str]:
    """Every label/value field of the page. A group holding a needed field must show at least one of
    its labels (else the layout changed); an empty group (no handling yet) reads as all ""."""
    base = root(page, doc)
    out: dict[str, str] = {}
    for group in page.pairs:
        scope = base
        if group.scope:
            scope = base.select_one(group.scope) if isinstance(base, Tag) else None
            if scope is None:
                raise page.mismatch(
                    f"{group.where}.scope",
                    f"bộ chọn «{group.scope}» không tìm thấy gì",
                    v.text_of(base) if isinstance(base, Tag) else "",
                    doc.url,
                )
        found = label_values(scope, group)
        if set(group.fields) & set(needed) and not any(
            _pick(found, ls) is not None for ls in group.fields.values()
        ):
            shown = ", ".join(f"«{k}»" for k in list(found)[:12]) or "(không có nhãn nào)"
            raise page.mismatch(
                f"{group.where}.fields",
                f"không thấy nhãn nào của nhóm này ở «{group.label}»",
                f"các nhãn hiện có: {shown}",
                doc.url,
            )
        for name, labels in group.fields.items():
            tag = _pick(found, labels)
            parts = (
                _texts(Field(name, group.where), tag, group.items, group.separator) if tag is not None else []
            )
            parts = [p for p in parts if p and v.norm_label(p) not in recipe.none_values]
            out[name] = "; ".join(parts)
    return out


def label_values(scope: Tag, group: Pairs) -> dict[str, Tag]:
    """Label → value element: each `label` element's next sibling element (matching `value`)."""
    found: dict[str, Tag] = {}
    for lab in scope.select(group.label):
        val = lab.find_next_sibling(group.value) if group.value else lab.find_next_sibling()
        if isinstance(val, Tag):
            found.setdefault(v.norm_label(v.text_of(lab)), val)
    return found


def _pick(found: Mapping[str, Tag], labels: tuple[str, ...]) -> Tag | None:
    return next((found[v.norm_label(x)] for x in labels if v.norm_label(x) in found), None)


def one(recipe: Recipe, page: Page, doc: Doc, *, strict: Collection[str] = ()) -> dict[str, str]:
    """A single-record page (a document, a task): its fields and its label/value pairs."""
    node = root(page, doc)
    values = record(recipe, page, node, doc, {}, strict=strict)
    values.update(pairs(recipe, page, doc, needed=strict))
    return values


def message(page: Page, doc: Doc, which: str) -> str | None:
    """The page's error text (`which="error"`: css on HTML, a path in JSON) or its success text."""
    if which == "error":
        selector = page.error
    else:
        selector = page.success.css or page.success.path if page.success else None
    if not selector:
        return None
    if doc.soup is not None:
        return v.text_of(doc.soup.select_one(selector)) or None
    if doc.data is None:
        return None
    return v.first(v.json_text(x) for x in v.select(doc.data, selector)) or None


def succeeded(page: Page, doc: Doc) -> bool:
    """Whether a reply shows the recipe's success: the text in the element, or the JSON field's value
    (`equals`, default true). No `success` in the recipe: True (the read-back decides)."""
    s = page.success
    if s is None:
        return True
    if s.path and doc.data is not None:
        hits = v.select(doc.data, s.path)
        want = True if s.equals is None else s.equals
        return bool(hits) and (hits[0] == want or v.json_text(hits[0]) == v.json_text(want))
    shown = message(page, doc, "success") or ""
    return bool(shown) and (not s.text or v.norm(s.text) in shown)
