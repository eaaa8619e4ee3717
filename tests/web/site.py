"""A dashboard over a register filled by a real `connector sync` from the eOffice and portal simulators.

Shared by tests/web/test_*.py: the simulators keep running while the dashboard does, so the
re-run button can fetch from eOffice and push to the portal again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from connector.calendar import WorkingCalendar
from connector.config import Config, load
from connector.demo import _config_text
from connector.mappings import Mappings, load_all
from connector.register.db import Register, open_register
from connector.web.app import create_app, serve
from fixtures.simulators.eoffice import DEFAULT_USERS as EOFFICE_USERS
from fixtures.simulators.eoffice import EOfficeState
from fixtures.simulators.eoffice import create_app as eoffice_app
from fixtures.simulators.portal import create_app as portal_app
from fixtures.simulators.portal.state import DEFAULT_USERS as PORTAL_USERS
from fixtures.simulators.portal.state import PortalState
from fixtures.simulators.serve import serve_in_thread

CLERK = "vanthu"
CLERK_NAME = "Nguyễn Thị Văn Thư"
PASSWORD = "Mật-khẩu-thử-2026!"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Site:
    """The running dashboard and what it reads."""

    url: str
    cfg: Config
    maps: Mappings
    cal: WorkingCalendar
    register: Register
    eoffice: EOfficeState
    portal: PortalState
    config_file: Path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `connector` command as the service's timer runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "--config", str(config), *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@contextmanager
def running_site(work: Path) -> Iterator[Site]:
    """Simulators, one real sync, then the dashboard on 127.0.0.1 until the block ends."""
    eoffice, portal = EOfficeState(), PortalState()
    with ExitStack() as stack:
        e_url = stack.enter_context(serve_in_thread(eoffice_app(eoffice)))
        p_url = stack.enter_context(serve_in_thread(portal_app(portal)))
        users = {"eoffice": next(iter(EOFFICE_USERS)), "portal": next(iter(PORTAL_USERS))}
        config = work / "config.toml"
        config.write_text(
            _config_text({"eoffice": e_url, "portal": p_url}, users)
            + f'\n[[web.user]]\nname = "{CLERK}"\nfull_name = "{CLERK_NAME}"\n'
            f'password_hash = "{PasswordHasher().hash(PASSWORD)}"\n',
            encoding="utf-8",
        )
        secrets = work / "secrets.toml"
        secrets.write_text(
            f'CONNECTOR_EOFFICE_PASSWORD = "{EOFFICE_USERS[users["eoffice"]]}"\n'
            f'CONNECTOR_PORTAL_PASSWORD = "{PORTAL_USERS[users["portal"]]}"\n',
            encoding="utf-8",
        )
        secrets.chmod(0o600)
        synced = cli(config, "sync")
        assert synced.returncode == 0, synced.stderr
        cfg = load(config, environ={})
        maps = load_all(cfg.mappings_dir)
        cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
        register = open_register(cfg.register_url)
        stack.callback(register.dispose)
        server, thread = serve(create_app(cfg, maps, cal, register))
        port = server.servers[0].sockets[0].getsockname()[1]

        def stop() -> None:
            server.should_exit = True
            thread.join(timeout=10)

        stack.callback(stop)
        yield Site(f"http://127.0.0.1:{port}", cfg, maps, cal, register, eoffice, portal, config)
