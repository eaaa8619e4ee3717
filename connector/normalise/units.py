"""Unit names in assignment sentences: where a list of units starts and ends, and what each is.

Names contain the very words that separate them ("Sở Nông nghiệp và Phát triển nông thôn",
"Sở Văn hóa, Thể thao và Du lịch"), so a list is read unit by unit: first the longest name that
`mappings/units.toml` knows at that point (aliases included), else a phrase that starts with a
head word ("Sở", "UBND", "Ban", "Chi cục" …) and runs until a verb or a separator that is
followed by another unit. Lists are expanded ("UBND các huyện: Đắk Glei, Ngọc Hồi và Sa Thầy";
"các Sở: Tài chính, Xây dựng"). Collective phrases ("các sở, ban, ngành") are kept as written,
marked, never resolved to a code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from connector.domain import UnitRef
from connector.mappings import Mappings
from connector.normalise.hygiene import _VI_LETTERS

# --- a fold that keeps positions (one character in, one character out) ---------------------------


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch
    bare = "".join(c for c in unicodedata.normalize("NFD", low) if c not in "\u0300\u0301\u0303\u0309\u0323")
    out = unicodedata.normalize("NFC", bare)
    return out if len(out) == 1 else low


_FOLD_TABLE = str.maketrans(
    {c: _fold_char(c) for c in _VI_LETTERS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00d0\u00f0"}
)
_FOLD_TABLE[0x00D0] = "đ"
_FOLD_TABLE[0x00F0] = "đ"


def pfold(text: str) -> str:
    """Lower-case, tone-free text of the same length as `text` (positions stay valid)."""
    return text.translate(_FOLD_TABLE)


# --- vocabulary -----------------------------------------------------------------------------------

_HEADS = (
    "sở",
    "ubnd",
    "ủy ban",
    "uỷ ban",
    "ban",
    "chi cục",
    "trung tâm",
    "phòng",
    "công an",
    "bộ chỉ huy",
    "bộ đội",
    "văn phòng",
    "thanh tra",
    "kho bạc",
    "cục",
    "đài",
    "báo",
    "quỹ",
    "hội",
    "liên minh",
    "tỉnh đoàn",
    "bảo hiểm",
    "ngân hàng",
    "công ty",
    "trường",
    "bệnh viện",
    "bưu điện",
    "viễn thông",
    "điện lực",
    "hạt kiểm lâm",
    "mặt trận",
    "liên đoàn",
    "vp",
    "stp",
    "bch",
)
_HEADS_F = tuple(sorted({pfold(h) for h in _HEADS}, key=len, reverse=True))
_TITLE_RE = re.compile(
    r"(?:Giám đốc|Chủ tịch|Thủ trưởng|Chánh Văn phòng|Chánh Thanh tra|Chỉ huy trưởng|Cục trưởng|Trưởng ban|"
    r"Trưởng Ban|Tổng Biên tập|Người đứng đầu|Lãnh đạo)\s+"
)
# Lower-case words that end a unit name: verbs and function words of assignment sentences.
_STOPS = {
    w
    for w in (
        "chủ trì",
        "phối hợp",
        "theo",
        "tham mưu",
        "triển khai",
        "tổ chức",
        "xây dựng",
        "kiểm tra",
        "rà soát",
        "hướng dẫn",
        "báo cáo",
        "thực hiện",
        "đề xuất",
        "trình",
        "theo dõi",
        "đôn đốc",
        "tổng hợp",
        "khẩn trương",
        "chỉ đạo",
        "nghiên cứu",
        "tiếp thu",
        "hoàn thiện",
        "giải quyết",
        "lập",
        "thẩm định",
        "chuẩn bị",
        "cập nhật",
        "bố trí",
        "ban hành",
        "quản lý",
        "xử lý",
        "cung cấp",
        "tăng cường",
        "đẩy mạnh",
        "tiến hành",
        "có",
        "được",
        "là",
        "thì",
        "đã",
        "đang",
        "sẽ",
        "cần",
        "phải",
        "không",
        "cùng",
        "với",
        "về",
        "tại",
        "trong",
        "để",
        "nhằm",
        "khi",
        "từ",
        "trước",
        "chậm",
        "hoàn thành",
        "căn cứ",
        "chịu",
        "chủ động",
        "tập trung",
        "tiếp tục",
        "thường xuyên",
        "kịp thời",
        "nghiêm túc",
        "sớm",
        "giao",
        "đề nghị",
        "yêu cầu",
        "tích cực",
        "khảo sát",
        "đánh giá",
        "thống kê",
        "tuyên truyền",
        "vận động",
        "huy động",
        "phân bổ",
        "giải ngân",
        "công khai",
        "điều chỉnh",
        "bảo đảm",
        "đảm bảo",
        "gửi",
        "làm việc",
        "thông báo",
        "chuyển",
        "tiếp nhận",
        "rà",
        "xem xét",
        "cho",
        "của",
        "đối với",
        "này",
        "những",
        "mà",
        "nếu",
        "hoặc",
        "như",
        "kiểm soát",
        "ứng phó",
        "phòng",
        "chống",
        "khắc phục",
        "tạo",
        "nâng",
        "hỗ trợ",
        "vận hành",
        "duy trì",
        "trực",
        "theo dõi",
        "quyết liệt",
        "đôn",
        "làm",
        "ra",
        "đi",
        "đến",
        "nắm",
        "bổ sung",
        "sửa đổi",
        "kết luận",
        "chỉ thị",
        "có ý kiến",
        "ý kiến",
    )
}
_COLLECTIVE_RE = re.compile(
    "|".join(
        [
            r"(?:thủ trưởng |giám đốc )?các sở,? ban,? ngành(?:,? đoàn"
            r" thể)?(?:,? (?:cơ quan|đơn vị|địa phương)(?: có)? liên quan)?"
            r"(?: (?:thuộc|của) tỉnh| tỉnh)?(?:,? (?:ubnd|ủy ban"
            r" nhân dân|uỷ ban nhân dân) các huyện,? thành phố)?",
            r"(?:chủ tịch )?(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)"
            r" các huyện,? (?:thị xã,? )?thành phố(?: trên địa bàn tỉnh)?",
            r"(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân) các xã,? phường(?:,? đặc khu)?",
            r"các (?:cơ quan,? )?(?:đơn vị|cơ quan|địa phương"
            r"|sở,? ngành)(?:,? địa phương)?(?: có)? liên quan",
            r"các (?:phòng,? )?(?:đơn vị|phòng) (?:thuộc|trực thuộc) sở",
            r"các huyện,? thành phố",
            r"các sở,? ngành",
            r"các ngành,? (?:các )?địa phương",
            r"các cơ quan,? đơn vị",
            r"các địa phương",
        ]
    )
    .replace("ủ", "[ủu]")
    .replace("uỷ", "u[ỷy]")
)
_COLLECTIVE_F = re.compile(pfold(_COLLECTIVE_RE.pattern))
_LIST_PREFIX_F = re.compile(
    pfold(
        r"(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân) (?:các|những)"
        r" (huyện|xã)(?:,? thành phố)?\s*:\s*|(?:các|những) (sở)\s*:\s*"
    )
)
_LIST_PREFIXES = {pfold("huyện"): "UBND huyện", pfold("xã"): "UBND xã", pfold("sở"): "Sở"}
_LIEN_QUAN = pfold("liên quan")
_DEPT_WORDS = tuple(pfold(w) for w in ("sở", "ngành", "cơ quan", "đơn vị"))
_SEP_RE = re.compile(r"\s*(?:,\s*và|;|,|và|cùng với|cùng)\s+")


@dataclass(frozen=True)
class Found:
    """One unit as found in a sentence; `collective` for "các sở, ban, ngành" and the like."""

    ref: UnitRef
    collective: bool = False
    filler: bool = False
    includes_departments: bool = False


class Lexicon:
    """Known unit names and aliases (folded), indexed by their first word, for longest-match."""

    def __init__(self, maps: Mappings) -> None:
        self.maps = maps
        names: set[str] = set()
        for unit in maps.units:
            for label in (unit.name, *unit.aliases):
                for variant in _variants(label):
                    names.add(pfold(variant))
        self._by_first: dict[str, list[str]] = {}
        for name in sorted(names, key=len, reverse=True):
            self._by_first.setdefault(name.split(" ", 1)[0], []).append(name)
        self._cache: dict[tuple[str, date | None], UnitRef] = {}

    def match(self, folded: str, pos: int) -> int:
        """End of the longest known name starting at `pos`, or -1."""
        first = folded[pos:].split(" ", 1)[0]
        first = first.rstrip(",;:.()")
        for name in self._by_first.get(first, ()):
            end = pos + len(name)
            if folded.startswith(name, pos) and (end == len(folded) or not folded[end].isalnum()):
                return end
        return -1

    def resolve(self, name: str, on: date | None) -> UnitRef:
        """Resolve a name through mappings/units.toml, trying the usual spelling variants."""
        key = (name, on)
        if key not in self._cache:
            ref = UnitRef(name, None)
            for variant in _variants(name):
                found = self.maps.resolve_unit(variant, on)
                if found.code:
                    ref = UnitRef(name, found.code)
                    break
            self._cache[key] = ref
        return self._cache[key]


def _variants(name: str) -> list[str]:
    out = [name]
    swapped = re.sub(r"(?i)^(?:Ủy|Uỷ) ban nhân dân\b", "UBND", name)
    out.append(swapped)
    out.append(re.sub(r"(?i)^UBND\b", "Ủy ban nhân dân", name))
    for v in list(out):
        out.append(re.sub(r"(?i)\s+tỉnh(?:\s+(?:Kon Tum|Quảng Ngãi))?$", "", v))
        out.append(re.sub(r"(?i)\bTP\.?\s", "thành phố ", v))
    return list(dict.fromkeys(o.strip() for o in out if o.strip()))


_LEXICONS: dict[int, tuple[Mappings, Lexicon]] = {}


def lexicon(maps: Mappings) -> Lexicon:
    """The lexicon for these mappings, built once."""
    hit = _LEXICONS.get(id(maps))
    if hit is None or hit[0] is not maps:
        hit = (maps, Lexicon(maps))
        _LEXICONS[id(maps)] = hit
    return hit[1]


# --- reading a list -------------------------------------------------------------------------------


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
    pfold(w) for w in ("huyện ", "thành phố ", "thị xã ", "xã ", "phường ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
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
    m = re.compile(r"[^\s,;:.()]+").match(text, pos)
    return m.end() if m else pos


def _generic(text: str, folded: str, pos: int) -> int:
    """End of a headed, unknown name: words up to a lower-case stop word or punctuation."""
    end = _word_end(text, pos)
    for h in _HEADS_F:  # skip the whole head ("Chi cục", "Trung tâm")
        if folded.startswith(h, pos):
            end = pos + len(h)
            break
    while True:
        m = re.compile(r" ([^\s,;:.()]+)").match(text, end)
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
            m = re.compile(r"[^\s,;:.()]+").match(text, end if end == cur else end + 1)
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
        if end == cur:
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
        if lst:
            kind = lst.group(1) or lst.group(2)
            prefix = _LIST_PREFIXES[kind]
            names, end = _bare_items(text, folded, lst.end(), prefix, lex, on)
            for name in names:
                name = re.sub(r"^UBND huyện (?=thành phố|TP)", "UBND ", name)
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
