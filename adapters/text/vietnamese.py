"""What a Vietnamese syllable looks like, for the repairs that must not invent words.

Both the PDF font-run repair and the OCR repairs join two pieces only when the result is one
syllable (onset + rhyme + coda, tones ignored). A copy of the rule in connector.normalise.hygiene:
adapters may import only connector.domain, connector.ports and connector.errors
(tests/test_architecture.py), and test_vietnamese.py checks that both copies agree on the corpus.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"(?:a|ă|â|e|ê|i|o|ô|ơ|u|ư|y|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iêu|iu|oa|oă|oai|oao|oay|oe|oeo|oi|ôi|ơi|oo|ua|uâ"
    r"|uây|uê|ui|uô|uôi|uơ|uy|uya|uyê|uyu|ưa|ưi|ươ|ươi|ươu|ưu|yê|yêu)"
    r"(?:ch|ng|nh|[cmnpt])?$"
)
VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
VI_LETTERS += VI_LETTERS.upper()


def nfc(text: str) -> str:
    """NFC, with the Icelandic Eth (a frequent font and OCR look-alike) made Vietnamese Đ."""
    return unicodedata.normalize("NFC", text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111"))


@lru_cache(maxsize=16384)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", nfc(word).lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def is_syllable(word: str) -> bool:
    """True when `word` (tones and case ignored) has the shape of one Vietnamese syllable."""
    return bool(word) and SYLLABLE_RE.match(_fold(word)) is not None


def unvietnamese_share(text: str) -> float:
    """Share of the words carrying a Vietnamese letter that are no syllable ("TUMỈ", "VÀỞ").

    Near 0 for any real Vietnamese text; high when a PDF's glyphs come out of order.
    """
    words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
    if not words:
        return 0.0
    return sum(1 for w in words if len(w) <= 7 and not is_syllable(w)) / len(words)
