"""`connector hash-password`: a dashboard account's password, hashed, for the admin to paste into config.toml.

Only the argon2 hash is ever stored (`connector.web.auth`); the password itself is typed twice at
hidden prompts and printed nowhere.
"""

from __future__ import annotations

import getpass
import sys

from connector.web.auth import MIN_PASSWORD, hash_password


def run_hash_password() -> int:
    """Ask twice, print the hash and the lines for config.toml; 2 when the two do not do."""
    try:
        first = getpass.getpass("Mật khẩu mới: ")
        second = getpass.getpass("Nhập lại mật khẩu: ") if len(first.strip()) >= MIN_PASSWORD else ""
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write(
            "\nChưa nhận được mật khẩu (lệnh cần gõ mật khẩu hai lần trên màn hình). "
            "Chạy lại: connector hash-password\n"
        )
        return 2
    if len(first.strip()) < MIN_PASSWORD:
        sys.stderr.write(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự. Chạy lại: connector hash-password\n"
        )
        return 2
    if first != second:
        sys.stderr.write("Hai lần nhập không khớp nhau. Chạy lại: connector hash-password\n")
        return 2
    digest = hash_password(first)
    sys.stdout.write(
        f"Mã băm: {digest}\n\nDán các dòng sau vào config.toml (sửa tên đăng nhập và họ tên):\n\n"
        f'[[web.user]]\nname = "vanthu"\nfull_name = "Họ và tên văn thư"\npassword_hash = "{digest}"\n'
    )
    return 0
