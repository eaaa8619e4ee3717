"""Tasks a source lists as fields (the office's own Excel register): the same decisions as for a text.

A workbook row already says which unit leads, who cooperates, the deadline and how far the task
has come ("Đã hoàn thành trong hạn", "Đang thực hiện, có vướng mắc" and a completion date). This
step turns each record into a task exactly as the text steps would, resolving units on the
document's date, and reads the office's status words into the facts a status is derived from
(DESIGN §5). The document's header fields come from the metadata (`metadata.from_metadata`), so a
secret row keeps only its arrival notice like any secret document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from connector.domain import Origin, TaskFacts, UnitRef
from connector.normalise.draft import Draft, TaskDraft
from connector.normalise.metadata import from_metadata
from connector.textfold import fold

_DONE, _NOT, _STARTED = fold("hoàn thành"), fold("chưa"), fold("đang thực hiện")
_BLOCKED, _HARD = fold("vướng mắc"), fold("khó khăn")


def from_records(draft: Draft) -> Draft:
    """Step (instead of reading a text): header from the metadata, one task per record."""
    draft.listed = True
    draft = from_metadata(draft)  # raises DropContent for a secret document
    on = draft.received_on or draft.issued_on
    for rec in draft.raw.records:
        lead = _unit(draft, rec.get("lead_unit"), on)
        cooperating = [_unit(draft, name, on) for name in (rec.get("cooperating_units") or "").split("; ")]
        known = draft.maps.unit(lead.code) if lead and lead.code else None
        facts = _facts(draft, rec, on)
        summary = rec.get("summary") or draft.subject or ""
        if not summary:
            draft.review("Dòng không có tóm tắt nhiệm vụ và trích yếu: nhập nội dung nhiệm vụ")
        draft.tasks.append(
            TaskDraft(
                summary=summary,
                leads=[lead] if lead else [],
                cooperating=[u for u in cooperating if u is not None],
                deadline=_date(rec.get("deadline")),
                deadline_text=rec.get("deadline_text") or None,
                concerns_us=True,  # the office's own register lists only the department's tasks
                handling_unit=known.code if known and known.kind == "internal" else None,
                tracker=rec.get("tracker") or None,
                facts=facts,
                progress_note=rec.get("progress_note") or None,
            )
        )
    return draft


def origin(draft: Draft) -> Origin | None:
    """The source's own "nguồn giao" when it gives one, else the issuer's (mappings/issuers.toml)."""
    written = draft.meta("origin")
    given = next((o for o in Origin if o.value == written), None)
    return given or (draft.issuer_record.origin if draft.issuer_record else None)


def _unit(draft: Draft, name: str | None, on: date | None) -> UnitRef | None:
    return draft.maps.resolve_unit(name, on=on) if name and name.strip() else None


def _facts(draft: Draft, rec: Mapping[str, str], on: date | None) -> TaskFacts:
    """What the workbook says of the task's progress, as the facts of DESIGN §5.

    The workbook keeps no start date: a task it calls started or done began, at the earliest
    truthfully known day, when it arrived.
    """
    written = rec.get("status") or ""
    status = fold(written)
    completed = _date(rec.get("completed_on"))
    if completed is None and _DONE in status and _NOT not in status:
        draft.review(f"Sổ Excel ghi «{written}» nhưng không có ngày hoàn thành: nhập ngày hoàn thành")
    started = on if (_STARTED in status or completed is not None) else None
    hard = _BLOCKED in status or _HARD in status
    blocked = (rec.get("progress_note") or written) if hard else None
    return TaskFacts(_date(rec.get("deadline")), started, completed, blocked or None)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
