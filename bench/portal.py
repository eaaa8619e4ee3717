"""Portal push throughput and HTTP economy, against the simulator with 20 ms added latency per request.

Prints (never asserts): updates per second with the HTTP engine and with the browser engine
(Debian's Chromium through Playwright), and HTTP requests per update against the fewest the recipe
needs: open the update form (its hidden fields must round-trip), submit it, read the task page
back (state moves only when the read-back shows the change) — 3 requests.

Run: .venv/bin/python bench/portal.py [--updates 40] [--browser-updates 8] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from adapters.portal import HttpPortal, load_recipe
from adapters.portal.browser import BrowserPortal
from connector.domain import StatusUpdate
from fixtures.simulators.portal import PortalState, create_app
from fixtures.simulators.portal.state import DEFAULT_USERS
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
MIN_REQUESTS_PER_UPDATE = 3
LABELS = ("Đang thực hiện trong hạn", "Đang thực hiện - có khó khăn, vướng mắc")


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
    portal.list_tasks()  # sign in and warm up outside the timing
    before_requests, before_accepted = state.requests, len(state.accepted)
    started = time.perf_counter()
    for update in updates:
        receipt = portal.push(update)
        assert receipt.sent, "bench expects every update to be a real change"
    elapsed = time.perf_counter() - started
    sent = len(state.accepted) - before_accepted
    return sent / elapsed, (state.requests - before_requests) / max(sent, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--browser-updates", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    recipe = load_recipe(ROOT / "mappings")
    user, password = next(iter(DEFAULT_USERS.items()))
    rows = []
    for engine, count in (("http", args.updates), ("browser", args.browser_updates)):
        state = PortalState(latency=args.latency)
        with serve_in_thread(create_app(state)) as url:
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
        rows.append((engine, count, per_second, per_update))
    print(f"Trình mô phỏng Phần mềm, độ trễ thêm {args.latency * 1000:.0f} ms mỗi yêu cầu")
    print(f"{'engine':<8} {'updates':>7} {'updates/s':>10} {'requests/update':>16} {'vs minimum':>11}")
    for engine, count, per_second, per_update in rows:
        ratio = per_update / MIN_REQUESTS_PER_UPDATE
        print(f"{engine:<8} {count:>7} {per_second:>10.2f} {per_update:>16.2f} {ratio:>10.2f}x")
    print(f"(minimum the recipe needs: {MIN_REQUESTS_PER_UPDATE} requests — form, submit, read-back)")


if __name__ == "__main__":
    main()
