"""Bodies beyond the province: a name is an outside body's when it has a standard body's shape.

A directive relayed from a ministry or read from another province names bodies the department's
catalogue does not hold: "Sở Xây dựng Bắc Ninh", "UBND huyện Phong Thổ", "Công an tỉnh Hưng Yên".
Such a name is not a doubt merely for being unknown; it is read as an outside body's (no code).
The shape is strict, so that a name cut or run on by the reading ("UBND TỈNH NGHỆ AN Số", "Sở Xây
dựng cũng") still is a doubt: the fixed words come from mappings/bodies.toml, the place name after
them is one to four capitalised words.
"""

from __future__ import annotations

import re

from connector.mappings import Mappings
from connector.normalise.lookups import kept
from connector.textfold import fold

_PLACE = ("tỉnh", "thành phố", "tp.", "tp", "huyện", "quận", "thị xã")
_LOCAL = (*_PLACE, "xã", "phường", "thị trấn", "đặc khu")
_COMMITTEE = ("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân", "chủ tịch ubnd", "chủ tịch ủy ban nhân dân")


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(fold(w)) for w in sorted(set(words), key=len, reverse=True))


class OutsideBodies:
    """The standard shapes of mappings/bodies.toml, compiled once per `Mappings`."""

    def __init__(self, maps: Mappings) -> None:
        provincial = maps.bodies.provincial
        place, local = _alt(_PLACE), _alt(_LOCAL)
        shapes = [rf"(?:(?:{_alt(_COMMITTEE)}) (?:{local}))(?P<tail>(?: \S+){{1,4}})"]
        if provincial.departments:
            departments = _alt(provincial.departments)
            shapes.append(rf"(?:giám đốc )?sở (?:{departments})(?: (?:{place}))?(?P<tail>(?: \S+){{0,4}})")
        if provincial.bodies:
            shapes.append(rf"(?:{_alt(provincial.bodies)}) (?:{place})(?P<tail>(?: \S+){{0,4}})")
        self._shapes = [re.compile(rf"^{s}$") for s in shapes]

    def known(self, name: str) -> bool:
        """Whether `name` is a standard body of some province, written whole."""
        folded = fold(name)
        words = name.split()
        for shape in self._shapes:
            m = shape.match(folded)
            if m:
                tail = len(m.group("tail").split())
                return all(w[:1].isupper() or w[:1].isdigit() for w in words[len(words) - tail :])
        return False


def outside_bodies(maps: Mappings) -> OutsideBodies:
    """The outside-body shapes of these mappings, built on first use."""
    found: OutsideBodies = kept(maps, "_outside_bodies", OutsideBodies)
    return found
