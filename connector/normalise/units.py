"""Unit names in assignment sentences: the vocabulary and the lexicon of known names.

How a list of units is read from a sentence is in `unit_lists`; this module holds what it reads with.

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
from functools import lru_cache

from connector.domain import UnitRef
from connector.mappings import Mappings
from connector.normalise.hygiene import _VI_LETTERS
from connector.normalise.lookups import kept

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


@lru_cache(maxsize=2048)
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


@lru_cache(maxsize=4096)
def _variants(name: str) -> tuple[str, ...]:
    out = [name]
    swapped = re.sub(r"(?i)^(?:Ủy|Uỷ) ban nhân dân\b", "UBND", name)
    out.append(swapped)
    out.append(re.sub(r"(?i)^UBND\b", "Ủy ban nhân dân", name))
    for v in list(out):
        out.append(_without_province(v))
        out.append(re.sub(r"(?i)\bTP\.?\s", "thành phố ", v))
    return tuple(dict.fromkeys(o.strip() for o in out if o.strip()))


_PROVINCE_TAIL = re.compile(r"(?i)\s+tỉnh((?:\s+\w[\w'’-]*)*)$")


def _without_province(name: str) -> str:
    """ "Sở Tư pháp tỉnh Quảng Ngãi" → "Sở Tư pháp": drop a trailing "tỉnh" and the capitalised place name
    after it, whatever the province (its names live in mappings/, not here); the date picks the body."""
    m = _PROVINCE_TAIL.search(name)
    if m is None or not all(word[0].isupper() for word in m.group(1).split()):
        return name
    return name[: m.start()]


def lexicon(maps: Mappings) -> Lexicon:
    """The lexicon for these mappings, built once and kept on them (`connector.normalise.lookups.kept`)."""
    found: Lexicon = kept(maps, "_normalise_lexicon", Lexicon)
    return found
