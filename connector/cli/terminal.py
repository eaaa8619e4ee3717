"""What the command line draws on a terminal: a progress line redrawn in place, only on a TTY."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressLine:
    """`<name>: <done>/<total> văn bản`, redrawn in place on a terminal (plain `\\r`, no library)."""

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


def progress_line(name: str, stream: TextIO | None = None) -> ProgressLine | None:
    """A progress line on `stream` (stderr) when it is a terminal; None under a scheduler or a pipe."""
    stream = stream or sys.stderr
    return ProgressLine(name, stream) if is_tty(stream) else None


def is_tty(stream: TextIO) -> bool:
    """Whether `stream` is a terminal (a replaced or closed stream is not)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
