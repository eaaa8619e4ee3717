"""EOfficeSource on the iOffice-like simulator with mappings/examples/ioffice.toml (real HTTP, no mocks):
a card inbox read by per-field selectors, refs from the path, pairs two to a row, the directive only
in the attached signed PDF, and the register-book table reached by editing the recipe alone."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.eoffice import EOfficeSource
from adapters.recipes import load_recipe
from adapters.text import extract as read_text
from connector.errors import BadDocumentError, MappingMismatchError
from connector.sync.reading import with_text
from fixtures.simulators.eoffice.state import EOfficeState
from fixtures.simulators.ioffice import USERS, create_app, new_state, signed_name
from fixtures.simulators.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "mappings" / "examples" / "ioffice.toml"
USER, PASSWORD = next(iter(USERS.items()))


@pytest.fixture
def site() -> Iterator[tuple[EOfficeState, str]]:
    state = new_state()
    with serve_in_thread(create_app(state)) as url:
        yield state, url


def source(url: str, recipe: dict | None = None) -> EOfficeSource:
    return EOfficeSource(
        "ioffice", url, USER, PASSWORD, recipe or load_recipe(RECIPE), retry_initial=0.01, timeout=5
    )


def test_card_inbox_reads_every_document_with_the_signed_pdf(site: tuple[EOfficeState, str]) -> None:
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
        (pdf,) = docs[ref].attachments
        assert (pdf.name, pdf.media_type) == (signed_name(sim), "application/pdf")
        read = with_text(docs[ref], read_text)  # the one reading path takes the text from the signed PDF
        text = read.body
        assert read.metadata["text_from"] == signed_name(sim)
        assert sim.number in text and "Thời gian ký" in text
        assert sim.content.splitlines()[-1].split()[0] in text
    secret = next(d for d in state.documents.values() if d.secrecy)
    assert not [r for r in state.requests if r.path == f"/VanBanDen/TaiTep/{secret.id}"]
    assert cursor["received_since"] == max(d.received_on for d in state.documents.values()).isoformat()


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
