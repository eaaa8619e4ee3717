"""The working state passed along the chain of normalising steps.

Each step has the same signature, `step(draft) -> draft` (structlog's processor chain): it reads
what earlier steps found and adds its own findings. A step that must stop the chain raises
`DropContent` (secret documents: nothing of the content may leave the function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from connector.calendar import WorkingCalendar
from connector.domain import FollowUp, RawDocument, Secrecy, TaskFacts, UnitRef, Urgency
from connector.mappings import Issuer, Mappings


class DropContent(Exception):
    """Raised by a step when the content must not go further (a secret document)."""


@dataclass
class TaskDraft:
    """One task being assembled; converted to a frozen `NormalisedTask` at the end."""

    summary: str
    leads: list[UnitRef] = field(default_factory=list)
    cooperating: list[UnitRef] = field(default_factory=list)
    deadline: date | None = None
    deadline_time: time | None = None
    deadline_text: str | None = None
    deadline_rule: dict[str, Any] | None = None
    recurring: dict[str, Any] | None = None
    flags: list[str] = field(default_factory=list)
    collective: bool = False
    concerns_us: bool = False
    handling_unit: str | None = None
    tracker: str | None = None
    facts: TaskFacts | None = None
    progress_note: str | None = None
    follows: list[int] = field(default_factory=list)
    """Indices in `Draft.follow_ups` whose earlier work this task states again."""


@dataclass
class Draft:
    """What the steps know so far about one document, plus what they need to know it."""

    raw: RawDocument
    maps: Mappings
    cal: WorkingCalendar
    our_units: frozenset[str]
    received_on: date | None
    lead_only: bool = False
    text: str = ""
    lines: list[str] = field(default_factory=list)
    body_start: int = 0
    body_end: int = 0
    number: str | None = None
    number_type: str | None = None
    number_issuer: str | None = None
    issuer: UnitRef | None = None
    issuer_record: Issuer | None = None
    place: str | None = None
    issued_on: date | None = None
    doc_type: str | None = None
    subject: str | None = None
    secrecy: Secrecy | None = None
    urgency: Urgency | None = None
    tasks: list[TaskDraft] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Sentences that hand out work (giao, yêu cầu, chủ trì …) yet gave no task: read by a clerk."""
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreadable: bool = False
    listed: bool = False
    """The tasks came as fields (`RawDocument.records`), not from a text: nothing was read, so the
    doubts of reading (no number found, no task found) do not apply."""

    def meta(self, key: str) -> str | None:
        """A metadata value from the source (edXML element, e-mail header), stripped, or None."""
        value = self.raw.metadata.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def review(self, reason: str) -> None:
        """Record a Vietnamese reason for a clerk to check this document (no duplicates)."""
        if reason not in self.reasons:
            self.reasons.append(reason)


Step = Callable[[Draft], Draft]
