"""`connector demo`: the parts that exist, run against the bundled simulators, explained in Vietnamese.

It starts the eOffice and portal simulators on 127.0.0.1, writes a config and a 0600 secrets file
into a throw-away workspace, opens (creates) the register, reads every directive from eOffice,
normalises each one and reads the portal's task list. Nothing leaves this machine. The scheduler,
the outbox and the dashboard join this demo as their issues land.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from connector import clock
from connector.calendar import WorkingCalendar, due_by
from connector.config import load
from connector.mappings import load_all
from connector.normalise import classification_days, normalise
from connector.register.db import open_register
from connector.service import build_portal, build_source, load_object

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
    maps = load_all(cfg.mappings_dir)
    cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
    register = open_register(cfg.register_url)
    revision = register.revision()
    register.dispose()

    source: Any = build_source(cfg, maps, "eoffice")
    batch, _cursor = source.poll({})
    docs = list(batch)
    our = frozenset(cfg.profile.our_units)
    tally: Counter[str] = Counter()
    review_examples: list[str] = []
    for raw in docs:
        received = clock.today() if not raw.metadata.get("received_on") else None
        doc = normalise(raw, maps, cal, our_units=our, received_on=received)
        tally["văn bản mật (chỉ ghi thông báo đến)" if doc.secrecy else "văn bản thường"] += 1
        tally["nhiệm vụ"] += len(doc.tasks)
        tally["nhiệm vụ liên quan Sở"] += sum(t.concerns_us for t in doc.tasks)
        tally["văn bản cần văn thư kiểm tra"] += doc.needs_review
        tally["văn bản phân loại trong 02 ngày"] += bool(doc.tasks) and classification_days(doc) == 2
        if doc.needs_review and len(review_examples) < 3:
            review_examples.append(f"    {doc.number or raw.source_ref}: {doc.review_reasons[0]}")
    if hasattr(source, "close"):
        source.close()

    portal: Any = build_portal(cfg, maps)
    try:
        portal_tasks = list(portal.list_tasks())
    finally:
        if hasattr(portal, "close"):
            portal.close()
    by_label = Counter(t.status_label for t in portal_tasks)

    now = clock.now()
    lines = [
        "",
        "== Kết quả chạy thử ==",
        f"Sổ theo dõi: {cfg.register_url.removeprefix('sqlite:///')} (cấu trúc phiên bản {revision})",
        f"eOffice: đọc được {len(docs)} văn bản đến, "
        f"{len(batch.failed)} văn bản lỗi được để riêng chờ kiểm tra.",
        *(f"  - {k}: {v}" for k, v in tally.items()),
        *(["  Ví dụ cần kiểm tra:", *review_examples] if review_examples else []),
        f"Phần mềm theo dõi chỉ đạo điều hành: {len(portal_tasks)} nhiệm vụ giao cho Sở.",
        *(f"  - {label}: {n}" for label, n in by_label.most_common()),
        f"Hôm nay {now:%d/%m/%Y} là {'ngày làm việc' if cal.is_working(now.date()) else 'ngày nghỉ'}; "
        f"thay đổi trạng thái ghi nhận lúc này phải lên Phần mềm trước "
        f"{due_by(cal, now, cfg.profile.time_limits.push_working_days):%H:%M ngày %d/%m/%Y}.",
        f"Ngày làm việc kế tiếp sau 1 ngày: {cal.add(now.date(), 1):%d/%m/%Y}; "
        f"7 ngày lịch sau: {(now + timedelta(days=7)):%d/%m/%Y}.",
    ]
    return "\n".join(lines)
