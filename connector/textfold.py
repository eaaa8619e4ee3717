"""Folding of Vietnamese text for *matching only*; what a person reads is never folded.

Old and new tone placement ("hoà"/"hòa", "Uỷ"/"Ủy", "thuỷ"/"thủy"), upper/lower case, the
look-alike "Ð" (U+00D0) for "Đ", and runs of spaces all compare equal after `fold`. Tone marks
are dropped while vowel shapes (â, ê, ô, ơ, ư, ă) and đ are kept, so words that differ by more
than their tone still differ.
"""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SPACE_RE = re.compile(r"\s+")


def nfc(text: str) -> str:
    """NFC with the Icelandic Eth (a frequent OCR/font confusion) mapped to Vietnamese Đ."""
    return unicodedata.normalize("NFC", text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111"))


def fold(text: str) -> str:
    """Lower-case, tone-free, single-spaced form of `text`, for comparing names and phrases."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower())
    kept = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", kept)).strip()
