"""`connector demo`: the whole service against bundled simulators on this machine, explained in Vietnamese.

It starts the eOffice and portal simulators, a real mailbox (Dovecot, when installed) holding a
few directives, and an outgoing-mail sink that files reminders as .eml; writes a config, a 0600
secrets file and a dashboard account into a throw-away workspace; then runs the service
(`connector run`: scheduler + dashboard) until Ctrl+C. With `--once` it runs every job once, then,
as a clerk would on the dashboard, records two units' progress reports, runs every job again
(the changes reach the portal; nothing is stored or sent twice) and prints a summary.
Nothing leaves this machine: every address is 127.0.0.1.
"""

from __future__ import annotations

import secrets
import socket
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from connector import clock, log
from connector.calendar import WorkingCalendar, due_by
from connector.config import Config, load
from connector.mappings import load_all
from connector.register.db import open_register
from connector.register.tables import Document, OutboxItem, ReviewItem, Task

PROJECT = Path(__file__).resolve().parents[2]
DEMO_USER = "vanthu"


@dataclass
class DemoSite:
    """Where the simulators listen and the accounts the demo config names."""

    urls: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    mail: Any = None
    smtp: tuple[str, int] | None = None
    web_port: int = 8765
    web_password: str = ""
    database_url: str | None = None


def config_text(urls: dict[str, str], users: dict[str, str], site: DemoSite | None = None) -> str:
    """The demo's config.toml; tests reuse it with only `urls` and `users` (eOffice + portal)."""
    text = f"""# Cấu hình do `connector demo` tạo: chỉ dùng với các trình mô phỏng trên máy này.
profile = "nong-nghiep-2022"

[paths]
mappings = "{PROJECT / "mappings"}"
data_dir = "data"
secrets_file = "secrets.toml"

[[source]]
name = "eoffice"
type = "eoffice"
interval_minutes = 2
base_url = "{urls["eoffice"]}"
username = "{users["eoffice"]}"
password_env = "CONNECTOR_EOFFICE_PASSWORD"
overlap_days = 2

[portal]
base_url = "{urls["portal"]}"
username = "{users["portal"]}"
password_env = "CONNECTOR_PORTAL_PASSWORD"
"""
    if site is None:
        return text
    if site.mail is not None:
        text += f"""
[[source]]
name = "hopthu"
type = "mail"
interval_minutes = 2
host = "{site.mail.host}"
port = {site.mail.port}
ssl = false
username = "{site.mail.username}"
password_env = "CONNECTOR_MAIL_PASSWORD"
"""
    if site.smtp is not None:
        text += f"""
[smtp]
host = "{site.smtp[0]}"
port = {site.smtp[1]}
security = "none"
sender = "vanphong@so-nong-nghiep.example.vn"
admin_email = "quantri@so-nong-nghiep.example.vn"
"""
    from argon2 import PasswordHasher

    if site.database_url:
        text += f"""
[database]
url = "{site.database_url}"
"""
    text += f"""
[scheduler]
push_interval_minutes = 1
heartbeat_minutes = 1

[web]
host = "127.0.0.1"
port = {site.web_port}

[[web.user]]
name = "{DEMO_USER}"
full_name = "Văn thư (chạy thử)"
password_hash = "{PasswordHasher().hash(site.web_password)}"
"""
    return text


def run_demo(*, once: bool, workdir: Path | None = None, database_url: str | None = None) -> int:
    """Run the demo; with `once`, every job once and a summary, else the service until Ctrl+C.

    `database_url` puts the register on that database (PostgreSQL) instead of the workspace's file.
    """
    work = (workdir or Path.cwd() / "demo-data").resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"Thư mục chạy thử: {work}")
    with ExitStack() as stack:
        site = _start_site(stack, work)
        site.database_url = database_url
        config_file = _write_config(work, site)
        cfg = load(config_file, environ={})
        log.configure(level="INFO", file=cfg.log_file)  # details to the JSON log; the terminal gets the lines
        maps = load_all(cfg.mappings_dir)
        cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
        if once:
            from connector.cli.sync import run_all_jobs

            run_all_jobs(cfg, maps, cal)
            print("\n== Văn thư ghi nhận báo cáo của đơn vị (như trên trang theo dõi) ==")
            _record_reports(cfg, cal)
            print("\n== Chạy lại mọi việc (không được ghi trùng, không gửi trùng) ==")
            run_all_jobs(cfg, maps, cal)
            print(_summary(cfg, cal, config_file, work))
            return 0
        print(
            f"\nTrang theo dõi: http://127.0.0.1:{site.web_port}/  — đăng nhập: {DEMO_USER} / "
            f"{site.web_password} (tài khoản chỉ dùng cho bản chạy thử này)"
        )
        print("Dịch vụ đang chạy; nhấn Ctrl+C để dừng.")
        from connector.cli.run import run

        return run(cfg, maps, cal)


def _start_site(stack: ExitStack, work: Path) -> DemoSite:
    """Simulators, mailbox and mail sink, each stopped when the demo ends.

    The demo is the one module of the core that names `fixtures` (the architecture test checks it):
    the bundled simulators are its whole point, and they are imported only when it runs.
    """
    from fixtures import demo_seed
    from fixtures.dovecot import server as dovecot
    from fixtures.simulators import eoffice, portal
    from fixtures.simulators.eoffice.state import EOfficeState
    from fixtures.simulators.portal.state import DEFAULT_USERS as PORTAL_USERS
    from fixtures.simulators.portal.state import PortalState
    from fixtures.simulators.serve import serve_in_thread
    from fixtures.simulators.smtp_sink import smtp_sink

    site = DemoSite()
    eoffice_state = EOfficeState()
    apps = {
        "eoffice": (eoffice.create_app(eoffice_state), eoffice.DEFAULT_USERS),
        "portal": (
            portal.create_app(PortalState(tasks=demo_seed.portal_tasks(eoffice_state, clock.today()))),
            PORTAL_USERS,
        ),
    }
    for name, (app, known) in apps.items():
        site.urls[name] = stack.enter_context(serve_in_thread(app))
        site.users[name], site.passwords[name] = next(iter(known.items()))
        print(f"Trình mô phỏng {name}: {site.urls[name]}")
    try:
        site.mail = stack.enter_context(dovecot.dovecot_server())
    except RuntimeError as exc:  # Dovecot not installed: the demo goes on without the mailbox
        print(f"Hộp thư mô phỏng không chạy được, bỏ qua nguồn hộp thư. {exc}")
    else:
        messages = demo_seed.mailbox_messages(eoffice_state, to=site.mail.username)
        dovecot.deliver(site.mail, messages)
        print(f"Hộp thư công vụ mô phỏng (IMAP): {site.mail.host}:{site.mail.port}, {len(messages)} thư")
    site.smtp = stack.enter_context(smtp_sink(work / "thu-da-gui"))
    print(f"Máy chủ thư đi mô phỏng: thư nhắc việc được lưu vào {work / 'thu-da-gui'}")
    site.web_port = _free_port(8765)
    site.web_password = secrets.token_urlsafe(9)
    return site


def _write_config(work: Path, site: DemoSite) -> Path:
    config_file = work / "config.toml"
    config_file.write_text(config_text(site.urls, site.users, site), encoding="utf-8")
    secrets_file = work / "secrets.toml"
    secrets_file.touch(mode=0o600)
    secrets_file.chmod(0o600)
    lines = [
        f'CONNECTOR_EOFFICE_PASSWORD = "{site.passwords["eoffice"]}"',
        f'CONNECTOR_PORTAL_PASSWORD = "{site.passwords["portal"]}"',
    ]
    if site.mail is not None:
        lines.append(f'CONNECTOR_MAIL_PASSWORD = "{site.mail.password}"')
    secrets_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config_file


def _record_reports(cfg: Config, cal: WorkingCalendar) -> None:
    """Two units report on tasks the portal also lists: one started, one finished (the dashboard's form)."""
    from connector.sync.clerk import Progress, record_progress

    register = open_register(cfg.register_url)
    try:
        with register.read() as s:
            stmt = (
                select(Task)
                .where(col(Task.portal_ref).is_not(None), Task.needs_review == False)  # noqa: E712 (SQL)
                .order_by(col(Task.id))
                .limit(2)
            )
            tasks = s.exec(stmt).all()
        today = clock.today()
        for task, (started, done, note) in zip(
            tasks,
            [
                (today, None, "Đơn vị đang triển khai, dự kiến hoàn thành đúng hạn."),
                (today, today, "Đã hoàn thành; báo cáo kết quả gửi kèm."),
            ],
            strict=False,
        ):
            assert task.id is not None
            report = Progress(task.id, started, done, "", note)
            line = record_progress(
                register, cal, report, clerk="vanthu (chạy thử)",
                push_working_days=cfg.profile.time_limits.push_working_days,
                portal_origins=cfg.profile.portal_origins,
            )  # fmt: skip
            print(line)
    finally:
        register.dispose()


def _free_port(preferred: int) -> int:
    """`preferred` when nothing listens there (the documented address), else any free port."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(cfg: Config, cal: WorkingCalendar, config_file: Path, work: Path) -> str:
    """What is in the register now, in the clerk's words."""
    from connector.register.views import review_open, task_counts

    register = open_register(cfg.register_url)
    try:
        with register.read() as s:
            states = Counter(s.exec(select(Document.state)).all())
            by_status = task_counts(s, clock.today())
            review = review_open(s)
            reasons = s.exec(select(ReviewItem.reasons).where(ReviewItem.state == "open").limit(3)).all()
            done = select(func.count()).select_from(OutboxItem).where(col(OutboxItem.state) == "pushed")
            pushed = s.exec(done).one()
    finally:
        register.dispose()
    now = clock.now()
    push_by = due_by(cal, now, cfg.profile.time_limits.push_working_days)
    sent = sorted((work / "thu-da-gui").glob("*.eml"))
    lines = [
        "",
        "== Kết quả chạy thử ==",
        f"Văn bản trong sổ theo dõi: {sum(states.values())} "
        f"({states['registered']} đã vào sổ, {states['review']} chờ văn thư kiểm tra, "
        f"{states['secret_notice']} văn bản mật chỉ ghi thông báo đến).",
        f"Nhiệm vụ của Sở theo trạng thái ({sum(by_status.values())}):",
        *(f"  - {label}: {n}" for label, n in by_status.items() if n),
        f"Chờ văn thư kiểm tra: {review} văn bản.",
        *(
            ["Ví dụ lý do cần kiểm tra:", *(f"  - {r}" for r in dict.fromkeys(r[0] for r in reasons if r))]
            if reasons
            else []
        ),
        f"Đã cập nhật lên Phần mềm theo dõi: {pushed} thay đổi trạng thái.",
        f"Thư nhắc việc đã gửi (lưu tại {work / 'thu-da-gui'}): {len(sent)}.",
        f"Hôm nay {now:%d/%m/%Y} là {'ngày làm việc' if cal.is_working(now.date()) else 'ngày nghỉ'}; "
        f"thay đổi trạng thái ghi nhận lúc này phải lên Phần mềm trước {push_by:%H:%M ngày %d/%m/%Y}.",
        f"Nhật ký đồng bộ: .venv/bin/connector --config {config_file} log",
        f"Tình trạng: .venv/bin/connector --config {config_file} status",
        "Chạy dịch vụ và trang theo dõi: make demo (hoặc .venv/bin/connector demo)",
    ]
    return "\n".join(lines)
