"""Per-field accuracy of the normaliser over the golden corpus; fails below 95 % on any field.

Each `corpus/NNN-name.txt` has `NNN-name.expected.json` beside it, written from what the text
says (by hand for 0NN, from the generator's choices for 1NN), never from the normaliser's output.
An optional "metadata" object in the expected file is what the source labelled beside the text
(`RawDocument.metadata`: eOffice columns, e-mail headers), e.g. a secret record with an empty body.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument
from connector.mappings import Mappings
from connector.normalise import normalise

from .conftest import OUR_UNITS, raw

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "hand"
FIELDS = (
    "number",
    "issuer_code",
    "doc_type",
    "issued_on",
    "subject",
    "secrecy",
    "urgency",
    "task_count",
    "lead_units",
    "cooperating_units",
    "deadlines",
    "needs_review",
)
THRESHOLD = 0.95


def _deadline(task: dict[str, Any]) -> Any:
    if task["deadline_rule"]:
        return task["deadline_rule"]
    if task["recurring"]:
        return task["recurring"]
    if task["deadline"]:
        return task["deadline"] + (f" {task['deadline_time']}" if task["deadline_time"] else "")
    return None


def actual_fields(doc: NormalisedDocument) -> dict[str, Any]:
    j = doc.to_json()
    tasks = j["tasks"]
    return {
        "number": j["number"],
        "issuer_code": (j["issuer"] or {}).get("code"),
        "doc_type": j["doc_type"],
        "issued_on": j["issued_on"],
        "subject": j["subject"],
        "secrecy": j["secrecy"],
        "urgency": j["urgency"],
        "task_count": len(tasks),
        "lead_units": [(t["lead_unit"] or {}).get("code") for t in tasks],
        "cooperating_units": [sorted(str(u["code"]) for u in t["cooperating_units"]) for t in tasks],
        "deadlines": [_deadline(t) for t in tasks],
        "needs_review": j["needs_review"],
    }


def expected_fields(exp: dict[str, Any]) -> dict[str, Any]:
    tasks = exp["tasks"]
    return {
        "number": exp["number"],
        "issuer_code": exp["issuer_code"],
        "doc_type": exp["doc_type"],
        "issued_on": exp["issued_on"],
        "subject": exp["subject"],
        "secrecy": exp["secrecy"],
        "urgency": exp["urgency"],
        "task_count": len(tasks),
        "lead_units": [t["lead"] for t in tasks],
        "cooperating_units": [sorted(str(c) for c in t["coop"]) for t in tasks],
        "deadlines": [t["deadline"] for t in tasks],
        "needs_review": exp["needs_review"],
    }


def _cases() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


def test_corpus_is_large_enough() -> None:
    cases = _cases()
    assert len(cases) >= 80
    assert len({p.name[:3] for p in cases}) == len(cases), "corpus numbers must be unique"
    assert all(p.with_suffix("").with_suffix(".expected.json").exists() for p in cases)


def _report(title: str, right: dict[str, int], total: int) -> None:
    print(f"\n{title}: {total} texts\nfield              accuracy")
    for name in FIELDS:
        share = right[name] / total if total else 1.0
        print(f"{name:<18} {share:7.1%}  ({right[name]}/{total})")


def test_per_field_accuracy(maps: Mappings, cal: WorkingCalendar) -> None:
    groups = {"all": dict.fromkeys(FIELDS, 0), "hand-written (0NN)": dict.fromkeys(FIELDS, 0)}
    groups["generated (1NN)"] = dict.fromkeys(FIELDS, 0)
    counts = dict.fromkeys(groups, 0)
    misses: list[str] = []
    cases = _cases()
    for path in cases:
        exp = json.loads(path.with_name(path.name[:-4] + ".expected.json").read_text(encoding="utf-8"))
        received = date.fromisoformat(exp["received_on"]) if exp.get("received_on") else None
        text = path.read_bytes().decode(exp.get("encoding", "utf-8"))
        doc = normalise(
            raw(text, **exp.get("metadata", {})), maps, cal, our_units=OUR_UNITS, received_on=received
        )
        got, want = actual_fields(doc), expected_fields(exp)
        group = "hand-written (0NN)" if path.name.startswith("0") else "generated (1NN)"
        counts["all"] += 1
        counts[group] += 1
        for name in FIELDS:
            if got[name] == want[name]:
                groups["all"][name] += 1
                groups[group][name] += 1
            else:
                misses.append(f"{path.name} {name}: got {got[name]!r} want {want[name]!r}")
    for title, right in groups.items():
        _report(title, right, counts[title])
    if misses:
        print("\n".join(["", "misses:", *misses]))
    low = {
        f"{title}/{n}": right[n] / counts[title]
        for title, right in groups.items()
        for n in FIELDS
        if counts[title] and right[n] / counts[title] < THRESHOLD
    }
    assert not low, f"fields below {THRESHOLD:.0%}: {low}"


def test_hand_written_part_is_large() -> None:
    """At least 60 texts written by hand (0NN), not by the generator."""
    assert len([p for p in _cases() if p.name.startswith("0")]) >= 60
