"""Intake stores the phòng the Director assigned (eOffice "handling_lead") on each task, for reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from adapters.memory import MemorySource
from adapters.text import decode_text
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.domain import RawDocument
from connector.mappings import Mappings
from connector.register.db import Register
from connector.register.tables import Document, Task
from connector.sync.intake import sync_source

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "corpus" / "hand"


def _raw(ref: str, corpus: str, handling_lead: str, version: str = "1") -> RawDocument:
    text = decode_text((CORPUS / corpus).read_bytes())
    meta = {"received_on": "2026-08-20", "handling_lead": handling_lead, "handling_officer": "Nguyễn Văn A"}
    at = datetime(2026, 8, 20, 2, tzinfo=UTC)
    return RawDocument(
        "eoffice", ref, at, text, meta, sha256=RawDocument.fingerprint(f"{ref}{version}".encode())
    )


def _handling(register: Register) -> dict[str, set[str | None]]:
    with register.read() as s:
        rows = s.exec(select(Task, Document).join(Document, Task.document_id == Document.id)).all()  # type: ignore[arg-type]
    out: dict[str, set[str | None]] = {}
    for task, doc in rows:
        out.setdefault(str(doc.number), set()).add(task.handling_unit_code)
    return out


def test_internal_handling_unit_is_stored_and_kept_across_versions(
    register: Register, maps: Mappings, cal: WorkingCalendar, profile: Profile
) -> None:
    first = [
        _raw("E-2", "002-cv-vni-hoatoc.txt", "Phòng KH-TC"),  # an alias of an internal unit
        _raw("E-1", "001-qd-chutich-tcvn3.txt", "UBND huyện Ia H'Drai"),  # an outside body: not ours
        _raw("E-7", "007-cv-qng-rule.txt", ""),  # no bút phê yet
    ]
    eoffice = MemorySource("eoffice", first)  # the in-memory twin of the eOffice source
    summary = sync_source(register, eoffice, maps, cal, profile, read=read_text)
    assert summary.outcome == "ok", summary.line()
    assert _handling(register) == {
        "4215/UBND-NNTN": {"KHTC"},
        "1961/QĐ-UBND": {None},
        "2781/UBND-KTN": {None},
    }

    # a new version without the bút phê keeps the assignment; a new assignment replaces it
    eoffice.put(_raw("E-2", "002-cv-vni-hoatoc.txt", "", "2"))
    sync_source(register, eoffice, maps, cal, profile, read=read_text)
    assert _handling(register)["4215/UBND-NNTN"] == {"KHTC"}
    eoffice.put(_raw("E-2", "002-cv-vni-hoatoc.txt", "Chi cục Kiểm lâm", "3"))
    sync_source(register, eoffice, maps, cal, profile, read=read_text)
    assert _handling(register)["4215/UBND-NNTN"] == {"CCKL"}
