"""argparse in Vietnamese: its own words (usage, help headings, errors), for an admin who reads no English.

argparse looks its words up through the module-level `_` (gettext) at call time, so one table of the msgids
Python 3.11+ uses replaces them; an unknown msgid stays as it is rather than failing.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

_WORDS = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "unrecognized arguments: %s": "không hiểu các tham số: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "không có lựa chọn %(value)r (chọn một trong: %(choices)s)"
    ),
    "the following arguments are required: %s": "còn thiếu tham số: %s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ (cần %(type)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn %(option)s chưa rõ, có thể là %(matches)s"
    ),
    "not allowed with argument %s": "không dùng cùng tham số %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
}
_TYPES = {"int": "một số nguyên", "float": "một số"}


def _translate(msgid: str) -> str:
    return _WORDS.get(msgid, msgid)


argparse._ = _translate  # type: ignore[attr-defined]


class VietnameseParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors end with the one next step: the help of the command at hand."""

    def error(self, message: str) -> NoReturn:
        for english, viet in _TYPES.items():
            message = message.replace(f"(cần {english})", f"(cần {viet})")
        self.print_usage(sys.stderr)
        self.exit(
            2,
            f"{self.prog}: lỗi: {message}\n"
            f"Việc cần làm: xem cách dùng bằng `{self.prog} --help` rồi gõ lại lệnh.\n",
        )
