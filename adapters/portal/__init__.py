"""The province's task-tracking portal ("Phần mềm theo dõi chỉ đạo điều hành"): one recipe, two engines.

- `HttpPortal` (httpx) is the default and the fast one: HTML pages and forms, or the JSON API
  behind a single-page app, as the recipe says;
- `BrowserPortal` (Playwright driving Debian's Chromium) runs the same recipe for pages that exist
  only after their JavaScript runs. Each page of the recipe names its engine; `HttpPortal` hands
  such pages to a `BrowserPortal` by itself.

`load_recipe(Path("mappings"))` reads `portal.toml` with the status codes of `statuses.toml`
merged in. `BrowserPortal` is imported lazily so that Playwright is loaded only when needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters import recipes
from adapters.portal.http import HttpPortal
from adapters.recipes.spec import Recipe

if TYPE_CHECKING:
    from adapters.portal.browser import BrowserPortal

__all__ = ["BrowserPortal", "HttpPortal", "Recipe", "load_recipe"]


def load_recipe(where: Path) -> dict[str, Any]:
    """A portal recipe: `where` is the mappings folder (its portal.toml) or a recipe file."""
    return recipes.load_recipe(where / "portal.toml" if where.is_dir() else where)


def __getattr__(name: str) -> Any:
    if name == "BrowserPortal":
        from adapters.portal.browser import BrowserPortal

        return BrowserPortal
    raise AttributeError(name)
