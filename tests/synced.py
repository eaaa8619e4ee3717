"""A register filled by one real `connector sync` against the eOffice and portal simulators.

Two registered documents get a portal match and a recorded status change each, so their tasks
have outbox rows waiting: the push and `connector rerun` have something to send, and a test can
check that only one document's rows went out. One eOffice record is broken on the first sync so
the log has a failure in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from connector.calendar import WorkingCalendar, due_by
from connector.clock import now
from connector.config import Config, load
from connector.domain import TaskFacts
from connector.mappings import Mappings, load_all
from connector.register.db import Register, open_register
from connector.register.queries import record_status_change
from connector.register.tables import Document, IntakeItem, Task
from fixtures.simulators.eoffice import EOfficeState
from fixtures.simulators.portal.state import PortalState
from tests.simulated import cli, simulators, write_workspace

BROKEN = "24005"
"""The eOffice record that is malformed on the first sync (a failure in the log)."""


@dataclass
class Doc:
    """A registered document of the site with one task matched to a portal task."""

    id: int
    number: str
    source_ref: str
    task_id: int
    portal_ref: str


@dataclass
class Site:
    eoffice: EOfficeState
    portal: PortalState
    config: Path
    cfg: Config
    maps: Mappings
    cal: WorkingCalendar
    register: Register
    a: Doc
    b: Doc

    @property
    def db_path(self) -> Path:
        return self.config.parent / "data" / "register.sqlite3"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    eoffice = EOfficeState()
    eoffice.faults.malformed = {BROKEN}
    with simulators(eoffice) as (_, portal, urls):
        config = write_workspace(tmp_path, urls)
        first = cli(config, "sync")
        assert first.returncode == 0, first.stderr
        eoffice.faults.malformed = set()
        cfg = load(config, environ={})
        maps = load_all(cfg.mappings_dir)
        cal = WorkingCalendar(maps.calendar)
        register = open_register(cfg.register_url, busy_timeout=10, upgrade=False)
        try:
            refs = sorted(portal.tasks)
            a, b = _matched(register, cal, refs[0], index=0), _matched(register, cal, refs[1], index=1)
            yield Site(eoffice, portal, config, cfg, maps, cal, register, a, b)
        finally:
            register.dispose()


def _matched(register: Register, cal: WorkingCalendar, portal_ref: str, *, index: int) -> Doc:
    """The index-th registered eOffice document of UBND tỉnh: matched to `portal_ref`, one change recorded."""
    with register.write() as s:
        stmt = (
            select(Document, Task, IntakeItem)
            .where(Task.document_id == Document.id, IntakeItem.document_id == Document.id)
            .where(Document.state == "registered", Document.origin == "UBND tỉnh", Task.seq == 1)
            .where(Task.concerns_us == True, Task.needs_review == False)  # noqa: E712
            .order_by(Document.id)
        )
        doc, task, item = list(s.exec(stmt))[index]
        task.portal_ref = portal_ref
        changed = now()
        record_status_change(
            s, task, facts=TaskFacts(task.deadline, date(2024, 6, 3), None, None),
            progress_note=f"Đang triển khai ({index}).", due_by=due_by(cal, changed, 2),
            actor="vanthu", changed_at=changed,
        )  # fmt: skip
        assert doc.id and task.id and doc.number
        return Doc(doc.id, doc.number, item.source_ref, task.id, portal_ref)
