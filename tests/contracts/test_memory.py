"""What the twins offer beyond the contract: the handles core tests use to play the other side."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from adapters.memory import MemoryNotifier, MemoryPortal, MemorySource, Returned
from connector.domain import Message, PortalTask, RawDocument, StatusUpdate
from connector.errors import (
    BadDocumentError,
    PortalRejectedError,
    PortalUnavailableError,
    SourceAuthError,
    is_transient,
)

TASK = PortalTask("T1", "12/UBND-NNTN", "UBND tỉnh Kon Tum", date(2024, 6, 3), "Rà soát", "SNN", None, "Chưa")


def test_a_modified_document_comes_again_as_a_new_version() -> None:
    source = MemorySource("m")
    first = source.add("a", "Bản đầu.", metadata={"number": "1/UBND"})
    source.add("b", "Văn bản khác.")
    _, cursor = source.poll({})

    changed = source.modify("a", body="Bản đã sửa.")
    batch, cursor2 = source.poll(cursor)

    assert [d.source_ref for d in batch] == ["a"]
    assert changed.sha256 != first.sha256
    assert batch.documents[0].sha256 == changed.sha256 == source.fetch("a").sha256
    assert batch.documents[0].metadata == {"number": "1/UBND"}
    assert cursor2["seq"] > cursor["seq"]


def test_same_content_same_fingerprint_different_content_different_one() -> None:
    one, two = MemorySource("m"), MemorySource("m")
    assert one.add("a", "x", metadata={"k": "v"}).sha256 == two.add("a", "x", metadata={"k": "v"}).sha256
    assert one.add("a", "y").sha256 != two.add("a", "x").sha256


def test_a_broken_document_is_a_failure_beside_the_good_ones() -> None:
    source = MemorySource("m")
    source.add("good", "Đọc được.")
    source.break_document("bad", "Văn bản «bad» thiếu số, ký hiệu.")

    batch, _ = source.poll({})

    assert [d.source_ref for d in batch] == ["good"]
    assert [(f.ref, f.error.message) for f in batch.failed] == [("bad", "Văn bản «bad» thiếu số, ký hiệu.")]
    with pytest.raises(BadDocumentError):
        source.fetch("bad")


def test_a_removed_document_cannot_be_fetched() -> None:
    source = MemorySource("m")
    source.add("a", "x")
    source.remove("a")
    with pytest.raises(BadDocumentError):
        source.fetch("a")


def test_source_failures_are_raised_once_each_then_it_works() -> None:
    source = MemorySource("m")
    source.add("a", "x")
    source.fail_next(times=2)
    source.fail_next(SourceAuthError("Sai mật khẩu."))

    for _ in range(2):
        with pytest.raises(Exception) as caught:
            source.poll({})
        assert is_transient(caught.value)
    with pytest.raises(SourceAuthError):
        source.fetch("a")
    assert [d.source_ref for d in source.poll({})[0]] == ["a"]
    assert source.acknowledged == []
    source.acknowledge(["a"])
    assert source.acknowledged == ["a"]


def test_return_task_hides_it_from_the_list_and_refuses_what_the_portal_refuses() -> None:
    portal = MemoryPortal([TASK])
    with pytest.raises(PortalRejectedError):
        portal.return_task("T1", "ngắn")
    with pytest.raises(PortalRejectedError):
        portal.return_task("T9", "Không thuộc chức năng của Sở.")

    portal.return_task("T1", "  Không thuộc chức năng của Sở.  ")

    assert list(portal.list_tasks()) == []
    assert portal.read("T1") == TASK
    assert portal.returned == [Returned("T1", "Không thuộc chức năng của Sở.")]
    with pytest.raises(PortalRejectedError):
        portal.return_task("T1", "Không thuộc chức năng của Sở.")


def test_a_lost_answer_after_submit_leaves_the_change_applied() -> None:
    portal = MemoryPortal([TASK])
    update = StatusUpdate("T1", "Đang thực hiện", "Đang làm.", None)
    portal.fail_next(after_submit=True)

    with pytest.raises(PortalUnavailableError):
        portal.push(update)

    assert portal.read("T1").status_label == "Đang thực hiện"
    assert portal.push(update).sent is False  # the outbox reads back before pushing again
    assert portal.pushed == [update]


def test_portal_unavailable_then_available() -> None:
    portal = MemoryPortal([TASK])
    portal.fail_next()
    with pytest.raises(PortalUnavailableError):
        list(portal.list_tasks())
    assert [t.portal_ref for t in portal.list_tasks()] == ["T1"]


def test_completion_date_is_kept_beside_the_task() -> None:
    portal = MemoryPortal([TASK])
    portal.push(StatusUpdate("T1", "Đã hoàn thành trong hạn", "Xong.", date(2024, 6, 5)))
    assert portal.completed_on("T1") == date(2024, 6, 5)


def test_notifier_failure_is_transient_and_records_nothing() -> None:
    notifier = MemoryNotifier()
    message = Message(("a@snn.example.vn",), "Nhắc hạn", "Còn 2 ngày.")
    notifier.fail_next()

    with pytest.raises(Exception) as caught:
        notifier.send(message)

    assert is_transient(caught.value)
    assert notifier.sent == []
    notifier.send(message)
    assert notifier.sent == [message]


def test_a_ready_made_document_without_fingerprint_gets_a_stable_one() -> None:
    raw = RawDocument("khac", "r1", datetime(2024, 6, 3, tzinfo=UTC), "Nội dung.", {"number": "5/UBND"})
    one, two = MemorySource("m").put(raw), MemorySource("m").put(replace(raw, fetched_at=datetime.now(UTC)))
    assert one.source == "m" and len(one.sha256) == 64
    assert one.sha256 == two.sha256
