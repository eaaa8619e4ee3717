"""Who issued a directive: the body named top left of its header, in the form a clerk writes it.

The header prints the issuing body in capitals, over one to three lines, often under its parent
body: "UBND TỈNH KON TUM / SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "BỘ NÔNG NGHIỆP VÀ PTNT / CỤC
BẢO VỆ THỰC VẬT", "ỦY BAN NHÂN DÂN / THÀNH PHỐ HỒ CHÍ / MINH". The name is read as [parent]
[child], where the child starts with a head word (Sở, Văn phòng, Ban, Chi cục, Cục …); a body of
a province's People's Committee keeps the province ("Sở Giáo dục và Đào tạo tỉnh Tiền Giang",
"Văn phòng UBND tỉnh Kon Tum"), a ministry's department is named alone.

A name mappings/issuers.toml knows is written as the catalogue writes it. Any other is written
in the official case: the head word and the first word of each coordinated part capitalised
("Sở Văn hóa, Thể thao và Du lịch"), place names in title case, acronyms kept.
"""

from __future__ import annotations

import re

from connector.textfold import fold

_CHILD_HEADS = tuple(
    fold(h)
    for h in (
        "Sở",
        "Văn phòng",
        "Ban chỉ đạo",
        "Ban quản lý",
        "Ban",
        "Chi cục",
        "Trung tâm",
        "Phòng",
        "Tổng cục",
        "Cục",
        "Vụ",
        "Thanh tra",
        "Bộ Chỉ huy",
        "Công an",
        "Kho bạc",
        "Đài",
        "Trường",
        "Bệnh viện",
    )
)
_STRONG_HEADS = tuple(
    fold(h) for h in ("Sở", "Văn phòng", "Chi cục", "Tổng cục", "Cục", "Ban chỉ đạo", "Ban quản lý")
)
_PEOPLES_COMMITTEE = re.compile(r"^(?:ubnd|[uủ][ỷy] ban nhân dân)\b", re.I)
_PARENT_HEADS = tuple(
    fold(h) for h in ("UBND", "Ủy ban nhân dân", "Uỷ ban nhân dân", "Bộ", "Tỉnh ủy", "Thành ủy", "HĐND")
)
_HEADS_AND_PARENTS = frozenset(
    {*_CHILD_HEADS, *(fold(h) for h in ("Bộ", "Hội đồng", "Ủy ban", "Tổng công ty"))}
)
_ACRONYMS = {"ubnd", "hđnd", "mttq", "bch", "bcđ", "ptnt", "tp", "tw", "cp", "qlda", "bql", "thpt", "thcs"}
_PLACE_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn")
_LOWER_WORDS = {"và", "của", "các", "thuộc", "trực", "nhân", "dân", "ban"}


def split_parent(lines: list[str]) -> tuple[str, str]:
    """(parent, child) of the header's organisation lines; parent "" when there is none.

    The child is the first line after the first that starts with a head word ("SỞ …", "VĂN
    PHÒNG"); a header printed on one line is split only at a head word no body name contains.
    """
    if not lines:
        return "", ""
    if not fold(lines[0]).startswith(_PARENT_HEADS):
        return "", " ".join(lines)
    for i in range(1, len(lines)):
        if _headed(fold(lines[i])):
            return " ".join(lines[:i]), " ".join(lines[i:])
    joined = " ".join(lines)
    folded = fold(joined)
    for m in re.finditer(r"\s(\S)", folded):
        rest = folded[m.start(1) :]
        if any(rest.startswith(h + " ") for h in _STRONG_HEADS):
            return joined[: m.start(1)].strip(), joined[m.start(1) :].strip()
    return "", joined


def _headed(folded_line: str) -> bool:
    return any(folded_line.startswith(h + " ") or folded_line == h for h in _CHILD_HEADS)


def compose(parent: str, child: str) -> str:
    """The issuing body's full name as a clerk writes it."""
    if not parent:
        return official_case(child)
    p, c = official_case(parent), official_case(child)
    if _PEOPLES_COMMITTEE.match(p):
        place = _PEOPLES_COMMITTEE.sub("", p).strip()
        if fold(c).startswith(fold("Văn phòng")) or fold(c).startswith(fold("Ban")):
            return f"{c} UBND {place}".strip()
        return f"{c} {place}".strip()
    return c


def official_case(name: str) -> str:
    """A name printed in capitals, in the official case; a name already in mixed case, as written."""
    name = " ".join(name.replace("|", " ").split()).strip(" -–,")
    letters = [ch for ch in name if ch.isalpha()]
    if not letters or sum(ch.isupper() for ch in letters) < 0.85 * len(letters):
        return _short_committee(name)
    words = name.lower().split(" ")
    out: list[str] = []
    in_place, start, skip = False, True, 0
    for i, word in enumerate(words):
        bare = word.strip(",;:.()")
        if skip:  # the second word of "thành phố", "thị xã", "thị trấn"
            out.append(word)
            skip = 0
            continue
        two = " ".join(w.strip(",;:.()") for w in words[i : i + 2])
        if bare in _ACRONYMS or "&" in bare:
            out.append(word.upper())
            in_place = in_place or (bare == "tp" and not start)  # "UBND TP CẦN THƠ": a place follows
        elif not in_place and not start and (two in _PLACE_WORDS or bare in _PLACE_WORDS):
            out.append(word)
            in_place, skip = True, int(two in _PLACE_WORDS)
            continue
        elif in_place or (start and bare not in _LOWER_WORDS) or i == 0:
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
        head = fold(" ".join(words[: i + 1])) in _HEADS_AND_PARENTS
        start = head or bare in ("và", "-", "–") or word.endswith(",")
    return _short_committee(" ".join(out))


def _short_committee(name: str) -> str:
    """ "Ủy ban nhân dân tỉnh X" → "UBND tỉnh X", the form offices and the catalogue use."""
    return re.sub(r"(?i)^(chủ tịch\s+)?[uủ][ỷy] ban nhân dân\b", lambda m: (m.group(1) or "") + "UBND", name)
