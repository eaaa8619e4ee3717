"""`mappings/excel.toml`: how the office's own workbook is read, validated with line-located errors.

Every office lays out its register a little differently (header spellings, a title above the
header, a two-row merged header); those facts belong to the admin, not the code (DESIGN §3).
The file is loaded here rather than in `connector.mappings` because only the Excel commands and
`connector check` need it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.errors import MappingError
from connector.textfold import fold
from connector.tomlfile import read_toml, validate

FILE_NAME = "excel.toml"

FieldName = Literal[
    "number",
    "issuer",
    "subject",
    "issued_on",
    "received_on",
    "summary",
    "lead_unit",
    "cooperating_units",
    "tracker",
    "deadline",
    "deadline_text",
    "status",
    "progress_note",
    "urgency",
    "secrecy",
    "origin",
    "completed_on",
]
DATE_FIELDS = ("issued_on", "received_on", "deadline", "completed_on")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Field → header spellings; the first spelling is the header `export-excel` writes."""

    number: list[str] = Field(min_length=1)
    issuer: list[str] = Field(min_length=1)
    subject: list[str] = Field(min_length=1)
    issued_on: list[str] = Field(min_length=1)
    received_on: list[str] = Field(min_length=1)
    summary: list[str] = Field(min_length=1)
    lead_unit: list[str] = Field(min_length=1)
    cooperating_units: list[str] = Field(min_length=1)
    tracker: list[str] = Field(min_length=1)
    deadline: list[str] = Field(min_length=1)
    deadline_text: list[str] = []
    status: list[str] = Field(min_length=1)
    progress_note: list[str] = Field(min_length=1)
    urgency: list[str] = Field(min_length=1)
    secrecy: list[str] = Field(min_length=1)
    origin: list[str] = Field(min_length=1)
    completed_on: list[str] = []

    @model_validator(mode="after")
    def _spellings_unique(self) -> Columns:
        owner: dict[str, str] = {}
        for name, spellings in self.model_dump().items():
            for text in spellings:
                key = fold(text)
                if not key:
                    raise ValueError(f"tiêu đề cột của trường {name} không được rỗng")
                if owner.get(key, name) != name:
                    raise ValueError(f"tiêu đề «{text}» khai báo cho cả {owner[key]} và {name}")
                owner[key] = name
        return self


class ExcelMap(_Strict):
    """The validated file; `field_for` answers "which field is this header?"."""

    sheet: str = ""
    header_search_rows: int = Field(default=10, ge=1, le=50)
    date_formats: list[str] = Field(min_length=1)
    list_separators: list[str] = Field(default=[";", "\n"], min_length=1)
    columns: Columns

    @field_validator("date_formats")
    @classmethod
    def _formats_work(cls, value: list[str]) -> list[str]:
        for fmt in value:
            sample = datetime(2025, 12, 15).strftime(fmt)
            try:
                if datetime.strptime(sample, fmt).date().isoformat() != "2025-12-15":
                    raise ValueError
            except ValueError:
                raise ValueError(f"dạng ngày «{fmt}» không đọc lại được ngày 15/12/2025") from None
        return value

    @field_validator("list_separators")
    @classmethod
    def _separators_not_empty(cls, value: list[str]) -> list[str]:
        if any(not s for s in value):
            raise ValueError("ký tự ngăn cách không được rỗng")
        return value

    @cached_property
    def _index(self) -> dict[str, str]:
        return {fold(t): name for name, spellings in self.columns.model_dump().items() for t in spellings}

    def field_for(self, header: str) -> str | None:
        """The field whose spelling equals `header` (folded), or None."""
        return self._index.get(fold(header))

    def heading(self, name: str) -> str:
        """The header `export-excel` writes for field `name` (its first spelling)."""
        spellings: list[str] = getattr(self.columns, name)
        return spellings[0] if spellings else name


def load_excel_map(mappings_dir: Path) -> ExcelMap:
    """Read and validate `mappings/excel.toml`; a `MappingError` names the file and the line."""
    path = mappings_dir / FILE_NAME
    data, text = read_toml(path, error=MappingError)
    return validate(ExcelMap, data, path=path, text=text, error=MappingError)
