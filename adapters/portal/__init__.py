"""The province's task-tracking portal ("Phần mềm theo dõi chỉ đạo điều hành"): one recipe
(`mappings/portal.toml`), two engines.

- `HttpPortal` (httpx + BeautifulSoup) is the default and the fast one;
- `BrowserPortal` (Playwright driving Debian's Chromium) runs the same recipe for pages whose form
  exists only after their JavaScript runs. Each page of the recipe names its engine; `HttpPortal`
  hands such pages to a `BrowserPortal` by itself.

`load_recipe(Path("mappings"))` reads `portal.toml` with the status option values of
`statuses.toml` merged in. `BrowserPortal` is imported lazily so that Playwright is loaded only
when a page needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.portal.http import HttpPortal
from adapters.portal.recipe import Recipe, load_recipe

if TYPE_CHECKING:
    from adapters.portal.browser import BrowserPortal

__all__ = ["BrowserPortal", "HttpPortal", "Recipe", "load_recipe"]


def __getattr__(name: str) -> Any:
    if name == "BrowserPortal":
        from adapters.portal.browser import BrowserPortal

        return BrowserPortal
    raise AttributeError(name)
