"""Logging: structlog JSON lines to a rotating file, readable lines on a terminal, secrets redacted.

Every record, ours or a library's (APScheduler, httpx, SQLAlchemy through stdlib `logging`), goes
through one `ProcessorFormatter`, so the redactor sees all of them. Redaction runs *after* the
exception is rendered to text, so a password inside a traceback or an exception message is
replaced as well. Secrets are registered by `connector.config` the moment they are read.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from connector.clock import TZ

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
MASK = "***"
EventDict = MutableMapping[str, Any]


def register_secret(value: str) -> None:
    """Remember a credential so that no log line will ever contain it."""
    if value and len(value) >= 3:
        with _LOCK:
            _SECRETS.add(value)


def redact_text(text: str) -> str:
    """`text` with every registered secret replaced by ***."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    if isinstance(value, BaseException | bytes):
        return redact_text(str(value))
    return value


def redact(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask registered secrets in every value (after exceptions are rendered)."""
    return {k: _redact_value(v) for k, v in event_dict.items()}


def _vn_timestamp(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """ISO time with the +07:00 offset: the office's clock, whatever zone the server runs in."""
    event_dict["timestamp"] = datetime.now(TZ).isoformat(timespec="milliseconds")
    return event_dict


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    _vn_timestamp,
]


def configure(
    *, level: str = "INFO", file: Path | None = None, max_bytes: int = 10_000_000, backups: int = 10
) -> None:
    """Route structlog and stdlib logging to a rotating JSON file and (if a TTY) a readable stderr."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_connector", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        fh = _RotatingFile(file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        fh.setFormatter(_formatter(structlog.processors.JSONRenderer(ensure_ascii=False)))
        handlers.append(fh)
    console = logging.StreamHandler(sys.stderr)
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    console.setFormatter(_formatter(renderer))
    console.setLevel(logging.WARNING if file is not None else getattr(logging, level))
    handlers.append(console)
    for handler in handlers:
        handler._connector = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(getattr(logging, level))


class _RotatingFile(logging.handlers.RotatingFileHandler):
    """Rotates on the size in bytes: the stock handler compares the file's byte size with the new
    line's length in *characters*, so Vietnamese lines (2-3 bytes a letter) grew the file past
    `max_bytes`."""

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        base = Path(self.baseFilename)
        if base.exists() and not base.is_file():
            return False  # (e.g. /dev/null: never rotate a special file)
        if self.stream is None:
            self.stream = self._open()
        if self.maxBytes <= 0:
            return False
        size = len((self.format(record) + self.terminator).encode(self.encoding or "utf-8"))
        self.stream.seek(0, 2)
        return bool(self.stream.tell() and self.stream.tell() + size > self.maxBytes)


def _formatter(renderer: Any) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )


def get_logger(name: str = "connector") -> Any:
    """A structlog logger bound to `name`; safe to create at import time."""
    return structlog.get_logger(name)
