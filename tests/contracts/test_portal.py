"""The Portal contract (connector/ports.py), run on `MemoryPortal` and on `HttpPortal` against each
portal style: the WebForms-like simulator (HTML forms) and the single-page app (its JSON API).

`return_task` is not in this contract run: on the shipped recipe its page needs the browser engine
(tests/adapters/test_portal_browser.py covers it); the twin's own behaviour is in test_memory.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from connector.domain import StatusUpdate
from connector.errors import MappingMismatchError, PortalRejectedError, is_transient
from connector.ports import Portal
from tests.contracts.backends import PortalHarness

OPEN_REF = "4178"  # "Chưa thực hiện quá hạn", no note yet
BLOCKED = "Đang thực hiện - có khó khăn, vướng mắc"
DONE = "Đã hoàn thành trong hạn"
NOTE = "Đã dự thảo văn bản; chờ ý kiến Sở Tài chính về kinh phí."


def test_is_a_portal(portal_harness: PortalHarness) -> None:
    assert isinstance(portal_harness.portal, Portal)


def test_list_tasks_covers_every_page(portal_harness: PortalHarness) -> None:
    refs = [t.portal_ref for t in portal_harness.portal.list_tasks()]

    assert refs == portal_harness.expected  # 31 tasks: four pages of ten on the simulator
    assert len(set(refs)) == len(refs) > 10


def test_read_equals_the_listed_row(portal_harness: PortalHarness) -> None:
    portal = portal_harness.portal
    for listed in portal.list_tasks():
        assert portal.read(listed.portal_ref) == listed


def test_push_then_read_shows_the_new_value(portal_harness: PortalHarness) -> None:
    portal = portal_harness.portal
    before = portal.read(OPEN_REF)
    assert before.status_label != BLOCKED

    receipt = portal.push(StatusUpdate(OPEN_REF, BLOCKED, NOTE))

    assert receipt.sent is True
    assert (receipt.portal_ref, receipt.status_label) == (OPEN_REF, BLOCKED)
    assert receipt.confirmed_at.tzinfo is not None
    after = portal.read(OPEN_REF)
    assert (after.status_label, after.progress_note) == (BLOCKED, NOTE)
    assert after.number == before.number and after.deadline == before.deadline
    assert portal_harness.accepted() == 1


def test_pushing_the_same_value_again_sends_nothing(portal_harness: PortalHarness) -> None:
    portal = portal_harness.portal
    update = StatusUpdate(OPEN_REF, DONE, "Đã ban hành văn bản.", completed_on=date(2024, 6, 5))
    assert portal.push(update).sent is True

    again = portal.push(update)

    assert again.sent is False
    assert (again.portal_ref, again.status_label) == (OPEN_REF, DONE)
    assert portal_harness.accepted() == 1
    # whitespace as the portal displays it is not a change either
    assert (
        portal.push(StatusUpdate(OPEN_REF, DONE, " Đã  ban hành văn bản. ", date(2024, 6, 5))).sent is False
    )
    # a different completion date is
    assert portal.push(StatusUpdate(OPEN_REF, DONE, "Đã ban hành văn bản.", date(2024, 6, 6))).sent is True
    assert portal_harness.accepted() == 2


def test_unknown_ref_is_a_rejection(portal_harness: PortalHarness) -> None:
    portal, ref = portal_harness.portal, portal_harness.unknown_ref
    with pytest.raises(PortalRejectedError) as on_read:
        portal.read(ref)
    with pytest.raises(PortalRejectedError):
        portal.push(StatusUpdate(ref, BLOCKED, NOTE))
    assert not is_transient(on_read.value)
    assert portal_harness.accepted() == 0


def test_a_status_the_portal_does_not_offer_is_a_mapping_mismatch(portal_harness: PortalHarness) -> None:
    with pytest.raises(MappingMismatchError):
        portal_harness.portal.push(StatusUpdate(OPEN_REF, "Trạng thái không có", NOTE))
    assert portal_harness.accepted() == 0
