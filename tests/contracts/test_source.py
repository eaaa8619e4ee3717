"""The Source contract (connector/ports.py), run on the in-memory twin and every real source.

What the contract allows and what it does not:
- `poll({})` returns every document the far side holds (each ref at least once).
- `poll(cursor)` with the cursor it returned MAY return documents already returned (an overlap
  window, or a drop folder whose packets wait until acknowledged), but only those, and each in
  the version already returned (same sha256); it returns nothing new unless something arrived.
- When one poll returns several versions of one ref (an edXML update packet beside the original),
  the last one is the current one: `fetch(ref)` returns that version's sha256.
- `fetch` of a ref the source never had raises `BadDocumentError` (Skippable).
- Nothing is marked handled on the far side inside `poll`, only in `acknowledge(refs)`, and then
  exactly the given refs.
"""

from __future__ import annotations

import json

import pytest

from connector.domain import METADATA_KEYS, RECORD_KEYS, RawDocument
from connector.errors import BadDocumentError, is_transient
from connector.ports import Source
from tests.contracts.backends import SourceHarness


def _latest(docs: list[RawDocument]) -> dict[str, RawDocument]:
    """Ref → the last version of it in a poll's order."""
    out: dict[str, RawDocument] = {}
    for doc in docs:
        out[doc.source_ref] = doc
    return out


def test_is_a_source_with_a_name(source_harness: SourceHarness) -> None:
    assert isinstance(source_harness.source, Source)
    assert source_harness.source.name


def test_poll_from_an_empty_cursor_returns_everything(source_harness: SourceHarness) -> None:
    batch, cursor = source_harness.source.poll({})
    docs = list(batch)

    assert {d.source_ref for d in docs} == source_harness.expected()
    assert len(docs) >= 4
    assert all(d.source == source_harness.source.name for d in docs)
    assert all(len(d.sha256) == 64 for d in docs)
    assert list(getattr(batch, "failed", [])) == []
    json.dumps(dict(cursor))  # stored in the register beside the data: must be JSON


def test_poll_with_the_returned_cursor_returns_nothing_new(source_harness: SourceHarness) -> None:
    source = source_harness.source
    first, cursor = source.poll({})
    seen = {(d.source_ref, d.sha256) for d in first}

    again, cursor2 = source.poll(cursor)

    assert {(d.source_ref, d.sha256) for d in again} <= seen  # overlap only, never a new version
    third, _ = source.poll(cursor2)
    assert {(d.source_ref, d.sha256) for d in third} <= seen


def test_a_document_that_arrives_later_comes_with_the_next_poll(source_harness: SourceHarness) -> None:
    source = source_harness.source
    first, cursor = source.poll({})
    before = {d.source_ref for d in first}

    new_ref = source_harness.add()
    batch, _ = source.poll(cursor)

    assert new_ref not in before
    refs = [d.source_ref for d in batch]
    assert new_ref in refs
    assert set(refs) - before == {new_ref}


def test_fetch_returns_the_version_the_poll_returned(source_harness: SourceHarness) -> None:
    source = source_harness.source
    latest = _latest(list(source.poll({})[0]))

    for ref, polled in latest.items():
        fetched = source.fetch(ref)
        assert (fetched.source, fetched.source_ref, fetched.sha256) == (source.name, ref, polled.sha256)
        assert fetched.body == polled.body
        assert dict(fetched.metadata) == dict(polled.metadata)


def test_fetch_of_an_unknown_ref_is_a_bad_document(source_harness: SourceHarness) -> None:
    with pytest.raises(BadDocumentError) as caught:
        source_harness.source.fetch(source_harness.unknown_ref)
    assert not is_transient(caught.value)
    assert caught.value.message  # a Vietnamese sentence for the ledger


def test_poll_marks_nothing_handled(source_harness: SourceHarness) -> None:
    source = source_harness.source
    first, cursor = source.poll({})
    source.poll(cursor)

    assert source_harness.handled() in (None, set())
    restarted = source_harness.reopen()  # e.g. a crash before the commit: nothing may be lost
    assert {d.source_ref for d in restarted.poll({})[0]} == {d.source_ref for d in first}


def test_acknowledge_marks_exactly_the_given_refs(marking_source_harness: SourceHarness) -> None:
    harness = marking_source_harness
    refs = list(dict.fromkeys(d.source_ref for d in harness.source.poll({})[0]))
    chosen = set(refs[:2])  # a drop folder moves a packet once all its documents are acknowledged

    harness.source.acknowledge(sorted(chosen))

    assert harness.handled() == chosen


def test_metadata_keys_are_the_declared_ones(source_harness: SourceHarness) -> None:
    """A source labels what it saw only with the keys `connector.domain` declares, so the normaliser
    reads every source alike (a new key is declared there first, with its meaning)."""
    docs = list(source_harness.source.poll({})[0])
    used = {key for d in docs for key in d.metadata}
    assert used - set(METADATA_KEYS) == set()
    assert {key for d in docs for r in d.records for key in r} - set(RECORD_KEYS) == set()
    assert all(isinstance(v, str) for d in docs for v in d.metadata.values())


def test_close_can_be_called_twice(source_harness: SourceHarness) -> None:
    source = source_harness.reopen()
    source.close()
    source.close()
