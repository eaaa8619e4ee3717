"""The office's Excel register as a source: each directive in the workbook → one RawDocument.

An office keeps one row per task; the rows of one directive (same number, issue date and issuer)
become one document whose tasks are `RawDocument.records`, so the workbook enters the register
by the one intake path (`connector.sync.intake`): the same normaliser, ledger, merge with a
directive that came by another route, review and secret-notice rules as every other source.

The ledger key of a document is what it says, never where it sits in the sheet: its number key,
issue date and issuer (a row without a number: the issuer and its task's summary), so inserting a
row above changes nothing. The fingerprint covers the same content plus the task summaries, so a
second import of the same workbook, or of the register's own export, is "unchanged": importing
never overwrites what the register has since learnt. A row that cannot be read (no number and no
summary, a date that is not a date, an unknown độ mật) is a `Failure` naming its sheet and row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime

from connector.domain import RawDocument, number_key
from connector.errors import BadDocumentError, one_item
from connector.office.excel.cells import Record, parse_row
from connector.office.excel.reader import Sheet
from connector.office.excel.settings import ExcelMap
from connector.ports import Batch, Cursor, Failure
from connector.textfold import fold

SOURCE = "excel"


class WorkbookSource:
    """`connector.ports.Source` over one sheet that has been read (`reader.read_sheet`)."""

    name = SOURCE

    def __init__(self, sheet: Sheet, xmap: ExcelMap, *, file_name: str) -> None:
        self.sheet, self.xmap, self.file_name = sheet, xmap, file_name
        self.rows: dict[str, list[int]] = {}
        """The workbook rows of each document, by source ref (for the import's per-row summary)."""
        self.problems: list[tuple[int, str]] = []
        self._batch: Batch | None = None

    def poll(self, cursor: Cursor) -> tuple[Batch, Cursor]:
        """The whole workbook, every time: it is the source (`Batch.complete`)."""
        return self.batch(), {}

    def batch(self) -> Batch:
        """The sheet's documents and the rows that could not be read, grouped once."""
        if self._batch is None:
            self._batch = self._read()
        return self._batch

    def fetch(self, ref: str) -> RawDocument:
        """One document of this workbook again, by its ref."""
        found = next((d for d in self.batch().documents if d.source_ref == ref), None)
        if found is None:
            raise BadDocumentError(
                f"Tệp {self.file_name} không có văn bản mã {ref}.",
                hint=f"connector import-excel {self.file_name}",
            )
        return found

    def acknowledge(self, refs: Iterable[str]) -> None:
        """Nothing to mark: the workbook stays as the office keeps it."""

    def close(self) -> None:
        """Nothing is held open (the sheet was read before)."""

    # -- grouping -----------------------------------------------------------------------------------

    def _read(self) -> Batch:
        groups: dict[str, list[tuple[int, Record]]] = {}
        failed: list[Failure] = []
        for row in self.sheet.rows:
            try:
                with one_item(f"dòng {row.row}"):
                    rec, problems = parse_row(row.cells, self.xmap)
            except BadDocumentError as exc:  # a cell no rule foresaw: this row only
                rec, problems = Record(), [exc.message]
            if problems:
                why = "; ".join(problems)
                self.problems.append((row.row, why))
                failed.append(self._failure(row.row, why, rec))
                continue
            groups.setdefault(document_ref(rec), []).append((row.row, rec))
        documents = [self._document(ref, rows) for ref, rows in groups.items()]
        self.rows = {ref: [n for n, _ in rows] for ref, rows in groups.items()}
        return Batch(documents=documents, failed=failed, complete=True)

    def _failure(self, row: int, why: str, rec: Record) -> Failure:
        where = f"dòng {row}, trang «{self.sheet.name}» của tệp {self.file_name}"
        return Failure(
            ref=f"{self.file_name}|{self.sheet.name}|{row}",
            error=BadDocumentError(why[:1].upper() + why[1:]),
            label=where,
            advice=f"sửa dòng này trong tệp rồi chạy lại: connector import-excel {self.file_name}",
            detail={"sheet": self.sheet.name, "row": row, "file": self.file_name, "reason": why,
                    "number": rec.number},
        )  # fmt: skip

    def _document(self, ref: str, rows: list[tuple[int, Record]]) -> RawDocument:
        first = rows[0][1]
        metadata = {
            "number": first.number or "",
            "issuer": first.issuer or "",
            "subject": first.subject or "",
            "issued_on": _iso(first.issued_on),
            "received_on": _iso(first.received_on),
            "urgency": str(first.urgency) if first.urgency else "",
            "secrecy": str(first.secrecy) if first.secrecy else "",
            "origin": str(first.origin) if first.origin else "",
        }
        records = tuple(
            {
                "summary": rec.summary or "",
                "lead_unit": rec.lead_unit or "",
                "cooperating_units": "; ".join(rec.cooperating_units),
                "tracker": rec.tracker or "",
                "deadline": _iso(rec.deadline),
                "deadline_text": rec.deadline_text or "",
                "status": rec.status or "",
                "completed_on": _iso(rec.completed_on),
                "progress_note": rec.progress_note or "",
                "row": str(n),
            }
            for n, rec in rows
        )
        content = "|".join([ref, *(fold(rec.summary or rec.subject or "") for _, rec in rows)])
        return RawDocument(
            source=SOURCE,
            source_ref=ref,
            fetched_at=datetime.now(UTC),
            body="",
            metadata=metadata,
            sha256=hashlib.sha256(content.encode()).hexdigest(),
            records=records,
        )


def document_ref(rec: Record) -> str:
    """The ledger key of the document a row belongs to: what it says, never where it sits."""
    if rec.number:
        who = hashlib.sha256(fold(rec.issuer or "").encode()).hexdigest()[:16]
        return f"{number_key(rec.number)}|{_iso(rec.issued_on) or '-'}|{who}"
    what = hashlib.sha256(f"{fold(rec.issuer or '')}|{fold(rec.summary or rec.subject or '')}".encode())
    return f"-|{_iso(rec.issued_on) or '-'}|{what.hexdigest()[:16]}"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""
