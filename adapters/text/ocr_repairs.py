"""Conservative repairs of Tesseract's usual mistakes on Vietnamese administrative text.

Found by OCR of the generated scans (fixtures/documents/text/scans.py) compared with the source
text; bench/text.py prints the CER before and after (32 pages: 2.29 % → 1.52 %). Each repair
needs a context that only the mistake has, so correct text passes unchanged
(tests/adapters/text/test_ocr_repairs.py feeds every clean file of the normaliser corpus through
and expects no change):

- copier specks read as punctuation: tokens made only of `_ . : ' | „ ~` and the like, the same
  glued to the start of a word ("_TỈNH", ".NAM"), a dot between two Vietnamese words ("bảo.vệ");
  a stray "|" from a table border is one of these; a dot before a lower-case word ("thiệt hại
  do. mưa lớn") or inside a line of capitals ("SỞ. NÔNG NGHIỆP"), a mark ending an issuer line
  ("PHÁT TRIỂN NÔNG THÔN:");
- the number line: "Sô:", "Sồ:", "S6:" → "Số:", the space after it, "2044UBND" / "2044|UBND" →
  "2044/UBND", "UBNDNNTN" → "UBND-NNTN", "SNN:VP_" → "SNN-VP", "QD-UBND" → "QĐ-UBND",
  "ƯBND" / "UBNĐ" → "UBND";
- the place-and-date line: "ngàv 19 thảng 6 nãm 2024" → "ngày 19 tháng 6 năm 2024" (only when all
  three parts are there), "ngày 1 7/6/2022" → "ngày 17/6/2022", "Kon Tum; ngày …" → "Kon Tum, ngày …";
- the national motto spelled back to "Độc lập - Tự do - Hạnh phúc";
- bullets: "-Ủy ban", "- - Sở", "-= Lưu" → "- Ủy ban", "- Sở", "- Lưu"; a speck read as a
  bullet before a line that is never a list item (place and date, "Kính gửi", "PHÓ CHỦ TỊCH")
  dropped, as is a speck after the year that ends the place-and-date line;
- a code cut at the line end ("210/BC-" + "SNN") joined, and a syllable hyphenated at the line end
  ("tri-" + "ển") joined when the two make one syllable;
- "TÍNH KON TUM" at the head of the issuer block → "TỈNH", "Chỉ cục" → "Chi cục".
"""

from __future__ import annotations

import re

from adapters.text.vietnamese import VI_LETTERS, is_syllable

_VI = VI_LETTERS
_JUNK = "_.:;,'\"`ˆ¬\\|~„‚…°^=*"
_JUNK_TOKEN_RE = re.compile(
    rf"(?:(?<=\s)|^)(?:[{re.escape(_JUNK)}]+[-–—]*|[-–—]{{2,}}|[-–—][{re.escape(_JUNK)}]+)(?=\s|$)", re.M
)
_LEADING_JUNK_RE = re.compile(r"(?:(?<=\s)|^)[_.`ˆ¬|„]+(?=\w)", re.M)
_LOWER = "a-z" + _VI[: len(_VI) // 2]
_DOT_BETWEEN_RE = re.compile(rf"(?<![\w.])([{_LOWER}A-ZĐ]*[{_LOWER}])\.([{_LOWER}]+|\d+(?=/))")
_DOUBLE_DOT_RE = re.compile(r"(?<=\w)\.\.(?![.])")
_TRAILING_DASH_RE = re.compile(r"(?<=\S) [-–—]$", re.M)
# "thiệt hại do.\nmưa lớn": no sentence ends before a lower-case word; abbreviations ("v.v.") excepted.
_STRAY_STOP_RE = re.compile(rf"(?<![\w.])([{_LOWER}]{{2,}})\.(?=[ \n]\(?[{_LOWER}])")
_ABBREVIATIONS = frozenset({"tr", "ths", "ts", "gs", "pgs", "bs", "ks", "cn", "đc"})
# "SỞ. NÔNG NGHIỆP": inside an all-capitals line a dot after a word is a speck, but "KT." / "TM." are not.
_CAPS_STOP_RE = re.compile(
    r"(?<![\w.])([A-ZĐ" + _VI[len(_VI) // 2 :] + r"]{2,})\.(?= [A-ZĐ" + _VI[len(_VI) // 2 :] + r"])"
)
_CAPS_ABBREVIATIONS = frozenset({"KT", "TM", "TL", "TUQ", "TP", "TX", "TT", "PGS", "TS", "THS", "GS"})
_ROMAN_RE = re.compile(r"^[IVXLC]+$")
# "PHÁT TRIỂN NÔNG THÔN:" at the head of the page: an issuer line never ends in punctuation.
_HEAD_LINES = 12
_HEADINGS_WITH_COLON = (
    "QUYẾT ĐỊNH",
    "QUYẾT NGHỊ",
    "CHỈ THỊ",
    "KÍNH GỬI",
    "NƠI NHẬN",
    "THÔNG BÁO",
    "KẾT LUẬN",
)

_NUMBER_LINE_RE = re.compile(
    r"^(?:[-_.'`\s]*)S[ốôồổóòỗõoỏ6ơởỐÔỒỔÓÒỖÕOỎƠỞ]\s*[:;.,]\s*['`\"._|]*\s*(?=\d)", re.M
)
_MISSING_SLASH_RE = re.compile(r"(?<=^Số: )(\d+)\s*(?:[|lI\\]|//)?\s*(?=[A-ZĐ]{2})", re.M)
_UBND_RE = re.compile(r"\b[UƯ]B[NM][DĐ]\b")
_UBND_GLUED_RE = re.compile(r"(?<=/)((?:[A-ZĐ]{1,4}-)*)(UBND)([A-ZĐ]{2,})\b|(?<=/)([A-ZĐ]{2,4})(UBND)\b")
# "Số: 2210/SNN:VP_", "3310/UBND:KT": a hyphen read as ':' or ';' inside the notation, a speck after it.
_NOTATION_RE = re.compile(r"^(Số: \d+/\S+?)[_.:;,'`~]*$", re.M)
_NOTATION_HYPHEN_RE = re.compile(r"(?<=[A-ZĐ])[.:;~](?=[A-ZĐ])")
_PLACE_DATE_RE = re.compile(r"^([^\n,;:.]{2,40}?)\s*[;:.]\s*(?=ngày \d{1,2} tháng \d{1,2} năm \d{4})", re.M)
# The place-and-date line, "Kính gửi" and the signer's title are never list items, and the
# place-and-date line ends with its year.
_NOT_A_BULLET_RE = re.compile(
    r"^[-–] (?=Kính gửi|(?:KT\. |TM\. |TL\. |Q\. )?(?:PHÓ )?"
    r"(?:CHỦ TỊCH|GIÁM ĐỐC|CHÁNH VĂN PHÒNG|TRƯỞNG BAN)$)",
    re.M,
)
_CAPITAL = "A-ZĐ" + _VI[len(_VI) // 2 :]
# "Kon Tum, ngày …", "TP. Hồ Chí Minh, ngày …": every word of the place capitalised
_HEAD_PLACE_DATE_RE = re.compile(
    rf"^(?:[-–] )?((?:[{_CAPITAL}][^\s,]*\s?){{1,5}}, ngày \d{{1,2}} tháng \d{{1,2}} năm \d{{4}})[-.:;,_]*$"
)
_QD_RE = re.compile(r"(?<=/)QD(?=-)|(?<=\d/)0Đ(?=-)")

_GAP = r"[ \t]*[-_.,:;]?[ \t]*"  # what a speck leaves between the parts of a date
_DATE_RE = re.compile(
    rf"\bng[àáảãạaằắẵẳặâ]?[yvỵýỳỷỹ][ \t]*(\d{{1,2}}){_GAP}th[áàảãạaắ]ng{_GAP}(\d{{1,2}})"
    rf"{_GAP}n[ăaâàáãạằắ]m[ \t]*(\d{{4}})\b"
)
_SPLIT_DAY_RE = re.compile(r"(?<=ngày )(\d) (\d/\d{1,2}/\d{4})\b")
_MOTTO_RE = re.compile(
    r"Đ[ộôọoồố]c\s*l[ậâaấầ]p\s*[-–—_.]*\s*T[ựưuừứ]\s*d[oơô]\s*[-–—_.]*\s*H[ạaảà]nh\s*ph[úuùủ]c"
)
_BULLET_RE = re.compile(r"^[-–](?:\s*[-=._–]+)*\s*(?=[A-ZĐ" + _VI + r"a-z])", re.M)
_CODE_BREAK_RE = re.compile(r"(?<=[A-ZĐ0-9])-\n(?=[A-ZĐ]{2,})")
_SYLLABLE_BREAK_RE = re.compile(rf"([{_VI}a-zA-Z]+)-\n([{_LOWER}]+)")
_TINH_RE = re.compile(r"^((?:UBND )?)TÍNH(?= [A-ZĐ])", re.M)
_CHI_CUC_RE = re.compile(r"\bChỉ (?=cục\b|nhánh\b)")
_DOUBLE_SPACE_RE = re.compile(r"(?<! ) {2}(?! )")  # left by a removed token; 3+ spaces are columns


def _date(m: re.Match[str]) -> str:
    day, month = int(m.group(1)), int(m.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    return f"ngày {m.group(1)} tháng {m.group(2)} năm {m.group(3)}"


def _split_day(m: re.Match[str]) -> str:
    day = int(m.group(1) + m.group(2).split("/")[0])
    return f"{m.group(1)}{m.group(2)}" if 1 <= day <= 31 else m.group(0)


def _glued_ubnd(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}{m.group(2)}-{m.group(3)}"
    return f"{m.group(4)}-{m.group(5)}"


def _syllable_break(m: re.Match[str]) -> str:
    """Vietnamese never hyphenates inside a syllable: "tri-" + "ển" is one word cut by the line end."""
    joined = m.group(1) + m.group(2)
    return joined if is_syllable(joined) else m.group(0)


def _stray_stop(m: re.Match[str]) -> str:
    return m.group(0) if m.group(1) in _ABBREVIATIONS else m.group(1)


def _caps_stop(m: re.Match[str]) -> str:
    line_start = m.string.rfind("\n", 0, m.start()) + 1
    line_end = m.string.find("\n", m.end())
    line = m.string[line_start : line_end if line_end >= 0 else len(m.string)]
    letters = [c for c in line if c.isalpha()]
    word = m.group(1)
    if word in _CAPS_ABBREVIATIONS or _ROMAN_RE.match(word) or not all(c.isupper() for c in letters):
        return m.group(0)
    return word


def _head_line_ends(text: str) -> str:
    """In the header lines: no issuer line ends in a mark, the place-and-date line is no bullet."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:_HEAD_LINES]):
        place_date = _HEAD_PLACE_DATE_RE.match(line)
        if place_date:
            lines[i] = place_date.group(1)
            continue
        bare = line.rstrip(":;,.")
        letters = [c for c in bare if c.isalpha()]
        if (
            bare != line
            and " " in bare
            and letters
            and all(c.isupper() for c in letters)
            and not bare.startswith(_HEADINGS_WITH_COLON)
        ):
            lines[i] = bare
    return "\n".join(lines)


def _dot_between(m: re.Match[str]) -> str:
    """ "bảo.vệ", "ngày.25/9": a speck between two words; "gov.vn" and "1.5" have no Vietnamese letter."""
    return f"{m.group(1)} {m.group(2)}" if not (m.group(1) + m.group(2)).isascii() else m.group(0)


def _bullet(m: re.Match[str]) -> str:
    """ "-Ủy", "- - Sở", "-= Lưu" → "- …"; a clean "- " or "– " bullet is left as it is."""
    found = m.group(0)
    return found if found in ("- ", "– ") else "- "


def repair_ocr(text: str) -> str:
    """Apply every repair above; text without those mistakes comes back unchanged."""
    text = _BULLET_RE.sub(_bullet, text)  # before the specks: "-=" at a line start is a bullet
    text = _JUNK_TOKEN_RE.sub("", text)
    text = _LEADING_JUNK_RE.sub("", text)
    text = _DOUBLE_DOT_RE.sub(".", text)
    text = _DOT_BETWEEN_RE.sub(_dot_between, text)
    text = _TRAILING_DASH_RE.sub("", text)
    text = _STRAY_STOP_RE.sub(_stray_stop, text)
    text = _CAPS_STOP_RE.sub(_caps_stop, text)
    text = _NUMBER_LINE_RE.sub("Số: ", text)
    text = _MISSING_SLASH_RE.sub(r"\1/", text)
    text = _UBND_RE.sub("UBND", text)
    text = _UBND_GLUED_RE.sub(_glued_ubnd, text)
    text = _NOTATION_RE.sub(lambda m: _NOTATION_HYPHEN_RE.sub("-", m.group(1)), text)
    text = _QD_RE.sub("QĐ", text)
    text = _DATE_RE.sub(_date, text)
    text = _SPLIT_DAY_RE.sub(_split_day, text)
    text = _PLACE_DATE_RE.sub(r"\1, ", text)
    text = _MOTTO_RE.sub("Độc lập - Tự do - Hạnh phúc", text)
    text = _NOT_A_BULLET_RE.sub("", text)
    text = _head_line_ends(text)
    text = _CODE_BREAK_RE.sub("-", text)
    text = _SYLLABLE_BREAK_RE.sub(_syllable_break, text)
    text = _TINH_RE.sub(r"\1TỈNH", text)
    text = _CHI_CUC_RE.sub("Chi ", text)
    text = _DOUBLE_SPACE_RE.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))
