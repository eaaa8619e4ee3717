"""One document arriving in the register: what the store and the lifecycle rules both work on.

`Arrival` bundles the write session, what the source gave (`RawDocument`), its ledger row
(`IntakeItem`), what the normaliser decided (`NormalisedDocument`) and where sync-log lines go.
It sits below `connector.sync.store` and `connector.sync.lifecycle`, so that neither needs the
other, nor the intake run that opened the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument, Origin, RawDocument, number_key
from connector.register.tables import IntakeItem


class EventSink(Protocol):
    """Writes one sync-log line in the caller's transaction (and the JSON log file)."""

    def __call__(
        self,
        s: Session,
        kind: str,
        message: str,
        *,
        level: str = "info",
        document_ref: str | None = None,
        document_id: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None: ...


@dataclass
class Arrival:
    """One document on its way into the register, inside one write transaction."""

    s: Session
    source: str
    raw: RawDocument
    item: IntakeItem
    doc: NormalisedDocument
    event: EventSink
    cal: WorkingCalendar | None = None
    """Counts the outbox's due date of a change a follow-up makes (None: such a change is not pushed)."""
    push_days: int = 2
    """Working days a status change has to reach the portal (profile `time_limits.push_working_days`)."""
    portal_origins: frozenset[str] = frozenset(str(o) for o in Origin if o.goes_to_portal)
    """Origins whose tasks the portal receives (profile `portal_origins`)."""

    @property
    def key(self) -> str | None:
        """The number as compared for merging (`connector.domain.number_key`)."""
        return number_key(self.doc.number)

    @property
    def issuer_code(self) -> str | None:
        return self.doc.issuer.code if self.doc.issuer else None

    @property
    def issuer_name(self) -> str | None:
        return self.doc.issuer.name if self.doc.issuer else None

    @property
    def label(self) -> str:
        """How the sync log names the document: its number and issuer, else its source reference."""
        if self.doc.number:
            return f"số {self.doc.number}" + (f" của {self.issuer_name}" if self.issuer_name else "")
        return f"mã {self.raw.source_ref} (nguồn {self.source})"

    @property
    def ref(self) -> str:
        """What a clerk types to find it again (`connector rerun REF`)."""
        return self.doc.number or self.raw.source_ref
