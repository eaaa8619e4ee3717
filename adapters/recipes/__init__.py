"""The one interpreter of the site recipes in `mappings/` (eOffice and the portal alike).

A recipe says, as data, how to sign in (a form or a JSON body; tokens from a `<meta>` tag, the
reply or a cookie, sent back as headers), where each page or JSON endpoint is (URL templates,
paging by link, page, offset or cursor), how to read it (table rows, cards or any repeated block
with a selector per field; label/value pairs however laid out; JSON paths like
`duLieu.danhSach[*].soKyHieu`), how to send an update (a form post, or a JSON body from a template)
and how to know it worked (page text, a JSON field, a toast; then the read-back). The shape is
documented once, in `mappings/README.md`; `spec.py` is its executable form.

Modules: `values` (text, dates, templates, refs, JSON paths), `spec` (the typed, validated recipe),
`read` (pages → values), `forms` (HTML forms as a browser sends them), `session` (the fast engine's
sign-in and page loads), `listing` (paging), `check` (`connector check` and `check --live`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from adapters.recipes.spec import Recipe

__all__ = ["Recipe", "load_recipe"]


def load_recipe(path: Path) -> dict[str, Any]:
    """A recipe file parsed, with its own name kept (`_file`, for messages) and, when it names a
    status file (`site.status_values = "statuses.toml"`), the portal's label → code map merged in.
    The status file is looked for beside the recipe, then one folder up (mappings/examples/)."""
    with path.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    data["_file"] = _shown(path)
    source = data.get("site", {}).get("status_values")
    if isinstance(source, str) and "status_values" not in data:
        for folder in (path.parent, path.parent.parent):
            candidate = folder / source
            if candidate.is_file():
                with candidate.open("rb") as fh:
                    statuses = tomllib.load(fh)
                data["status_values"] = {
                    s["portal_label"]: s["portal_value"] for s in statuses.get("status", [])
                }
                break
    return data


def _shown(path: Path) -> str:
    """The recipe's name as an admin would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path.resolve())
    return relative if not relative.startswith("..") else str(path)
