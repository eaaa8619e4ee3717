"""Load and validate the admin-edited files in `mappings/` into typed objects.

Every site- and province-specific fact lives in these files, never in code: unit names and their
aliases (with validity dates, so that renamed or merged bodies still resolve), issuers, the
portal's status labels, the calendar's official swaps. Recipes for eOffice and the portal are
validated by the adapters that use them (their shape is theirs), but `load_all` still checks that
they parse. Every problem names its file and line; all problems are reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from connector.domain import Origin, Status, UnitRef
from connector.errors import MappingError, Problem
from connector.textfold import fold, nfc
from connector.tomlfile import read_toml, validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    """One body: a unit of the department (internal) or an outside agency (external)."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: Literal["internal", "external"] = "external"
    aliases: list[str] = []
    email: EmailStr | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    replaced_by: str | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Unit:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to không được trước valid_from")
        return self

    def valid_on(self, day: date | None) -> bool:
        """Whether the body existed under this name on `day` (unknown day: always)."""
        if day is None:
            return True
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class UnitsFile(_Strict):
    unit: list[Unit]

    @model_validator(mode="after")
    def _codes_unique_and_successors_known(self) -> UnitsFile:
        codes = [u.code for u in self.unit]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"mã đơn vị không được trùng: {', '.join(dupes)}")
        unknown = sorted({u.replaced_by for u in self.unit if u.replaced_by and u.replaced_by not in codes})
        if unknown:
            raise ValueError(f"replaced_by trỏ tới mã không có trong tệp: {', '.join(unknown)}")
        return self


class Issuer(_Strict):
    """A body that issues directives; `origin` decides whether its tasks go to the portal."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    origin: Origin
    aliases: list[str] = []
    valid_from: date | None = None
    valid_to: date | None = None


class IssuersFile(_Strict):
    issuer: list[Issuer]


class ProvincialBodies(_Strict):
    """The standard bodies of any province, by the words before their place ("Sở" + department)."""

    departments: list[str] = []
    bodies: list[str] = []


class BodiesFile(_Strict):
    """Bodies beyond the province: national ones by name, provincial ones by their standard shape."""

    national: list[Unit] = []
    provincial: ProvincialBodies = ProvincialBodies()


class StatusLabel(_Strict):
    """How one Điều 5e status is called and coded on the portal."""

    status: Status
    portal_label: str = Field(min_length=1)
    portal_value: str = Field(min_length=1)


class StatusesFile(_Strict):
    status: list[StatusLabel]

    @field_validator("status")
    @classmethod
    def _every_status_once(cls, value: list[StatusLabel]) -> list[StatusLabel]:
        seen = [s.status for s in value]
        missing = [str(s) for s in Status if s not in seen]
        if missing:
            raise ValueError("thiếu trạng thái: " + "; ".join(missing))
        if len(seen) != len(set(seen)):
            raise ValueError("mỗi trạng thái chỉ được khai báo một lần")
        return value


class CalendarDay(_Strict):
    date: date
    reason: str = Field(min_length=1)
    document: str = ""


class OptionalDayOff(_Strict):
    """A day off that applies only when the config switches it on (e.g. 24/11)."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    label: str
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    since_year: int = 2026


class CalendarFile(_Strict):
    day_off: list[CalendarDay] = []
    work_day: list[CalendarDay] = []
    optional_day_off: list[OptionalDayOff] = []

    @model_validator(mode="after")
    def _no_day_both(self) -> CalendarFile:
        both = {d.date for d in self.day_off} & {d.date for d in self.work_day}
        if both:
            raise ValueError("ngày vừa là ngày nghỉ vừa là ngày làm bù: " + ", ".join(map(str, sorted(both))))
        weekdays = [str(d.date) for d in self.work_day if d.date.weekday() < 5]
        if weekdays:
            raise ValueError("ngày làm bù phải là thứ Bảy hoặc Chủ nhật: " + ", ".join(weekdays))
        return self


@dataclass(frozen=True)
class Mappings:
    """Everything in mappings/, validated. Pure data plus lookups; no I/O after loading."""

    units: tuple[Unit, ...]
    issuers: tuple[Issuer, ...]
    statuses: tuple[StatusLabel, ...]
    calendar: CalendarFile
    recipes: dict[str, dict[str, Any]]
    bodies: BodiesFile = field(default_factory=BodiesFile)

    @cached_property
    def _unit_index(self) -> dict[str, list[Unit]]:
        index: dict[str, list[Unit]] = {}
        for unit in (*self.units, *self.bodies.national):
            for label in (unit.name, unit.code, *unit.aliases):
                index.setdefault(fold(label), []).append(unit)
        return index

    def unit(self, code: str) -> Unit | None:
        """The unit with this code, if any (a national body from bodies.toml too)."""
        return next((u for u in (*self.units, *self.bodies.national) if u.code == code), None)

    def is_national(self, code: str | None) -> bool:
        """Whether `code` is a national body's (bodies.toml), not one of the province's units."""
        return code is not None and any(u.code == code for u in self.bodies.national)

    def resolve_unit(self, name: str, on: date | None = None) -> UnitRef:
        """Resolve a unit name as written on date `on` to its code; unknown names keep `code=None`.

        A name valid on `on` wins. A name of a body that has since been renamed or merged resolves
        to its successor current on `on` (follows `replaced_by`), so a 2026 text that still says
        "Sở Nông nghiệp và Phát triển nông thôn" reaches today's body.
        """
        written = nfc(name).strip()
        candidates = self._unit_index.get(fold(written), [])
        current = [u for u in candidates if u.valid_on(on)]
        chosen = current[0] if current else (candidates[0] if candidates else None)
        seen: set[str] = set()
        while (
            chosen is not None and not chosen.valid_on(on) and chosen.replaced_by and chosen.code not in seen
        ):
            seen.add(chosen.code)
            chosen = self.unit(chosen.replaced_by)
        return UnitRef(written, chosen.code if chosen else None)

    def resolve_issuer(self, name: str, on: date | None = None) -> tuple[UnitRef, Issuer | None]:
        """Resolve an issuing body; returns the reference and the issuer record (for its origin).

        A national body of bodies.toml resolves to its code with no record: it is known, not a
        doubt, but what it asks is not a task the province assigned.
        """
        written = nfc(name).strip()
        key = fold(written)
        for issuer in self.issuers:
            labels = {fold(x) for x in (issuer.name, issuer.code, *issuer.aliases)}
            if key in labels and (on is None or _within(on, issuer.valid_from, issuer.valid_to)):
                return UnitRef(written, issuer.code), issuer
        body = self.resolve_unit(written, on)
        if self.is_national(body.code):  # known, but its tasks are no origin of the province's
            return body, None
        return UnitRef(written, None), None

    def portal_label(self, status: Status) -> StatusLabel:
        """The portal's label and value for a derived status."""
        return next(s for s in self.statuses if s.status is status)


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


_FILES: dict[str, type[_Strict]] = {
    "units.toml": UnitsFile,
    "issuers.toml": IssuersFile,
    "statuses.toml": StatusesFile,
    "calendar.toml": CalendarFile,
    "bodies.toml": BodiesFile,
}


def load_all(directory: Path) -> Mappings:
    """Load and validate every mapping file; raise one `MappingError` listing every problem."""
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}
    for name, model in _FILES.items():
        try:
            data, text = read_toml(directory / name, error=MappingError)
            parsed[name] = validate(model, data, path=directory / name, text=text, error=MappingError)
        except MappingError as exc:
            problems.extend(exc.problems)
    recipes: dict[str, dict[str, Any]] = {}
    for path in sorted(_recipe_files(directory)):
        try:
            recipes[path.stem], _ = read_toml(path, error=MappingError)
        except MappingError as exc:
            problems.extend(exc.problems)
    if not problems:
        problems += _codes_apart(parsed["units.toml"], parsed["bodies.toml"], directory)
    if problems:
        raise MappingError(problems, hint="connector check")
    return Mappings(
        units=tuple(parsed["units.toml"].unit),
        issuers=tuple(parsed["issuers.toml"].issuer),
        statuses=tuple(parsed["statuses.toml"].status),
        calendar=parsed["calendar.toml"],
        recipes=recipes,
        bodies=parsed["bodies.toml"],
    )


def _codes_apart(units: UnitsFile, bodies: BodiesFile, directory: Path) -> list[Problem]:
    """A national body's code must not be one of the province's units' (one code, one body)."""
    own = {u.code for u in units.unit}
    return [
        Problem(str(directory / "bodies.toml"), "national.code", f"'{b.code}'", "mã không trùng units.toml")
        for b in bodies.national
        if b.code in own
    ]


def _recipe_files(directory: Path) -> Iterable[Path]:
    return (p for p in directory.glob("*.toml") if p.name not in _FILES)
