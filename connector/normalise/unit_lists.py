"""Reading a list of units in a sentence: where it starts, where each name ends, where it stops.

See `units` for the vocabulary and the lexicon. A list is read unit by unit: first the longest
name that `mappings/units.toml` knows at that point (aliases included), else a phrase that starts
with a head word ("Sở", "UBND", "Ban", "Chi cục" …) and runs until a verb or a separator that is
followed by another unit. "UBND các huyện: Đắk Glei, Ngọc Hồi và Sa Thầy" and "các Sở: Tài chính,
Xây dựng" are expanded; collective phrases ("các sở, ban, ngành") are kept as written, marked.
"""

from __future__ import annotations

import re
from datetime import date

from connector.domain import UnitRef
from connector.normalise.units import (
    _COLLECTIVE_F,
    _DEPT_WORDS,
    _HEADS_F,
    _LIEN_QUAN,
    _LIST_PREFIX_F,
    _LIST_PREFIXES,
    _SEP_RE,
    _STOPS,
    _TITLE_RE,
    Found,
    Lexicon,
    pfold,
)

_WORD_RE = re.compile(r"[^\s,;:.()]+")
_NEXT_WORD_RE = re.compile(r" ([^\s,;:.()]+)")
_HUYEN_CITY_RE = re.compile(r"^UBND huyện (?=thành phố|TP)")


def _head_at(text: str, folded: str, pos: int) -> bool:
    if pos >= len(text) or not text[pos].isupper():
        return False
    for h in _HEADS_F:
        end = pos + len(h)
        if folded.startswith(h, pos) and (end == len(folded) or not folded[end].isalnum()):
            nxt = text[end + 1 : end + 2]
            return text[end : end + 1] == " " and (nxt.isupper() or text[end + 1 :].startswith(_PLACE_WORDS))
    return False


_PLACE_WORDS = ("tỉnh", "huyện", "thành phố", "thị xã", "xã", "phường")


_LOWER_STARTS = tuple(
    pfold(w)
    for w in ("huyện ", "thành phố ", "thị xã ", "xã ", "phường ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
)


def known_at(text: str, folded: str, pos: int, lex: Lexicon) -> int:
    """`lex.match` for a name as written: capitalised ("công an các xã" is no unit), or a place name."""
    if text[pos : pos + 1].isupper() or folded.startswith(_LOWER_STARTS, pos):
        return lex.match(folded, pos)
    return -1


def starts_unit(text: str, folded: str, pos: int, lex: Lexicon) -> bool:
    """True when a unit (known, collective, listed or headed) begins at `pos`."""
    m = _TITLE_RE.match(text, pos)
    if m:
        pos = m.end()
    return (
        known_at(text, folded, pos, lex) >= 0
        or _COLLECTIVE_F.match(folded, pos) is not None
        or _LIST_PREFIX_F.match(folded, pos) is not None
        or _head_at(text, folded, pos)
    )


def _word_end(text: str, pos: int) -> int:
    m = _WORD_RE.match(text, pos)
    return m.end() if m else pos


def _generic(text: str, folded: str, pos: int) -> int:
    """End of a headed, unknown name: words up to a lower-case stop word or punctuation."""
    end = _word_end(text, pos)
    for h in _HEADS_F:  # skip the whole head ("Chi cục", "Trung tâm")
        if folded.startswith(h, pos):
            end = pos + len(h)
            break
    while True:
        m = _NEXT_WORD_RE.match(text, end)
        if not m:
            return end
        word = m.group(1)
        pair = " ".join(text[m.start(1) :].split(" ", 2)[:2]).rstrip(",;:.")
        word_f = folded[m.start(1) : m.end(1)]
        if word[:1].islower() and (word in _STOPS or pair in _STOPS):
            return end
        joiner = word_f in ("va", "&") or m.group(1) in ("-", "–")
        after = m.end() + 1
        if joiner and (not text[after : after + 1].isupper() or starts_unit(text, folded, after, _NO_LEX)):
            return end
        end = m.end()


def _bare_items(
    text: str, folded: str, pos: int, prefix: str, lex: Lexicon, on: date | None
) -> tuple[list[str], int]:
    """Items of "các Sở: A, B và C": split at separators, re-join pieces only a joined name explains."""
    pieces: list[tuple[int, int]] = []
    cur = pos
    while True:
        end = cur
        while True:  # one bare item: capitalised words and the lower-case words between them
            m = _WORD_RE.match(text, end if end == cur else end + 1)
            pair = " ".join(text[m.start() :].split(" ", 2)[:2]).rstrip(",;:.") if m else ""
            if not m or (
                text[m.start()].islower() and (m.group(0) in _STOPS or pair in _STOPS) and end != cur
            ):
                break
            if folded[m.start() : m.end()] == "va":
                break
            end = m.end()
            if end >= len(text) or text[end] != " ":
                break
        if end == cur or not text[cur].isupper():
            break
        pieces.append((cur, end))
        sep = _SEP_RE.match(text, end)
        if not sep or sep.end() >= len(text) or not text[sep.end()].isupper():
            break
        cur = sep.end()
    names: list[str] = []
    last = pos
    i = 0
    while i < len(pieces):
        start, end = pieces[i]
        j = i
        while j + 1 < len(pieces):
            joined = f"{prefix} {text[start : pieces[j + 1][1]]}"
            if (
                lex.resolve(joined, on).code
                and not lex.resolve(f"{prefix} {text[pieces[j + 1][0] : pieces[j + 1][1]]}", on).code
            ):
                j += 1
                end = pieces[j][1]
            else:
                break
        names.append(f"{prefix} {text[start:end]}")
        last = end
        i = j + 1
    return names, last


class _NoLex(Lexicon):
    def __init__(self) -> None:
        self._by_first = {}
        self._cache = {}


_NO_LEX = _NoLex()


def _strip_tail(text: str, start: int, end: int) -> int:
    """Drop a trailing "tỉnh"-less punctuation and spaces from a found name."""
    while end > start and text[end - 1] in " ,;:":
        end -= 1
    return end


def parse_units(text: str, pos: int, lex: Lexicon, on: date | None) -> tuple[list[Found], int]:
    """Units listed from `pos`: the found units and the position where the list ends."""
    folded = pfold(text)
    found: list[Found] = []
    end_all = pos
    while pos < len(text):
        title = _TITLE_RE.match(text, pos)
        if title:
            pos = title.end()
        lst = _LIST_PREFIX_F.match(folded, pos)
        coll = _COLLECTIVE_F.match(folded, pos)
        known = known_at(text, folded, pos, lex)
        names: list[str] = []
        if lst:  # "UBND các huyện: A, B" lists names; "UBND các huyện, thành phố: tổ chức …" does not
            prefix = _LIST_PREFIXES[lst.group(1) or lst.group(2)]
            names, end = _bare_items(text, folded, lst.end(), prefix, lex, on)
        if names:
            for name in names:
                name = _HUYEN_CITY_RE.sub("UBND ", name)
                found.append(Found(lex.resolve(name, on)))
        elif coll and (known < 0 or coll.end() >= known):
            end = coll.end()
            phrase = text[pos:end]
            pf = folded[pos:end]
            found.append(
                Found(
                    UnitRef(phrase, None),
                    collective=True,
                    filler=_LIEN_QUAN in pf and pfold("sở") not in pf.split(),
                    includes_departments=any(w in pf for w in _DEPT_WORDS),
                )
            )
        elif known >= 0:
            end = known
            found.append(Found(lex.resolve(text[pos:end], on)))
        elif _head_at(text, folded, pos):
            end = _strip_tail(text, pos, _generic(text, folded, pos))
            found.append(Found(lex.resolve(text[pos:end], on)))
        else:
            break
        end_all = end
        sep = _SEP_RE.match(text, end)
        if not sep or not starts_unit(text, folded, sep.end(), lex):
            break
        pos = sep.end()
    return found, end_all
