"""HTML forms as a browser sees them before the user types, and what it would send after.

Sites built on ASP.NET (WebForms, MVC) refuse a submit whose hidden inputs (`__VIEWSTATE`,
`__RequestVerificationToken`, row versions) differ from what they rendered, and take the pressed
button's name as the command; so the HTTP engine must send exactly what a browser would: every
successful control in document order, only the pressed button, files as multipart when the form
says so. The browser engine parses the same way to check the recipe before it clicks anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from adapters.recipes import values as v
from adapters.recipes.spec import Page


@dataclass
class FormView:
    """A form's action, method, encoding, controls (buttons apart), file inputs and <select> options."""

    action: str
    method: str
    enctype: str
    controls: list[tuple[str, str]]
    buttons: dict[str, str]
    files: list[str]
    select_options: dict[str, list[tuple[str, str]]]

    def value(self, name: str) -> str | None:
        return next((val for n, val in self.controls if n == name), None)


def _has_script(doc: BeautifulSoup) -> bool:
    return doc.find("script") is not None or doc.find("noscript") is not None


def parse_form(page: Page, html: str | bytes, url: str, inputs: Mapping[str, str] | None = None) -> FormView:
    """The recipe's form and every control of it; every input the recipe names, and its submit
    button, must be there (else a mismatch, before anything is sent)."""
    doc = BeautifulSoup(html, "html.parser")
    selector = page.form or "form"
    form = doc.select_one(selector)
    where = "login.form" if page.key == "login" else f"pages.{page.key}.form"
    if form is None:
        extra = ""
        if _has_script(doc) and page.engine == "http":
            extra = (
                f'Trang này có thể dựng biểu mẫu bằng JavaScript: đặt engine = "browser" cho '
                f"[{where.rsplit('.', 1)[0]}], hoặc dùng API JSON của nó. "
            )
        had = v.text_of(doc.body or doc)
        raise page.mismatch(where, f"bộ chọn «{selector}» không tìm thấy biểu mẫu", had, url, extra=extra)
    view = _controls(form, url)
    present = {n for n, _ in view.controls} | set(view.files) | set(view.select_options)
    for logical, name in (inputs if inputs is not None else page.inputs).items():
        if name not in present:
            key = f"login.{logical}" if page.key == "login" else f"pages.{page.key}.fields.{logical}"
            shown = ", ".join(sorted(present)) or "(không có ô nào)"
            raise page.mismatch(key, f"ô «{name}» trong «{selector}»", f"các ô hiện có: {shown}", url)
    if page.submit and page.submit not in view.buttons:
        where_btn = "login.submit" if page.key == "login" else f"pages.{page.key}.submit"
        shown = ", ".join(sorted(view.buttons)) or "(không có nút gửi có tên)"
        raise page.mismatch(where_btn, f"nút «{page.submit}» trong «{selector}»", f"các nút: {shown}", url)
    return view


def _controls(form: Tag, url: str) -> FormView:
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
            opts = [(str(o.get("value", v.text_of(o))), v.text_of(o)) for o in el.find_all("option")]
            options[name] = opts
            chosen = [
                str(o.get("value", v.text_of(o))) for o in el.find_all("option") if o.has_attr("selected")
            ]
            if not chosen and opts and not el.has_attr("multiple"):
                chosen = [opts[0][0]]
            controls.extend((name, c) for c in chosen)
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
    return FormView(
        action=urljoin(url, str(form.get("action") or url)),
        method=str(form.get("method", "get")).lower(),
        enctype=str(form.get("enctype", "application/x-www-form-urlencoded")).lower(),
        controls=controls,
        buttons=buttons,
        files=files,
        select_options=options,
    )


def submission(form: FormView, page: Page, values: Mapping[str, str]) -> list[tuple[str, str]]:
    """The name/value pairs a browser sends after typing `values` and pressing the submit button."""
    pairs: list[tuple[str, str]] = []
    done: set[str] = set()
    for name, value in form.controls:
        if name in values:
            if name not in done:
                pairs.append((name, values[name]))
                done.add(name)
        else:
            pairs.append((name, value))
    pairs.extend((n, val) for n, val in values.items() if n not in done and n not in form.files)
    if page.submit:
        pairs.append((page.submit, form.buttons.get(page.submit, "")))
    return pairs
