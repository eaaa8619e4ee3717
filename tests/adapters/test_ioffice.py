"""EOfficeSource on the iOffice-like simulator with mappings/examples/ioffice.toml (real HTTP, no mocks):
a card inbox read by per-field selectors, refs from the path, pairs two to a row, the directive only
in the one attached file — a signed PDF with a text layer, a scan read by real Tesseract, a DOCX —,
the register-book table reached by editing the recipe alone, and a real sync of it all into a
SQLite register."""

from __future__ import annotations

import copy
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.eoffice import EOfficeSource
from adapters.recipes import load_recipe
from adapters.text import extract as read_text
from connector.calendar import WorkingCalendar
from connector.config import Profile
from connector.errors import BadDocumentError, MappingMismatchError
from connector.mappings import load_all
from connector.register.db import open_register
from connector.register.tables import Document, ReviewItem, Task
from connector.sync.intake import sync_source
from connector.sync.reading import with_text
from fixtures.simulators.eoffice.seed import SimDocument
from fixtures.simulators.eoffice.state import EOfficeState
from fixtures.simulators.ioffice import USERS, create_app, file_name, new_state
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "mappings" / "examples" / "ioffice.toml"
USER, PASSWORD = next(iter(USERS.items()))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMS = {  # how the file is named → (media type on download, how the one reading path reads it)
    "_signed.pdf": ("application/pdf", "pdf"),
    "_scan.pdf": ("application/pdf", "ocr"),
    ".docx": (DOCX, "docx"),
}


def form_of(name: str) -> tuple[str, str]:
    return next(form for end, form in FORMS.items() if name.endswith(end))


def tasks_of(sim: SimDocument) -> list[str]:
    """The directive's numbered paragraphs ("1. Sở … chủ trì …"), one task each."""
    return [line for line in sim.content.splitlines() if re.match(r"\d+\. ", line)]


@pytest.fixture
def site() -> Iterator[tuple[EOfficeState, str]]:
    state = new_state()
    with serve_in_thread(create_app(state)) as url:
        yield state, url


def source(url: str, recipe: dict | None = None) -> EOfficeSource:
    return EOfficeSource(
        "ioffice", url, USER, PASSWORD, recipe or load_recipe(RECIPE), retry_initial=0.01, timeout=5
    )


def test_card_inbox_reads_every_document_with_its_one_attached_file(site: tuple[EOfficeState, str]) -> None:
    state, url = site
    with source(url) as src:
        batch, cursor = src.poll({})
    docs = {d.source_ref: d for d in batch}
    assert set(docs) == set(state.documents) and batch.failed == []
    for ref, sim in state.documents.items():
        meta = docs[ref].metadata
        assert (meta["number"], meta["issuer"], meta["issued_on"]) == (
            sim.number,
            sim.issuer,
            sim.issued_on.isoformat(),
        )
        assert meta["received_on"] == sim.received_on.isoformat()
        if sim.secrecy:
            assert docs[ref].attachments == () and meta["subject"] == ""
            continue
        assert meta["subject"] == sim.subject and meta["signer"] == sim.signer
        assert meta["handling_lead"] == (sim.handling.lead if sim.handling else "")
        assert docs[ref].body == ""  # the page shows metadata only
        (att,) = docs[ref].attachments
        assert (att.name, att.media_type) == (file_name(sim), form_of(file_name(sim))[0])
    secret = next(d for d in state.documents.values() if d.secrecy)
    assert not [r for r in state.requests if r.path == f"/VanBanDen/TaiTep/{secret.id}"]
    assert cursor["received_since"] == max(d.received_on for d in state.documents.values()).isoformat()


def test_every_directive_is_read_from_its_file_whatever_form_it_came_in(
    site: tuple[EOfficeState, str], tesseract: str
) -> None:
    """Through the one reading path: the signed PDFs by their text layer, the scans by OCR (a
    confidence recorded, the number line whole), the Word file by python-docx."""
    state, url = site
    with source(url) as src:
        batch, _ = src.poll({})
    methods = Counter()
    for raw in batch:
        sim = state.documents[raw.source_ref]
        if sim.secrecy:
            continue
        read = with_text(raw, read_text)
        meta, text = read.metadata, read.body
        method = meta["text_method"]
        methods[method] += 1
        assert (meta["text_from"], method) == (file_name(sim), form_of(file_name(sim))[1])
        assert sim.number in text, text[:400]
        assert sim.content.splitlines()[-1] in text  # the signer's name closes every form
        if method == "ocr":
            assert 0.5 < float(meta["text_confidence"]) < 0.95  # recorded; below 0.95 it goes to review
        else:
            assert "text_confidence" not in meta
            flat = " ".join(text.split())
            assert all(line in flat for line in tasks_of(sim))  # a text layer and a DOCX read word for word
        if method == "pdf":
            assert "Thời gian ký" in text  # the VNPT-CA signature box
        if method == "docx":
            assert "KHẨN" in text  # the urgency stamp, a text box in the header table
    assert methods == {"pdf": 7, "ocr": 3, "docx": 1}


def test_a_sync_stores_every_directive_with_its_tasks_and_sends_the_scans_to_review(
    site: tuple[EOfficeState, str], tesseract: str, tmp_path: Path
) -> None:
    """`sync_source` over the simulator into a real SQLite register: every directive stored with
    its tasks, the file and method of its text kept on the row, each scan held for review because
    OCR read it; the secret one only as an arrival notice."""
    state, url = site
    maps = load_all(ROOT / "mappings")
    cal = WorkingCalendar(maps.calendar)
    profile = Profile.model_validate(
        tomllib.loads((ROOT / "mappings/profiles/nong-nghiep-2022.toml").read_text(encoding="utf-8"))
    )
    register = open_register(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    try:
        with source(url) as src:
            summary = sync_source(register, src, maps, cal, profile, read=read_text)
        with register.read() as s:
            docs = {d.number: d for d in s.exec(select(Document))}
            tasks = Counter(t.document_id for t in s.exec(select(Task)))
            reviews = {r.document_id: r.reasons or [] for r in s.exec(select(ReviewItem))}
    finally:
        register.dispose()
    assert summary.counts["failed"] == 0 and summary.outcome == "ok", summary
    assert set(docs) == {d.number for d in state.documents.values()}
    for sim in state.documents.values():
        doc = docs[sim.number]
        if sim.secrecy:  # nothing of its content leaves the eOffice: a notice, no file read, no task
            assert (doc.state, doc.text_from, tasks[doc.id]) == ("secret_notice", None, 0)
            continue
        name = file_name(sim)
        assert (doc.text_from, doc.text_method) == (name, form_of(name)[1])
        if doc.text_method == "ocr":
            # OCR may break a line into one more paragraph: at least one task, the clerk checks them
            assert 1 <= tasks[doc.id] <= len(tasks_of(sim)) + 1
            assert doc.state == "review"
            assert any("OCR" in r and name in r for r in reviews[doc.id]), reviews.get(doc.id)
        else:
            assert tasks[doc.id] == len(tasks_of(sim)), (sim.number, tasks[doc.id])
            assert not any("OCR" in r for r in reviews.get(doc.id, []))
    assert sum(d.state == "review" and d.text_method == "ocr" for d in docs.values()) == 3


def test_an_idle_poll_reads_one_page_of_the_newest_first_inbox(site: tuple[EOfficeState, str]) -> None:
    state, url = site
    with source(url) as src:
        _, cursor = src.poll({})
        state.requests.clear()
        batch, _ = src.poll(cursor)
    assert list(batch) == []
    assert [(r.path, r.query) for r in state.requests] == [("/VanBanDen", "page=1")]


def test_the_register_book_table_by_editing_the_recipe_alone(site: tuple[EOfficeState, str]) -> None:
    state, url = site
    recipe = copy.deepcopy(load_recipe(RECIPE))
    recipe["pages"]["list"] |= {
        "url": "/SoVanBanDen?page={page}",
        "scope": "table.so-van-ban",
        "header": "thead th",
        "items": "tbody tr",
        "empty": "td.dataTables_empty",
        "paging": {"by": "page", "start": 1},
    }
    recipe["pages"]["list"]["fields"] = {
        "ref": {"css": "a", "attr": "href", "pattern": "/VanBanDen/ChiTiet/{ref}"},
        "number": {"column": "Số ký hiệu"},
        "received_on": {"column": "Ngày đến"},
    }
    with source(url, recipe) as src:
        refs = src.list_refs(None)
    assert set(refs) == set(state.documents)
    assert [r.query for r in state.requests if r.path == "/SoVanBanDen"] == [
        "page=1",
        "page=2",
        "page=3",
        "page=4",
    ]


def test_a_redesigned_card_is_a_mismatch_naming_file_key_and_what_the_page_had(
    site: tuple[EOfficeState, str],
) -> None:
    _, url = site
    recipe = copy.deepcopy(load_recipe(RECIPE))
    recipe["pages"]["list"]["fields"]["received_on"] = "span.ngay-nhan b"
    with source(url, recipe) as src, pytest.raises(MappingMismatchError) as caught:
        src.poll({})
    message = caught.value.message
    assert "mappings/examples/ioffice.toml" in message and "pages.list.fields.received_on" in message
    assert "«span.ngay-nhan b»" in message and "Ngày đến:" in message  # the card as it is now


def test_malformed_record_is_a_bad_document_and_the_rest_goes_on(site: tuple[EOfficeState, str]) -> None:
    state, url = site
    state.faults.malformed = {"24003"}
    with source(url) as src:
        batch, _ = src.poll({})
    assert [f.ref for f in batch.failed] == ["24003"]
    assert (
        isinstance(batch.failed[0].error, BadDocumentError) and "31/02/2024" in batch.failed[0].error.message
    )
