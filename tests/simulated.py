"""The eOffice and portal simulators, a workspace whose config points at them, and `connector` run as
a separate process: the one way every end-to-end test sets them up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connector.cli.demo import config_text
from fixtures.simulators.eoffice import DEFAULT_USERS as EOFFICE_USERS
from fixtures.simulators.eoffice import EOfficeState
from fixtures.simulators.eoffice import create_app as eoffice_app
from fixtures.simulators.portal import create_app as portal_app
from fixtures.simulators.portal.state import DEFAULT_USERS as PORTAL_USERS
from fixtures.simulators.portal.state import PortalState
from fixtures.simulators.serve import serve_in_thread

Sites = tuple[EOfficeState, PortalState, dict[str, str]]


@contextmanager
def simulators(eoffice: EOfficeState | None = None, portal: PortalState | None = None) -> Iterator[Sites]:
    """Both simulators served on 127.0.0.1 while the block runs: (eOffice state, portal state, urls)."""
    eoffice, portal = eoffice or EOfficeState(), portal or PortalState()
    with serve_in_thread(eoffice_app(eoffice)) as e_url, serve_in_thread(portal_app(portal)) as p_url:
        yield eoffice, portal, {"eoffice": e_url, "portal": p_url}


def write_workspace(folder: Path, urls: dict[str, str], extra: str = "") -> Path:
    """config.toml (the demo's, plus `extra` TOML tables) and a 0600 secrets file; returns the config."""
    users = {"eoffice": next(iter(EOFFICE_USERS)), "portal": next(iter(PORTAL_USERS))}
    config = folder / "config.toml"
    config.write_text(config_text(urls, users) + extra, encoding="utf-8")
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f'CONNECTOR_EOFFICE_PASSWORD = "{EOFFICE_USERS[users["eoffice"]]}"\n'
        f'CONNECTOR_PORTAL_PASSWORD = "{PORTAL_USERS[users["portal"]]}"\n',
        encoding="utf-8",
    )
    secrets.chmod(0o600)
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "connector.cli", "--config", str(config), *args]


def clean_env() -> dict[str, str]:
    """The environment without CONNECTOR_* variables: secrets come from the workspace's file only."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}


def cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`connector ARGS` in a separate process, as a clerk types it."""
    return subprocess.run(
        command(config, *args), capture_output=True, text=True, env=clean_env(), timeout=timeout, check=False
    )
