"""Logs: JSON lines in a rotating file, library logs through the same formatter, secrets never shown."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from connector import log
from connector.config import load


def test_password_never_logged_even_in_traceback(workspace: Path, capfd) -> None:
    secret = "Mk-Bi-Mat-7731"
    cfg = load(
        workspace / "config.toml",
        environ={"CONNECTOR_EOFFICE_PASSWORD": secret, "CONNECTOR_PORTAL_PASSWORD": "p-123"},
    )
    log_file = cfg.log_file
    log.configure(level="DEBUG", file=log_file)
    logger = log.get_logger("connector.test")
    logger.info("dang_nhap", user="vanthu", password=secret, nested={"list": [secret]})
    try:
        raise RuntimeError(f"server refused login with {secret}")
    except RuntimeError:
        logger.exception("dang_nhap_that_bai")
    logging.getLogger("apscheduler.scheduler").warning("job failed: %s", secret)
    logging.getLogger("httpx").info("POST http://u:%s@127.0.0.1/login", secret)
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = log_file.read_text(encoding="utf-8")
    out, err = capfd.readouterr()
    assert secret not in written + out + err
    records = [json.loads(line) for line in written.splitlines()]
    assert {r["logger"] for r in records} >= {"connector.test", "apscheduler.scheduler", "httpx"}
    crash = next(r for r in records if r["event"] == "dang_nhap_that_bai")
    assert "RuntimeError" in crash["exception"] and "***" in crash["exception"]


def test_log_file_rotates(tmp_path: Path) -> None:
    log.configure(level="INFO", file=tmp_path / "c.jsonl", max_bytes=100_000, backups=2)
    logger = log.get_logger()
    for i in range(3000):
        logger.info("su_kien", i=i, text="x" * 80)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["c.jsonl", "c.jsonl.1", "c.jsonl.2"]


def test_cli_crash_prints_vietnamese_not_traceback(workspace: Path) -> None:
    secret = "Pw-Khong-Lo-9"
    (workspace / "config.toml").write_text(
        (workspace / "config.toml")
        .read_text()
        .replace('url = ""', 'url = "postgresql+psycopg://connector@127.0.0.1:9/khong_co"')
        .replace('# password_env = "CONNECTOR_DB_PASSWORD"', 'password_env = "CONNECTOR_DB_PASSWORD"')
    )
    env = {
        "CONNECTOR_EOFFICE_PASSWORD": secret,
        "CONNECTOR_PORTAL_PASSWORD": secret,
        "CONNECTOR_DB_PASSWORD": secret,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "connector.cli", "--config", str(workspace / "config.toml"), "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=workspace,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert secret not in result.stdout + result.stderr
    assert "sổ theo dõi" in (result.stdout + result.stderr).lower()
