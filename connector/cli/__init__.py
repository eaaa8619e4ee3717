"""The `connector` command. Thin: each command loads what it needs and calls the core.

Imports are lazy inside commands (vdirsyncer) so `connector --help` is instant and a broken
optional part cannot stop the others. Every error goes through one handler that prints the
Vietnamese sentence of `connector.errors.to_message`, never a traceback (that goes to the log).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.calendar import WorkingCalendar
    from connector.config import Config
    from connector.mappings import Mappings

DEFAULT_CONFIG = "config.toml"


def _config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("CONNECTOR_CONFIG") or DEFAULT_CONFIG)


def load_config(args: argparse.Namespace, *, need_secrets: bool = True) -> Config:
    """Load the config named by --config, $CONNECTOR_CONFIG or ./config.toml, and set up logging.

    Commands that talk to no outside system (calendar, parse) pass `need_secrets=False`, so a
    clerk can use them on a machine where the passwords are not set.
    """
    from connector import log
    from connector.config import load
    from connector.errors import ConfigError, Problem

    path = _config_path(args)
    if not path.exists():
        raise ConfigError(
            [
                Problem(
                    str(path),
                    "",
                    "(chưa có tệp)",
                    "một tệp cấu hình; sao chép config.example.toml thành config.toml",
                )
            ],
            hint="cp config.example.toml config.toml",
        )
    cfg = load(path, collect=None if need_secrets else [])
    s = cfg.settings.log
    log.configure(level=s.level, file=cfg.log_file, max_bytes=s.max_bytes, backups=s.backups)
    return cfg


def load_parts(
    args: argparse.Namespace, *, need_secrets: bool = True
) -> tuple[Config, Mappings, WorkingCalendar]:
    """Config, mappings and the working-day calendar, each validated."""
    from connector.calendar import WorkingCalendar
    from connector.mappings import load_all

    cfg = load_config(args, need_secrets=need_secrets)
    maps = load_all(cfg.mappings_dir)
    cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
    return cfg, maps, cal


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text!r}; viết dạng 2026-11-23 hoặc 23/11/2026")


def cmd_check(args: argparse.Namespace) -> int:
    """Validate config and every mapping file, all problems at once; test the register."""
    from connector.cli.check import run_check

    return run_check(_config_path(args), live=args.live)


def cmd_calendar(args: argparse.Namespace) -> int:
    """Working-day arithmetic from the command line, with the same calendar the service uses."""
    _, _, cal = load_parts(args, need_secrets=False)
    if args.calendar_cmd == "add":
        result = cal.add(args.date, args.n)
        print(result.isoformat())
        return 0
    reason = cal.reason_off(args.date)
    if reason is None:
        print(f"{args.date.isoformat()}: ngày làm việc")
        return 0
    print(f"{args.date.isoformat()}: ngày nghỉ ({reason})")
    return 1


def cmd_parse(args: argparse.Namespace) -> int:
    """Normalise one file and print it; store nothing (exit 3 when it would go to review)."""
    from connector.cli.parse import run_parse

    cfg, maps, cal = load_parts(args, need_secrets=False)
    return run_parse(
        args.file,
        received=args.received,
        as_json=args.json,
        maps=maps,
        cal=cal,
        our_units=frozenset(cfg.profile.our_units),
    )


def cmd_sync(args: argparse.Namespace) -> int:
    """Every job of the service once now (poll each source, reconcile, push, remind, report, heartbeat).

    With SOURCE only that source's intake. `--dry-run` changes nothing anywhere: it only prints
    what the push would send. Exit 1 if a job failed.
    """
    from connector.cli.portal import run_push
    from connector.cli.sync import run_all_jobs, run_sync

    cfg, maps, cal = load_parts(args, need_secrets=not args.dry_run)
    if args.dry_run:
        return run_push(cfg, maps, cal, dry_run=True)
    if args.source is not None:
        return run_sync(cfg, maps, cal, source=args.source, since=args.since)
    return run_all_jobs(cfg, maps, cal, since=args.since)


def cmd_return(args: argparse.Namespace) -> int:
    """Send one task back on the portal (Điều 6.2): only on this explicit command, with a written reason."""
    import getpass

    from connector.cli.portal import run_return

    cfg, maps, _cal = load_parts(args)
    return run_return(cfg, maps, task_id=args.task, reason=args.reason, actor=getpass.getuser())


def cmd_run(args: argparse.Namespace) -> int:
    """The service: every job on its schedule plus the dashboard, until SIGTERM (single instance)."""
    from connector.cli.run import run

    cfg, maps, cal = load_parts(args)
    return run(cfg, maps, cal)


def cmd_rerun(args: argparse.Namespace) -> int:
    """Fetch one document again from its source, show what changed, store it and push its tasks."""
    from connector.cli.rerun import run_rerun

    cfg, maps, cal = load_parts(args)
    return run_rerun(cfg, maps, cal, ref=args.ref)


def cmd_log(args: argparse.Namespace) -> int:
    """The sync log: runs and per-document events, newest last."""
    from connector.cli.log import run_log

    cfg = load_config(args, need_secrets=False)
    return run_log(cfg, since=args.since, doc=args.doc, failed=args.failed, as_json=args.json)


def cmd_status(args: argparse.Namespace) -> int:
    """Last run of each job, task counts by status, outbox due / at risk / late, review queue."""
    from connector.cli.log import run_status

    cfg, maps, cal = load_parts(args, need_secrets=False)
    return run_status(cfg, maps, cal, as_json=args.json)


def cmd_report(args: argparse.Namespace) -> int:
    """Write one periodic report (.xlsx) in the Phụ lục layout."""
    from connector.cli.report import run_report

    cfg, maps, cal = load_parts(args, need_secrets=False)
    return run_report(cfg, maps, cal, kind=args.kind, period=args.period, out=args.out)


def cmd_export_excel(args: argparse.Namespace) -> int:
    """Write the register to an Excel workbook with the Điều 5 columns."""
    from connector.cli.excel import run_export

    cfg, maps, cal = load_parts(args, need_secrets=False)
    return run_export(cfg, maps, cal, out=args.file)


def cmd_import_excel(args: argparse.Namespace) -> int:
    """Take an office's existing Excel register into the register (a second import adds nothing)."""
    from connector.cli.excel import run_import

    cfg, maps, cal = load_parts(args, need_secrets=False)
    return run_import(cfg, maps, cal, path=args.file)


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Ask for a password twice and print its argon2 hash for a [[web.user]] entry."""
    from connector.cli.password import run_hash_password

    return run_hash_password()


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the parts that exist against bundled data in a throw-away workspace."""
    from connector.cli.demo import run_demo

    return run_demo(once=args.once, workdir=args.workdir, database_url=args.database_url)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; `--help` lists only commands that work."""
    from connector.cli.args import VietnameseParser

    parser = VietnameseParser(
        prog="connector",
        description="Theo dõi nhiệm vụ được giao và cập nhật Phần mềm theo dõi chỉ đạo điều hành.",
    )
    config_help = (
        "tệp cấu hình (mặc định: $CONNECTOR_CONFIG hoặc ./config.toml); viết trước hay sau LỆNH đều được"
    )
    parser.add_argument("--config", metavar="TỆP", help=config_help)
    # The same option on every command, so `connector check --config x.toml` works too; SUPPRESS keeps
    # a value given before the command when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="TỆP", default=argparse.SUPPRESS, help=config_help)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="LỆNH", parser_class=VietnameseParser, title="các lệnh"
    )
    _add_parser = sub.add_parser

    def add_parser(name: str, **kwargs: object) -> argparse.ArgumentParser:
        return _add_parser(name, parents=[common], **kwargs)  # type: ignore[arg-type,list-item]

    sub.add_parser = add_parser  # type: ignore[method-assign,assignment]

    p = sub.add_parser("check", help="kiểm tra cấu hình, các tệp ánh xạ và sổ theo dõi")
    p.add_argument(
        "--live",
        action="store_true",
        help="đăng nhập thử và mở từng trang đọc của eOffice, Phần mềm theo dõi (chỉ đọc, không gửi gì)",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("calendar", help="tính ngày làm việc")
    csub = p.add_subparsers(dest="calendar_cmd", required=True, metavar="LỆNH", parser_class=VietnameseParser)
    a = csub.add_parser("add", help="ngày làm việc thứ N sau DATE (không tính ngày DATE)")
    a.add_argument("date", type=_parse_date, metavar="DATE")
    a.add_argument("n", type=int, metavar="N")
    w = csub.add_parser("is-working", help="DATE có phải ngày làm việc không (mã thoát 0 nếu có)")
    w.add_argument("date", type=_parse_date, metavar="DATE")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("parse", help="đọc và chuẩn hóa một văn bản (không lưu)")
    p.add_argument("file", type=Path, metavar="FILE", help=".txt .html .eml .edxml .xml .pdf .docx")
    p.add_argument(
        "--received", type=_parse_date, default=None, metavar="YYYY-MM-DD", help="ngày nhận văn bản"
    )
    p.add_argument("--json", action="store_true", help="in JSON theo DESIGN §9")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser(
        "sync",
        help="một vòng ngay bây giờ: đọc văn bản đến, đối chiếu và cập nhật Phần mềm theo dõi, rồi thoát",
    )
    p.add_argument("source", nargs="?", default=None, metavar="SOURCE", help="chỉ đồng bộ nguồn có tên này")
    p.add_argument(
        "--since", type=_parse_date, default=None, metavar="YYYY-MM-DD", help="đọc lại từ ngày này (bổ sung)"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="không đọc, không gửi gì: chỉ in những gì sẽ cập nhật lên Phần mềm",
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "return", help="trả lại một nhiệm vụ không thuộc chức năng của Sở (Điều 6.2), kèm lý do"
    )
    p.add_argument("task", type=int, metavar="TASK", help="số thứ tự nhiệm vụ trong sổ theo dõi")
    p.add_argument("--reason", required=True, help="lý do trả lại, ghi rõ để gửi cơ quan ban hành")
    p.set_defaults(func=cmd_return)

    p = sub.add_parser("run", help="chạy dịch vụ: mọi việc theo lịch và trang theo dõi (chỉ một bản chạy)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("rerun", help="lấy lại một văn bản từ nguồn, cho biết thay đổi, lưu và cập nhật")
    p.add_argument("ref", metavar="REF", help="số hiệu văn bản, mã văn bản ở nguồn, hoặc số nhiệm vụ")
    p.set_defaults(func=cmd_rerun)

    p = sub.add_parser("log", help="nhật ký đồng bộ: các lần chạy và từng văn bản")
    p.add_argument("--since", type=_parse_date, default=None, metavar="YYYY-MM-DD", help="từ ngày này")
    p.add_argument("--doc", default=None, metavar="REF", help="chỉ dòng của một văn bản")
    p.add_argument("--failed", action="store_true", help="chỉ các lỗi")
    p.add_argument("--json", action="store_true", help="mỗi dòng một đối tượng JSON")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("status", help="lần chạy gần nhất, số nhiệm vụ, việc chờ cập nhật, chờ kiểm tra")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="lập báo cáo định kỳ (.xlsx) theo mẫu Phụ lục")
    p.add_argument("kind", choices=["monthly", "quarterly", "half-year", "annual"], metavar="KIND",
                   help="monthly | quarterly | half-year | annual")  # fmt: skip
    p.add_argument("--period", default=None, metavar="P", help="kỳ báo cáo: 2026-11, 2026-Q4, 2026-H2, 2026")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.xlsx", help="tệp kết quả")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export-excel", help="xuất sổ theo dõi ra tệp Excel (các cột theo Điều 5)")
    p.add_argument("file", type=Path, metavar="FILE", help="tệp .xlsx sẽ ghi")
    p.set_defaults(func=cmd_export_excel)

    p = sub.add_parser("import-excel", help="nhập sổ theo dõi Excel sẵn có (nhập lại không ghi trùng)")
    p.add_argument("file", type=Path, metavar="FILE", help="tệp .xlsx của Văn phòng")
    p.set_defaults(func=cmd_import_excel)

    p = sub.add_parser("hash-password", help="tạo mã băm mật khẩu cho một tài khoản trang theo dõi")
    p.set_defaults(func=cmd_hash_password)

    p = sub.add_parser("demo", help="chạy thử với dữ liệu mẫu kèm theo")
    p.add_argument("--once", action="store_true", help="chạy một vòng, in tóm tắt rồi thoát")
    p.add_argument("--workdir", type=Path, default=None, help="thư mục làm việc của bản chạy thử")
    p.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="sổ theo dõi trên PostgreSQL (postgresql+psycopg://…) thay cho tệp SQLite của bản chạy thử",
    )
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return run_guarded(lambda: func(args))


def run_guarded(action: Callable[[], int]) -> int:
    """Run a command; any error becomes one Vietnamese message on stderr (traceback only in the log)."""
    from connector.errors import ConnectorError, UserError, to_message
    from connector.log import get_logger, redact_text

    try:
        return action()
    except BrokenPipeError:  # `connector log | head`: the reader has what it wanted; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    except ConnectorError as exc:
        if not isinstance(exc, UserError):
            get_logger().error("command_failed", error=exc.message)
        print(redact_text(to_message(exc)), file=sys.stderr)
        return 2 if isinstance(exc, UserError) else 1
    except Exception as exc:  # the last line of defence: a sentence for the clerk, the trace for the admin
        get_logger().exception("command_crashed")
        print(redact_text(to_message(exc)), file=sys.stderr)
        return 1
