"""The office's own work on a register of N tasks (default 10,000): Excel import and export, the
periodic reports, the dashboard pages and the reminders selection.

Builds a fresh installation in a temp folder (config.toml + secrets file as the web tests do, a
SQLite register in its data folder), generates an office workbook of N task rows in the layout
`mappings/excel.toml` reads (that of `fixtures/excel/make_samples.py`, reusing its headers and
date spellings), then, in this process:
  1. `connector import-excel` (`run_import`): rows/s and peak RSS; a second import of the same file;
  2. `connector export-excel` (`run_export`): seconds and file size;
  3. a clerk records progress on some tasks (`record_progress`), so the outbox page has rows;
  4. `connector report annual` and `monthly` (`run_report`): seconds each;
  5. the reminders selection (`due_items` + `compose`, no e-mail is sent: no SMTP needed);
  6. the dashboard on 127.0.0.1 (`create_app` + `serve`): median and max ms of 20 GETs per page.
Prints figures; asserts nothing (DESIGN §3).
Run: .venv/bin/python bench/office.py [--tasks 10000] [--requests 20] [--progress K]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlmodel import col, select

from connector import clock
from connector.calendar import WorkingCalendar
from connector.cli.demo import config_text
from connector.cli.excel import run_export, run_import
from connector.cli.report import run_report
from connector.config import Config, load
from connector.log import configure
from connector.mappings import Mappings, load_all
from connector.office.reminders import compose, due_items
from connector.register.db import Register, open_register
from connector.register.tables import Document, Event, OutboxItem, Task
from connector.runtime.job import JobContext
from connector.service import ConfiguredAdapters
from connector.sync.clerk import Progress, record_progress
from fixtures.excel.make_samples import (
    COOPERATING,
    LEADS,
    SIGNS,
    TOPICS,
    TRACKERS,
    _typed,
    write_register,
)

T = TypeVar("T")
# Directives of the merged province (issuers.toml: Kon Tum's bodies end on 30/06/2025), issued
# from 1/7/2025 up to a few days before today, so reports and reminders have open tasks to list.
ISSUERS = ("UBND tỉnh Quảng Ngãi", "Chủ tịch UBND tỉnh Quảng Ngãi", "Văn phòng UBND tỉnh Quảng Ngãi")
FIRST_ISSUE = date(2025, 7, 1)
PAGES = ("/", "/so-theo-doi", "/so-theo-doi?overdue=1", "/so-theo-doi?page=50", "/nhat-ky", "/cho-cap-nhat")
USERS = {"eoffice": "bench", "portal": "bench"}
NOWHERE = "http://127.0.0.1:9"  # nothing is fetched or pushed: the import and the pages need no site


def rss_mb() -> float:
    """Peak RSS of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """RSS of this process now (Linux), to tell a stage's own growth from the peak before it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn: Callable[[], T]) -> tuple[T, float, str]:
    """(result, seconds, what it printed on stdout)."""
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        result = fn()
    return result, time.perf_counter() - started, out.getvalue()


# -- the office workbook --------------------------------------------------------------------------


def office_rows(n: int, today: date) -> list[list[Any]]:
    """N task rows (without STT): one document per row, every fifth document with a second task."""
    documents = -(-n * 5 // 6)
    span = max(1, (today - timedelta(days=3) - FIRST_ISSUE).days)
    statuses = ["Đã hoàn thành trong hạn"] * 6 + [
        "Đang thực hiện", "Đang thực hiện", "Chưa thực hiện", "Đang thực hiện, có khó khăn, vướng mắc",
    ]  # fmt: skip
    rows: list[list[Any]] = []
    j = 0
    while len(rows) < n:
        issued = FIRST_ISSUE + timedelta(days=j * span // documents)
        received = issued + timedelta(days=1 + j % 3)
        subject, task = TOPICS[j % len(TOPICS)]
        number = f"{j + 1}/{SIGNS[j % len(SIGNS)]}"
        for k in range(2 if j % 5 == 4 else 1):
            i = len(rows)
            if i == n:
                break
            deadline: Any = _typed(issued + timedelta(days=30), i + 1)
            note = None
            if i % 9 == 4:
                deadline, note = "Hằng tháng", "báo cáo trước ngày 15 hằng tháng"
            elif i % 11 == 6:
                deadline, note = None, "Không có thời hạn"
            status = statuses[i % len(statuses)]
            done_on = issued + timedelta(days=20)
            if status.startswith("Đã hoàn thành") and done_on > today:
                status = "Đang thực hiện"
            done = _typed(done_on, i) if status.startswith("Đã hoàn thành") else None
            rows.append([number if j % 97 else j + 1, _typed(issued, i), ISSUERS[j % 3], subject,
                         _typed(received, i + 2), f"{task} (văn bản {j + 1}, nhiệm vụ {k + 1})",
                         LEADS[(j + k) % len(LEADS)], COOPERATING[j % len(COOPERATING)] or None, deadline,
                         note, TRACKERS[i % 3], "Đã giao đơn vị triển khai" if i % 2 else None, status, done,
                         "Khẩn" if i % 6 == 0 else None])  # fmt: skip
        j += 1
    return rows


def write_workbook(path: Path, n: int, today: date) -> None:
    """The sample's layout, a blank row every 800 rows (between months)."""
    write_register(
        path,
        sheet=f"Theo dõi {today.year}",
        office="SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG TỈNH QUẢNG NGÃI — VĂN PHÒNG SỞ",
        title="SỔ THEO DÕI NHIỆM VỤ DO UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO",
        rows=office_rows(n, today),
        blank_before=lambda row: bool(row) and row % 800 == 0,
    )


def make_workbook(path: Path, n: int, today: date) -> float:
    """Write it in a child process, so openpyxl's memory for writing is not this process's peak."""
    started = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=write_workbook, args=(path, n, today))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"could not write the workbook (exit {child.exitcode})")
    return time.perf_counter() - started


# -- the installation -----------------------------------------------------------------------------


def installation(root: Path) -> Config:
    """config.toml and a 0600 secrets file as tests/web/test_http.py writes them; SQLite in root/data."""
    config = root / "config.toml"
    config.write_text(config_text({"eoffice": NOWHERE, "portal": NOWHERE}, USERS), encoding="utf-8")
    secrets = root / "secrets.toml"
    secrets.write_text(
        'CONNECTOR_EOFFICE_PASSWORD = "x"\nCONNECTOR_PORTAL_PASSWORD = "y"\n', encoding="utf-8"
    )
    secrets.chmod(0o600)
    return load(config, environ={})


def record_some_progress(cfg: Config, cal: WorkingCalendar, register: Register, k: int) -> tuple[int, int]:
    """A clerk records «started today» on up to K tasks not yet started; (recorded, outbox rows)."""
    with register.read() as s:
        ids = s.exec(
            select(Task.id)
            .where(
                col(Task.started_on).is_(None),
                col(Task.completed_on).is_(None),
                col(Task.needs_review).is_(False),
            )
            .order_by(col(Task.id))
            .limit(k)
        ).all()
    today = clock.today()
    for task_id in ids:
        assert task_id is not None
        record_progress(
            register, cal, Progress(task_id, today, None, "", "Đơn vị đã triển khai (bench)."), clerk="bench",
            push_working_days=cfg.profile.time_limits.push_working_days,
            portal_origins=cfg.profile.portal_origins,
        )  # fmt: skip
    with register.read() as s:
        outbox = len(s.exec(select(OutboxItem.id).where(OutboxItem.state != "pushed")).all())
    return len(ids), outbox


def reminders(cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Register) -> dict[str, float]:
    """The daily selection and the e-mails it would compose; nothing is sent (no notifier needed)."""
    ctx = JobContext(
        cfg=cfg,
        maps=maps,
        cal=cal,
        register=register,
        adapters=ConfiguredAdapters(cfg, maps),
        now=clock.now(),
    )
    today = clock.today()
    started = time.perf_counter()
    groups = due_items(ctx, today)
    selected = time.perf_counter()
    units = [(u, items) for code, items in groups.items() if (u := maps.unit(code)) is not None and u.email]
    mails = [compose(unit, items, today, cfg.profile.department) for unit, items in units]
    composed = time.perf_counter()
    return {
        "select_s": selected - started,
        "compose_s": composed - selected,
        "units": len(groups),
        "tasks": sum(len(v) for v in groups.values()),
        "mails": len(mails),
        "overdue": sum(i.days < 0 for v in groups.values() for i in v),
    }


def dashboard(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, register: Register, requests: int
) -> list[tuple[str, int, float, float, int]]:
    """(page, status, median ms, max ms, bytes) over `requests` GETs each, after one untimed GET."""
    # Imported here, not at the top: importing connector.web.auth computes an argon2 hash (64 MiB),
    # which would otherwise be the peak RSS reported for the Excel import.
    from connector.web.app import create_app, serve

    server, thread = serve(
        create_app(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps)), "127.0.0.1", 0
    )
    out = []
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for page in PAGES:
                first = client.get(page)
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(page)
                    times.append((time.perf_counter() - started) * 1000)
                out.append(
                    (page, first.status_code, statistics.median(times), max(times), len(first.content))
                )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks", type=int, default=10_000, help="task rows in the workbook (default 10,000)"
    )
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per dashboard page")
    parser.add_argument(
        "--progress", type=int, help="tasks a clerk records progress on (default N/20, ≤ 500)"
    )
    args = parser.parse_args()
    n = args.tasks
    k = args.progress if args.progress is not None else min(500, n // 20)
    configure(level="ERROR")  # the figures, not log lines
    table: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cfg = installation(root)
        maps = load_all(cfg.mappings_dir)
        cal = WorkingCalendar(maps.calendar)
        book = root / "so-theo-doi-cu.xlsx"
        build = make_workbook(book, n, clock.today())
        print(f"Workbook: {n:,} task rows, {book.stat().st_size / 1e6:.1f} MB, written in {build:.1f} s "
              "(child process)")  # fmt: skip
        base_rss, base_now = rss_mb(), current_rss_mb()

        code, first, said = timed(lambda: run_import(cfg, maps, cal, path=book))
        import_rss, import_now = rss_mb(), current_rss_mb()
        print(f"import-excel (exit {code}), {first:.1f} s: {said.splitlines()[0]}")
        for line in said.splitlines()[1:4]:
            print("  " + line)
        table += [
            ("import-excel, first", f"{first:.1f} s, {n / first:,.0f} rows/s"),
            (
                "  peak RSS",
                f"{import_rss:.0f} MB (before: peak {base_rss:.0f} MB, "
                f"now {base_now:.0f} MB; after: now {import_now:.0f} MB)",
            ),
        ]
        code, again, said = timed(lambda: run_import(cfg, maps, cal, path=book))
        print(f"import-excel again (exit {code}), {again:.1f} s: {said.splitlines()[0]}")
        table.append(("import-excel, same file again", f"{again:.1f} s, {n / again:,.0f} rows/s"))

        register = open_register(cfg.register_url)
        try:
            with register.read() as s:
                tasks = len(s.exec(select(Task.id)).all())
                docs = len(s.exec(select(Document.id)).all())
                events = len(s.exec(select(Event.id)).all())
            print(f"Register: {docs:,} documents, {tasks:,} tasks, {events:,} sync-log events")

            xlsx = root / "xuat" / "so-theo-doi.xlsx"
            code, export, said = timed(lambda: run_export(cfg, maps, cal, out=xlsx))
            print(f"export-excel (exit {code}), {export:.1f} s: {said.strip()}")
            table.append(("export-excel", f"{export:.1f} s, {xlsx.stat().st_size / 1e6:.1f} MB"))

            (recorded, outbox), progress, _ = timed(lambda: record_some_progress(cfg, cal, register, k))
            print(f"Progress recorded on {recorded} tasks in {progress:.1f} s; {outbox} outbox rows wait")
            if recorded:
                table.append(
                    ("record_progress (clerk's form)", f"{progress / recorded * 1000:.1f} ms per task")
                )

            for kind in ("annual", "monthly"):
                out = root / f"bao-cao-{kind}.xlsx"
                code, took, said = timed(lambda kind=kind, out=out: run_report(  # type: ignore[misc]
                    cfg, maps, cal, kind=kind, period=None, out=out))  # fmt: skip
                print(f"report {kind} (exit {code}), {took:.1f} s: {said.splitlines()[0]}")
                table.append((f"report {kind}", f"{took:.2f} s, {out.stat().st_size / 1e6:.2f} MB"))

            r = reminders(cfg, maps, cal, register)
            print(f"Reminders: {r['tasks']:,.0f} tasks ({r['overdue']:,.0f} overdue) for "
                  f"{r['units']:.0f} units, {r['mails']:.0f} e-mails composed, not sent")  # fmt: skip
            table += [
                ("reminders: select (due_items)", f"{r['select_s']:.2f} s, {r['tasks']:,.0f} tasks"),
                ("reminders: compose e-mails", f"{r['compose_s']:.2f} s, {r['mails']:.0f} e-mails"),
            ]

            pages = dashboard(cfg, maps, cal, register, args.requests)
        finally:
            register.dispose()
        for page, status, median, worst, size in pages:
            table.append(
                (f"GET {page}", f"median {median:7.1f} ms, max {worst:7.1f} ms ({status}, {size // 1024} KB)")
            )
        table.append(("peak RSS at the end", f"{rss_mb():.0f} MB"))

    print()
    print(
        f"Register of {n:,} tasks (SQLite, one process; dashboard: {args.requests} GETs per page "
        "after 1 untimed)"
    )
    width = max(len(a) for a, _ in table)
    for what, figure in table:
        print(f"  {what:<{width}} | {figure}")


if __name__ == "__main__":
    main()
