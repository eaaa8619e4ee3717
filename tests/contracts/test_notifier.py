"""The Notifier contract (connector/ports.py), run on `MemoryNotifier` (and the SMTP adapter against a
real aiosmtpd server on 127.0.0.1, see conftest `notifier_harness`).

`send(message)` delivers exactly one message whose recipients, subject, plain text and HTML are
intact (Vietnamese included), or raises; a failed send delivers nothing.
"""

from __future__ import annotations

import pytest

from connector.domain import Message
from connector.errors import NotifierUnavailableError, is_transient
from connector.ports import Notifier
from tests.contracts.backends import NotifierHarness

MESSAGE = Message(
    to=("phong.kehoach@snn.example.vn", "chanhvanphong@snn.example.vn"),
    subject="Nhắc hạn: nhiệm vụ 1799/UBND-NNTN còn 2 ngày làm việc",
    text="Kính gửi Phòng Kế hoạch – Tài chính,\nNhiệm vụ «Rà soát quy hoạch» đến hạn ngày 10/12/2024.",
    html="<p>Kính gửi <b>Phòng Kế hoạch – Tài chính</b>,</p><p>Nhiệm vụ đến hạn ngày 10/12/2024.</p>",
)


def test_is_a_notifier(notifier_harness: NotifierHarness) -> None:
    assert isinstance(notifier_harness.notifier, Notifier)


def test_send_delivers_one_message_with_both_parts_intact(notifier_harness: NotifierHarness) -> None:
    notifier_harness.notifier.send(MESSAGE)

    (got,) = notifier_harness.delivered()
    assert set(got.to) == set(MESSAGE.to)
    assert got.subject == MESSAGE.subject
    assert got.text.strip() == MESSAGE.text.strip()
    assert got.html is not None and got.html.strip() == (MESSAGE.html or "").strip()


def test_text_only_message_has_no_html_part(notifier_harness: NotifierHarness) -> None:
    plain = Message(to=("vanphong@snn.example.vn",), subject="Cảnh báo đồng bộ", text="Nguồn eOffice lỗi.")
    notifier_harness.notifier.send(plain)

    (got,) = notifier_harness.delivered()
    assert (got.subject, got.text.strip(), got.html) == (plain.subject, plain.text, None)


def test_a_failed_send_raises_a_transient_error_and_delivers_nothing(
    notifier_harness: NotifierHarness,
) -> None:
    notifier_harness.break_server()

    with pytest.raises(NotifierUnavailableError) as caught:
        notifier_harness.notifier.send(MESSAGE)

    assert is_transient(caught.value)
    assert notifier_harness.delivered() == []
