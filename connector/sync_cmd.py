"""`connector sync [SOURCE] [--since DATE]`: one intake cycle now, then exit (for a systemd timer).

Runs every enabled source whose adapter is installed (or only SOURCE), one `SyncRun` each, and
prints one Vietnamese line per source. Exit code: 0 when every run completed (documents that
could not be read are in the sync log and do not fail the run), 1 when a run failed (the source
could not be read at all: its cursor did not move, the next run starts from the same place).

On a terminal (stderr is a TTY) a progress line per source is redrawn in place with `\r`
("eoffice: 12/56 văn bản"); under a systemd timer or a pipe nothing extra is written.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from datetime import date
from typing import TextIO

from connector.calendar import WorkingCalendar
from connector.clock import now
from connector.config import Config
from connector.errors import ConfigError, ConnectorError, Problem, to_message
from connector.log import get_logger, redact_text
from connector.mappings import Mappings
from connector.register.db import Register, open_register
from connector.register.queries import log_event, start_run
from connector.register.tables import SyncRun
from connector.service import ADAPTERS, build_source
from connector.sync import RunSummary, sync_source


def run_sync(
    cfg: Config, maps: Mappings, cal: WorkingCalendar, *, source: str | None = None, since: date | None = None
) -> int:
    """Sync the chosen sources once; print a summary line each; 1 if any run failed."""
    chosen = _chosen(cfg, source)
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
    failed = False
    try:
        for name, kind in chosen:
            if not _installed(kind):
                print(
                    f"{name}: bỏ qua — bộ đọc nguồn loại «{kind}» chưa có trong phiên bản này "
                    "(tắt nguồn này bằng enabled = false trong config.toml)."
                )
                continue
            bar = ProgressLine(name, sys.stderr) if _is_tty(sys.stderr) else None
            try:
                summary = _one(register, cfg, maps, cal, name, since, bar)
            finally:
                if bar is not None:
                    bar.close()
            print(summary.line())
            if summary.failed:
                failed = True
                print(redact_text(f"{name}: {summary.message}"), file=sys.stderr)
            elif summary.counts["failed"]:
                print(
                    f"{name}: {summary.counts['failed']} văn bản chưa vào được sổ theo dõi; "
                    "xem nhật ký đồng bộ.",
                    file=sys.stderr,
                )
    finally:
        register.dispose()
    return 1 if failed else 0


class ProgressLine:
    """`<source>: <done>/<total> văn bản`, redrawn in place on a terminal (plain `\r`, no library)."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name = name
        self.stream = stream
        self.width = 0

    def __call__(self, done: int, total: int | None) -> None:
        text = f"{self.name}: {done}/{total} văn bản" if total is not None else f"{self.name}: {done} văn bản"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = max(self.width, len(text))

    def close(self) -> None:
        """Wipe the line so the summary printed next starts on a clean line."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # (a replaced or closed stream)
        return False


def _chosen(cfg: Config, only: str | None) -> list[tuple[str, str]]:
    sources = cfg.settings.source
    if only is None:
        return [(s.name, s.type) for s in sources if s.enabled]
    found = next((s for s in sources if s.name == only), None)
    if found is None:
        known = ", ".join(s.name for s in sources) or "(chưa khai báo nguồn nào)"
        expected = f"tên một nguồn đã khai báo: {known}"
        raise ConfigError([Problem("config.toml", "source", repr(only), expected)])
    if not found.enabled:
        raise ConfigError(
            [Problem("config.toml", f"source.{only}.enabled", "false", "true để đồng bộ nguồn này")]
        )
    return [(found.name, found.type)]


def _installed(kind: str) -> bool:
    """Whether the adapter module for `kind` exists (a missing optional adapter is not an error)."""
    dotted = ADAPTERS.get(kind)
    if dotted is None:
        return False
    try:
        return importlib.util.find_spec(dotted.partition(":")[0]) is not None
    except ImportError:
        return False


def _one(
    register: Register,
    cfg: Config,
    maps: Mappings,
    cal: WorkingCalendar,
    name: str,
    since: date | None,
    progress: Callable[[int, int | None], None] | None = None,
) -> RunSummary:
    try:
        source = build_source(cfg, maps, name)
    except ConnectorError as exc:  # a recipe or adapter the source cannot start with: a failed run
        return _failed_start(register, name, exc)
    try:
        return sync_source(register, source, maps, cal, cfg.profile, since=since, progress=progress)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _failed_start(register: Register, name: str, exc: ConnectorError) -> RunSummary:
    """Record a run that could not even build its source, so `connector status` shows it."""
    text = to_message(exc)
    get_logger("connector.sync").error("run_failed", source=name, error=exc.message)
    summary = RunSummary(source=name, outcome="failed", message=text)
    with register.write() as s:
        run = start_run(s, f"poll:{name}")
        summary.run_id = run.id
        run_row = s.get(SyncRun, run.id)
        assert run_row is not None
        run_row.outcome, run_row.finished_at, run_row.message = "failed", now(), text
        run_row.counts = dict(summary.counts)
        log_event(
            s,
            kind="failed",
            level="error",
            run_id=run.id,
            source=name,
            message=f"Không khởi động được nguồn {name}; vị trí đọc giữ nguyên. {text}",
        )
    return summary
