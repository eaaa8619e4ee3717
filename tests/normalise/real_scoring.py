"""Scoring the normaliser on the real-world corpus (tests/corpus/real/), field by field, as a clerk reads.

Each case is a real excerpt with a hand label (tests/corpus/real/README.md). Names are compared the
way a clerk would accept them: case, tone placement, "UBND"/"Ủy ban nhân dân", "&"/"và", a trailing
"tỉnh …" the label left out. Tasks are matched one to one by lead unit, in order; a task's deadline
is right when its matched task has the same date, rule or cycle.

"Silently wrong" is what would hurt the department: a task row whose lead unit or deadline is wrong
(or missed, or invented) while the document is *not* sent to a clerk for review.

The same cases are also read with an issuer header put in front of the excerpts that have none, as
documents really arrive: then the "no number found" doubts no longer send them to review, and only
the tasks themselves can.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument, Origin, RawDocument
from connector.mappings import Issuer, Mappings, Unit
from connector.normalise import normalise
from connector.textfold import fold

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"
FIELDS = (
    "number",
    "issuer",
    "issued_on",
    "urgency",
    "task_count",
    "lead",
    "deadline",
    "recurring",
    "follows_up",
)
OUR_UNITS = frozenset({"SNNPTNT", "SNNMT_KT", "SNNMT"})

_ABBREVIATIONS = (
    *(
        (rf"\b{fold(long)}\b", short)
        for long, short in (
            ("ủy ban nhân dân", "ubnd"),
            ("hội đồng nhân dân", "hđnd"),
            ("thành phố", "tp"),
            ("phát triển nông thôn", "ptnt"),
            ("ban chỉ đạo", "bcđ"),
        )
    ),
    (r"\s*&\s*", " và "),
)
_TITLES = re.compile(
    "^(?:"
    + "|".join(
        fold(t)
        for t in (
            "giám đốc",
            "chủ tịch",
            "thủ trưởng",
            "trưởng",
            "chánh văn phòng",
            "lãnh đạo",
            "người đứng đầu",
        )
    )
    + r")\s+"
)
_PLACE_TAIL = re.compile(
    r"\s+(?:"
    + "|".join(fold(w) for w in ("tỉnh", "tp", "huyện", "quận", "thị xã", "xã", "phường"))
    + r")\s+[\w\s-]+$"
)


def unit_key(name: str | None) -> str:
    """A unit's name as compared: folded, abbreviations unified, punctuation and titles dropped."""
    if not name:
        return ""
    key = fold(name)
    for pattern, repl in _ABBREVIATIONS:
        key = re.sub(pattern, repl, key)
    key = re.sub(r"[.,;:()“”\"'/]", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    return _TITLES.sub("", key)


def same_unit(a: str | None, b: str | None) -> bool:
    """True when a clerk would call the two names the same body."""
    ka, kb = unit_key(a), unit_key(b)
    if not ka or not kb:
        return ka == kb
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    return long_.startswith(short + " ") and _PLACE_TAIL.fullmatch(long_[len(short) :]) is not None


def same_number(a: str | None, b: str | None) -> bool:
    def key(x: str | None) -> str:  # "1961/QĐUBND" as printed is the number "1961/QĐ-UBND"
        return re.sub(r"[\s.-]+", "", fold(x or "")).replace("đ", "d")

    return key(a) == key(b)


@dataclass
class Case:
    name: str
    text: str
    label: dict[str, Any]

    @property
    def expected(self) -> dict[str, Any]:
        expected: dict[str, Any] = self.label["expected"]
        return expected

    @property
    def has_header(self) -> bool:
        return bool(self.label.get("header"))


def cases() -> list[Case]:
    out = []
    for path in sorted(REAL.glob("r*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        out.append(Case(path.stem, path.with_suffix(".txt").read_text(encoding="utf-8"), label))
    return out


def with_header(case: Case) -> tuple[str, dict[str, Any]]:
    """The excerpt as it would really arrive: the issuer's header in front; the expected header fields."""
    body = case.label.get("body") or "UBND tỉnh"
    year = int(case.label.get("year") or 2024)
    place = case.label.get("province") or "Hà Nội"
    place = "Hà Nội" if place == "Trung ương" or place.startswith("Bộ") else place
    head = f"{body.upper()}\nSố: 9999/UBND-TH\n{place}, ngày 15 tháng 6 năm {year}\n\n"
    expected = {**case.expected, "number": "9999/UBND-TH", "issued_on": f"{year}-06-15"}
    return head + case.text, expected


@dataclass
class Score:
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    silent: int = 0
    reviewed_docs: int = 0
    docs: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, field_: str, ok: bool, detail: str = "") -> None:
        self.total[field_] += 1
        self.right[field_] += ok
        if not ok:
            self.misses.append(f"{name} {field_}: {detail}")

    def share(self, field_: str) -> float:
        return self.right[field_] / self.total[field_] if self.total[field_] else 1.0

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: {self.docs} texts, {self.rows} task rows, {self.reviewed_docs} sent to review"]
        out += [f"  {f:<11} {self.share(f):7.1%}  ({self.right[f]}/{self.total[f]})" for f in FIELDS]
        rate = self.silent / self.rows if self.rows else 0.0
        out.append(f"  silently wrong task rows: {rate:.1%} ({self.silent}/{self.rows})")
        return out


def read(text: str, maps: Mappings, cal: WorkingCalendar, received: date | None) -> NormalisedDocument:
    raw = RawDocument("real", "ref", datetime(2026, 1, 1), text)
    return normalise(raw, maps, cal, our_units=OUR_UNITS, received_on=received)


def score_case(
    name: str, doc: NormalisedDocument, exp: dict[str, Any], score: Score, *, header_fields: bool = True
) -> None:
    score.docs += 1
    score.reviewed_docs += doc.needs_review
    if header_fields:
        score.add(
            name, "number", same_number(doc.number, exp["number"]), f"{doc.number!r} ≠ {exp['number']!r}"
        )
        got_issuer = doc.issuer.name if doc.issuer else None
        score.add(name, "issuer", same_unit(got_issuer, exp["issuer"]), f"{got_issuer!r} ≠ {exp['issuer']!r}")
        got_day = doc.issued_on.isoformat() if doc.issued_on else None
        score.add(name, "issued_on", got_day == exp["issued_on"], f"{got_day} ≠ {exp['issued_on']}")
    got_urgency = fold(str(doc.urgency)) if doc.urgency else None
    want_urgency = fold(exp["urgency"]) if exp.get("urgency") else None
    score.add(name, "urgency", got_urgency == want_urgency, f"{doc.urgency} ≠ {exp.get('urgency')}")
    want, got = exp["tasks"], list(doc.tasks)
    score.add(name, "task_count", len(want) == len(got), f"{len(got)} ≠ {len(want)}")
    used: set[int] = set()
    for i, w in enumerate(want):
        j = next(
            (
                k
                for k, g in enumerate(got)
                if k not in used and same_unit(g.lead_unit.name if g.lead_unit else None, w["lead"])
            ),
            None,
        )
        score.rows += 1
        lead_ok = j is not None
        leads = [g.lead_unit.name if g.lead_unit else None for g in got]
        score.add(name, "lead", lead_ok, f"task {i + 1} {w['lead']!r} not in {leads}")
        deadline_ok = False
        if j is not None:
            used.add(j)
            deadline_ok = _same_deadline(got[j], w)
            score.add(
                name, "deadline", deadline_ok, f"task {i + 1} {_got_deadline(got[j])} ≠ {_want_deadline(w)}"
            )
            if w.get("recurring"):
                score.add(
                    name,
                    "recurring",
                    _same_cycle(got[j].recurring, w["recurring"]),
                    f"task {i + 1} {got[j].recurring} ≠ {w['recurring']}",
                )
        else:
            score.add(name, "deadline", False, f"task {i + 1} missed")
            if w.get("recurring"):
                score.add(name, "recurring", False, f"task {i + 1} missed")
        if not (lead_ok and deadline_ok) and not doc.needs_review:
            score.silent += 1
            score.misses.append(f"{name} SILENT task {i + 1}")
    for k, g in enumerate(got):
        if k not in used:
            score.rows += 1
            if not doc.needs_review:
                score.silent += 1
                score.misses.append(f"{name} SILENT extra task {g.lead_unit.name if g.lead_unit else None!r}")
    score_follow_ups(name, doc, exp.get("follows_up") or [], score)


def score_follow_ups(name: str, doc: NormalisedDocument, want: list[dict[str, Any]], score: Score) -> None:
    """Each labelled follow-up is right when one read has its number (as `same_number` compares),
    the same action and the same new deadline; each follow-up read that no label has is one more
    wrong (a citation taken for an act on it), so the share falls for inventions as for misses. A
    label without a number (the text names the earlier document only by date) can only be missed."""
    got = list(doc.follows_up)
    used: set[int] = set()
    for w in want:
        j = next(
            (
                k
                for k, g in enumerate(got)
                if k not in used and w["number"] and same_number(g.number, w["number"])
            ),
            None,
        )
        if j is None:
            score.add(name, "follows_up", False, f"{w['number']!r} {w['action']} missed")
            continue
        used.add(j)
        g = got[j]
        when = g.new_deadline.isoformat() if g.new_deadline else None
        ok = str(g.action) == w["action"] and when == w.get("new_deadline")
        score.add(
            name, "follows_up", ok, f"{g.number} {g.action} {when} ≠ {w['action']} {w.get('new_deadline')}"
        )
    for k, g in enumerate(got):
        if k not in used:
            score.add(name, "follows_up", False, f"{g.number} {g.action} read, not labelled")


def _want_deadline(w: dict[str, Any]) -> Any:
    return w.get("deadline_rule") or w.get("recurring") or w.get("deadline")


def _got_deadline(g: Any) -> Any:
    if g.deadline_rule:
        return dict(g.deadline_rule)
    if g.recurring:
        return dict(g.recurring)
    return g.deadline.isoformat() if g.deadline else None


def _same_cycle(got: Any, want: dict[str, Any]) -> bool:
    if not got:
        return False
    return all(got.get(k) == v for k, v in want.items() if k in ("every", "day"))


def _same_deadline(g: Any, w: dict[str, Any]) -> bool:
    if w.get("recurring"):
        return _same_cycle(g.recurring, w["recurring"])
    if w.get("deadline_rule"):
        rule = dict(g.deadline_rule or {})
        return bool(rule) and all(rule.get(k) == v for k, v in w["deadline_rule"].items())
    want = w.get("deadline")
    got = g.deadline.isoformat() if g.deadline else None
    return got == want and (want is not None or not (g.deadline_rule or g.recurring))


def score_all(maps: Mappings, cal: WorkingCalendar) -> tuple[Score, Score]:
    """(as collected, with an issuer header in front of the excerpts that have none)."""
    plain, headed = Score(), Score()
    for case in cases():
        doc = read(case.text, maps, cal, None)
        score_case(case.name, doc, case.expected, plain)
        text, exp = (case.text, case.expected) if case.has_header else with_header(case)
        score_case(case.name, read(text, maps, cal, None), exp, headed, header_fields=False)
    return plain, headed


def score_at_home(maps: Mappings, cal: WorkingCalendar) -> Score:
    """Each case read by a department of the issuing province, its catalogues filled in.

    The issuer and the bodies the text names are in that department's issuers.toml and
    units.toml, as an admin keeps them; then an unknown name no longer sends the document to
    review, and what is left is the normaliser's own doubt. This is the honest measure of the
    silent-wrong share; the field shares are not reported from it (the names came from the label).
    """
    home = Score()
    for case in cases():
        text, exp = (case.text, case.expected) if case.has_header else with_header(case)
        score_case(case.name, read(text, _at_home(maps, case), cal, None), exp, home, header_fields=False)
    return home


def _at_home(maps: Mappings, case: Case) -> Mappings:
    issuer = case.expected.get("issuer") or case.label.get("body") or "UBND tỉnh"
    names = {issuer} | {
        name for t in case.expected["tasks"] for name in (t["lead"], *(t.get("coop") or [])) if name
    }
    units = tuple(Unit(code=f"HOME{i}", name=name) for i, name in enumerate(sorted(names)))
    origin = Origin.CHU_TICH if fold(issuer).startswith("chu tich") else Origin.UBND_TINH
    return replace(
        maps,
        units=maps.units + units,
        issuers=(*maps.issuers, Issuer(code="HOME", name=issuer, origin=origin)),
    )
