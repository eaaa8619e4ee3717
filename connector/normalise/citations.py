"""Citations: the earlier documents a text names, with the date and issuer printed after each.

A directive names other documents all the time: its legal basis ("Căn cứ Nghị định số …"), the
letter it answers, the plan it carries out, the letter it urges or extends. This module only reads
them, the way a clerk underlines them: the kind and number ("Công văn số 1234/UBND-KT", "Chỉ thị
16/CT-TTg", "Kế hoạch: 83/KH-UBND82/KH-UBND" run together, "số A, số B, số C" on a list), the date
and the issuer after it ("ngày 12/5/2024 của UBND tỉnh"), and whether it sits in the basis of its
sentence ("Căn cứ …", "Thực hiện …" before anything is asked). What the document does to each is
decided in `connector.normalise.followups`.

Matching is done on `pfold` text (lower case, no tones, same length), so that old and new tone
placement and capitals compare equal while positions stay those of the printed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from connector.domain import FollowAction
from connector.normalise.draft import Draft
from connector.normalise.number import canonical_number
from connector.normalise.units import pfold

TYPES = (
    "văn bản", "công văn", "kế hoạch", "chỉ thị", "quyết định", "thông báo", "công điện", "nghị quyết",
    "thông tri", "chương trình", "hướng dẫn", "kết luận", "tờ trình", "báo cáo", "thông tư", "nghị định",
    "đề án", "phương án", "quy chế", "quy định",
)  # fmt: skip
_SEG = r"[A-ZĐ][A-Za-zĐđ0-9&.]*"
_NUM = rf"\d{{1,6}}[a-z]?\s*(?:/\s*\d{{4}}\s*)?[/-]\s*{_SEG}(?:\s*[-–/]\s*{_SEG})*"
TYPE_ALT = "|".join(sorted(TYPES, key=len, reverse=True))
REF_RE = re.compile(rf"(?<!\w)((?i:{TYPE_ALT}))\s*(?i:số)?\s*(?i:hiệu)?\s*:?\s*({_NUM})")
"""A kind of document and its number ("Công văn số 1234/UBND-KT", "Chỉ thị 16/CT-TTg")."""
_BARE_RE = re.compile(rf"(?:,\s*|\s(?i:và)\s+)(?i:số)\s*:?\s*({_NUM})")
"""A number that goes on a list: "văn bản số A, số B, số C"."""
_GLUED_RE = re.compile(r"(?<=[A-ZĐa-z])(?=\d{1,6}\s*/)")
DATE = pfold(r"(\d{1,2})\s*(?:[/.-]\s*(\d{1,2})\s*[/.-]\s*|tháng\s*(\d{1,2})\s*năm\s*)(\d{4})")
_TAIL_DATE_RE = re.compile(pfold(r"\s*,?\s*\(?(?:ban hành\s+)?ngày\s*(?:ban hành\s*)?") + DATE)
_TOLD_ON_RE = re.compile(pfold(r"[^\w]{0,12}(?:ngày\s*)") + DATE)
_TAIL_OF_RE = re.compile(pfold(r"\s*,?\s*(?:của|do)\s+"))
_ISSUER_STOP = frozenset(
    pfold(w)
    for w in (
        "về", "v/v", "nhằm", "để", "theo", "tại", "đã", "đang", "thì", "cho", "trên", "ngày", "với",
        "trong", "quy", "hướng", "phê", "triển", "thực", "tăng", "việc", "là", "có", "gửi", "đến",
        "từ", "khi", "được", "nêu", "như", "sau", "trước", "này", "đó", "kèm", "số", "mà", "hoặc",
        "cũng", "vừa", "tiếp", "đối", "gồm", "lần", "kể", "cho", "ra",
    )
)  # fmt: skip


def cue(pattern: str) -> re.Pattern[str]:
    """A pattern written in Vietnamese, compiled to match `pfold` text (so write no "\\S", "\\W")."""
    return re.compile(pfold(pattern))


ASSIGN_RE = cue(
    r"(?<!xét )(?<!theo )(?<!về )(?<!của )(?<!được )(?<!kiến )(?<!dung )(?<!bản )(?<!bàn )"
    r"\b(?:yêu cầu|đề nghị|giao(?! thông| dịch| lưu)|chỉ đạo|phải|cần(?! thơ)|có trách nhiệm"
    r"|chịu trách nhiệm|chủ trì|đôn đốc)\b"
    r"(?! của)"
)
_BASIS_RE = cue(
    r"^(?:[-–+•*]|\d+(?:\.\d+)*\s*[.)]|[a-zđ]\))?\s*[\"“(]?"
    r"(?:(căn cứ|can cứ|cản cứ|xét|theo đề nghị|về đề nghị|phúc đáp|trả lời)"
    r"|(thực hiện|triển khai(?: thực hiện)?|tiếp nhận|tiếp theo|theo(?! đó)))\b"
)
REPORTED_RE = cue(r"\b(?:ban hành|có|ký|ra|gửi)\s+(?:[^\s]+\s+){0,2}$")
_AND = pfold("và")
AND_RE = cue(r"\b(?:và|hoặc)\b")
_NUMBER_SEEN_RE = re.compile(r"\d\s*[/-]\s*(?:\d{4}\s*/\s*)?[A-ZĐ]")
"""A cheap first look: most sentences cite nothing, and need no further reading."""
_SPLIT_RE = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])|\n")
_MARKER_START_RE = re.compile(r"^\s*(?:[-–+•*]|\d+(?:\.\d+)*\s*[.)]|[a-zđ]\)|[IVX]+\.)\s")


@dataclass
class Citation:
    """One mention of an earlier document in one sentence."""

    start: int
    end: int
    number: str
    doc_type: str
    folded_type: str
    tail_end: int = 0
    issued_on: date | None = None
    issuer: str | None = None
    bare: bool = False
    basis: str | None = None  # "legal" (Căn cứ …) or "carried" (Thực hiện …) when in the basis
    action: FollowAction | None = None
    amend: bool = False
    cue_at: int = -1
    part: str | None = None


@dataclass
class Sentence:
    """One sentence of the text, its `pfold` form ("" when it cites nothing and points nowhere) and
    its citations."""

    text: str
    folded: str
    paragraph: int
    refs: list[Citation] = field(default_factory=list)


# -- reading the references ------------------------------------------------------------------------


def cites(draft: Draft) -> bool:
    """Whether the text may cite another document at all: a number anywhere but on the document's
    own "Số: …" line (a quick look, so that a letter citing nothing costs nothing more)."""
    for line in draft.lines[: draft.body_end or len(draft.lines)]:
        if _NUMBER_SEEN_RE.search(line) and not line.lstrip().startswith(("Số", "SỐ", "số")):
            return True
    return False


def read_sentences(draft: Draft) -> list[Sentence]:
    """The text's sentences (a list item, or a line after a headline, starts one) with their references."""
    out: list[Sentence] = []
    paragraph, block = 0, list[str]()
    lines = draft.lines[: draft.body_end or len(draft.lines)]
    for line in [*lines, ""]:
        if line.strip() and not (block and (_MARKER_START_RE.match(line) or _ends(block[-1], line))):
            block.append(line.strip())
            continue
        if block:
            text = " ".join(block)
            for piece in _SPLIT_RE.split(text):
                if piece.strip():
                    out.append(_sentence(piece.strip(), paragraph))
            paragraph += 1
        block = [line.strip()] if line.strip() else []
    return out


def _ends(line: str, following: str) -> bool:
    """A line that ends a sentence though it has no full stop: a headline before the first line of a
    news item ("… kéo dài thời gian …" / "(Cổng TTĐT) - Tối ngày 15/4, UBND tỉnh …")."""
    start = following.lstrip()[:1]
    if not (start.isupper() or start in '(“"') or line.endswith((",", "-", "–")):
        return False
    last = pfold(line.split()[-1]) if line.split() else ""
    return line.endswith((".", "!", "?", ";", ":")) or (last[:1].islower() and last not in _OPEN_WORDS)


_OPEN_WORDS = frozenset(
    pfold(w)
    for w in ("và", "của", "tại", "số", "ngày", "theo", "các", "với", "về", "trong", "cho", "đến", "là",
              "hoặc", "từ", "năm", "tháng", "thực", "hiện", "văn", "bản", "quyết", "định", "chỉ", "thị",
              "kế", "hoạch", "công", "thông", "báo", "tỉnh", "thành", "phố", "huyện", "ban", "ủy", "uỷ",
              "nhân", "dân")
)  # fmt: skip
"""Words a wrapped line ends with in the middle of a sentence (or of a name)."""


def _sentence(text: str, paragraph: int) -> Sentence:
    if _NUMBER_SEEN_RE.search(text) is None:
        # nothing cited: kept for its place only, folded when it may point back ("… nêu trên")
        return Sentence(text, pfold(text) if "trên" in text.lower() else "", paragraph)
    s = Sentence(text, pfold(text), paragraph)
    spans: list[tuple[int, int, str, str, bool]] = []
    for m in REF_RE.finditer(text):
        spans.append((m.start(), m.end(), m.group(2), m.group(1), False))
    for m in _BARE_RE.finditer(text):
        if not any(a <= m.start(1) < b for a, b, *_ in spans):
            spans.append((m.start(), m.end(), m.group(1), "", True))
    spans.sort()
    for start, end, number, kind, bare in spans:
        for j, piece in enumerate(_GLUED_RE.split(number)):  # "83/KH-UBND82/KH-UBND": two numbers run on
            s.refs.append(Citation(start, end, _canonical(piece), kind, pfold(kind), bare=bare or j > 0))
    for i, ref in enumerate(s.refs):
        if ref.bare and i > 0:
            ref.doc_type, ref.folded_type = s.refs[i - 1].doc_type, s.refs[i - 1].folded_type
        _tail(s, ref)
    for i in range(len(s.refs) - 2, -1, -1):  # "số A, số B, số C ngày …": the date is the list's
        ref, after = s.refs[i], s.refs[i + 1]
        if (
            ref.issued_on is None
            and after.bare
            and not AND_RE.sub("", s.folded[ref.tail_end : after.start]).strip(" ,")
        ):
            ref.issued_on, ref.issuer = after.issued_on, after.issuer
    told = _TOLD_ON_RE.match(s.folded)
    if told and s.refs and s.refs[0].issued_on is None:
        first = s.refs[0]
        if REPORTED_RE.search(s.folded, max(0, first.start - 30), first.start):
            first.issued_on = read_date(told)  # the day a news item gives for the document it tells of
    basis = _BASIS_RE.match(s.folded)
    if basis:
        asked = ASSIGN_RE.search(s.folded)
        for ref in s.refs:
            if asked is None or ref.start < asked.start():
                ref.basis = "legal" if basis.group(1) else "carried"
    return s


def _canonical(number: str) -> str:
    """One spelling of a printed number: no spaces, an en dash as a hyphen, a lost hyphen restored."""
    flat = re.sub(r"\s+", "", number).replace("–", "-").rstrip(".")
    m = re.match(r"^(\d{1,6}[a-z]?)/(?:(\d{4})/)?(.+)$", flat)
    if m and "/" not in m.group(3):
        return canonical_number(m.group(1), m.group(2), m.group(3))[0]
    return flat


def _tail(s: Sentence, ref: Citation) -> None:
    """The date ("ngày 12/5/2024") and the issuer ("của UBND tỉnh") printed after a number."""
    pos = ref.end
    m = _TAIL_DATE_RE.match(s.folded, pos)
    if m:
        ref.issued_on = read_date(m)
        pos = m.end()
    of = _TAIL_OF_RE.match(s.folded, pos)
    if of:
        words: list[str] = []
        end = of.end()
        for wm in re.finditer(r"[^\s]+", s.text[of.end() :]):
            at = of.end() + wm.start()
            word = wm.group()
            bare = word.strip(",;.:()“”\"'")
            low = bare[:1].islower()
            if not bare or (low and pfold(bare) in _ISSUER_STOP) or REF_RE.match(s.text, at):
                break
            if s.folded.startswith("ban hanh", at):
                break
            if pfold(bare) == _AND and not _name_goes_on(s.text, at + len(word)):
                break
            words.append(bare)
            end = at + len(word.rstrip(",;:)”\"'"))
            if word[-1:] in ',;:)”"' or len(words) >= 12:
                break
        ref.issuer = " ".join(words) or None
        pos = end if words else pos
    ref.tail_end = pos


def _name_goes_on(text: str, at: int) -> bool:
    """ "Bộ Giáo dục và Đào tạo": a "và" inside a name is followed by a capital that starts no reference."""
    rest = text[at:].lstrip()
    return rest[:1].isupper() and REF_RE.match(rest) is None


def read_date(m: re.Match[str]) -> date | None:
    try:
        return date(int(m.group(4)), int(m.group(2) or m.group(3)), int(m.group(1)))
    except ValueError:
        return None
