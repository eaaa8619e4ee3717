"""A dashboard over a register filled by a real `connector sync` from the eOffice and portal simulators.

Shared by tests/web/test_*.py: the simulators keep running while the dashboard does, so the
re-run button can fetch from eOffice and push to the portal again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from connector.calendar import WorkingCalendar
from connector.config import Config, load
from connector.mappings import Mappings, load_all
from connector.register.db import Register, open_register
from connector.service import ConfiguredAdapters
from connector.web.app import create_app, serve
from fixtures.simulators.eoffice import EOfficeState
from fixtures.simulators.portal.state import PortalState
from tests.simulated import cli, simulators, write_workspace

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


@contextmanager
def running_site(work: Path) -> Iterator[Site]:
    """Simulators, one real sync, then the dashboard on 127.0.0.1 until the block ends."""
    with ExitStack() as stack:
        eoffice, portal, urls = stack.enter_context(simulators())
        account = (
            f'\n[[web.user]]\nname = "{CLERK}"\nfull_name = "{CLERK_NAME}"\n'
            f'password_hash = "{PasswordHasher().hash(PASSWORD)}"\n'
        )
        config = write_workspace(work, urls, account)
        synced = cli(config, "sync")
        assert synced.returncode == 0, synced.stderr
        cfg = load(config, environ={})
        maps = load_all(cfg.mappings_dir)
        cal = WorkingCalendar(maps.calendar, optional_days_off=cfg.settings.calendar.optional_days_off)
        register = open_register(cfg.register_url)
        stack.callback(register.dispose)
        server, thread = serve(create_app(cfg, maps, cal, register, ConfiguredAdapters(cfg, maps)))
        port = server.servers[0].sockets[0].getsockname()[1]

        def stop() -> None:
            server.should_exit = True
            thread.join(timeout=10)

        stack.callback(stop)
        yield Site(f"http://127.0.0.1:{port}", cfg, maps, cal, register, eoffice, portal, config)
