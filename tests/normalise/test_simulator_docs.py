"""Per-field accuracy of the normaliser over the eOffice simulator's documents; ≥95 % per field.

The documents come straight from the simulator's seed (`fixtures/simulators/eoffice/seed.py`),
without HTTP, as the eOffice adapter hands them over: the printed text as body and the record's
columns as metadata; a secret record arrives with an empty body and the arrival-notice columns only.

The seed keeps no task list, so the truth is rebuilt from its generation parameters, not from the
normaliser: every task is one line of the fixed template
``"{n}. {lead} chủ trì[, phối hợp với {coop}, {coop}] {action}; {when}."`` where `lead` and
`coop` come from the seed's own name lists and `when` is "hoàn thành trước ngày DD/MM/YYYY" or
"thực hiện thường xuyên". Unit and issuer codes are what `mappings/` says of those names on the
document's date. A document needs review only when its issuer is not in `mappings/issuers.toml`
(a ministry of `mappings/bodies.toml` is known, but gives no origin: the clerk decides) or a named
(non-collective) unit is not in `mappings/units.toml`; a secret one never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connector.calendar import WorkingCalendar
from connector.domain import NormalisedDocument, RawDocument
from connector.mappings import Mappings
from connector.normalise import normalise
from connector.normalise.secrecy import NOTICE
from fixtures.simulators.eoffice import seed as sim

from .conftest import OUR_UNITS

THRESHOLD = 0.95
FIELDS = (
    "number",
    "issuer_code",
    "doc_type",
    "issued_on",
    "secrecy",
    "urgency",
    "task_count",
    "lead_units",
    "cooperating_units",
    "deadlines",
    "needs_review",
)
# The adapter's NOTICE_KEYS: all a secret record shows (adapters/eoffice.py).
_NOTICE_KEYS = ("number", "issuer", "issued_on", "received_on", "secrecy", "urgency", "doc_type")
_TASK_LINE = re.compile(r"^(\d+)\.\s+(.*)$")
_DUE = re.compile(r"hoàn thành trước ngày (\d{2})/(\d{2})/(\d{4})")
_COLLECTIVE = re.compile(r"(?i)\bcác\b")


@dataclass(frozen=True)
class TruthTask:
    """One task as the seed's template wrote it."""

    lead: str
    cooperating: tuple[str, ...]
    deadline: date | None


def _names() -> list[str]:
    """Every unit name the seed may put in a task line, longest first (for prefix matching)."""
    return sorted({sim.DEPARTMENT_KT, sim.DEPARTMENT_QNG, *sim._OUTSIDE}, key=len, reverse=True)


def _take_name(text: str, names: list[str]) -> tuple[str, str] | None:
    for name in names:
        if text.startswith(name):
            return name, text[len(name) :]
    return None


def truth_tasks(doc: sim.SimDocument) -> list[TruthTask]:
    """The tasks of `doc`, read back from the seed's fixed task-line template."""
    names = _names()
    out: list[TruthTask] = []
    for line in doc.content.splitlines():
        m = _TASK_LINE.match(line)
        if not m:
            continue
        taken = _take_name(m.group(2), names)
        assert taken, f"task line outside the seed's template: {line!r}"
        lead, rest = taken
        rest = rest.lstrip(":").lstrip()
        assert rest.startswith("chủ trì"), line
        rest = rest[len("chủ trì") :]
        coops: list[str] = []
        if rest.startswith(", phối hợp với "):
            rest = rest[len(", phối hợp với ") :]
            while (got := _take_name(rest, names)) is not None:
                coops.append(got[0])
                rest = got[1]
                if not rest.startswith(", ") or _take_name(rest[2:], names) is None:
                    break
                rest = rest[2:]
        due = _DUE.search(line)
        deadline = date(int(due.group(3)), int(due.group(2)), int(due.group(1))) if due else None
        out.append(TruthTask(lead, tuple(coops), deadline))
    return out


def raw_document(doc: sim.SimDocument) -> RawDocument:
    """What `adapters/eoffice.py` returns for this record (no HTTP): body and columns."""
    meta = {
        "number": doc.number,
        "issuer": doc.issuer,
        "issued_on": doc.issued_on.isoformat(),
        "received_on": doc.received_on.isoformat(),
        "subject": doc.subject,
        "secrecy": doc.secrecy,
        "urgency": doc.urgency,
        "due_on": doc.due_on.isoformat() if doc.due_on else "",
        "signer": doc.signer,
        "doc_type": doc.doc_type,
        "arrival_no": str(doc.arrival_no),
        "handling_lead": doc.handling.lead if doc.handling else "",
        "handling_cooperating": "; ".join(doc.handling.cooperating) if doc.handling else "",
    }
    if doc.secrecy:
        notice = {k: (v if k in _NOTICE_KEYS else "") for k, v in meta.items()}
        return RawDocument("eoffice", doc.id, datetime(2024, 1, 1), "", notice)
    return RawDocument("eoffice", doc.id, datetime(2024, 1, 1), doc.content, meta)


def expected_fields(doc: sim.SimDocument, maps: Mappings) -> dict[str, Any]:
    """The truth for `doc`, from the seed's parameters and what mappings/ says of its names."""
    on = doc.issued_on
    tasks = [] if doc.secrecy else truth_tasks(doc)
    ref, record = maps.resolve_issuer(doc.issuer, on)
    issuer = ref.code

    def code(name: str) -> str | None:
        return maps.resolve_unit(name, on).code

    unknown_unit = any(
        code(n) is None and not _COLLECTIVE.search(n) for t in tasks for n in (t.lead, *t.cooperating)
    )
    return {
        "number": doc.number,
        "issuer_code": issuer,
        "doc_type": doc.doc_type,
        "issued_on": on.isoformat(),
        "secrecy": doc.secrecy or None,
        "urgency": doc.urgency or None,
        "task_count": len(tasks),
        "lead_units": [code(t.lead) for t in tasks],
        "cooperating_units": [sorted(str(code(c)) for c in t.cooperating) for t in tasks],
        "deadlines": [t.deadline.isoformat() if t.deadline else None for t in tasks],
        "needs_review": not doc.secrecy and (record is None or unknown_unit or not tasks),
    }


def actual_fields(doc: NormalisedDocument) -> dict[str, Any]:
    """The same fields from the normaliser's output."""
    j = doc.to_json()
    tasks = j["tasks"]
    return {
        "number": j["number"],
        "issuer_code": (j["issuer"] or {}).get("code"),
        "doc_type": j["doc_type"],
        "issued_on": j["issued_on"],
        "secrecy": j["secrecy"],
        "urgency": j["urgency"],
        "task_count": len(tasks),
        "lead_units": [(t["lead_unit"] or {}).get("code") for t in tasks],
        "cooperating_units": [sorted(str(u["code"]) for u in t["cooperating_units"]) for t in tasks],
        "deadlines": [t["deadline"] for t in tasks],
        "needs_review": j["needs_review"],
    }


def test_truth_covers_the_seed() -> None:
    """The template reader finds what the seed promises: multi-task, no-limit and one secret document."""
    docs = sim.seed_documents()
    assert len(docs) >= 50
    counts = [len(truth_tasks(d)) for d in docs if not d.secrecy]
    assert all(c >= 1 for c in counts)
    assert any(c >= 2 for c in counts)
    assert any(t.deadline is None for d in docs if not d.secrecy for t in truth_tasks(d))
    assert any(t.cooperating for d in docs if not d.secrecy for t in truth_tasks(d))
    assert sum(1 for d in docs if d.secrecy) == 1


def test_simulator_per_field_accuracy(maps: Mappings, cal: WorkingCalendar) -> None:
    docs = sim.seed_documents()
    right = dict.fromkeys(FIELDS, 0)
    misses: list[str] = []
    for doc in docs:
        got = actual_fields(normalise(raw_document(doc), maps, cal, our_units=OUR_UNITS))
        want = expected_fields(doc, maps)
        for name in FIELDS:
            if got[name] == want[name]:
                right[name] += 1
            else:
                misses.append(f"{doc.id} {doc.number} {name}: got {got[name]!r} want {want[name]!r}")
    print(f"\neOffice simulator: {len(docs)} documents\nfield              accuracy")
    for name in FIELDS:
        print(f"{name:<18} {right[name] / len(docs):7.1%}  ({right[name]}/{len(docs)})")
    if misses:
        print("\n".join(["", "misses:", *misses]))
    low = {n: right[n] / len(docs) for n in FIELDS if right[n] / len(docs) < THRESHOLD}
    assert not low, f"fields below {THRESHOLD:.0%}: {low}"


def test_secret_record_is_an_arrival_notice(maps: Mappings, cal: WorkingCalendar) -> None:
    """The secret record (empty body, notice columns only) gives the notice, never a review."""
    secret = next(d for d in sim.seed_documents() if d.secrecy)
    doc = normalise(raw_document(secret), maps, cal, our_units=OUR_UNITS)
    assert doc.secrecy is not None and str(doc.secrecy) == secret.secrecy
    assert (doc.number, doc.issued_on, doc.received_on) == (
        secret.number,
        secret.issued_on,
        secret.received_on,
    )
    assert doc.issuer is not None and doc.issuer.code == maps.resolve_issuer(secret.issuer)[0].code
    assert doc.doc_type == secret.doc_type and str(doc.urgency) == secret.urgency
    assert doc.subject is None and doc.tasks == ()
    assert not doc.needs_review and doc.review_reasons == ()
    assert NOTICE in doc.warnings


def test_secret_record_with_its_text_still_drops_the_content(maps: Mappings, cal: WorkingCalendar) -> None:
    """The same record arriving with its printed text (another route): the stamp alone is enough."""
    secret = next(d for d in sim.seed_documents() if d.secrecy)
    raw = RawDocument("mail", secret.id, datetime(2024, 1, 1), secret.content, {})
    doc = normalise(raw, maps, cal, our_units=OUR_UNITS)
    assert doc.secrecy is not None and doc.subject is None and doc.tasks == ()
    assert not doc.needs_review and doc.number == secret.number
