"""What both portal engines do the same way once a page is read: values → `PortalTask`, an update
→ form values or a JSON body, "does the portal already show it", and the fewest requests a push
can take with this recipe (the bench compares against it).

Nothing here does I/O; the engines fetch, this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from adapters.recipes import values as v
from adapters.recipes.forms import FormView
from adapters.recipes.spec import Page, Recipe
from connector.domain import PortalTask, StatusUpdate
from connector.errors import PortalRejectedError


def no_page(recipe: Recipe, key: str, what: str) -> PortalRejectedError:
    """The error for an action the recipe has no page for (some portals have no such screen)."""
    return PortalRejectedError(
        f"Công thức {recipe.file} không có trang [pages.{key}]: {recipe.name} không cho làm việc này "
        f"qua chương trình ({what}). Cần làm trực tiếp trên giao diện của Phần mềm.",
        hint="connector check",
    )


def day(recipe: Recipe, page: Page, key: str, text: str, url: str) -> date | None:
    """A date shown on the portal; "" or a none value (no deadline) is None, garbage a mismatch."""
    if not text:
        return None
    try:
        return v.parse_date(text, page.date_formats or recipe.date_formats)
    except ValueError:
        formats = ", ".join(page.date_formats or recipe.date_formats)
        raise page.mismatch(
            f"pages.{page.key}.fields.{key}", f"một ngày theo định dạng {formats}", text, url
        ) from None


def to_task(recipe: Recipe, page: Page, found: Mapping[str, str], ref: str, url: str) -> PortalTask:
    """A read row or task page as a `PortalTask` (dates parsed as the recipe says)."""
    return PortalTask(
        portal_ref=ref,
        number=found.get("number", ""),
        issuer=found.get("issuer", ""),
        issued_on=day(recipe, page, "issued_on", found.get("issued_on", ""), url),
        summary=found.get("summary", ""),
        lead_unit=found.get("lead_unit", ""),
        deadline=day(recipe, page, "deadline", found.get("deadline", ""), url),
        status_label=found.get("status_label", ""),
        progress_note=found.get("progress_note", ""),
    )


def shows(
    recipe: Recipe, page: Page, task: PortalTask, completed: str, update: StatusUpdate, url: str
) -> bool:
    """True when a task read back shows the update's status, note and (if shown) completion date."""
    ok = v.norm(task.status_label) == v.norm(update.status_label)
    ok = ok and v.norm(task.progress_note) == v.norm(update.progress_note)
    if "completed_on" in page.fields:
        ok = ok and day(recipe, page, "completed_on", completed, url) == update.completed_on
    return ok


def status_code(
    recipe: Recipe, page: Page, label: str, offered: list[tuple[str, str]] | None, url: str
) -> str:
    """The portal's own value for a status label (statuses.toml), checked against what a form offers."""
    code = recipe.status_values.get(v.norm(label))
    if offered is not None:
        if code is None:
            code = next((val for val, text in offered if v.norm(text) == v.norm(label)), None)
        if code is None or code not in {val for val, _ in offered}:
            shown = ", ".join(f"«{t}»" for _, t in offered)
            raise page.mismatch(
                f"pages.{page.key}.fields.status", f"lựa chọn «{label}»", f"các lựa chọn: {shown}", url
            )
        return code
    if code is None:
        raise page.mismatch(
            f"pages.{page.key}.body",
            f"trạng thái «{label}» không có trong statuses.toml",
            ", ".join(recipe.status_values),
            url,
        )
    return code


def fmt_day(recipe: Recipe, page: Page, d: date | None) -> str:
    return d.strftime((page.date_formats or recipe.date_formats)[0]) if d else ""


def form_values(recipe: Recipe, page: Page, form: FormView, update: StatusUpdate) -> dict[str, str]:
    """Input name → value for the update's fields (status, note, completion date if the form has it)."""
    f = page.inputs
    status = status_code(
        recipe, page, update.status_label, form.select_options.get(f["status"], []), form.action
    )
    values = {f["status"]: status, f["progress_note"]: update.progress_note}
    if "completed_on" in f:
        values[f["completed_on"]] = fmt_day(recipe, page, update.completed_on)
    return values


def report_input(page: Page, update: StatusUpdate) -> str | None:
    """The file input for the update's report, or None without one; a report with no input is an error."""
    name = page.inputs.get("report_file")
    if update.report_file is not None and name is None:
        raise page.mismatch(
            f"pages.{page.key}.fields.report_file",
            "ô tải tệp báo cáo",
            extra="Có tệp báo cáo cần gửi nhưng công thức chưa khai báo ô tệp. ",
        )
    return name if update.report_file is not None else None


def before(page: Page, form: FormView) -> str:
    """The label of the status the form showed before the submit (kept in the receipt)."""
    name = page.inputs["status"]
    value = form.value(name)
    return next((text for val, text in form.select_options.get(name, []) if val == value), value or "")


def unchanged(form: FormView, values: Mapping[str, str]) -> bool:
    """True when the form already holds exactly these values (then nothing is submitted)."""
    return all(v.norm(form.value(name)) == v.norm(value) for name, value in values.items())


def body(recipe: Recipe, page: Page, update: StatusUpdate | None, ref: str, reason: str = "") -> Any:
    """The JSON body from the recipe's template: a string that is exactly `{name}` becomes the value
    (null when empty), placeholders inside longer strings are replaced as text."""
    known: dict[str, str] = {"ref": ref, "reason": reason}
    if update is not None:
        known |= {
            "status": status_code(recipe, page, update.status_label, None, page.url),
            "status_label": update.status_label,
            "progress_note": update.progress_note,
            "completed_on": fmt_day(recipe, page, update.completed_on),
        }

    def build(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {k: build(x) for k, x in node.items()}
        if isinstance(node, list):
            return [build(x) for x in node]
        if isinstance(node, str):
            whole = node[1:-1] if node.startswith("{") and node.endswith("}") else None
            if whole in known:
                return known[whole] or None
            for name, value in known.items():
                node = node.replace("{" + name + "}", value)
        return node

    return build(page.body or {})


def minimum_requests(recipe: Recipe) -> int:
    """The fewest requests one real change can take with this recipe, signed in: read the current
    value (the form, or the task), send it once, read it back (state moves only on the read-back)."""
    return 3
