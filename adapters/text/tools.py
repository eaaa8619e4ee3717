"""The Debian programs extraction runs (pdftoppm, pdftotext, tesseract, soffice), each in a fenced child.

A hostile file can make any parser spin or allocate without end; a child process can be bounded
from outside whatever it does: an address-space limit (RLIMIT_AS), a CPU-time limit, a wall-clock
timeout after which its whole process group is killed (soffice forks). A program that is not
installed is a BadDocumentError naming the apt package, so the clerk's log says what to install.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from connector.errors import BadDocumentError

# program → (Debian package, what it is for, in Vietnamese)
PACKAGES = {
    "pdftoppm": ("poppler-utils", "công cụ chuyển trang PDF thành ảnh"),
    "pdftotext": ("poppler-utils", "công cụ đọc chữ trong PDF"),
    "tesseract": ("tesseract-ocr tesseract-ocr-vie", "phần mềm nhận dạng chữ (OCR) Tesseract"),
    "soffice": ("libreoffice-writer-nogui", "LibreOffice để chuyển tệp .doc"),
}


# The child sees no secrets of the service's environment, only what the programs need.
_PASSED_ON = ("TESSDATA_PREFIX", "TMPDIR")


@dataclass(frozen=True)
class ToolResult:
    """What a child wrote; `returncode` 0 means it finished normally."""

    returncode: int
    stdout: bytes
    stderr: bytes


def require(program: str, *, for_file: str) -> str:
    """The program's path, or a BadDocumentError with the `apt-get install` line that provides it."""
    path = shutil.which(program)
    if path is None:
        package, what = PACKAGES[program]
        command = f"sudo apt-get install -y {package}"
        raise BadDocumentError(
            f"Không đọc được tệp «{for_file}»: máy chủ chưa cài {what} ({program}). "
            f"Báo quản trị hệ thống cài gói {package}",
            hint=command,
        )
    if program == "tesseract" and not vietnamese_model_installed(path):
        command = "sudo apt-get install -y tesseract-ocr-vie"
        raise BadDocumentError(
            f"Không nhận dạng được chữ trong «{for_file}»: Tesseract chưa có dữ liệu tiếng Việt (vie). "
            "Báo quản trị hệ thống cài gói tesseract-ocr-vie",
            hint=command,
        )
    return path


_MODELS: dict[str, bool] = {}


def vietnamese_model_installed(tesseract: str) -> bool:
    """`tesseract --list-langs` names vie (asked once per process)."""
    if tesseract not in _MODELS:
        try:
            done = subprocess.run([tesseract, "--list-langs"], capture_output=True, timeout=30, check=False)
            _MODELS[tesseract] = b"\nvie" in done.stdout.replace(b"\r", b"")
        except (OSError, subprocess.TimeoutExpired):
            _MODELS[tesseract] = False
    return _MODELS[tesseract]


def _limiter(memory: int, cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec: only system calls here
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    memory: int,
    what: str,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> ToolResult:
    """Run one program under the limits; a timeout kills its process group and is a BadDocumentError."""
    child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    child_env |= {k: os.environ[k] for k in _PASSED_ON if k in os.environ}
    child_env |= env or {}
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_limiter(memory, max(1, int(timeout) + 1)),  # system calls only, safe beside threads
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise BadDocumentError(f"{what}: quá {timeout:.0f} giây, đã dừng (tệp quá nặng hoặc hỏng).") from None
    return ToolResult(proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
