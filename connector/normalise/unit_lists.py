"""Reading a list of units in a sentence: where it starts, where each name ends, where it stops.

See `units` for the lexicon. A list is read unit by unit, each unit one of:

- a name `mappings/units.toml` knows, aliases included, longest first — but only as a whole name:
  "Văn phòng" is the department's own office, "Văn phòng Chính phủ" is not, nor is "Thanh tra
  Chính phủ" its inspectorate; a known name followed by more of a proper name is another body;
- a list under a shared prefix: "UBND các huyện: Đắk Glei, Ngọc Hồi và Sa Thầy", "các Sở: Tài
  chính, Xây dựng" (each item its own unit);
- a collective: "các sở, ban, ngành", "thủ trưởng các cơ quan, đơn vị có liên quan", "UBND các
  huyện, thị xã, thành phố", "Chủ tịch UBND cấp xã", "các trường học trên địa bàn" (kept as written,
  marked collective);
- a headed name: a head word ("Sở", "UBND", "Tập đoàn", "Trạm", "Ngành" …) and the words of its
  name, up to a verb or a separator followed by another unit.

A title in front ("Giám đốc", "Chủ tịch", "Thủ trưởng", "Lãnh đạo" …) names the body's head; the
body is the unit. Units are separated by ",", ";", "và", "cùng (với)".
"""

from __future__ import annotations

import re
from datetime import date

from connector.domain import UnitRef
from connector.normalise.units import _HEADS, _STOPS, Found, Lexicon, pfold

_WORD_RE = re.compile(r"[^\s,;:.()]+")
_NEXT_WORD_RE = re.compile(r" ([^\s,;:.()]+(?:\.(?=[A-ZĐ])[^\s,;:.()]+)*)(\.(?= [A-ZĐ]))?")
"""A word of a name: "TP.HCM" is one; "TP." before a capital keeps its dot ("UBND TP. Hồ Chí Minh")."""
_HUYEN_CITY_RE = re.compile(r"^UBND huyện (?=thành phố|TP)")


def _alt(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(pfold(w)) for w in sorted(words, key=len, reverse=True))


_TITLES = (
    "giám đốc", "phó giám đốc", "chủ tịch", "phó chủ tịch", "thủ trưởng", "chánh văn phòng",
    "chánh thanh tra", "chỉ huy trưởng", "cục trưởng", "chi cục trưởng", "trưởng ban", "trưởng phòng",
    "người đứng đầu", "lãnh đạo", "hiệu trưởng", "bí thư", "tổng giám đốc", "tổng biên tập",
    "giám đốc công an", "các đồng chí", "đồng chí", "ban giám hiệu",
)  # fmt: skip
_TITLE_F = re.compile(rf"(?:{_alt(_TITLES)})\s+(?=[^\s])")
_CHANH = (pfold("chánh văn phòng "), pfold("chánh thanh tra "))
_COLLECTIVE_NOUNS = (
    "sở", "ban", "ngành", "cơ quan", "đơn vị", "địa phương", "đoàn thể", "tổ chức", "cá nhân", "doanh nghiệp",
    "trường", "trường học", "cơ sở", "cơ sở giáo dục", "xã", "phường", "thị trấn", "huyện", "quận", "thị xã",
    "thành phố", "tỉnh", "phòng", "chi cục", "trung tâm", "hội", "hội đoàn thể", "tổ chức chính trị - xã hội",
    "lực lượng", "lực lượng chức năng", "cấp", "ngành chức năng", "chủ đầu tư", "nhà thầu", "hộ gia đình",
    "ban quản lý", "ban qlda", "công ty", "bệnh viện", "cơ sở y tế", "thôn", "tổ dân phố", "bộ", "cục",
    "doanh nghiệp nhà nước", "chủ cơ sở", "bch", "bcđ", "đặc khu",
    "ban chỉ đạo", "ban chỉ huy", "đài", "cơ quan báo chí", "cơ quan chức năng", "chủ rừng", "hợp tác xã",
    "ubnd huyện", "ubnd xã", "ubnd quận", "ubnd thành phố", "ubnd thị xã", "ubnd cấp xã", "ubnd cấp huyện",
    "tp", "địa phương", "ngành liên quan", "ban ngành", "sở ban ngành", "cơ quan đơn vị", "cơ quan ngang bộ",
    "cơ quan thuộc chính phủ", "đơn vị sự nghiệp", "đơn vị sự nghiệp công lập", "ngành đoàn thể",
    "đơn vị đoàn thể", "cơ quan đơn vị đoàn thể",
)  # fmt: skip
_QUALIFIERS = (
    "có liên quan", "liên quan", "trên địa bàn tỉnh", "trên địa bàn thành phố", "trên địa bàn huyện",
    "trên địa bàn", "thuộc tỉnh", "thuộc thành phố", "thuộc huyện", "thuộc sở", "trực thuộc sở",
    "thuộc ubnd tỉnh", "trực thuộc ubnd tỉnh", "thuộc bộ", "trực thuộc", "cấp tỉnh", "cấp huyện", "cấp xã",
    "các cấp", "trong tỉnh",
    "toàn tỉnh", "chức năng", "tỉnh", "thành phố", "chuyên ngành", "chuyên môn", "trung ương",
    "đóng trên địa bàn tỉnh", "đóng trên địa bàn", "trên địa bàn quản lý",
)  # fmt: skip
_NOUN = rf"(?:{_alt(_COLLECTIVE_NOUNS)})"
_QUAL = rf"(?:,?\s+(?:{_alt(_QUALIFIERS)}))"
_PLACE = _alt(("huyện", "quận", "xã", "phường", "thị xã", "thị trấn", "thành phố", "tp", "tỉnh", "đặc khu"))
_COMMITTEE = _alt(("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân", "hđnd"))
_COLLECTIVE_F = re.compile(
    pfold(rf"(?:(?:{_COMMITTEE}|bcđ|ban chỉ đạo|công an|chủ tịch ubnd)\s+)?")
    + pfold(
        rf"(?:(?:các|những|toàn thể)\s+{_NOUN}(?:\s*(?:,\s*(?:và\s+)?|\s+và\s+|/)(?:các\s+)?{_NOUN}(?![\w]))*"
    )
    + pfold(rf"|cấp\s+(?:{_PLACE})(?:\s*,\s*(?:{_PLACE}))*")
    + pfold(rf"|(?:{_PLACE})(?:\s*,\s*(?:{_PLACE}))+)(?![\w]){_QUAL}*")
)
_COLLECTIVE_NOUN_F = re.compile(
    pfold(rf"{_NOUN}(?:\s*,\s*{_NOUN})+\s+(?:các cấp|liên quan|có liên quan)(?![\w])")
    + pfold(rf"|^{_NOUN}(?:\s*,\s*{_NOUN}){{2,}}(?![\w]){_QUAL}*")  # "Sở, ban, ngành, …" opening a sentence
    + pfold(rf"|(?<=thủ trưởng )(?<!\w){_NOUN}(?:\s*(?:,\s*|\s+và\s+){_NOUN}(?![\w]))*{_QUAL}*")
    + pfold(rf"|(?<=chủ tịch )(?:{_COMMITTEE})\s+(?:{_PLACE})(?:\s*,\s*(?:{_PLACE}))+(?![\w]){_QUAL}*")
)  # "cấp ủy, tổ chức đảng, chính quyền các cấp", "sở, ngành liên quan"
_LIST_PREFIX_F = re.compile(
    pfold(rf"(?:{_COMMITTEE}) (?:các|những) (huyện|xã|quận)(?:,? (?:thị xã,? )?thành phố)?\s*:\s*")
    + pfold(r"|(?:các|những) (sở|bộ)(?:,? ngành)?\s*:\s*")
    + pfold(rf"|(?:{_COMMITTEE}) (?:các|những) (huyện|xã|quận)\s+(?=[^\s])")
    + pfold(r"|(?:các|những) (sở|bộ)\s+(?=[^\s])")
    + pfold(r"|(?:thủ trưởng |giám đốc )?(?:các|những) (đơn vị|cơ quan)\s*:\s*")
)
_LIST_PREFIXES = {
    pfold(k): v
    for k, v in {
        "huyện": "UBND huyện",
        "xã": "UBND xã",
        "quận": "UBND quận",
        "sở": "Sở",
        "bộ": "Bộ",
        "đơn vị": "Sở",
        "cơ quan": "Sở",
    }.items()
}
_INHERITED = re.compile(r"^(UBND (?:huyện|xã|quận|thị xã|phường)|Sở|Bộ) ")
"""A list's shared prefix a bare name after it inherits ("UBND huyện Quang Bình, Bắc Quang")."""
_LIEN_QUAN = pfold("liên quan")
_DEPT_WORDS = tuple(pfold(w) for w in ("sở", "ngành", "cơ quan", "đơn vị"))
_SEP_RE = re.compile(r"\s*(?:,\s*và|;|,|và|cùng với|cùng)\s+")
_EXTRA_HEADS = tuple(
    h
    for h in (
        "tập đoàn", "tổng công ty", "ngành", "trạm", "hạt", "đội", "viện", "học viện", "cục", "tổng cục",
        "vụ", "chi nhánh", "cảng vụ", "hải quan", "bộ", "lực lượng", "bcđ", "ban chỉ đạo", "ban quản lý",
        "bql", "ủy ban", "hội đồng", "tỉnh ủy", "thành ủy", "huyện ủy", "đảng ủy", "tỉnh đoàn",
        "thành đoàn", "cảnh sát", "tòa án", "viện kiểm sát", "chính phủ", "thủ tướng", "kbnn",
        "ubmttq", "hiệp hội", "liên hiệp", "nhà máy", "xí nghiệp",
    )
)  # fmt: skip
_ALL_HEADS = tuple(
    sorted(
        {*_HEADS, *_EXTRA_HEADS, "uỷ ban", "ủy ban", "ủy ban nhân dân", "uỷ ban nhân dân"},
        key=len,
        reverse=True,
    )
)  # matched on the lower-cased text with its tones: "Quy hoạch" is no "Quỹ"
_PLACE_WORDS = ("tỉnh", "huyện", "thành phố", "thị xã", "xã", "phường", "quận", "thị trấn", "tp")
_LOWER_NAMED = {
    "ngành",
    "lực lượng",
    "trạm",
    "hạt",
    "đội",
    "công an",
    "tập đoàn",
    "tổng công ty",
    "công ty",
    "ban quản lý",
}
"""Heads whose name may go on in lower case ("Ngành giao thông vận tải", "Trạm khuyến nông"); any other
head needs a capitalised name ("Ban hành …", "Báo cáo …", "Trường hợp …" are no bodies)."""
_LOWER_STARTS = tuple(
    pfold(w)
    for w in ("huyện ", "thành phố ", "thị xã ", "xã ", "phường ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
)
_MORE_STOPS = {
    "mới", "vừa", "cũng", "kính", "đêm", "sáng", "chiều", "tối", "ngày", "hôm", "nay", "bằng", "sau",
    "lên", "xuống", "vào", "qua", "do", "bị", "nên", "rằng", "gồm", "bao gồm", "nơi", "ở", "đều",
    "lại", "vẫn", "còn", "mà", "thay", "kèm", "đúng", "xong", "theo dõi", "ngay", "luôn",
}  # fmt: skip


def _head_at(text: str, folded: str, pos: int) -> int:
    """End of a capitalised head word at `pos` ("Sở", "Tập đoàn", "Trạm"), or -1."""
    if pos >= len(text) or not text[pos].isupper():
        return -1
    lower = text[pos : pos + 24].lower()
    for h in _ALL_HEADS:
        end = pos + len(h)
        if lower.startswith(h) and (end == len(text) or not text[end].isalnum()):
            if text[end : end + 1] != " ":
                return -1
            nxt = text[end + 1 : end + 2]
            named = nxt.isupper() or nxt.isdigit() or text[end + 1 :].lower().startswith(_PLACE_WORDS)
            return end if named or h in _LOWER_NAMED else -1
    return -1


def known_at(text: str, folded: str, pos: int, lex: Lexicon) -> int:
    """`lex.match` for a whole name as written: capitalised ("công an các xã" is no unit), or a place
    name; a known name that runs on into more of a proper name ("Văn phòng Chính phủ") is not it."""
    if not (text[pos : pos + 1].isupper() or folded.startswith(_LOWER_STARTS, pos)):
        return -1
    end = lex.match(folded, pos)
    if end < 0:
        return -1
    nxt = _NEXT_WORD_RE.match(text, end)
    if nxt and (nxt.group(1)[:1].isupper() or _place_follows(text, nxt.start(1))):
        return -1  # a longer proper name, or the same name of another place: another body
    return end


def _place_follows(text: str, pos: int) -> bool:
    """ "… thành phố", "… huyện Ba Vì" right after a name: the body of that place, read in full."""
    rest = text[pos : pos + 12].lower()
    return rest.startswith(("thành phố", "huyện", "quận", "thị xã", "xã ", "phường", "tỉnh "))


def starts_unit(text: str, folded: str, pos: int, lex: Lexicon) -> bool:
    """True when a unit (known, collective, listed or headed) begins at `pos`."""
    m = _TITLE_F.match(folded, pos)
    if m and (text[pos].isupper() or pos == 0 or _collective_at(text, folded, m.end()) >= 0):
        pos = m.end()
    return (
        known_at(text, folded, pos, lex) >= 0
        or _collective_at(text, folded, pos) >= 0
        or _LIST_PREFIX_F.match(folded, pos) is not None
        or _head_at(text, folded, pos) >= 0
    )


_HEAD_TITLE_RE = re.compile(r"(?i)(?:\s*,\s*|\s+và\s+|\s+|^)(?=trưởng\b)")


def _collective_at(text: str, folded: str, pos: int) -> int:
    """End of a collective at `pos`, or -1; a proper name after a comma ("…, thành phố, Sở Tài
    nguyên và Môi trường") is the next unit, not one more word of the collective."""
    m = _COLLECTIVE_F.match(folded, pos) or _COLLECTIVE_NOUN_F.match(folded, pos)
    if not m:
        return -1
    head = _HEAD_TITLE_RE.search(text, pos, m.end())  # "trưởng" (a head) folds as "trường" (a school)
    if head is not None:
        return head.start() if head.start() > pos else -1
    for sep in re.finditer(r",\s+(?:và\s+)?(?=\S)", text[pos : m.end()]):
        at = pos + sep.end()
        nxt = _NEXT_WORD_RE.match(text, _word_end(text, at))
        if text[at].isupper() and nxt is not None and nxt.group(1)[:1].isupper():
            return pos + sep.start()
    return m.end()


def _word_end(text: str, pos: int) -> int:
    m = _WORD_RE.match(text, pos)
    return m.end() if m else pos


def _stop(word: str, pair: str) -> bool:
    if pair in _NAME_PAIRS:
        return False
    return word in _STOPS or pair in _STOPS or word in _MORE_STOPS or pair in _MORE_STOPS


_NAME_PAIRS = {"giao thông"}
"""Words of a name that also begin a verb phrase ("Ngành giao thông vận tải")."""


def _generic(text: str, folded: str, pos: int, head_end: int) -> int:
    """End of a headed, unknown name: the words after the head up to a stop word or punctuation.

    A People's Committee's name is its level and place ("UBND tỉnh Bắc Ninh", "UBND xã Đức Hợp"):
    after the place word only capitalised words belong to it ("UBND tỉnh Bắc Ninh mới đây" ends at
    "Ninh").
    """
    end = head_end
    committee = folded.startswith(("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân"), pos)
    placed = False
    while True:
        if text[end : end + 8].lower() == ", chống " and text[end - 5 : end].lower() == "phòng":
            end += 1  # "Ban Chỉ huy Phòng, chống thiên tai …": the comma belongs to the name
        m = _NEXT_WORD_RE.match(text, end)
        if not m:
            return end
        word = m.group(1)
        pair = " ".join(text[m.start(1) :].split(" ", 2)[:2]).rstrip(",;:.")
        word_f = folded[m.start(1) : m.end(1)]
        if word[:1].islower() and _stop(word, pair):
            return end
        if committee and placed and not word[:1].isupper() and word not in ("-", "–"):
            return end
        if committee and word_f in _PLACE_WORDS:
            placed = True
        if m.group(2) and word_f != "tp":  # a sentence's end, not an abbreviation's dot
            return m.end(1)
        joiner = word_f in ("va", "&") or word in ("-", "–")
        after = m.end() + 1
        if joiner and (not text[after : after + 1].isupper() or starts_unit(text, folded, after, _NO_LEX)):
            return end
        end = m.end()


def _bare_items(
    text: str, folded: str, pos: int, prefix: str, lex: Lexicon, on: date | None
) -> tuple[list[str], int]:
    """Items of "các Sở: A, B và C": split at separators, re-join pieces only a joined name explains.

    An item that is itself a headed name ("Công an tỉnh" in "các Sở: Y tế, Giáo dục; Công an tỉnh")
    ends the prefixed list.
    """
    pieces: list[tuple[int, int]] = []
    cur = pos
    while True:
        if pieces and _head_at(text, folded, cur) >= 0:
            break
        end = cur
        while True:  # one bare item: capitalised words and the lower-case words between them
            m = _WORD_RE.match(text, end if end == cur else end + 1)
            pair = " ".join(text[m.start() :].split(" ", 2)[:2]).rstrip(",;:.") if m else ""
            if not m or (text[m.start()].islower() and _stop(m.group(0), pair) and end != cur):
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
        if not sep or sep.end() >= len(text) or not text[sep.end()].isupper() or text[end] == ";":
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
    """Drop trailing punctuation and spaces from a found name."""
    while end > start and text[end - 1] in " ,;:-–":
        end -= 1
    return end


def parse_units(text: str, pos: int, lex: Lexicon, on: date | None) -> tuple[list[Found], int]:
    """Units listed from `pos`: the found units and the position where the list ends."""
    folded = pfold(text)
    found: list[Found] = []
    end_all = pos
    while pos < len(text):
        title = _TITLE_F.match(folded, pos)
        if title and (
            text[pos].isupper() or _collective_at(text, folded, title.end()) >= 0 or found or pos == 0
        ):
            # "Chánh Văn phòng UBND tỉnh" heads the Văn phòng: the body is what follows "Chánh"
            pos = pos + len("chanh ") if folded.startswith(_CHANH, pos) else title.end()
        lst = _LIST_PREFIX_F.match(folded, pos)
        coll = _collective_at(text, folded, pos)
        known = known_at(text, folded, pos, lex)
        names: list[str] = []
        if lst and (lst.group(0).rstrip().endswith(":") or text[lst.end() : lst.end() + 1].isupper()):
            # "UBND các huyện: A, B" and "các sở Công Thương, Xây dựng" list names; "UBND các huyện,
            # thành phố: tổ chức …" and "các sở, ngành" do not
            group = next((g for g in lst.groups() if g), None)
            prefix = _LIST_PREFIXES.get(group or "", "")
            names, end = _bare_items(text, folded, lst.end(), prefix, lex, on) if prefix else ([], pos)
        elif found and (inherit := _INHERITED.match(found[-1].ref.name)) and _bare_at(text, folded, pos, lex):
            names, end = _bare_items(text, folded, pos, inherit.group(1), lex, on)
        if names:
            for name in names:
                name = _HUYEN_CITY_RE.sub("UBND ", name)
                found.append(Found(lex.resolve(name, on)))
        elif coll >= 0 and (known < 0 or coll >= known):
            end = _strip_tail(text, pos, coll)
            phrase = text[pos:end]
            pf = folded[pos:end]
            found.append(
                Found(
                    UnitRef(phrase, None),
                    collective=True,
                    filler=_LIEN_QUAN in pf and pfold("sở") not in re.findall(r"\w+", pf),
                    includes_departments=any(w in pf for w in _DEPT_WORDS),
                )
            )
        elif known >= 0:
            end = known
            found.append(Found(lex.resolve(text[pos:end], on)))
        elif (head := _head_at(text, folded, pos)) >= 0:
            end = _strip_tail(text, pos, _generic(text, folded, pos, head))
            if end <= head and folded[pos:end] not in _ALONE:
                break  # a head word alone ("Sở đã …") names no body
            found.append(Found(lex.resolve(text[pos:end], on)))
        else:
            break
        end_all = end
        sep = _SEP_RE.match(text, end)
        if not sep:
            break
        inheritable = (
            bool(found) and _INHERITED.match(found[-1].ref.name) and _bare_at(text, folded, sep.end(), lex)
        )
        if not inheritable and not starts_unit(text, folded, sep.end(), lex):
            break
        pos = sep.end()
    return found, end_all


def _bare_at(text: str, folded: str, pos: int, lex: Lexicon) -> bool:
    """A capitalised name with no head of its own at `pos` ("Bắc Quang" after "UBND huyện Quang Bình,")."""
    return (
        text[pos : pos + 1].isupper()
        and _head_at(text, folded, pos) < 0
        and known_at(text, folded, pos, lex) < 0
        and _collective_at(text, folded, pos) < 0
    )


_ALONE = {pfold(w) for w in ("Công an", "Thanh tra", "Văn phòng", "Kho bạc", "Chính phủ", "Thủ tướng")}
