"""Pure helpers of the recipe interpreter: text as a person reads it, dates, URL templates, refs
taken from a link (a query parameter or a path pattern) and JSONPath-like selection.

They live apart from the page readers because both engines (httpx and Chromium), both kinds of
site (eOffice and the portal) and the recipe checker use them, and none of them does I/O.

Paths (`data.items[*].soKyHieu`): dot-separated keys, `[n]` for one element, `[*]` for every
element; a leading `$.` is allowed. `select(doc, path)` returns every match in order, so a path
that finds nothing is an empty list, never an exception: the caller decides whether that is a
mismatch (a required key) or simply an absent value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from bs4 import Tag

_STEP = re.compile(r"([^.\[\]]+)|\[(\*|-?\d+)\]")


def norm(text: str | None) -> str:
    """NFC with runs of whitespace folded to one space: how displayed values are compared."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def norm_label(text: str) -> str:
    """How labels are compared: `norm`, case-folded, without a trailing colon ("Số/Ký hiệu:")."""
    return norm(text).casefold().rstrip(":").strip()


def text_of(tag: Tag | None) -> str:
    """An element's text on one line (NFC, single spaces); "" for None."""
    return norm(tag.get_text(" ")) if tag is not None else ""


def block_text(tag: Tag) -> str:
    """An element's text with one line per paragraph, list item, row or line break (a body)."""
    for br in tag.find_all("br"):
        br.replace_with("\n")
    parts = []
    for block in tag.find_all(["p", "div", "li", "tr"]) or [tag]:
        if block.find(["p", "div", "li", "tr"]):
            continue
        parts.append(unicodedata.normalize("NFC", block.get_text("")).strip("\r\n"))
    return "\n".join(parts).strip("\n") + "\n" if parts else ""


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """A recipe value that may be one string or a list of accepted spellings."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def parse_date(text: str, formats: Sequence[str]) -> date:
    """`text` as a date in the first of `formats` (strptime) that fits; ISO 8601 is always accepted
    (JSON APIs send it whatever the screen shows). ValueError when nothing fits."""
    text = norm(text)
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(text) from None


def fill(template: str, values: Mapping[str, object]) -> str:
    """A URL template with `{name}` placeholders filled (each value URL-quoted)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return quote(str(values[name]), safe="") if name in values else match.group(0)

    return re.sub(r"\{(\w+)\}", one, template)


def placeholders(template: str) -> set[str]:
    """The `{name}` placeholders a template uses (the checker compares them with what is known)."""
    return set(re.findall(r"\{(\w+)\}", template))


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """`/nhiem-vu/{ref}` as a regex whose group `ref` is one path segment (or what remains)."""
    parts = re.split(r"(\{\w+\})", pattern)
    rx = "".join(f"(?P<{p[1:-1]}>[^/?#]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(rx)


def ref_from(link: str, *, param: str | None = None, pattern: str | None = None) -> str:
    """The ref a link carries: its query parameter `param`, or the `{ref}` of `pattern` in its path.
    "" when the link does not carry one (the caller reports it with the link as found)."""
    if param:
        return parse_qs(urlsplit(link).query).get(param, [""])[0]
    if pattern:
        found = pattern_regex(pattern).search(unquote(urlsplit(link).path) or link)
        return found.group("ref") if found and "ref" in found.groupdict() else ""
    return link


def parse_path(path: str) -> list[str | int]:
    """`data.items[*].soKyHieu` as steps: "data", "items", "*", "soKyHieu"; ValueError if garbled."""
    text = path.strip()
    text = text[2:] if text.startswith("$.") else text.lstrip("$")
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        match = _STEP.match(text, pos)
        if match is None:
            raise ValueError(path)
        key, index = match.groups()
        steps.append(key if key is not None else ("*" if index == "*" else int(index)))
        pos = match.end()
    return steps


def select(doc: Any, path: str) -> list[Any]:
    """Every value at `path` in a parsed JSON document (see the module docstring)."""
    current = [doc]
    for step in parse_path(path):
        nxt: list[Any] = []
        for node in current:
            if step == "*":
                if isinstance(node, list):
                    nxt.extend(node)
                elif isinstance(node, Mapping):
                    nxt.extend(node.values())
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    nxt.append(node[step])
            elif isinstance(node, Mapping) and step in node:
                nxt.append(node[step])
        current = nxt
    return current


def json_text(value: Any) -> str:
    """A JSON leaf as the text a clerk would see: null → "", true/false in words, numbers as is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(json_text(v) for v in value if v not in (None, ""))
    return norm(str(value))


def excerpt(text: str, limit: int = 160) -> str:
    """A short, one-line excerpt of what a page had (for mismatch messages)."""
    flat = norm(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def first(values: Iterable[str]) -> str:
    """The first non-empty value, or ""."""
    return next((v for v in values if v), "")
