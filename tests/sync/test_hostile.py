"""No input stops a source (issue 15, line 1): damaged packets, mails, files and workbook rows are set
aside one by one, with their ledger row and a Vietnamese event, and the run goes on.

The fuzz part feeds random damage (hypothesis) to every reader: the edXML parser, the mail parser,
the text extraction of PDF/DOCX/HTML/plain files, the Excel row reader and the workbook reader. Each
must give documents or a `BadDocumentError` with a message, nothing else. The corpus part puts
mutated real packets through a real `sync_source` into a real SQLite register and checks that each
one was either stored or ledgered "failed" with its reason.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from adapters.edxml import EdxmlDropFolder, parse_packet
from adapters.mail_message import parse_message
from adapters.text import Limits, extract
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.domain import Attachment, RawDocument
from connector.errors import BadDocumentError
from connector.mappings import load_all
from connector.office.excel.reader import Sheet, SheetRow, WorkbookError, read_sheet
from connector.office.excel.settings import load_excel_map
from connector.office.excel.source import WorkbookSource
from connector.register.db import open_register
from connector.register.tables import Event, IntakeItem
from connector.sync.intake import sync_source

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "fixtures" / "documents"
PACKETS = sorted((DOCS / "edxml").glob("0[1-7]-*.edxml"))
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _damage(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """`data` with each edit applied: (where, how many bytes to cut, what to put there)."""
    out = bytearray(data)
    for where, cut, put in edits:
        at = where % (len(out) + 1)
        out[at : at + cut] = put
    return bytes(out)


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1 << 20),
        st.integers(min_value=0, max_value=64),
        st.one_of(
            st.binary(max_size=16),
            st.sampled_from(
                [b'encoding="TCVN3"', b'encoding="x-no-such"', b"<!DOCTYPE x>", b"\x00", b"\xff\xfe",
                 b"</", b"<Attachment>", b"&amp;", b"=?utf-8?b?", b"\r\n\r\n", b"--", b"PK\x03\x04"]
            ),
        ),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


def _read_or_refuse(read: object, *args: object, **kw: object) -> list[RawDocument] | None:
    """The reader's documents, or None when it refused with a Vietnamese reason; anything else fails."""
    assert callable(read)
    try:
        return list(read(*args, **kw))
    except BadDocumentError as exc:
        assert exc.message.strip()
        return None


# -- the failure that was seen ----------------------------------------------------------------------


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = (DOCS / "edxml" / "03-quyet-dinh.edxml").read_bytes()
    poison = good.replace(b'encoding="UTF-8"', b'encoding="TCVN3"').replace(b"412/", b"413/")
    assert b"TCVN3" in poison
    for n, (name, data) in enumerate(
        [
            ("00-tcvn3.edxml", poison),
            ("01-cong-van-moi.edxml", (DOCS / "edxml" / "01-cong-van-moi.edxml").read_bytes()),
        ]
    ):
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (1_700_000_000 + n, 1_700_000_000 + n))  # the poison comes first
    return inbox


def test_a_packet_in_an_unknown_encoding_is_its_own_failure():
    data = (
        (DOCS / "edxml" / "03-quyet-dinh.edxml")
        .read_bytes()
        .replace(b'encoding="UTF-8"', b'encoding="TCVN3"')
    )
    with pytest.raises(BadDocumentError, match="bảng mã"):
        parse_packet(data, source="lienthong", label="x.edxml")


def _sync(register_url: str, source: object) -> object:
    maps = load_all(ROOT / "mappings")
    profile = Profile.model_validate(
        tomllib.loads((ROOT / "mappings/profiles/nong-nghiep-2022.toml").read_text(encoding="utf-8"))
    )
    register = open_register(register_url)
    try:
        return sync_source(register, source, maps, WorkingCalendar(maps.calendar), profile, read=extract)  # type: ignore[arg-type]
    finally:
        register.dispose()


def test_a_poison_packet_does_not_stall_the_drop_folder(tmp_path):
    inbox = _inbox(tmp_path)
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    summary = _sync(url, EdxmlDropFolder("lienthong", inbox))
    assert summary.outcome == "partial"
    assert summary.outcomes["00-tcvn3.edxml"] == "failed"
    assert summary.counts["stored"] + summary.counts["review"] >= 1  # the good packet behind it got in
    assert not list(inbox.glob("*.edxml"))  # the good one in done/, the poison in failed/
    assert "bảng mã" in (inbox / "failed" / "00-tcvn3.edxml.reason.txt").read_text(encoding="utf-8")
    register = open_register(url)
    try:
        with register.read() as s:
            item = s.exec(select(IntakeItem).where(IntakeItem.source_ref == "00-tcvn3.edxml")).one()
            assert item.status == "failed" and item.error and "bảng mã" in item.error
            events = s.exec(select(Event).where(Event.document_ref == "00-tcvn3.edxml")).all()
            assert any(e.level == "error" and "00-tcvn3.edxml" in e.message for e in events)
    finally:
        register.dispose()
    again = _sync(url, EdxmlDropFolder("lienthong", inbox))  # the next run is not failed by it
    assert again.outcome in {"ok", "partial"}


# -- random damage to every reader ------------------------------------------------------------------


@FUZZ
@given(which=st.sampled_from(PACKETS), edits=EDITS)
def test_fuzz_edxml_packets(which: Path, edits):
    data = _damage(which.read_bytes(), edits)
    docs = _read_or_refuse(parse_packet, data, source="lienthong", label=which.name, max_bytes=2_000_000)
    assert docs is None or all(isinstance(d, RawDocument) for d in docs)


@FUZZ
@given(edits=EDITS)
def test_fuzz_mail_messages(edits):
    data = _damage((DOCS / "cong-van.eml").read_bytes(), edits)
    docs = _read_or_refuse(
        parse_message, data, "<fuzz@x>", None, source="thu", max_bytes=2_000_000, what="hộp thư"
    )
    assert docs is None or all(isinstance(d, RawDocument) for d in docs)


FILES = ["cong-van.docx", "cong-van.html", "cong-van.pdf", "cong-van.edxml"]
NO_OCR = Limits(max_ocr_pages=0, ocr_total_seconds=5, convert_seconds=20)


@FUZZ
@given(name=st.sampled_from(FILES), edits=EDITS)
def test_fuzz_text_readers(name: str, edits):
    data = _damage((DOCS / name).read_bytes(), edits)
    try:
        got = extract(Attachment(name, "application/octet-stream", data), limits=NO_OCR)
    except BadDocumentError as exc:
        assert exc.message.strip()
    else:
        assert isinstance(got.text, str)


FIELDS = ["number", "issuer", "issued_on", "deadline", "summary", "urgency", "secrecy", "origin",
          "lead_unit", "cooperating_units", "deadline_text", "status", "received_on"]  # fmt: skip
CELLS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@FUZZ
@given(rows=st.lists(st.dictionaries(st.sampled_from(FIELDS), CELLS), min_size=1, max_size=5))
def test_fuzz_excel_rows(rows):
    sheet = Sheet("Theo dõi", (1,), rows=[SheetRow(n + 2, cells) for n, cells in enumerate(rows)])
    batch = WorkbookSource(sheet, load_excel_map(ROOT / "mappings"), file_name="so.xlsx").batch()
    assert all(f.error.message and f.label for f in batch.failed)
    assert len(batch.failed) + sum(len(d.records) for d in batch.documents) == len(rows)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(edits=EDITS, member=st.integers(min_value=0, max_value=50))
def test_fuzz_workbooks(tmp_path_factory, edits, member):
    sample = ROOT / "fixtures" / "excel" / "so-theo-doi-2024.xlsx"
    src = zipfile.ZipFile(sample)
    names = src.namelist()
    target = names[member % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            data = src.read(n)
            dst.writestr(n, _damage(data, edits) if n == target else data)
    path = tmp_path_factory.mktemp("xlsx") / "so.xlsx"
    path.write_bytes(out.getvalue())
    try:
        sheet = read_sheet(path, load_excel_map(ROOT / "mappings"))
    except WorkbookError as exc:
        assert exc.message.strip()
    else:
        assert isinstance(sheet.rows, list)


# -- a corpus of damaged real packets through a real run --------------------------------------------


def test_a_corpus_of_damaged_packets_is_each_stored_or_set_aside(tmp_path):
    rng = random.Random(15)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = []
    for n in range(40):
        base = PACKETS[n % len(PACKETS)].read_bytes()
        edits = [
            (rng.randrange(len(base)), rng.randrange(8), rng.randbytes(rng.randrange(4))) for _ in range(2)
        ]
        if n % 5 == 0:
            edits = [(0, 0, b"")]  # some stay whole
        if n % 7 == 3:
            base = base.replace(b'encoding="UTF-8"', b'encoding="TCVN3"')
        name = f"{n:02d}.edxml"
        (inbox / name).write_bytes(_damage(base, edits))
        os.utime(inbox / name, (1_700_000_000 + n, 1_700_000_000 + n))
        names.append(name)
    shutil.copy(DOCS / "edxml" / "08-hong.edxml", inbox / "99-hong.edxml")
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    summary = _sync(url, EdxmlDropFolder("lienthong", inbox))
    assert summary.outcome in {"ok", "partial"}
    assert not list(inbox.glob("*.edxml"))  # every packet ended somewhere: done/ or failed/
    failed = {p.name.removesuffix(".reason.txt") for p in (inbox / "failed").glob("*.reason.txt")}
    assert "99-hong.edxml" in failed
    register = open_register(url)
    try:
        with register.read() as s:
            items = {i.source_ref: i for i in s.exec(select(IntakeItem)).all()}
    finally:
        register.dispose()
    for name in failed:  # set aside with a reason, in the ledger
        assert items[name].status == "failed" and items[name].error
    done = sorted(p.name for p in (inbox / "done").glob("*.edxml")) if (inbox / "done").is_dir() else []
    assert sorted(failed | set(done)) == sorted([*names, "99-hong.edxml"])
    assert all(i.status in {"stored", "review", "unchanged", "merged", "failed", "revoked", "secret"}
               for i in items.values())  # fmt: skip
