"""`connector check` and `connector check --live` for site recipes.

- `check_recipe(kind, recipe, file)`: every problem of a recipe without touching the site: unknown
  keys, wrong types, a selector or path missing, a field the program needs left unmapped, an engine
  asked to do what it cannot (Chromium reading a JSON endpoint, a JSON body typed into a form).
- `live_check(kind, recipe, file, base_url, username, password)`: signs in and opens each read page
  once against the real site, read-only (an update form is opened, never sent), and says page by
  page, in Vietnamese, what matched and what did not, naming the recipe file actually used.

The lead wires them into the CLI; they import the adapters lazily so that checking a recipe does
not start Playwright.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.recipes import listing, read
from adapters.recipes import values as v
from adapters.recipes.spec import NEEDS, Page, Recipe
from adapters.recipes.validate import parse, parse_recipe
from connector.errors import ConnectorError, Problem


def check_recipe(kind: str, recipe: Mapping[str, Any], file: str) -> list[Problem]:
    """Every problem of the recipe (empty when it can work)."""
    parsed, problems = parse(recipe, kind, file)
    if parsed is None:
        return problems
    for page in [parsed.login.page, *parsed.pages.values()]:
        where = "login" if page.key == "login" else f"pages.{page.key}"
        if page.format == "json" and page.pairs:
            problems.append(
                Problem(
                    file,
                    f"{where}.pairs",
                    "(nhãn–giá trị)",
                    "fields với đường dẫn JSON (trang JSON không có nhãn)",
                )
            )
    update = parsed.pages.get("update")
    if kind == "portal" and update is not None and update.body is not None and not parsed.status_values:
        problems.append(
            Problem(
                file,
                "site.status_values",
                "(thiếu)",
                "tệp trạng thái (statuses.toml) để đổi nhãn sang mã",
            )
        )
    return problems


class LiveReport(list[str]):
    """The lines of a live check, and how many of its steps did not work."""

    failed = 0

    def add(self, line: str) -> None:
        """A step that worked, or a note."""
        self.append(line)

    def bad(self, line: str) -> None:
        """A step that did not work."""
        self.failed += 1
        self.append(line)


def live_check(
    kind: str,
    recipe: Mapping[str, Any],
    file: str,
    base_url: str,
    username: str,
    password: str,
    *,
    timeout: float = 30,
) -> LiveReport:
    """One line per step (sign-in, then each page), read-only, in Vietnamese; `failed` counts the
    steps that did not work."""
    lines = LiveReport()
    problems = check_recipe(kind, recipe, file)
    if problems:
        lines.bad(f"Công thức {file} chưa hợp lệ ({len(problems)} lỗi), chưa thử trên trang thật:")
        for p in problems:
            lines.add(f"  - {p}")
        return lines
    raw = {**recipe, "_file": file}
    parsed = parse_recipe(raw, kind, file)
    lines.add(f"Kiểm tra trực tiếp {base_url} theo công thức {file} (chỉ đọc, không gửi gì):")
    if kind == "eoffice":
        from adapters.eoffice import EOfficeSource

        with EOfficeSource(
            "kiem-tra", base_url, username, password, raw, timeout=timeout, retry_attempts=2
        ) as src:
            _live(lines, parsed, src.session, username)
    else:
        from adapters.portal.http import HttpPortal

        with HttpPortal(base_url, username, password, raw, timeout=timeout) as portal:
            if parsed.login.page.engine == "browser" or parsed.pages["list"].engine == "browser":
                _live_browser(lines, parsed, portal)
            else:
                _live(lines, parsed, portal.session, username, portal)
    return lines


def _live(lines: LiveReport, recipe: Recipe, session: Any, username: str, portal: Any = None) -> None:
    try:
        session.login()
        lines.add(f"  Đăng nhập ({recipe.login.page.url}): được, tài khoản «{username}».")
    except ConnectorError as exc:
        lines.bad(f"  Đăng nhập ({recipe.login.page.url}): KHÔNG ĐƯỢC — {exc.message}")
        return
    ref = _live_list(lines, recipe, session)
    for key in [k for k in NEEDS[recipe.kind] if k != "list"]:
        page = recipe.page(key)
        if page is None:
            lines.add(f"  [pages.{key}]: không có trong công thức — {_missing(recipe.kind, key)}")
            continue
        if not ref:
            lines.add(f"  Trang «{page.title}»: chưa thử (danh sách không cho mã nào).")
            continue
        if page.engine == "browser" and portal is not None:
            _live_in_browser(lines, portal, page, ref)
            continue
        _live_one(lines, recipe, session, page, ref)


def _live_in_browser(lines: LiveReport, portal: Any, page: Page, ref: str) -> None:
    url = v.fill(page.url, {"ref": ref})
    try:
        doc = portal.browser_page(page.key, ref)
        if page.form:
            from adapters.recipes.forms import parse_form

            parse_form(page, doc.text, doc.url)
        lines.add(
            f"  Trang «{page.title}» ({url}, trình duyệt): khớp"
            + (f", biểu mẫu có đủ ô {', '.join(page.inputs.values())} (không gửi)." if page.form else ".")
        )
    except ConnectorError as exc:
        lines.bad(f"  Trang «{page.title}» ({url}, trình duyệt): KHÔNG KHỚP — {exc.message}")


def _live_list(lines: LiveReport, recipe: Recipe, session: Any) -> str:
    page = recipe.pages["list"]
    url, params = listing.first_url(recipe, page)
    try:
        doc, status = session.get(page, url, params or None)
        blocks = read.items(page, doc)
        cols = read.columns(page, doc) if blocks else {}
        rows = [read.record(recipe, page, b, doc, cols, strict=NEEDS[recipe.kind]["list"][1]) for b in blocks]
    except ConnectorError as exc:
        lines.bad(f"  Trang «{page.title}» ({url}): KHÔNG KHỚP — {exc.message}")
        return ""
    if not rows:
        lines.add(
            f"  Trang «{page.title}» ({url}, mã {status}): khớp, trang đầu trống (dấu hiệu trống có thấy)."
        )
        return ""
    first = ", ".join(f"{k}=«{v.excerpt(x, 40)}»" for k, x in rows[0].items())
    empty = sorted(k for k in page.fields if not any(r.get(k) for r in rows))
    note = f"; luôn trống: {', '.join(empty)}" if empty else ""
    lines.add(f"  Trang «{page.title}» ({url}): khớp, {len(rows)} dòng ở trang đầu; dòng 1: {first}{note}.")
    return rows[0].get("ref", "")


def _live_one(lines: LiveReport, recipe: Recipe, session: Any, page: Page, ref: str) -> None:
    url = v.fill(page.url, {"ref": ref})
    try:
        doc, status = session.get(page, url)
        if page.form:
            from adapters.recipes.forms import parse_form

            parse_form(page, doc.text, doc.url)
            lines.add(
                f"  Trang «{page.title}» ({url}): khớp, biểu mẫu có đủ ô "
                f"{', '.join(page.inputs.values())} (không gửi)."
            )
            return
        if page.body is not None:
            lines.add(f"  [pages.{page.key}] gửi JSON tới {url}: không thử (kiểm tra chỉ đọc).")
            return
        found = read.one(recipe, page, doc, strict=NEEDS[recipe.kind][page.key][1])
    except ConnectorError as exc:
        lines.bad(f"  Trang «{page.title}» ({url}): KHÔNG KHỚP — {exc.message}")
        return
    got = [k for k, x in found.items() if x]
    empty = [k for k, x in found.items() if not x]
    lines.add(
        f"  Trang «{page.title}» ({url}, mã {status}): đọc được {', '.join(got) or '(không trường nào)'}"
        + (f"; trống: {', '.join(empty)}" if empty else "")
        + "."
    )


def _live_browser(lines: LiveReport, recipe: Recipe, portal: Any) -> None:
    """A portal with browser pages: read through the engines the recipe names (read-only)."""
    try:
        tasks = list(portal.list_tasks())
        lines.add(f"  Trang «{recipe.pages['list'].title}»: khớp, {len(tasks)} nhiệm vụ.")
        if tasks and recipe.page("task") is not None:
            task = portal.read(tasks[0].portal_ref)
            lines.add(
                f"  Trang «{recipe.pages['task'].title}»: khớp, nhiệm vụ {task.portal_ref} «{task.number}»."
            )
    except ConnectorError as exc:
        lines.bad(f"  KHÔNG KHỚP — {exc.message}")
    for key in ("task", "return"):
        if recipe.page(key) is None:
            lines.add(f"  [pages.{key}]: không có trong công thức — {_missing('portal', key)}")


def _missing(kind: str, key: str) -> str:
    if kind == "portal" and key == "task":
        return "mỗi lần đọc một nhiệm vụ sẽ đọc lại danh sách (chậm hơn)."
    if kind == "portal" and key == "return":
        return "chương trình không trả lại nhiệm vụ được; văn thư trả lại trực tiếp trên Phần mềm."
    return "trang bắt buộc."
