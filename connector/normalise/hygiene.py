"""Text hygiene, the first step: every later regex assumes clean, composed Unicode.

Directives reach us as UTF-8, as UTF-8 that some program read as cp1252 ("Cá»™ng hÃ²a"),
as legacy TCVN3 (.VnTime: "Céng hoµ") or VNI (VNI-Times: "Coäng hoøa") bytes shown as Latin-1,
and as PDF text layers with words split at line ends and spaces lost. A wrong guess here turns
every later field wrong, so each repair is tried as a whole-text candidate and kept only when it
clearly lowers the count of characters that cannot occur in Vietnamese text.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from functools import lru_cache

from connector.textfold import nfc

# --- what Vietnamese text may contain -------------------------------------------------------------

_VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI_LETTERS += _VI_LETTERS.upper()
_OK_EXTRA = "\u00a0“”‘’–—…•°№«»×÷±"
_BAD_RE = re.compile("[^\x00-\x7f" + re.escape(_VI_LETTERS + _OK_EXTRA) + "]")


_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"(?:a|ă|â|e|ê|i|o|ô|ơ|u|ư|y|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iêu|iu|oa|oă|oai|oao|oay|oe|oeo|oi|ôi|ơi|oo|ua|uâ"
    r"|uây|uê|ui|uô|uôi|uơ|uy|uya|uyê|uyu|ưa|ưi|ươ|ươi|ươu|ưu|yê|yêu)"
    r"(?:ch|ng|nh|[cmnpt])?$"
)
_WORD_RE = re.compile(r"[^\W\d_]+")


def syllable_errors(text: str) -> int:
    """Words with Vietnamese letters that are no Vietnamese syllable ("khaộc"): a wrong legacy table."""
    count = 0
    for word in _WORD_RE.findall(text.lower()):
        if word.isascii() or len(word) > 7:
            continue
        if not _is_syllable_lower(word):
            count += 1
    return count


@lru_cache(maxsize=16384)
def _is_syllable_lower(word: str) -> bool:
    from connector.textfold import fold

    return _SYLLABLE_RE.match(fold(word)) is not None


def is_syllable(word: str) -> bool:
    """True when `word` (tones and case ignored) has the shape of one Vietnamese syllable."""
    return bool(word) and _is_syllable_lower(word.lower())


def bad_chars(text: str) -> int:
    """How many characters of `text` cannot belong to Vietnamese prose (the repair score)."""
    return len(_BAD_RE.findall(text))


# --- TCVN3 (ABC, .VnTime): one byte per letter, read as Latin-1 ----------------------------------

_TCVN3_SRC = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\u00adõøö÷ùúýûüþ¡¢§£¤¥¦"
_TCVN3_DST = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
_TCVN3_TABLE = str.maketrans(_TCVN3_SRC, _TCVN3_DST)


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 text (bytes shown as Latin-1/cp1252) to Unicode."""
    return text.translate(_TCVN3_TABLE)


# --- VNI (VNI-Windows): base letter followed by a mark byte --------------------------------------

_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT = {
    "â": ("\u0302", ""),
    "á": ("\u0302", "\u0301"),
    "à": ("\u0302", "\u0300"),
    "å": ("\u0302", "\u0309"),
    "ã": ("\u0302", "\u0303"),
    "ä": ("\u0302", "\u0323"),
}
_VNI_BREVE = {
    "ê": ("\u0306", ""),
    "é": ("\u0306", "\u0301"),
    "è": ("\u0306", "\u0300"),
    "ú": ("\u0306", "\u0309"),
    "ü": ("\u0306", "\u0303"),
    "ë": ("\u0306", "\u0323"),
}
_VNI_SINGLE = {
    "ô": "ơ",
    "ö": "ư",
    "ñ": "đ",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
    "Ô": "Ơ",
    "Ö": "Ư",
    "Ñ": "Đ",
    "Æ": "Ỉ",
    "Ó": "Ĩ",
    "Ò": "Ị",
    "Î": "Ỵ",
}


def _vni_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for marks_lower, case in ((True, str.lower), (False, str.upper)):
        del marks_lower
        for base in "aeiouyAEIOUY" + "ôöÔÖ":
            for mark, tone in _VNI_TONES.items():
                letter = _VNI_SINGLE.get(base, base)
                pairs[base + case(mark)] = unicodedata.normalize("NFC", letter + tone)
        for base in "aeoAEO":
            for mark, (shape, tone) in _VNI_HAT.items():
                pairs[base + case(mark)] = unicodedata.normalize("NFC", base + shape + tone)
        for base in "aA":
            for mark, (shape, tone) in _VNI_BREVE.items():
                pairs[base + case(mark)] = unicodedata.normalize("NFC", base + shape + tone)
    return pairs


_VNI_MAP = {**_VNI_SINGLE, **_vni_pairs()}
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI_MAP), key=len, reverse=True)))


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows text (bytes shown as Latin-1/cp1252) to Unicode, in one pass."""
    return _VNI_RE.sub(lambda m: _VNI_MAP[m.group(0)], text)


# --- UTF-8 read as cp1252 --------------------------------------------------------------------------

_CP1252_BACK = {chr(b): b for b in range(256)}
for _b in range(0x80, 0xA0):
    with contextlib.suppress(UnicodeDecodeError):
        _CP1252_BACK[bytes([_b]).decode("cp1252")] = _b
_MOJIBAKE_HINT = re.compile(
    "[ÃÄÆá][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


def undo_cp1252_mojibake(text: str) -> str:
    """Re-encode text that was UTF-8 decoded as cp1252 (or Latin-1) and decode it properly."""
    out = bytearray()
    for ch in text:
        code = _CP1252_BACK.get(ch)
        if code is None:
            out += ch.encode("utf-8")
        else:
            out.append(code)
    return out.decode("utf-8", errors="replace")


# --- PDF text-layer repairs ------------------------------------------------------------------------

# Each pattern starts with a literal or a class and checks what is before it afterwards (a leading
# look-behind is tried at every position of the text, which made these the slowest step).
# "Phát tri-\nển": a syllable cut by the PDF's line break (a real hyphen sits between spaces).
_SOFT_BREAK_RE = re.compile(r"[-\u00ad](?<=\w[-\u00ad])\n(?=\w)")
_LOWER = "a-z" + _VI_LETTERS[: len(_VI_LETTERS) // 2]
_UPPER = "A-Z" + _VI_LETTERS[len(_VI_LETTERS) // 2 :]
_LOST_SPACE_RE = re.compile(f"([{_UPPER}])(?<=[{_LOWER}{_UPPER}][{_LOWER}][{_UPPER}])(?=[{_LOWER}])")
_COLUMNS_RE = re.compile(r"[ \t\u00a0]{3,}")
_MOTTO_RE = re.compile(r"(\S) +(?=CỘNG H(?:ÒA|OÀ) XÃ HỘI|Độc lập\s*-)|(VIỆT NAM|Hạnh phúc) +(?=\S)")
# "ngày15 tháng", "trước ngày31/5": a digit glued after a word; the word is checked in the function.
_WORD_DIGIT_RE = re.compile(r"\d(?<=[^\W\d_]\d)")
_GLUE_WORDS = {"ngày", "tháng", "năm", "số", "trước", "hạn"}
_TAIL_WORD_RE = re.compile(r"[^\W\d_]+$")
_DIGIT_WORD_RE = re.compile(r"(\d)(?=(?:tháng|năm)\b)")
_GLUED_VERB_RE = re.compile(r"\b([Gg]iao|[Yy]êu cầu|[Đđ]ề nghị)(?=(?:cho|các|Sở|UBND)\b)")
"""'Giaocho Sở X', 'giaocác sở': an assignment verb glued to the next word by a converter."""
_SPACES_RE = re.compile(
    r"[\t\u00a0\u2000-\u200b\u3000][ \t\u00a0\u2000-\u200b\u3000]*| [ \t\u00a0\u2000-\u200b\u3000]+"
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")


def repair(text: str) -> tuple[str, list[str]]:
    """Return the repaired text and Vietnamese warnings naming each repair that was applied.

    Order matters: encodings first (they change letters), then NFC (TCVN3 and PDFs mix
    composed and decomposed forms), then the PDF layout repairs that need real letters.
    """
    warnings: list[str] = []
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    score = bad_chars(text)
    if score >= 3:
        candidates = []
        if _MOJIBAKE_HINT.search(text):
            candidates.append(("UTF-8 bị đọc nhầm thành cp1252", undo_cp1252_mojibake(text)))
        candidates.append(("bảng mã TCVN3 (.VnTime)", tcvn3_to_unicode(text)))
        candidates.append(("bảng mã VNI", vni_to_unicode(text)))
        best_label, best_text = min(candidates, key=lambda c: _score(c[1]))
        best_score = bad_chars(best_text) + best_text.count("\ufffd")
        if best_score * 4 < score:
            text = best_text
            warnings.append(f"Đã chuyển văn bản từ {best_label} sang Unicode")
            if best_label.startswith("bảng mã TCVN3"):
                text = _restore_capitals(text)
    text = nfc(unicodedata.normalize("NFC", text))
    text = _COLUMNS_RE.sub("\n", text)  # two header columns side by side
    cut = text.find("\n", 1500) if len(text) > 1500 else -1  # the motto is in the header
    text = (
        _MOTTO_RE.sub(_motto_break, text) if cut < 0 else _MOTTO_RE.sub(_motto_break, text[:cut]) + text[cut:]
    )
    text = _SOFT_BREAK_RE.sub("", text)
    text = _LOST_SPACE_RE.sub(r" \1", text)
    text = _WORD_DIGIT_RE.sub(_space_digit_glue, text)
    text = _DIGIT_WORD_RE.sub(r"\1 ", text)
    text = _GLUED_VERB_RE.sub(r"\1 ", text)
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return text, warnings


_HEADING_WORDS = re.compile(
    r"^(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd|chủ tịch|cộng"
    r" hoà|cộng hòa|quyết định|chỉ thị|thông báo|kế hoạch"
    r"|công điện|văn phòng|sở |tỉnh |giám đốc|tm\.|kt\.|tl\.)"
)


def _restore_capitals(text: str) -> str:
    """TCVN3 capitals came from a separate font (.VnTimeH) with the lower-case codes: headings
    convert in lower case. Header lines and heading words without any capital are raised again."""
    lines = text.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        heading = seen <= 12 or (_HEADING_WORDS.match(stripped) is not None and len(stripped) < 80)
        if heading and not any(c.isupper() for c in stripped):
            lines[i] = line.upper()
    return "\n".join(lines)


def _score(text: str) -> int:
    return bad_chars(text) + text.count("\ufffd") + syllable_errors(text)


def repaired_score(text: str) -> int:
    """How un-Vietnamese `text` still looks after `repair` (lower is better).

    Lets a reader of undeclared bytes choose between decodings: TCVN3 and VNI bytes decode
    "successfully" under many 8-bit charsets, and only the repaired result tells which was right.
    """
    return _score(repair(text)[0])


def _motto_break(m: re.Match[str]) -> str:
    return (m.group(1) or m.group(2)) + "\n"


def _space_digit_glue(m: re.Match[str]) -> str:
    word = _TAIL_WORD_RE.search(m.string, max(0, m.start() - 8), m.start())
    glued = (
        word is not None
        and word.group(0).lower() in _GLUE_WORDS
        and (word.start() == 0 or not m.string[word.start() - 1].isalnum())
    )
    return " " + m.group(0) if glued else m.group(0)
