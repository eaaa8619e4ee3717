"""Intake cost: HTTP requests of an eOffice poll with nothing new (per eOffice style: the table
style of mappings/eoffice.toml and the iOffice-like card inbox of mappings/examples/ioffice.toml),
and the time of one sync cycle
bringing 20 new documents into a register that already holds 1,000 and 100,000 documents.

The history is bulk-inserted with SQL (realistic Document, Task and IntakeItem rows, distinct
numbers) into a SQLite register made by `open_register`; the 20 arrivals come from the eOffice
simulator on 127.0.0.1 through the real adapter, normaliser and `sync_source`. Prints figures and
the query plans of the per-document lookups; asserts nothing (DESIGN §3).
Run: .venv/bin/python bench/intake.py [HISTORY ...]   (default: 1000 100000)
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
import tomllib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from adapters.eoffice import EOfficeSource
from adapters.recipes import load_recipe
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.log import configure
from connector.mappings import Mappings, load_all
from connector.register.db import Register, open_register
from connector.register.tables import Document, IntakeItem, Task
from connector.sync.intake import sync_source
from fixtures.simulators.eoffice import DEFAULT_USERS, EOfficeState, SimDocument, create_app, seed_documents
from fixtures.simulators.ioffice import USERS as IOFFICE_USERS
from fixtures.simulators.ioffice import create_app as ioffice_app
from fixtures.simulators.ioffice import new_state as ioffice_state
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = next(iter(DEFAULT_USERS.items()))
ARRIVALS = 20
CHUNK = 10_000


def _profile() -> Profile:
    path = ROOT / "mappings" / "profiles" / "nong-nghiep-2022.toml"
    return Profile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


def _source(maps: Mappings, url: str) -> EOfficeSource:
    return EOfficeSource("eoffice", url, USER, PASSWORD, maps.recipes["eoffice"], retry_attempts=2)


def arrivals(n: int = ARRIVALS) -> list[SimDocument]:
    """N ordinary new directives (no secret one, no duplicates), received on consecutive days."""
    base = [d for d in seed_documents() if not d.secrecy and d.handling and d.number.endswith("NNTN")]
    start = date(2026, 3, 2)
    out = []
    for i in range(n):
        doc = base[i % len(base)]
        number = f"{9000 + i}/UBND-NNTN"
        out.append(
            dataclasses.replace(
                doc,
                id=str(90000 + i),
                number=number,
                content=doc.content.replace(doc.number, number),
                attachments=[f"{9000 + i}-UBND-NNTN.pdf"],
                received_on=start + timedelta(days=i),
            )
        )
    return out


def fill_history(register: Register, n: int) -> float:
    """Bulk-insert N stored documents (2 tasks each, one ledger row each); seconds taken."""
    started = time.perf_counter()
    at = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
    day0 = date(2020, 1, 1)
    issuers = [("UBND_T", "Ủy ban nhân dân tỉnh"), ("BNNMT", "Bộ Nông nghiệp và Môi trường"), ("VPUB", None)]
    with register.engine.begin() as conn:
        for lo in range(0, n, CHUNK):
            ids = range(lo + 1, min(n, lo + CHUNK) + 1)
            docs, tasks, items = [], [], []
            for i in ids:
                code, name = issuers[i % len(issuers)]
                number = f"{i}/{code}-LS"
                issued = day0 + timedelta(days=i % 2200)
                subject = f"Về việc triển khai nhiệm vụ số {i} năm {issued.year}"
                normalised = {
                    "number": number,
                    "subject": subject,
                    "issued_on": issued.isoformat(),
                    "tasks": [
                        {"seq": s, "summary": f"Nhiệm vụ {s} của văn bản {number}", "deadline": None}
                        for s in (1, 2)
                    ],
                    "warnings": [],
                }
                docs.append(
                    {
                        "id": i, "number": number, "number_key": number.upper(), "issuer_code": code,
                        "issuer_name": name or code, "doc_type": "Công văn", "subject": subject,
                        "issued_on": issued, "received_on": issued + timedelta(days=2), "secrecy": None,
                        "urgency": None, "origin": "province", "state": "registered",
                        "normalised": normalised, "content_sha256": f"{i:064x}",
                        "classify_due_on": issued + timedelta(days=5), "created_at": at, "updated_at": at,
                    }
                )  # fmt: skip
                for s in (1, 2):
                    tasks.append(
                        {
                            "document_id": i, "seq": s, "summary": f"Nhiệm vụ {s} của văn bản {number}",
                            "lead_unit_code": "SNNMT", "lead_unit_name": "Sở Nông nghiệp và Môi trường",
                            "cooperating_units": [], "deadline": issued + timedelta(days=30 * s),
                            "concerns_us": True, "origin": "province", "needs_review": False,
                            "created_at": at, "updated_at": at,
                        }
                    )  # fmt: skip
                items.append(
                    {
                        "source": "eoffice" if i % 4 else "hopthu", "source_ref": f"h{i}", "document_id": i,
                        "sha256": f"{i:064x}", "status": "stored", "attempts": 1, "first_seen": at,
                        "last_seen": at,
                    }
                )  # fmt: skip
            conn.execute(insert(Document.__table__), docs)  # type: ignore[attr-defined]
            conn.execute(insert(Task.__table__), tasks)  # type: ignore[attr-defined]
            conn.execute(insert(IntakeItem.__table__), items)  # type: ignore[attr-defined]
    with register.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


PLANS = {
    "ledger lookup (_item)": "SELECT * FROM intake_items WHERE source = 'eoffice' AND source_ref = 'x'",
    "merge lookup (_twin)": "SELECT * FROM documents WHERE number_key = '1/X' AND issued_on = '2024-01-01' "
    "AND issuer_code = 'UBND_T' ORDER BY id LIMIT 1",
    "merge lookup, no issuer code": "SELECT * FROM documents WHERE number_key = '1/X' "
    "AND issued_on = '2024-01-01' AND issuer_code IS NULL AND issuer_name = 'x' ORDER BY id LIMIT 1",
    "failed items to retry": "SELECT source_ref FROM intake_items WHERE source = 'eoffice' "
    "AND status = 'failed' AND attempts < 5",
    "routes of a document": "SELECT * FROM intake_items WHERE document_id = 1",
    "tasks of a document": "SELECT * FROM tasks WHERE document_id = 1",
    "open review item": "SELECT * FROM review_items WHERE document_id = 1 AND state = 'open'",
}


def plans(register: Register) -> list[tuple[str, str, float]]:
    """(lookup, SQLite's plan, milliseconds for one run of it)."""
    out = []
    with register.engine.connect() as conn:
        for name, sql in PLANS.items():
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
            started = time.perf_counter()
            conn.execute(text(sql)).all()
            ms = (time.perf_counter() - started) * 1000
            out.append((name, "; ".join(str(r[-1]) for r in rows), ms))
    return out


def cycle(history: int, maps: Mappings, cal: WorkingCalendar, profile: Profile) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        register = open_register(f"sqlite:///{Path(tmp) / 'register.sqlite3'}")
        try:
            build = fill_history(register, history)
            state = EOfficeState(documents=arrivals())
            with serve_in_thread(create_app(state)) as url, _source(maps, url) as source:
                started = time.perf_counter()
                summary = sync_source(register, source, maps, cal, profile, read=read_text)
                elapsed = time.perf_counter() - started
            size = sum(p.stat().st_size for p in Path(tmp).glob("register.sqlite3*"))
            return {
                "history": history,
                "build": build,
                "cycle": elapsed,
                "outcome": summary.outcome,
                "new": summary.counts["stored"] + summary.counts["review"],
                "requests": len(state.requests),
                "mb": size / 1e6,
                "plans": plans(register),
            }
        finally:
            register.dispose()


def _idle_requests(
    state: EOfficeState, app: Any, recipe: dict[str, Any], user: tuple[str, str]
) -> tuple[int, int, str]:
    """Requests of a poll with nothing new: from a fresh process (sign-in first) and already signed in."""
    with serve_in_thread(app) as url:
        with EOfficeSource("eoffice", url, *user, recipe, retry_attempts=2) as source:
            _, cursor = source.poll({})
            state.requests.clear()
            source.poll(cursor)
            warm = list(state.requests)
        state.requests.clear()
        with EOfficeSource("eoffice", url, *user, recipe, retry_attempts=2) as source:
            source.poll(cursor)
        cold = list(state.requests)
    kinds = Counter(f"{r.method} {r.path}" for r in warm)
    return len(cold), len(warm), ", ".join(f"{k} ×{v}" for k, v in kinds.items())


def empty_poll(maps: Mappings, cal: WorkingCalendar, profile: Profile) -> None:
    """Requests of a poll with nothing new, per eOffice style: as `connector sync` runs it (a fresh
    process, so a fresh login) and with a source already signed in (a long-running scheduler).
    The first style also goes through `sync_source`, the register and the normaliser."""
    with tempfile.TemporaryDirectory() as tmp:
        register = open_register(f"sqlite:///{Path(tmp) / 'register.sqlite3'}")
        state = EOfficeState()
        try:
            with serve_in_thread(create_app(state)) as url, _source(maps, url) as source:
                sync_source(register, source, maps, cal, profile, read=read_text)
                state.requests.clear()
                summary = sync_source(register, source, maps, cal, profile, read=read_text)
                via_sync = len(state.requests)
        finally:
            register.dispose()
    print(
        f"eOffice poll with nothing new (through sync_source: {via_sync} requests, "
        f"outcome {summary.outcome}):"
    )
    m = ROOT / "mappings"
    styles = [
        ("eoffice (table, date filter)", EOfficeState(), create_app, m / "eoffice.toml", (USER, PASSWORD)),
        ("ioffice (cards, newest first)", ioffice_state(), ioffice_app, m / "examples" / "ioffice.toml",
         next(iter(IOFFICE_USERS.items()))),
    ]  # fmt: skip
    for label, state_, make, path, user in styles:
        cold, warm, kinds = _idle_requests(state_, make(state_), load_recipe(path), user)
        print(f"  {label}: {len(state_.documents)} documents; fresh process {cold} requests, "
              f"already signed in {warm} — {kinds}")  # fmt: skip
    print(
        "  why more than 1 from a fresh process: each new process signs in first (GET the login form for "
        "its anti-forgery token, POST the credentials; the redirect after it is not followed). Signed in, "
        "the table style reads the list from the overlap window (10 rows a page); the card style stops at "
        "the first page older than the cursor."
    )


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 100_000]
    configure(level="ERROR")  # the figures, not one log line per document
    maps = load_all(ROOT / "mappings")
    cal = WorkingCalendar(maps.calendar)
    profile = _profile()
    empty_poll(maps, cal, profile)
    print()
    results = [cycle(n, maps, cal, profile) for n in sizes]
    print(f"One sync cycle bringing {ARRIVALS} new documents (eOffice simulator, SQLite file):")
    print(f"  {'history':>9} | {'build history':>13} | {'register':>8} | {'cycle':>7} | {'per doc':>8} | "
          f"{'new':>3} | {'requests':>8} | outcome")  # fmt: skip
    for r in results:
        print(
            f"  {r['history']:>9,} | {r['build']:>11.1f} s | {r['mb']:>5.1f} MB | {r['cycle']:>5.2f} s | "
            f"{r['cycle'] / ARRIVALS * 1000:>5.0f} ms | {r['new']:>3} | {r['requests']:>8} | {r['outcome']}"
        )
    print()
    print(f"Query plans of the per-document lookups (history {results[-1]['history']:,}):")
    for name, plan, ms in results[-1]["plans"]:
        print(f"  {name} ({ms:.2f} ms): {plan}")


if __name__ == "__main__":
    main()
