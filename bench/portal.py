"""Portal push throughput and HTTP economy for each portal style, against the simulators with 20 ms
added latency per request.

Prints (never asserts), per style and engine: updates per second, and requests per update against
the fewest the recipe needs (read the current value — the form or the task —, send once, read back:
3). Styles: the WebForms-like portal (mappings/portal.toml, HTML forms; also through Chromium) and
the single-page app (mappings/examples/spa-portal.toml through its JSON API on the fast engine;
mappings/examples/spa-portal-browser.toml through its screens in Chromium).

Run: .venv/bin/python bench/portal.py [--updates 40] [--browser-updates 8] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.portal import HttpPortal
from adapters.portal.browser import BrowserPortal
from adapters.portal.tasks import minimum_requests
from adapters.recipes import Recipe, load_recipe
from connector.domain import StatusUpdate
from fixtures.simulators.portal import PortalState, create_app
from fixtures.simulators.portal.state import DEFAULT_USERS
from fixtures.simulators.serve import serve_in_thread
from fixtures.simulators.spa import create_app as spa_app

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("Đang thực hiện trong hạn", "Đang thực hiện - có khó khăn, vướng mắc")
STYLES: list[tuple[str, Callable[[PortalState], Any], Path]] = [
    ("webforms", create_app, ROOT / "mappings" / "portal.toml"),
    ("spa-api", spa_app, ROOT / "mappings" / "examples" / "spa-portal.toml"),
    ("spa-screens", spa_app, ROOT / "mappings" / "examples" / "spa-portal-browser.toml"),
]


def _updates(refs: list[str], n: int, tag: str) -> list[StatusUpdate]:
    return [
        StatusUpdate(
            refs[i % len(refs)], LABELS[(i // len(refs)) % 2], f"Bench {tag} lần {i}: đang triển khai."
        )
        for i in range(n)
    ]


def _measure(
    portal: HttpPortal | BrowserPortal, state: PortalState, updates: list[StatusUpdate]
) -> tuple[float, float]:
    list(portal.list_tasks())  # sign in and warm up outside the timing
    before_requests, before_accepted = state.requests, len(state.accepted)
    started = time.perf_counter()
    for update in updates:
        assert portal.push(update).sent, "bench expects every update to be a real change"
    elapsed = time.perf_counter() - started
    sent = len(state.accepted) - before_accepted
    return sent / elapsed, (state.requests - before_requests) / max(sent, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--browser-updates", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    user, password = next(iter(DEFAULT_USERS.items()))
    rows = []
    for style, make_app, path in STYLES:
        recipe = load_recipe(path)
        engines = (
            ["browser"]
            if style == "spa-screens"
            else (["http", "browser"] if style == "webforms" else ["http"])
        )
        for engine in engines:
            state = PortalState(latency=args.latency)
            count = args.updates if engine == "http" else args.browser_updates
            with serve_in_thread(make_app(state)) as url:
                refs = sorted(state.tasks)[:10]
                portal: HttpPortal | BrowserPortal = (
                    HttpPortal(url, user, password, recipe)
                    if engine == "http"
                    else BrowserPortal(url, user, password, recipe)
                )
                try:
                    per_second, per_update = _measure(portal, state, _updates(refs, count, engine))
                finally:
                    portal.close()
            least = minimum_requests(Recipe.parse(recipe, "portal"))
            rows.append((style, engine, count, per_second, per_update, least))
    print(f"Trình mô phỏng Phần mềm, độ trễ thêm {args.latency * 1000:.0f} ms mỗi yêu cầu")
    print(
        f"{'style':<12} {'engine':<8} {'updates':>7} {'updates/s':>10} {'requests/update':>16} "
        f"{'minimum':>8} {'ratio':>6}"
    )
    for style, engine, count, per_second, per_update, least in rows:
        print(
            f"{style:<12} {engine:<8} {count:>7} {per_second:>10.2f} {per_update:>16.2f} {least:>8} "
            f"{per_update / least:>5.2f}x"
        )
    print("(minimum the recipe needs: read the current value, send once, read back — 3 requests;")
    print(" through Chromium every script, stylesheet and API call of the page counts as a request)")


if __name__ == "__main__":
    main()
