"""Bytes and extraction artefacts to clean text: the repairs that need the Vietnamese syllable rules.

Two jobs sit here rather than in the adapters that read files, because both are decided by how
Vietnamese the result looks (`connector.normalise.hygiene`), a rule adapters must not import:

- `decode_text`: undeclared bytes of a .txt or an e-mail part. Legacy Vietnamese (TCVN3, VNI) is
  bytes in an 8-bit font encoding that decodes "successfully" under many charsets; only the
  repaired result tells which reading was right.
- `rejoin_font_runs`: the spaces a PDF text layer gains at each switch of subset font.

Both are pure functions (no I/O), like the rest of the normaliser.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from connector.normalise.hygiene import is_syllable, repaired_score


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: a BOM or declared charset first, then UTF-8, then detection, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Read legacy bytes byte for byte and let the repair decide; a detector's guess competes on the
    # same score.
    candidates = [data.decode("latin-1"), data.decode("cp1252", errors="replace")]
    best = from_bytes(data).best()
    if best is not None and best.encoding != "ascii":
        candidates.append(str(best))
    return min(candidates, key=repaired_score)


_ARTEFACT_RE = re.compile(r"[^\x00-\x7f] {2}\S")
_PUNCT = ".,;:()!?\"'“”"


def rejoin_font_runs(text: str) -> str:
    """Undo the spaces a PDF text layer puts at each switch to and from a second font ("Ch ủ  t ị ch" →
    "Chủ tịch").

    Some PDF writers (Chromium's among them) draw ơ, ư and toned vowels from a second subset font;
    the extractor adds a space at every font switch unless one is there already. So a double space
    is a real word break, and a single space touching a non-ASCII letter is removed when the two
    pieces make one Vietnamese syllable ("tri ển" → "triển", but "tịch Ủy" stays). Text without the
    tell-tale double spaces is returned unchanged.
    """
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
