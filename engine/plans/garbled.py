"""Whether a page's text layer can be believed.

A PDF whose fonts lack a correct ToUnicode map gives glyph numbers instead of letters:
"6Ӣ CÔNG 7+ѬѪ1*" for "SỞ CÔNG THƯƠNG" (Cyrillic and Armenian letters, control
characters, "‡" for "à"). A scanner's own OCR layer, made without Vietnamese, gives
"CQNG HOA XA HQI" for "CỘNG HÒA XÃ HỘI": no tone marks, digits inside words. Either
way the page must be read from its image instead. The tests are shares over the page,
so one odd symbol or a foreign name does not condemn a page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MIN_CHARS = 40  # fewer letters than this: too little to judge
_MAX_ODD = 0.04  # share of implausible characters above which a page is garbled
_MIN_TONED = 0.08  # share of words with Vietnamese letters below which it is suspect
_MAX_MIXED = 0.05  # share of words mixing letters and digits ("c6ng") that confirms it
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Verdict:
    garbled: bool
    reason: str = ""


def judge(text: str) -> Verdict:
    """Whether ``text`` (one page's text layer) is garbage rather than Vietnamese."""
    chars = [ch for ch in text if not ch.isspace()]
    if sum(ch.isalpha() for ch in chars) < _MIN_CHARS:
        return Verdict(False)
    odd = sum(_implausible(ch) for ch in chars) / len(chars)
    if odd > _MAX_ODD:
        return Verdict(True, f"{odd:.0%} of its characters cannot be Vietnamese text")
    words = [w for w in _WORD.findall(text) if sum(ch.isalpha() for ch in w) >= 2]
    if len(words) < 20:
        return Verdict(False)
    toned = sum(_vietnamese(w) for w in words) / len(words)
    mixed = sum(_mixed(w) for w in words) / len(words)
    if toned < _MIN_TONED and mixed > _MAX_MIXED:
        return Verdict(True, "its words have no Vietnamese tone marks and digits inside them")
    return Verdict(False)


def _implausible(ch: str) -> bool:
    """A character that does not occur in Vietnamese documents: letters of other
    scripts, control characters, private-use glyph codes, replacement characters."""
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0 or ch == "\ufffd" or 0xE000 <= code <= 0xF8FF:
        return True
    if not ch.isalpha():
        return ch in "‡˙·¸˝˛ˇ" or unicodedata.category(ch) == "Co"
    name = unicodedata.name(ch, "")
    return not name.startswith(("LATIN", "CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def _vietnamese(word: str) -> bool:
    return any(ord(ch) > 0x7F and ch.isalpha() for ch in word)


def _mixed(word: str) -> bool:
    """Letters with a digit between or after them, as OCR without the language makes
    ("c6ng", "H4nh"); not codes such as "QH15" or "146/2025" (upper case and digits)."""
    return bool(re.search(r"[a-zà-ỹ]\d|\d[a-zà-ỹ]", word)) and not word.isupper()
