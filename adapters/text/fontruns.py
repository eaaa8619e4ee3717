"""Undo the spaces pypdf puts at each switch of font inside a word ("Ch ủ  t ị ch" → "Chủ tịch").

Moved here from connector/extract.py (`rejoin_font_runs`), unchanged in behaviour: still needed
with pypdf 6 (bench/text.py: on the Chromium PDFs, where ơ, ư and toned vowels come from a second
font, pypdf alone keeps 39 % of the Vietnamese words intact, with this repair 100 %).

Some PDF writers (Chromium's among them) draw ơ, ư and toned vowels from a second subset font;
pypdf adds a space at every font switch unless one is there already. So a double space is a real
word break, and a single space touching a non-ASCII letter is removed when the two pieces make
one Vietnamese syllable ("tri ển" → "triển", but "tịch Ủy" stays). Text without the tell-tale
double spaces is returned unchanged.
"""

from __future__ import annotations

import re

from adapters.text.vietnamese import is_syllable

_ARTEFACT_RE = re.compile(r"[^\x00-\x7f] {2}\S")
_PUNCT = ".,;:()!?\"'“”"


_CONSONANTS = "bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX"
_ONSET_SPLIT_RE = re.compile(rf"(?:(?<=\s)|^)([{_CONSONANTS}]{{1,3}}) (?=([^\x00-\x7f]\w*))")


def rejoin_onsets(text: str) -> str:
    """Join a lone consonant onset to the rhyme placed after a gap: "h ằng" → "hằng", "tr ước" → "trước".

    Poppler orders glyphs by position, and where a justified line puts a fallback-font vowel a little
    apart, it reads a space. A run of consonants alone is never a Vietnamese word, so the join
    is safe when the two pieces make one syllable; "tri ển" (two syllables' shapes) is left.
    """
    return _ONSET_SPLIT_RE.sub(_onset, text)


def _onset(m: re.Match[str]) -> str:
    return m.group(1) if is_syllable(m.group(1) + m.group(2)) else m.group(0)


def rejoin_font_runs(text: str) -> str:
    """Remove the font-switch spaces of a pypdf text layer (see the module docstring)."""
    if len(_ARTEFACT_RE.findall(text)) < 3:
        return text
    out_lines = []
    for line in text.split("\n"):
        words: list[str] = []
        for segment in line.split("  "):
            cur = ""
            for piece in segment.split(" "):
                touches = cur and piece and (ord(cur[-1]) > 0xFF or ord(piece[0]) > 0xFF)
                word = (cur + piece).strip(_PUNCT)
                if (
                    touches
                    and not (cur[-1].islower() and piece[0].isupper())
                    and (is_syllable(word) or (word[-1:] in "kK" and is_syllable(word[:-1])))  # "Đắk"
                ):
                    cur += piece
                    continue
                if cur:
                    words.append(cur)
                cur = piece
            words.append(cur)
        out_lines.append(" ".join(w for w in words if w))
    return "\n".join(out_lines)
