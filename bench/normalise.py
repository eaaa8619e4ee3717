"""Throughput of the normaliser: documents per second and peak memory, one core, text input.

Generates N documents (default 5,000) by varying the golden corpus (serial numbers, days), then
normalises them all in this process. Prints figures; asserts nothing (DESIGN §3).
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

from connector.calendar import WorkingCalendar
from connector.domain import RawDocument
from connector.mappings import load_all
from connector.normalise import normalise
from connector.normalise.decoding import decode_text

ROOT = Path(__file__).resolve().parents[1]


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


if __name__ == "__main__":
    main()
