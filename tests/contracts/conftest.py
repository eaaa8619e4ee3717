"""Parametrised fixtures of the contract tests: each yields the in-memory twin, then every real
adapter against its real far side on 127.0.0.1 (eOffice simulator, an edXML drop folder, Dovecot,
the portal simulator). A test written once against these fixtures runs on all of them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from adapters.memory import MemoryPortal
from adapters.portal import HttpPortal
from adapters.recipes import load_recipe
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, seed_documents
from fixtures.simulators.eoffice import create_app as eoffice_app
from fixtures.simulators.ioffice import USERS as IOFFICE_USERS
from fixtures.simulators.ioffice import create_app as ioffice_app
from fixtures.simulators.ioffice import new_state as ioffice_state
from fixtures.simulators.portal import STATUS_OPTIONS, PortalState, seed_tasks
from fixtures.simulators.portal import create_app as portal_app
from fixtures.simulators.serve import serve_in_thread
from fixtures.simulators.spa import create_app as spa_app
from tests.contracts import backends as b
from tests.dovecot_server import Dovecot, dovecot_server

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["memory", "eoffice", "ioffice", "edxml", "imap"]
PORTALS = ["memory", "http", "spa"]
NOTIFIERS = ["memory", "smtp"]
PORTAL_USER, PORTAL_PASSWORD = "snn.vanphong", "Kontum@2024"


@pytest.fixture(scope="session")
def contract_dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole run; each harness works in a mailbox of its own."""
    with dovecot_server() as server:
        yield server


def _eoffice_documents() -> list[Any]:
    """Nine ordinary documents and the seed's secret one: three list pages of four."""
    docs = seed_documents()
    return docs[:9] + [d for d in docs if d.secrecy][:1]


def _build_source(kind: str, request: pytest.FixtureRequest, stack: ExitStack, tmp: Path) -> b.SourceHarness:
    if kind == "memory":
        return b.memory_source()
    if kind == "eoffice":
        state = EOfficeState(documents=_eoffice_documents(), page_size=4)
        url = stack.enter_context(serve_in_thread(eoffice_app(state)))
        with (ROOT / "mappings" / "eoffice.toml").open("rb") as fh:
            recipe = tomllib.load(fh)
        return b.eoffice_source(stack, state, url, recipe, next(iter(DEFAULT_USERS.items())))
    if kind == "ioffice":  # the iOffice-like style: cards, path refs, the text only in the attached file
        state = ioffice_state(page_size=4)
        url = stack.enter_context(serve_in_thread(ioffice_app(state)))
        recipe = load_recipe(ROOT / "mappings" / "examples" / "ioffice.toml")
        return b.eoffice_source(stack, state, url, recipe, next(iter(IOFFICE_USERS.items())))
    if kind == "edxml":
        exporter = EOfficeState()  # the simulator's edXML export supplies packets that arrive later
        later = iter(exporter.packet(d) for d in list(exporter.documents.values())[30:])
        return b.edxml_source(tmp, later)
    if kind == "imap":
        server: Dovecot = request.getfixturevalue("contract_dovecot")
        return b.imap_source(stack, server.host, server.port, server.username, server.password)
    raise AssertionError(kind)


@pytest.fixture(params=SOURCES)
def source_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[b.SourceHarness]:
    with ExitStack() as stack:
        yield _build_source(request.param, request, stack, tmp_path)


@pytest.fixture(params=[k for k in SOURCES if k not in ("eoffice", "ioffice")])
def marking_source_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[b.SourceHarness]:
    """The sources that mark handled documents on their side (eOffice has nothing to mark)."""
    with ExitStack() as stack:
        yield _build_source(request.param, request, stack, tmp_path)


@pytest.fixture(params=PORTALS)
def portal_harness(request: pytest.FixtureRequest) -> Iterator[b.PortalHarness]:
    expected = [t.ref for t in seed_tasks()]
    if request.param == "memory":
        twin = MemoryPortal(
            [b.portal_task(t) for t in seed_tasks()], labels=[label for _, label in STATUS_OPTIONS]
        )
        yield b.PortalHarness("memory", twin, expected, accepted=lambda: len(twin.pushed))
        return
    state = PortalState()
    app, recipe_file = portal_app(state), ROOT / "mappings" / "portal.toml"
    if request.param == "spa":  # the single-page app, through its JSON API on the fast engine
        app, recipe_file = spa_app(state), ROOT / "mappings" / "examples" / "spa-portal.toml"
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_thread(app))
        portal = stack.enter_context(HttpPortal(url, PORTAL_USER, PORTAL_PASSWORD, load_recipe(recipe_file)))
        yield b.PortalHarness(request.param, portal, expected, accepted=lambda: len(state.accepted))


@pytest.fixture(params=NOTIFIERS)
def notifier_harness(request: pytest.FixtureRequest) -> Iterator[b.NotifierHarness]:
    if request.param == "memory":
        yield b.memory_notifier()
        return
    with ExitStack() as stack:
        yield b.smtp_notifier(stack)
