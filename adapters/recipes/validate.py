"""Parsing and validating a recipe into the objects of `spec.py`, every problem at once.

Each check says which key is wrong, what was found and what is expected, in Vietnamese, naming the
recipe file actually read (`connector.errors.Problem`); nothing is raised until all are collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.recipes import values as v
from adapters.recipes.spec import (
    ACTION_PAGES,
    CODE_LISTS,
    ENGINES,
    FORMATS,
    NEEDS,
    PAGING,
    TEXT_MODES,
    TOKEN_SOURCES,
    Field,
    Login,
    Page,
    Paging,
    Pairs,
    Recipe,
    Success,
    Token,
)  # fmt: skip
from connector.errors import MappingError, Problem

# the keys each table may hold (anything else is reported as unknown)
_TOP = {"kind", "site", "login", "pages", "status_values", "_file"}
_SITE = {"name", "date_format", "none_values", "max_pages", "status_values"}
_LOGIN = {
    "engine",
    "kind",
    "title",
    "url",
    "form",
    "submit",
    "username",
    "password",
    "error",
    "api",
    "body",
    "tokens",
    "wait",
}
_TOKEN = {"from", "select", "header", "value"}
_PAGE = {
    "title",
    "engine",
    "url",
    "format",
    "method",
    "wait",
    "scope",
    "items",
    "header",
    "empty",
    "paging",
    "fields",
    "pairs",
    "required",
    "date_format",
    "form",
    "submit",
    "error",
    "success",
    "body",
    "after_submit",
    "since_param",
}
_PAGING = {"by", "next", "start", "size", "cursor", "total", "newest_first"}
_PAIRS = {"scope", "label", "value", "items", "separator", "fields"}
_FIELD = {"css", "path", "column", "attr", "param", "pattern", "codes", "all", "items", "separator", "text"}
_SUCCESS = {"css", "path", "equals", "text"}


class _Check:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, key: str, found: object, expected: str) -> None:
        shown = "(thiếu)" if found is None else repr(found)
        self.problems.append(Problem(self.file, key, shown, expected))

    def known(self, table: Mapping[str, Any], keys: set[str], where: str) -> None:
        for k in table:
            if k not in keys:
                self.bad(f"{where}.{k}" if where else k, "(khóa lạ)", "một trong: " + ", ".join(sorted(keys)))

    def text(self, table: Mapping[str, Any], key: str, where: str, *, need: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if need:
                self.bad(f"{where}.{key}", None, "một chuỗi không rỗng")
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"{where}.{key}", value, "một chuỗi không rỗng")
            return None
        return value

    def choice(self, table: Mapping[str, Any], key: str, where: str, options: tuple[str, ...]) -> str:
        value = table.get(key, options[0])
        if value not in options:
            self.bad(f"{where}.{key}", value, " hoặc ".join(f'"{o}"' for o in options))
            return options[0]
        return str(value)

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, Mapping):
            self.bad(f"{where}.{key}", value, "một bảng")
            return {}
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value)):
            return tuple(v.as_list(value))
        self.bad(where, value, "một chuỗi hoặc danh sách chuỗi")
        return ()


def parse(raw: Mapping[str, Any], kind: str, file: str | None = None) -> tuple[Recipe | None, list[Problem]]:
    """The recipe and every problem found (a recipe is returned only when there is none)."""
    file = file or str(raw.get("_file") or f"mappings/{kind}.toml")
    c = _Check(file)
    if kind not in NEEDS:
        c.bad("kind", kind, '"eoffice" hoặc "portal"')
        return None, c.problems
    c.known(raw, _TOP, "")
    if raw.get("kind", kind) != kind:
        c.bad("kind", raw.get("kind"), f'"{kind}" (tệp này được dùng cho {kind})')
    site = c.table(raw, "site", "")
    c.known(site, _SITE, "site")
    formats = c.strings(site.get("date_format", "%d/%m/%Y"), "site.date_format")
    nones = frozenset(v.norm_label(x) for x in c.strings(site.get("none_values", []), "site.none_values"))
    max_pages = site.get("max_pages", 200)
    if not isinstance(max_pages, int) or max_pages < 1:
        c.bad("site.max_pages", max_pages, "một số nguyên dương")
        max_pages = 200
    login = _login(c, c.table(raw, "login", ""), file)
    pages_raw = c.table(raw, "pages", "")
    pages: dict[str, Page] = {}
    for name, (required, needed) in NEEDS[kind].items():
        table = pages_raw.get(name)
        if table is None:
            if required:
                c.bad(f"pages.{name}", None, f"một bảng [pages.{name}]")
            continue
        if not isinstance(table, Mapping):
            c.bad(f"pages.{name}", table, "một bảng")
            continue
        pages[name] = _page(c, table, name, file, needed)
    for name in pages_raw:
        if name not in NEEDS[kind]:
            c.bad(f"pages.{name}", "(trang lạ)", "một trong: " + ", ".join(NEEDS[kind]))
    statuses = raw.get("status_values", {})
    status_values = (
        {v.norm(str(k)): str(x) for k, x in statuses.items()} if isinstance(statuses, Mapping) else {}
    )
    if c.problems or login is None:
        return None, c.problems
    recipe = Recipe(
        kind, file, str(site.get("name", file)), formats, nones, max_pages, login, pages, status_values
    )
    return recipe, []


def _login(c: _Check, raw: Mapping[str, Any], file: str) -> Login | None:
    c.known(raw, _LOGIN, "login")
    kind = c.choice(raw, "kind", "login", ("form", "json"))
    page = Page(
        key="login",
        title=str(raw.get("title", "Đăng nhập")),
        file=file,
        engine=c.choice(raw, "engine", "login", ENGINES),
        url=c.text(raw, "url", "login", need=True) or "",
        form=c.text(raw, "form", "login", need=kind == "form" or raw.get("engine") == "browser"),
        submit=c.text(raw, "submit", "login"),
        error=c.text(raw, "error", "login"),
        wait=c.text(raw, "wait", "login"),
        format="json" if kind == "json" else "html",
    )
    user = c.text(raw, "username", "login", need=True) or ""
    password = c.text(raw, "password", "login", need=True) or ""
    api = c.text(raw, "api", "login", need=kind == "json")
    tokens = []
    listed = raw.get("tokens", [])
    if not isinstance(listed, list):
        c.bad("login.tokens", listed, "một danh sách [[login.tokens]]")
        listed = []
    for i, t in enumerate(listed):
        where = f"login.tokens.{i}"
        if not isinstance(t, Mapping):
            c.bad(where, t, "một bảng")
            continue
        c.known(t, _TOKEN, where)
        source = c.choice(t, "from", where, TOKEN_SOURCES)
        select = c.text(t, "select", where, need=True) or ""
        header = c.text(t, "header", where, need=True) or ""
        value = c.text(t, "value", where) or "{token}"
        if "{token}" not in value:
            c.bad(f"{where}.value", value, 'một mẫu có {token}, ví dụ "Bearer {token}"')
        tokens.append(Token(source, select, header, value))
    body = c.table(raw, "body", "login")
    return Login(page, kind, user, password, api, body, tuple(tokens))


def _page(c: _Check, raw: Mapping[str, Any], key: str, file: str, needed: tuple[str, ...]) -> Page:
    where = f"pages.{key}"
    c.known(raw, _PAGE, where)
    fmt = c.choice(raw, "format", where, FORMATS)
    if raw.get("engine") == "browser" and (fmt == "json" or raw.get("body") is not None):
        c.bad(
            f"{where}.engine", "browser", 'engine = "http" (trình duyệt chỉ đọc trang HTML và điền biểu mẫu)'
        )
    url = c.text(raw, "url", where, need=True) or ""
    if key != "list" and "{ref}" not in url:
        c.bad(f"{where}.url", url, "một đường dẫn có {ref}")
    form = c.text(raw, "form", where)
    body = raw.get("body")
    if body is not None and not isinstance(body, Mapping):
        c.bad(f"{where}.body", body, "một bảng mẫu JSON [pages." + key + ".body]")
        body = None
    action = key in ACTION_PAGES
    if action and form is None and body is None:
        c.bad(f"{where}.form", None, f"bộ chọn biểu mẫu (gửi form) hoặc bảng [{where}.body] (gửi JSON)")
    paging = _paging(c, c.table(raw, "paging", where), f"{where}.paging", fmt)
    wanted = {"page": "page", "offset": "offset", "cursor": "cursor"}.get(paging.by)
    if wanted and "{" + wanted + "}" not in url:
        c.bad(f"{where}.url", url, f'một mẫu đường dẫn có {{{wanted}}} (paging.by = "{paging.by}")')
    fields: dict[str, Field] = {}
    inputs: dict[str, str] = {}
    for name, spec in c.table(raw, "fields", where).items():
        if action or form:
            if isinstance(spec, str) and spec:
                inputs[name] = spec
            else:
                c.bad(f"{where}.fields.{name}", spec, "tên (name) của ô nhập trong biểu mẫu")
        else:
            made = _field(c, spec, name, f"{where}.fields.{name}", fmt)
            if made is not None:
                fields[name] = made
    pairs = _pairs(c, raw.get("pairs", []), where)
    if fields and any(f.column for f in fields.values()) and not raw.get("header"):
        c.bad(f"{where}.header", None, "bộ chọn ô tiêu đề bảng (khi có trường lấy theo cột)")
    mapped = set(fields) | set(inputs) | {n for p in pairs for n in p.fields}
    if body is not None:
        mapped |= v.placeholders(repr(dict(body)))
    for name in needed:
        if name not in mapped:
            c.bad(f"{where}.fields.{name}", None, "ánh xạ trường này (chương trình cần nó)")
    if key == "list" and fmt == "html" and not raw.get("items"):
        c.bad(f"{where}.items", None, "bộ chọn mỗi dòng hoặc mỗi khối (thẻ) của danh sách")
    if key == "list" and fmt == "json" and not raw.get("items"):
        c.bad(f"{where}.items", None, 'đường dẫn JSON tới danh sách, ví dụ "data.items[*]"')
    success = None
    if "success" in raw:
        s = c.table(raw, "success", where)
        c.known(s, _SUCCESS, f"{where}.success")
        success = Success(s.get("css"), s.get("path"), s.get("equals"), s.get("text"))
        if not (success.css or success.path):
            c.bad(f"{where}.success", dict(s), "css (chữ trên trang, thông báo) hoặc path (trường JSON)")
    required = c.strings(raw.get("required", []), f"{where}.required")
    method = str(raw.get("method", "POST" if action and body is not None else "GET")).upper()
    return Page(
        key=key,
        title=str(raw.get("title", key)),
        file=file,
        url=url,
        format=fmt,
        method=method,
        engine=c.choice(raw, "engine", where, ENGINES),
        wait=c.text(raw, "wait", where),
        scope=c.text(raw, "scope", where),
        items=c.text(raw, "items", where),
        header=c.text(raw, "header", where),
        empty=c.text(raw, "empty", where),
        paging=paging,
        fields=fields,
        inputs=inputs,
        pairs=pairs,
        required=required,
        date_formats=c.strings(raw["date_format"], f"{where}.date_format") if "date_format" in raw else (),
        form=form,
        submit=c.text(raw, "submit", where),
        error=c.text(raw, "error", where),
        success=success,
        body=body,
        after_submit=c.text(raw, "after_submit", where),
        since_param=c.text(raw, "since_param", where),
    )


def _paging(c: _Check, raw: Mapping[str, Any], where: str, fmt: str) -> Paging:
    c.known(raw, _PAGING, where)
    by = c.choice(raw, "by", where, PAGING)
    if by == "link" and not raw.get("next"):
        c.bad(f"{where}.next", None, "bộ chọn (html) hoặc đường dẫn JSON của liên kết trang sau")
    if by == "cursor" and not raw.get("cursor"):
        c.bad(f"{where}.cursor", None, "đường dẫn JSON tới con trỏ trang sau")
    for k in ("start", "size"):
        if k in raw and (not isinstance(raw[k], int) or raw[k] < 0):
            c.bad(f"{where}.{k}", raw[k], "một số nguyên không âm")
    return Paging(
        by=by,
        next=raw.get("next"),
        start=int(raw.get("start", 1) or 0),
        size=int(raw.get("size", 20) or 20),
        cursor=raw.get("cursor"),
        total=raw.get("total"),
        newest_first=bool(raw.get("newest_first", False)),
    )


def _field(c: _Check, spec: Any, name: str, where: str, fmt: str) -> Field | None:
    if isinstance(spec, str):
        return Field(name, where, path=spec) if fmt == "json" else Field(name, where, css=spec)
    if not isinstance(spec, Mapping):
        c.bad(where, spec, "bộ chọn/đường dẫn, hoặc một bảng {css=…, attr=…, …}")
        return None
    c.known(spec, _FIELD, where)
    if fmt == "json" and not spec.get("path"):
        c.bad(f"{where}.path", None, "đường dẫn JSON (trang JSON)")
    if fmt == "html" and "css" not in spec and "column" not in spec:
        c.bad(where, dict(spec), "css (bộ chọn trong khối) hoặc column (nhãn cột)")
    if spec.get("codes") is not None and spec["codes"] not in CODE_LISTS:
        c.bad(f"{where}.codes", spec["codes"], " hoặc ".join(f'"{x}"' for x in CODE_LISTS))
    text = c.choice(spec, "text", where, TEXT_MODES)
    column = c.strings(spec["column"], f"{where}.column") if "column" in spec else ()
    return Field(
        name,
        where,
        css=spec.get("css"),
        path=spec.get("path"),
        column=column,
        attr=spec.get("attr"),
        param=spec.get("param"),
        pattern=spec.get("pattern"),
        codes=spec.get("codes"),
        all=bool(spec.get("all", False)),
        items=spec.get("items"),
        separator=spec.get("separator"),
        text=text,
    )


def _pairs(c: _Check, raw: Any, where: str) -> tuple[Pairs, ...]:
    if not isinstance(raw, list):
        c.bad(f"{where}.pairs", raw, f"một danh sách [[{where}.pairs]]")
        return ()
    out = []
    for i, group in enumerate(raw):
        at = f"{where}.pairs.{i}"
        if not isinstance(group, Mapping):
            c.bad(at, group, "một bảng")
            continue
        c.known(group, _PAIRS, at)
        label = c.text(group, "label", at, need=True) or ""
        labels = {n: c.strings(x, f"{at}.fields.{n}") for n, x in c.table(group, "fields", at).items()}
        out.append(
            Pairs(
                at,
                group.get("scope"),
                label,
                group.get("value"),
                group.get("items"),
                group.get("separator"),
                labels,
            )
        )
    return tuple(out)


def parse_recipe(raw: Mapping[str, Any], kind: str, file: str | None = None) -> Recipe:
    """Validate a parsed recipe; raise `MappingError` listing every problem."""
    recipe, problems = parse(raw, kind, file)
    if problems or recipe is None:
        raise MappingError(problems, hint="connector check")
    return recipe
