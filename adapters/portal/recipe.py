"""The portal recipe (`mappings/portal.toml`) as typed pages, and the HTML reading both engines share.

The HTTP engine reads the HTML it downloaded; the browser engine reads `page.content()` after the
page's JavaScript ran. Both hand that HTML to the functions here, so a selector means the same
thing to both and a page that stopped matching fails with the same `MappingMismatchError`.
Nothing here does I/O except `load_recipe`, which reads the two TOML files.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from connector.domain import PortalTask, StatusUpdate
from connector.errors import MappingError, MappingMismatchError, Problem

RECIPE_FILE = "mappings/portal.toml"
ENGINES = ("http", "browser")

# Per page: keys that must be present, and logical fields that must be named.
_REQUIRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "login": (("url", "form", "submit"), ("username", "password")),
    "list": (("url", "table", "header", "rows", "ref_link", "ref_param"), ()),
    "task": (("url",), ("number", "status_label")),
    "update": (("url", "form", "submit"), ("status", "progress_note")),
    "return": (("url", "form", "submit", "success_selector", "success_text"), ("reason",)),
}
_LIST_COLUMNS = ("number", "issued_on", "issuer", "summary", "lead_unit", "deadline", "status_label")


def norm(text: str | None) -> str:
    """NFC with runs of whitespace folded to one space: how displayed values are compared."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


@dataclass(frozen=True)
class Page:
    """One page of the recipe; `fields` maps a logical name to an input name or a CSS selector."""

    key: str
    title: str
    engine: str
    url: str
    form: str | None = None
    submit: str | None = None
    error: str | None = None
    success_selector: str | None = None
    success_text: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    def url_for(self, ref: str = "") -> str:
        return self.url.replace("{ref}", quote(ref, safe=""))

    def mismatch(self, selector: str, url: str = "", *, extra: str = "") -> MappingMismatchError:
        """The error for "this page no longer matches its recipe", naming the page and the selector."""
        where = f" ({urlsplit(url).path or url})" if url else ""
        return MappingMismatchError(
            f"{self.title}{where} không còn khớp với {RECIPE_FILE} (bộ chọn {selector}). "
            f"{extra}Quản trị viên cần cập nhật tệp ánh xạ."
        )


@dataclass(frozen=True)
class Recipe:
    """The whole recipe: five pages and the portal-wide settings."""

    name: str
    date_format: str
    no_deadline: str
    max_pages: int
    pages: Mapping[str, Page]
    status_values: Mapping[str, str]

    @property
    def login(self) -> Page:
        return self.pages["login"]

    @property
    def list(self) -> Page:
        return self.pages["list"]

    @property
    def task(self) -> Page:
        return self.pages["task"]

    @property
    def update(self) -> Page:
        return self.pages["update"]

    @property
    def return_(self) -> Page:
        return self.pages["return"]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Recipe:
        """Validate the parsed TOML; every problem is reported at once as a `MappingError`."""
        problems: list[Problem] = []

        def problem(key: str, found: object, expected: str) -> None:
            problems.append(
                Problem(RECIPE_FILE, key, repr(found) if found is not None else "(thiếu)", expected)
            )

        portal = data.get("portal", {})
        raw_pages = data.get("pages", {})
        pages: dict[str, Page] = {}
        for key, (keys, fields_) in _REQUIRED.items():
            raw = raw_pages.get(key)
            if not isinstance(raw, Mapping):
                problem(f"pages.{key}", None, "một bảng [pages." + key + "]")
                continue
            for k in keys:
                if not isinstance(raw.get(k), str) or not raw[k].strip():
                    problem(f"pages.{key}.{k}", raw.get(k), "một chuỗi không rỗng")
            raw_fields = raw.get("fields", {})
            for f in fields_:
                if not isinstance(raw_fields.get(f), str):
                    problem(f"pages.{key}.fields.{f}", raw_fields.get(f), "tên ô nhập hoặc bộ chọn CSS")
            engine = raw.get("engine", "http")
            if engine not in ENGINES:
                problem(f"pages.{key}.engine", engine, '"http" hoặc "browser"')
            if key in ("task", "update", "return") and "{ref}" not in str(raw.get("url", "")):
                problem(f"pages.{key}.url", raw.get("url"), "đường dẫn có {ref}")
            known = {
                "engine",
                "title",
                "url",
                "form",
                "submit",
                "error",
                "success_selector",
                "success_text",
                "fields",
            }
            pages[key] = Page(
                key=key,
                title=str(raw.get("title", f"Trang {key}")),
                engine=str(engine),
                url=str(raw.get("url", "")),
                form=raw.get("form"),
                submit=raw.get("submit"),
                error=raw.get("error"),
                success_selector=raw.get("success_selector"),
                success_text=raw.get("success_text"),
                fields={k: str(v) for k, v in raw_fields.items()},
                options={k: v for k, v in raw.items() if k not in known},
            )
        columns = raw_pages.get("list", {}).get("columns", {})
        for c in _LIST_COLUMNS:
            if not isinstance(columns.get(c), str):
                problem(f"pages.list.columns.{c}", columns.get(c), "tiêu đề cột trên trang danh sách")
        values = data.get("status_values")
        if values is None:
            values = raw_pages.get("update", {}).get("status_values")
        if not isinstance(values, Mapping):
            values = {}  # "statuses.toml" not merged in: pick options by their label
        if problems:
            raise MappingError(problems, hint="connector check")
        return cls(
            name=str(portal.get("name", "Phần mềm theo dõi chỉ đạo điều hành")),
            date_format=str(portal.get("date_format", "%d/%m/%Y")),
            no_deadline=str(portal.get("no_deadline", "Không thời hạn")),
            max_pages=int(portal.get("max_pages", 200)),
            pages=pages,
            status_values={norm(k): str(v) for k, v in values.items()},
        )

    # -- dates ----------------------------------------------------------------------------------

    def parse_date(self, text: str) -> date | None:
        text = norm(text)
        if not text or text == norm(self.no_deadline):
            return None
        try:
            return datetime.strptime(text, self.date_format).date()
        except ValueError:
            return None

    def format_date(self, day: date | None) -> str:
        return day.strftime(self.date_format) if day else ""


def check_recipe(recipe: Mapping[str, Any]) -> None:
    """Raise `MappingError` listing every problem of a portal recipe (for `connector check`)."""
    Recipe.from_mapping(recipe)


def load_recipe(directory: Path) -> dict[str, Any]:
    """`portal.toml` with the status option values of `statuses.toml` merged in (label → value)."""
    with (directory / "portal.toml").open("rb") as fh:
        data = tomllib.load(fh)
    source = data.get("pages", {}).get("update", {}).get("status_values")
    if isinstance(source, str):
        with (directory / source).open("rb") as fh:
            statuses = tomllib.load(fh)
        data["status_values"] = {s["portal_label"]: s["portal_value"] for s in statuses.get("status", [])}
    return data


# -- reading pages --------------------------------------------------------------------------------


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_of(tag: Tag | None) -> str:
    return norm(tag.get_text(" ")) if tag is not None else ""


def _has_script(doc: BeautifulSoup) -> bool:
    return doc.find("script") is not None or doc.find("noscript") is not None


def parse_list(recipe: Recipe, html: str, url: str) -> tuple[list[PortalTask], str | None]:
    """The tasks on one page of the list and the absolute URL of the next page (None on the last)."""
    page = recipe.list
    opt = page.options
    doc = soup(html)
    table = doc.select_one(opt["table"])
    if table is None:
        raise page.mismatch(opt["table"], url)
    headers = [norm(th.get_text(" ")).casefold() for th in table.select(opt["header"])]
    if not headers:
        raise page.mismatch(f"{opt['table']} {opt['header']}", url)
    index: dict[str, int] = {}
    for name, label in opt["columns"].items():
        try:
            index[name] = headers.index(norm(label).casefold())
        except ValueError:
            raise page.mismatch(f'{opt["header"]} "{label}"', url) from None
    tasks = []
    for row in table.select(opt["rows"]):
        cells = row.find_all("td", recursive=False)
        link = row.select_one(opt["ref_link"])
        if link is None or not link.get("href"):
            raise page.mismatch(f"{opt['rows']} {opt['ref_link']}", url)
        refs = parse_qs(urlsplit(str(link["href"])).query).get(opt["ref_param"])
        if not refs:
            raise page.mismatch(f"{opt['ref_link']} ?{opt['ref_param']}=", url)

        def cell(name: str, cells: list[Tag] = cells) -> str:
            i = index.get(name)
            return text_of(cells[i]) if i is not None and i < len(cells) else ""

        tasks.append(
            PortalTask(
                portal_ref=refs[0],
                number=cell("number"),
                issuer=cell("issuer"),
                issued_on=recipe.parse_date(cell("issued_on")),
                summary=cell("summary"),
                lead_unit=cell("lead_unit"),
                deadline=recipe.parse_date(cell("deadline")),
                status_label=cell("status_label"),
                progress_note=cell("progress_note"),
            )
        )
    nxt = doc.select_one(opt["next"]) if opt.get("next") else None
    return tasks, (urljoin(url, str(nxt["href"])) if nxt is not None and nxt.get("href") else None)


@dataclass(frozen=True)
class TaskView:
    """A task page as read: the `PortalTask` plus the completion date the list does not show."""

    task: PortalTask
    completed_text: str


def parse_task(recipe: Recipe, html: str, url: str, ref: str) -> TaskView:
    """Read one task's page; a required selector that finds nothing is a mismatch."""
    page = recipe.task
    doc = soup(html)
    values: dict[str, str] = {}
    for name, selector in page.fields.items():
        tag = doc.select_one(selector)
        if tag is None:
            if name in ("number", "status_label"):
                raise page.mismatch(selector, url)
            continue
        values[name] = text_of(tag)
    task = PortalTask(
        portal_ref=ref,
        number=values["number"],
        issuer=values.get("issuer", ""),
        issued_on=recipe.parse_date(values.get("issued_on", "")),
        summary=values.get("summary", ""),
        lead_unit=values.get("lead_unit", ""),
        deadline=recipe.parse_date(values.get("deadline", "")),
        status_label=values["status_label"],
        progress_note=values.get("progress_note", ""),
    )
    return TaskView(task, values.get("completed_on", ""))


def notice(page: Page, html: str, which: str) -> str | None:
    """Text of the page's error element (`which="error"`) or success element, if present."""
    selector = page.error if which == "error" else page.success_selector
    if not selector:
        return None
    tag = soup(html).select_one(selector)
    text = text_of(tag)
    return text or None


@dataclass
class FormView:
    """A form as a browser sees it before the user types: what it would send, and what it offers."""

    action: str
    method: str
    enctype: str
    controls: list[tuple[str, str]]  # successful controls, in document order, buttons excluded
    buttons: dict[str, str]  # submit buttons: name -> value (only the one pressed is sent)
    files: list[str]
    select_options: dict[str, list[tuple[str, str]]]  # name -> [(value, label)]

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.controls if n == name), None)


def parse_form(page: Page, html: str, url: str) -> FormView:
    """Find the recipe's form and every control of it, as the HTML form-submission algorithm does.

    Checks that every field the recipe names, and its submit button, are in the form.
    """
    doc = soup(html)
    selector = page.form or "form"
    form = doc.select_one(selector)
    if form is None:
        extra = ""
        if _has_script(doc) and page.engine == "http":
            extra = (
                "Trang này có thể dựng biểu mẫu bằng JavaScript: "
                f'đặt engine = "browser" cho [pages.{page.key}]. '
            )
        raise page.mismatch(selector, url, extra=extra)
    controls: list[tuple[str, str]] = []
    buttons: dict[str, str] = {}
    files: list[str] = []
    options: dict[str, list[tuple[str, str]]] = {}
    for el in form.find_all(["input", "select", "textarea", "button"]):
        name = el.get("name")
        if not name or el.has_attr("disabled"):
            continue
        name = str(name)
        kind = str(el.get("type", "text" if el.name == "input" else "submit")).lower()
        if el.name == "button" or (el.name == "input" and kind in ("submit", "image", "button", "reset")):
            if kind == "submit":
                buttons[name] = str(el.get("value", ""))
            continue
        if el.name == "select":
            opts = [(str(o.get("value", text_of(o))), text_of(o)) for o in el.find_all("option")]
            options[name] = opts
            chosen = [
                str(o.get("value", text_of(o))) for o in el.find_all("option") if o.has_attr("selected")
            ]
            if not chosen and opts and not el.has_attr("multiple"):
                chosen = [opts[0][0]]
            controls.extend((name, v) for v in chosen)
        elif el.name == "textarea":
            text = el.string or ""
            controls.append((name, text[1:] if text.startswith("\n") else text))
        elif kind in ("checkbox", "radio"):
            if el.has_attr("checked"):
                controls.append((name, str(el.get("value", "on"))))
        elif kind == "file":
            files.append(name)
        else:
            controls.append((name, str(el.get("value", ""))))
    view = FormView(
        action=urljoin(url, str(form.get("action") or url)),
        method=str(form.get("method", "get")).lower(),
        enctype=str(form.get("enctype", "application/x-www-form-urlencoded")).lower(),
        controls=controls,
        buttons=buttons,
        files=files,
        select_options=options,
    )
    present = {n for n, _ in controls} | set(files) | set(options)
    for name in page.fields.values():
        if name not in present:
            raise page.mismatch(f'{selector} [name="{name}"]', url)
    if page.submit and page.submit not in buttons:
        raise page.mismatch(f'{selector} [name="{page.submit}"]', url)
    return view


# -- the update, engine-independent ---------------------------------------------------------------


def status_value(recipe: Recipe, form: FormView, label: str) -> str:
    """The <option> value for a portal status label; it must be offered by the form."""
    page = recipe.update
    name = page.fields["status"]
    offered = form.select_options.get(name, [])
    value = recipe.status_values.get(norm(label))
    if value is None:
        value = next((v for v, text in offered if norm(text) == norm(label)), None)
    if value is None or value not in {v for v, _ in offered}:
        raise page.mismatch(f'[name="{name}"] option "{label}"', form.action)
    return value


def desired(recipe: Recipe, form: FormView, update: StatusUpdate) -> dict[str, str]:
    """Input name → value for the update's fields (status, note, and completion date if the form has it)."""
    f = recipe.update.fields
    values = {
        f["status"]: status_value(recipe, form, update.status_label),
        f["progress_note"]: update.progress_note,
    }
    if "completed_on" in f:
        values[f["completed_on"]] = recipe.format_date(update.completed_on)
    return values


def report_field(recipe: Recipe, update: StatusUpdate) -> str | None:
    """The file input for the update's report, or None without one; a report with no field is an error."""
    page = recipe.update
    name = page.fields.get("report_file")
    if update.report_file is not None and name is None:
        raise page.mismatch(
            "fields.report_file", page.url, extra="Có tệp báo cáo cần gửi nhưng chưa khai báo ô tệp. "
        )
    return name if update.report_file is not None else None


def before(form: FormView, recipe: Recipe) -> str:
    """The label of the status the form showed before the submit (kept in the receipt's detail)."""
    name = recipe.update.fields["status"]
    value = form.value(name)
    return next((text for v, text in form.select_options.get(name, []) if v == value), value or "")


def unchanged(form: FormView, values: Mapping[str, str]) -> bool:
    """True when the form already holds exactly these values (then nothing is submitted)."""
    return all(norm(form.value(name)) == norm(value) for name, value in values.items())


def shows(recipe: Recipe, view: TaskView, update: StatusUpdate) -> bool:
    """True when a task page read back shows the update's status, note and completion date."""
    ok = norm(view.task.status_label) == norm(update.status_label)
    ok = ok and norm(view.task.progress_note) == norm(update.progress_note)
    if "completed_on" in recipe.task.fields:
        ok = ok and norm(view.completed_text) == recipe.format_date(update.completed_on)
    return ok


def submission(form: FormView, page: Page, values: Mapping[str, str]) -> list[tuple[str, str]]:
    """The name/value pairs a browser would send after typing `values` and pressing the submit button."""
    pairs: list[tuple[str, str]] = []
    done: set[str] = set()
    for name, value in form.controls:
        if name in values:
            if name not in done:
                pairs.append((name, values[name]))
                done.add(name)
        else:
            pairs.append((name, value))
    pairs.extend(
        (name, value) for name, value in values.items() if name not in done and name not in form.files
    )
    if page.submit:
        pairs.append((page.submit, form.buttons.get(page.submit, "")))
    return pairs
