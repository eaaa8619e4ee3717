"""Throughput of the normaliser and of reading files: documents/s, pages/s, peak memory, one core.

1. N documents (default 5,000) made by varying the hand-written corpus (serial numbers, days).
2. The real corpus (tests/corpus/real/, 240 excerpts from 70 provinces and ministries), read
   over and over for about as long, and its accuracy (the figures tests/normalise prints).
3. Pages/s of the registered text reader (`adapters.text.extract`): the text-layer PDFs of
   fixtures/documents/text/, and scans of the same directives read by OCR.

Prints figures; asserts nothing (DESIGN §3).
Run: .venv/bin/python bench/normalise.py [N]
"""

from __future__ import annotations

import random
import re
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

from adapters.text import decode_text
from connector.calendar import WorkingCalendar
from connector.domain import RawDocument
from connector.mappings import Mappings, load_all
from connector.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.normalise.real_scoring, fixtures.documents.text


def generate(n: int) -> list[str]:
    """N directive texts: corpus documents with a fresh number and day each."""
    base = [decode_text(p.read_bytes()) for p in sorted((ROOT / "tests/corpus/hand").glob("*.txt"))]
    rng = random.Random(7)
    out = []
    for i in range(n):
        text = base[i % len(base)]
        text = re.sub(r"Số: \d+", f"Số: {rng.randrange(1, 9999)}", text, count=1)
        text = re.sub(r"ngày \d{1,2} tháng", f"ngày {rng.randrange(1, 28):02d} tháng", text, count=1)
        out.append(text)
    return out


def real_corpus(maps: Mappings, cal: WorkingCalendar, seconds: float) -> None:
    from tests.normalise.real_scoring import cases, read, score_all, score_at_home

    texts = [case.text for case in cases()]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            read(text, maps, cal, None)
        done += len(texts)
    elapsed = time.perf_counter() - start
    print(
        f"real corpus: {len(texts)} texts read {done // len(texts)}×, "
        f"{done / elapsed:,.0f} documents/s (one core)"
    )
    plain, headed = score_all(maps, cal)
    for line in plain.lines("  as collected"):
        print(line)
    print("  with an issuer header in front:" + headed.lines("")[-1].split(":", 1)[1])
    print("  read at home (catalogues filled in):" + score_at_home(maps, cal).lines("")[-1].split(":", 1)[1])


def pages_per_second() -> None:
    from adapters.text import extract
    from connector.domain import Attachment
    from fixtures.documents.text.directives import all_directives
    from fixtures.documents.text.scans import scan_image, scan_pdf

    pdfs = sorted((ROOT / "fixtures/documents/text").glob("*.pdf"))
    pages, start = 0, time.perf_counter()
    for path in pdfs:
        pages += extract(Attachment(path.name, "application/pdf", path.read_bytes())).pages
    elapsed = time.perf_counter() - start
    print(f"PDF text layer: {pages} pages in {elapsed:.2f} s, {pages / elapsed:.1f} pages/s")
    scans = [scan_pdf([scan_image(d, seed=i)]) for i, d in enumerate(all_directives())]
    pages, start, confidence = 0, time.perf_counter(), []
    for i, data in enumerate(scans):
        got = extract(Attachment(f"scan-{i}.pdf", "application/pdf", data))
        pages += got.pages
        confidence.append(got.confidence or 0.0)
    elapsed = time.perf_counter() - start
    mean = sum(confidence) / len(confidence)
    print(
        f"OCR (200 dpi scans): {pages} pages in {elapsed:.1f} s, {pages / elapsed:.2f} pages/s, "
        f"mean confidence {mean:.2f}"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    maps = load_all(ROOT / "mappings")
    cal = WorkingCalendar(maps.calendar)
    texts = generate(n)
    ours = frozenset({"SNNPTNT", "SNNMT_KT", "SNNMT"})
    now = datetime(2025, 1, 1)
    start = time.perf_counter()
    tasks = 0
    for i, text in enumerate(texts):
        doc = normalise(RawDocument("bench", str(i), now, text), maps, cal, our_units=ours)
        tasks += len(doc.tasks)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"documents: {n}, tasks: {tasks}")
    print(f"time: {elapsed:.2f} s, {n / elapsed:,.0f} documents/s (one core)")
    print(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")
    real_corpus(maps, cal, seconds=min(elapsed, 20.0))
    pages_per_second()


if __name__ == "__main__":
    main()
