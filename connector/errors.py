"""Every error the service raises, and the one function that tells a clerk what to do about it.

The tree (what a caller may catch)::

    ConnectorError                 base; carries `hint`, the command a person should run next
    ├── UserError                  a person must fix something; no traceback is shown
    │   ├── ConfigError            config.toml / secrets / environment (lists every problem at once)
    │   ├── MappingError           a file in mappings/ (lists every problem, each with file and line)
    │   └── LockHeldError          another `connector run` already holds the register
    ├── RegisterError              the local register (SQLite / PostgreSQL) refused an operation
    ├── SourceError                an intake source (eOffice, mailbox, drop folder) failed
    ├── PortalError                the province's task-tracking portal failed
    └── MappingMismatchError       a page no longer matches its recipe in mappings/ (never "empty inbox")

Independently of the tree, each error says by its *type* whether a retry can help (dlt, Meltano SDK):
`Transient` (network hiccup, 5xx, 429, expired session: retry with backoff), `Terminal` (retrying
cannot help: wrong password, broken mapping, bad config) and `Skippable` (this one item is bad;
set it aside for review and go on with the rest). Retry policy reads these markers, never messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


class Transient:
    """Marker: the same call may succeed later (network, 5xx, 429, expired session)."""


class Terminal:
    """Marker: retrying cannot help until a person changes something."""


class Skippable:
    """Marker: only this item is bad; set it aside for review, the run goes on."""


class ConnectorError(Exception):
    """Base of every error raised by connector; `message` is Vietnamese, `hint` a command to run."""

    hint: str = "connector check"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class UserError(ConnectorError, Terminal):
    """Something a person must fix; shown without a traceback."""

    hint = "connector check"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where it is, what was found and what is expected."""

    file: str
    key: str
    found: str
    expected: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}, dòng {self.line}" if self.line else self.file
        key = f"khóa '{self.key}'" if self.key else "tệp"
        return f"{where}: {key} có giá trị {self.found}; cần {self.expected}."


class _ProblemsError(UserError):
    """A user error that carries every problem found, not just the first (vdirsyncer)."""

    title = "Có lỗi"

    def __init__(self, problems: Sequence[Problem], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.title} ({len(self.problems)} lỗi):\n{lines}", hint=hint)


class ConfigError(_ProblemsError):
    """The configuration, the secrets file or an environment variable is wrong."""

    title = "Cấu hình chưa hợp lệ"


class MappingError(_ProblemsError):
    """A file in mappings/ is wrong; each problem names the file and the line."""

    title = "Tệp ánh xạ (mappings) chưa hợp lệ"


class LockHeldError(UserError):
    """Another instance of the service already works on this register."""

    hint = "connector check"


class RegisterError(ConnectorError, Terminal):
    """The register database refused an operation (disk full, schema newer than this program, …)."""

    hint = "connector check"


class RegisterBusyError(RegisterError, Transient):
    """The register stayed locked by another writer longer than the busy timeout."""


class SourceError(ConnectorError):
    """An intake source failed; subclasses say whether a retry can help."""


class SourceUnavailableError(SourceError, Transient):
    """The source did not answer or answered 5xx/429; the next run will try again."""


class SourceAuthError(SourceError, Terminal):
    """The source refused our credentials."""

    hint = "connector check"


class BadDocumentError(SourceError, Skippable):
    """One incoming document cannot be read; it is set aside for review."""

    hint = "connector sync"


class PortalError(ConnectorError):
    """The portal failed; subclasses say whether a retry can help."""


class PortalUnavailableError(PortalError, Transient):
    """The portal did not answer, answered 5xx/429, or the session expired."""


class PortalRejectedError(PortalError, Terminal):
    """The portal refused the update (validation, duplicate, permission)."""


class NotifierError(ConnectorError):
    """The outgoing mail server failed; subclasses say whether a retry can help."""

    hint = "connector check"
    maybe_delivered = False


class NotifierUnavailableError(NotifierError, Transient):
    """Nothing was delivered and a later try may work: server down, timeout, 4xx answer."""


class NotifierRejectedError(NotifierError, Terminal):
    """Nothing was delivered and retrying cannot help: login refused, address refused, 5xx answer."""


class NotifierUncertainError(NotifierError, Terminal):
    """The connection broke while the message was handed over: it may or may not have gone out.

    The claim ledger reads `maybe_delivered` and never resends such a message by itself."""

    maybe_delivered = True


class MappingMismatchError(ConnectorError, Terminal):
    """A page no longer matches its recipe in mappings/: the site changed, an admin must update it."""

    hint = "connector check"


@contextmanager
def one_item(what: str) -> Iterator[None]:
    """Any error while reading one item (`what`: «gói tin x.edxml», «thư <id>») is that item's alone.

    Hostile or merely odd input finds errors no reader foresaw (an encoding Python does not know, a
    parser's own bug); let through, one such packet failed every run and hid the good ones behind
    it. A foreign exception becomes a `BadDocumentError` naming the item, so the source sets it
    aside and goes on; our own errors pass unchanged, because only they say when a whole run must
    stop (a lost connection, a mapping that no longer fits the page).
    """
    try:
        yield
    except ConnectorError:
        raise
    except RecursionError:
        raise BadDocumentError(
            f"Không đọc được {what}: lồng nhau quá sâu (có thể là tệp độc hại); đã để riêng."
        ) from None
    except MemoryError:
        raise BadDocumentError(f"Không đọc được {what}: cần quá nhiều bộ nhớ; đã để riêng.") from None
    except Exception as exc:  # (the item's own problem: translated at the boundary, the run goes on)
        raise BadDocumentError(
            f"Không đọc được {what} ({type(exc).__name__}): nội dung hỏng hoặc không đúng định dạng; "
            "đã để riêng, các mục khác vẫn được đọc. Nhờ nơi gửi gửi lại bản đúng."
        ) from exc


def is_transient(exc: BaseException) -> bool:
    """True when retrying the same call later may succeed: the retry policy asks only this."""
    return isinstance(exc, Transient)


def to_message(exc: BaseException) -> str:
    """Turn any error into one Vietnamese sentence for a clerk, ending with the command to run.

    Foreign errors that reach here were not translated at a boundary; they still get a sentence,
    never a traceback (that goes to the log file).
    """
    if isinstance(exc, ConnectorError):
        text, hint = exc.message, exc.hint
    elif isinstance(exc, PermissionError):
        text, hint = f"Không có quyền truy cập tệp hoặc thư mục: {exc.filename}.", "connector check"
    elif isinstance(exc, FileNotFoundError):
        text, hint = f"Không tìm thấy tệp: {exc.filename}.", "connector check"
    elif isinstance(exc, OSError):
        text, hint = f"Lỗi hệ thống khi đọc/ghi: {exc.strerror or exc}.", "connector check"
    else:
        text, hint = f"Lỗi không mong đợi ({type(exc).__name__}); chi tiết ở tệp nhật ký.", "connector check"
    text = text.rstrip()
    if not text.endswith((".", ":", "!", "?")):
        text += "."
    return f"{text}\nViệc cần làm: chạy `{hint}`."
