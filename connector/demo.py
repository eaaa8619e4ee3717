"""`connector demo`: the parts that exist, run against the bundled simulators, explained in Vietnamese.

It starts the eOffice and portal simulators on 127.0.0.1, writes a config and a 0600 secrets file
into a throw-away workspace, opens (creates) the register, reads every directive from eOffice,
stores each one through the real intake (twice, to show that nothing is stored twice) and reads
the portal's task list. Nothing leaves this machine. The scheduler, the outbox and the dashboard
join this demo as their issues land.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlmodel import select

from connector import clock, log
from connector.calendar import WorkingCalendar, due_by
from connector.config import load
from connector.mappings import load_all
from connector.register.db import open_register
from connector.register.queries import task_facts
from connector.register.tables import Document, ReviewItem, Task
from connector.service import build_portal, build_source, load_object
from connector.status import derive_status
from connector.sync import sync_source

PROJECT = Path(__file__).resolve().parent.parent
SIMULATORS = {
    "eoffice": ("fixtures.simulators.eoffice:create_app", "fixtures.simulators.eoffice:DEFAULT_USERS"),
    "portal": ("fixtures.simulators.portal:create_app", "fixtures.simulators.portal.state:DEFAULT_USERS"),
}


def _config_text(urls: dict[str, str], users: dict[str, str]) -> str:
    return f"""# Cấu hình do `connector demo` tạo: chỉ dùng với các trình mô phỏng trên máy này.
profile = "nong-nghiep-2022"

[paths]
mappings = "{PROJECT / "mappings"}"
data_dir = "data"
secrets_file = "secrets.toml"

[[source]]
name = "eoffice"
type = "eoffice"
base_url = "{urls["eoffice"]}"
username = "{users["eoffice"]}"
password_env = "CONNECTOR_EOFFICE_PASSWORD"
overlap_days = 2

[portal]
base_url = "{urls["portal"]}"
username = "{users["portal"]}"
password_env = "CONNECTOR_PORTAL_PASSWORD"
"""


def run_demo(*, once: bool, workdir: Path | None = None) -> int:
    """Run the demo; with `once`, one cycle and a summary, else keep the simulators up until Ctrl-C."""
    serve_in_thread = load_object("fixtures.simulators.serve:serve_in_thread")
    work = (workdir or Path.cwd() / "demo-data").resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"Thư mục chạy thử: {work}")
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        users: dict[str, str] = {}
        passwords: dict[str, str] = {}
        for name, (factory, accounts) in SIMULATORS.items():
            urls[name] = stack.enter_context(serve_in_thread(load_object(factory)()))
            known: dict[str, str] = load_object(accounts)
            users[name], passwords[name] = next(iter(known.items()))
            print(f"Trình mô phỏng {name}: {urls[name]}")
        (work / "config.toml").write_text(_config_text(urls, users), encoding="utf-8")
        secrets = work / "secrets.toml"
        secrets.touch(mode=0o600)
        secrets.chmod(0o600)
        secrets.write_text(
            f'CONNECTOR_EOFFICE_PASSWORD = "{passwords["eoffice"]}"\n'
            f'CONNECTOR_PORTAL_PASSWORD = "{passwords["portal"]}"\n',
            encoding="utf-8",
        )
        summary = _one_cycle(work / "config.toml")
        print(summary)
        if once:
            return 0
        print("Các trình mô phỏng vẫn chạy. Nhấn Ctrl+C để dừng.")
        while True:
            time.sleep(3600)


def _one_cycle(config_file: Path) -> str:
    cfg = load(config_file, environ={})
    log.configure(level="INFO", file=cfg.log_file)  # details to the JSON log; the terminal gets the summary
    maps = load_all(cfg.mappings_dir)
    cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
    register = open_register(cfg.register_url)
    try:
        source: Any = build_source(cfg, maps, "eoffice")
        try:
            first = sync_source(register, source, maps, cal, cfg.profile)
            again = sync_source(register, source, maps, cal, cfg.profile)
        finally:
            if hasattr(source, "close"):
                source.close()
        with register.read() as s:
            states = Counter(s.exec(select(Document.state)).all())
            tasks = s.exec(select(Task)).all()
            reasons = s.exec(select(ReviewItem.reasons).where(ReviewItem.state == "open").limit(3)).all()
    finally:
        register.dispose()

    portal: Any = build_portal(cfg, maps)
    try:
        portal_tasks = list(portal.list_tasks())
    finally:
        if hasattr(portal, "close"):
            portal.close()
    by_label = Counter(t.status_label for t in portal_tasks)
    today = clock.today()
    by_status = Counter(str(derive_status(task_facts(t), today)) for t in tasks)

    now = clock.now()
    push_by = due_by(cal, now, cfg.profile.time_limits.push_working_days)
    lines = [
        "",
        "== Kết quả chạy thử ==",
        f"Sổ theo dõi: {cfg.register_url.removeprefix('sqlite:///')}",
        f"Lần đồng bộ 1 — {first.line()}",
        f"Lần đồng bộ 2 (chạy lại, không được ghi trùng) — {again.line()}",
        f"Văn bản trong sổ: {sum(states.values())} "
        f"({states['registered']} đã vào sổ, {states['review']} chờ văn thư kiểm tra, "
        f"{states['secret_notice']} văn bản mật chỉ ghi thông báo đến).",
        f"Nhiệm vụ trong sổ: {len(tasks)}, trong đó {sum(t.concerns_us for t in tasks)} liên quan đến Sở.",
        *(f"  - {label}: {n}" for label, n in by_status.most_common()),
        *(
            ["Ví dụ lý do cần kiểm tra:", *(f"  - {r}" for r in dict.fromkeys(r[0] for r in reasons if r))]
            if reasons
            else []
        ),
        f"Phần mềm theo dõi chỉ đạo điều hành: {len(portal_tasks)} nhiệm vụ giao cho Sở.",
        *(f"  - {label}: {n}" for label, n in by_label.most_common()),
        f"Hôm nay {now:%d/%m/%Y} là {'ngày làm việc' if cal.is_working(now.date()) else 'ngày nghỉ'}; "
        f"thay đổi trạng thái ghi nhận lúc này phải lên Phần mềm trước {push_by:%H:%M ngày %d/%m/%Y}.",
        f"Nhật ký chi tiết (JSON): {cfg.log_file}",
        f"Chạy lại một vòng: .venv/bin/connector --config {config_file} sync",
    ]
    return "\n".join(lines)
