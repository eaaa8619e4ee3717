"""Lookups built once per `Mappings` object and kept on it: the issuer index (the unit lexicon is
kept the same way by `connector.normalise.units.lexicon`).

The normaliser runs thousands of times against the same mappings, and folding every alias again
for each document dominated its time. The caches live in the `Mappings` instance's own `__dict__`
(as `functools.cached_property` keeps its values), so they go when the mappings go, a reloaded
mappings file gets fresh ones, and no table keyed by `id()` can hand one object's cache to another.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from connector.mappings import Issuer, Mappings
from connector.textfold import fold

_KEY = "_normalise_lookups"
_MEMO_LIMIT = 50_000


class Lookups:
    """Caches derived from one `Mappings`; see the module docstring."""

    def __init__(self, maps: Mappings) -> None:
        self.maps = maps
        self._issuers: dict[tuple[str, date | None], Issuer | None] = {}

    @cached_property
    def issuer_index(self) -> dict[str, list[Issuer]]:
        """Folded name, code or alias → the issuers that carry it, in file order."""
        index: dict[str, list[Issuer]] = {}
        for issuer in self.maps.issuers:
            for label in {fold(x) for x in (issuer.name, issuer.code, *issuer.aliases)}:
                index.setdefault(label, []).append(issuer)
        return index

    def issuer(self, name: str, on: date | None) -> Issuer | None:
        """The issuer record for `name` on `on` (same rule as `Mappings.resolve_issuer`), memoised."""
        key = (name, on)
        if key not in self._issuers:
            if len(self._issuers) > _MEMO_LIMIT:
                self._issuers.clear()
            self._issuers[key] = next(
                (
                    i
                    for i in self.issuer_index.get(fold(name), ())
                    if on is None
                    or (
                        (i.valid_from is None or i.valid_from <= on)
                        and (i.valid_to is None or on <= i.valid_to)
                    )
                ),
                None,
            )
        return self._issuers[key]


def lookups(maps: Mappings) -> Lookups:
    """The lookups of these mappings, built on first use and stored on the instance."""
    found: Lookups = kept(maps, _KEY, Lookups)
    return found


def kept(maps: Mappings, key: str, build: Any) -> Any:
    """`build(maps)`, made once and stored on `maps` under `key` (see the module docstring)."""
    found = maps.__dict__.get(key)
    if found is None:
        found = maps.__dict__.setdefault(key, build(maps))
    return found
