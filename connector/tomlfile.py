"""Reading admin-edited TOML with errors a person can act on: file, line, key, value, expectation.

`tomllib` reports syntax errors with a line; pydantic reports validation errors with a key path.
`locate` maps such a path (("unit", 3, "code")) back to the line that holds it, so an IT admin
is told "mappings/units.toml, dòng 42" rather than "unit.3.code".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connector.errors import ConfigError, MappingError, Problem

M = TypeVar("M", bound=BaseModel)
_URL_PASSWORD = re.compile(r"(://[^/@:\s]+:)[^/@\s]+@")  # user:password@ in a URL: never echo the password

_EXPECTED = {
    "missing": "phải có (khóa bắt buộc)",
    "extra_forbidden": "không có khóa này (kiểm tra chính tả hoặc xóa đi)",
    "string_type": "một chuỗi văn bản trong dấu nháy",
    "int_type": "một số nguyên",
    "int_parsing": "một số nguyên",
    "float_type": "một số",
    "float_parsing": "một số",
    "bool_type": "true hoặc false",
    "bool_parsing": "true hoặc false",
    "date_type": "một ngày dạng YYYY-MM-DD",
    "date_parsing": "một ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "một ngày dạng YYYY-MM-DD",
    "time_type": "một giờ dạng HH:MM",
    "time_parsing": "một giờ dạng HH:MM",
    "list_type": "một danh sách [ ... ]",
    "dict_type": "một bảng [ ... ]",
    "model_type": "một bảng [ ... ]",
    "greater_than_equal": "một số không nhỏ hơn {ge}",
    "greater_than": "một số lớn hơn {gt}",
    "less_than_equal": "một số không lớn hơn {le}",
    "string_too_short": "một chuỗi không rỗng",
    "too_short": "ít nhất {min_length} phần tử",
    "url_parsing": "một địa chỉ URL đầy đủ, ví dụ https://…",
    "url_scheme": "một địa chỉ bắt đầu bằng http:// hoặc https://",
}
_PATTERNS = {  # the patterns our settings use, said in words
    r"^CONNECTOR_[A-Z0-9_]+$": "tên một biến môi trường: CONNECTOR_ rồi chữ in hoa, số hoặc _",
    r"^[a-z0-9_-]+$": "một tên ngắn: chữ thường không dấu, số, - hoặc _",
    r"^[a-z0-9-]+$": "một tên: chữ thường không dấu, số hoặc -",
    r"^[a-z0-9._-]+$": "tên đăng nhập: chữ thường không dấu, số, dấu chấm, - hoặc _",
    r"^\$argon2(id|i|d)\$": "mã băm do lệnh `connector hash-password` in ra (bắt đầu bằng $argon2id$)",
}
_HIDDEN_KEYS = ("password_hash",)
"""Never echoed: an admin who pasted a password where its hash belongs must not see it printed."""


def read_toml(path: Path, *, error: type[MappingError | ConfigError]) -> tuple[dict[str, Any], str]:
    """Parse one TOML file; a syntax error becomes `error` naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error([Problem(str(path), "", "(không tồn tại)", "một tệp TOML có ở đường dẫn này")]) from None
    except UnicodeDecodeError:
        raise error([Problem(str(path), "", "(không phải UTF-8)", "tệp lưu bằng mã UTF-8")]) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise error(
            [Problem(str(path), "", f"sai cú pháp TOML ({exc})", "cú pháp TOML hợp lệ", line)]
        ) from None


def validate(
    model: type[M], data: dict[str, Any], *, path: Path, text: str, error: type[MappingError | ConfigError]
) -> M:
    """Validate `data` against `model`, turning every pydantic error into a located `Problem`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(problems_from(exc, path=path, text=text, data=data)) from None


def _data_path(loc: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """`loc` without the parts pydantic adds that are not in the file (union tags, validator names)."""
    kept: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict) and isinstance(part, str):
            node = None  # a missing or unknown key: keep it, it is what the problem is about
        else:
            continue
        kept.append(part)
    return tuple(kept)


def problems_from(exc: ValidationError, *, path: Path, text: str, data: Any = None) -> list[Problem]:
    """All problems of one validation error, each with the line that holds its key."""
    problems = []
    for err in exc.errors():
        loc = _data_path(err["loc"], data) if data is not None else tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        found = (
            "(không có)" if err["type"] == "missing" else _URL_PASSWORD.sub(r"\1***@", repr(err.get("input")))
        )
        if str(loc[-1] if loc else "") in _HIDDEN_KEYS and err["type"] != "missing":
            found = "(ẩn)"
        if err["type"] == "string_pattern_mismatch":
            pattern = str(err.get("ctx", {}).get("pattern", ""))
            expected = _PATTERNS.get(pattern, f"một giá trị theo mẫu {pattern}")
        elif err["type"] in ("value_error", "assertion_error"):
            expected = str(err.get("ctx", {}).get("error", err["msg"]))
        elif err["type"] == "literal_error":
            expected = "một trong: " + str(err.get("ctx", {}).get("expected", ""))
        else:
            expected = _EXPECTED.get(err["type"], err["msg"]).format(**err.get("ctx", {}))
        problems.append(Problem(str(path), key, found, expected, locate(text, loc)))
    return problems


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line number (1-based) of the key at `loc` in TOML `text`.

    Understands the shapes our files use: top-level keys, `[table]`, `[[array.of.tables]]` (the
    n-th header), and dotted keys inside them. Returns the nearest enclosing line found.
    """
    lines = text.splitlines()
    start, end, best = 0, len(lines), None
    prefix: list[str] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, str) and isinstance(nxt, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join([*prefix, part])) + r"\s*\]\]")
            hits = [n for n in range(start, end) if header.match(lines[n])]
            if nxt < len(hits):
                start = hits[nxt]
                best = start + 1
                following = [n for n in range(start + 1, end) if re.match(r"^\s*\[", lines[n])]
                end = following[0] if following else end
                prefix = []
                i += 2
                continue
        if isinstance(part, str):
            table = re.compile(r"^\s*\[\s*" + re.escape(".".join([*prefix, part])) + r"\s*\]")
            key = re.compile(r"^\s*\"?" + re.escape(part) + r"\"?\s*=")
            found_table = next((n for n in range(start, end) if table.match(lines[n])), None)
            if found_table is not None:
                start, best = found_table, found_table + 1
                following = [n for n in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[n])]
                end = following[0] if following else len(lines)
                prefix = []
            else:
                found_key = next((n for n in range(start, end) if key.match(lines[n])), None)
                if found_key is None:
                    prefix.append(part)
                else:
                    best = found_key + 1
        i += 1
    return best
