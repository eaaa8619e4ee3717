"""What changed between the stored version of a document and the one just fetched, field by field.

`connector rerun` prints it and the sync log keeps it, so a clerk sees exactly what a re-read
brought ("Trích yếu: «…» → «…»") without comparing two texts by eye.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

LABELS = {
    "number": "Số hiệu",
    "issuer": "Cơ quan ban hành",
    "doc_type": "Loại văn bản",
    "issued_on": "Ngày ban hành",
    "received_on": "Ngày nhận",
    "subject": "Trích yếu",
    "secrecy": "Độ mật",
    "urgency": "Độ khẩn",
    "summary": "nội dung",
    "lead_unit": "đơn vị chủ trì",
    "cooperating_units": "đơn vị phối hợp",
    "deadline": "thời hạn",
    "deadline_time": "giờ hạn",
    "deadline_text": "câu ghi thời hạn",
    "concerns_us": "liên quan Sở",
}
_DOC_FIELDS = ("number", "issuer", "doc_type", "issued_on", "received_on", "subject", "secrecy", "urgency")
_TASK_FIELDS = (
    "summary",
    "lead_unit",
    "cooperating_units",
    "deadline",
    "deadline_time",
    "deadline_text",
    "concerns_us",
)


class Change(NamedTuple):
    """One field that differs between the stored version and the version just fetched."""

    field: str
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        """The field in Vietnamese: "Trích yếu", "Nhiệm vụ 2 — thời hạn"."""
        if self.field.startswith("tasks["):
            seq, _, name = self.field.removeprefix("tasks[").partition("].")
            return f"Nhiệm vụ {seq} — {LABELS.get(name, name)}"
        return LABELS.get(self.field, self.field)


def flatten(data: Mapping[str, Any]) -> dict[str, str | None]:
    """The normalised JSON (DESIGN §9) as `field → text`, tasks as `tasks[n].field`."""
    out = {name: _text(data.get(name)) for name in _DOC_FIELDS}
    for seq, task in enumerate(data.get("tasks") or [], start=1):
        for name in _TASK_FIELDS:
            out[f"tasks[{seq}].{name}"] = _text(task.get(name))
    return out


def diff(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> list[Change]:
    """Field by field, document fields first, then each task's; a task that appeared or went away
    shows its fields against nothing."""
    names = list(after) + [n for n in before if n not in after]
    return [Change(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, Mapping):
        return _text(value.get("name") or value.get("code"))
    if isinstance(value, list):
        return ", ".join(t for t in (_text(v) for v in value) if t) or None
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # an ISO date, as a clerk writes it
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text
