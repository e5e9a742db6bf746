"""Small text helpers shared by the readers and the extractors.

Plan documents arrive with Word's leftovers (non-breaking spaces, markdown emphasis, HTML
lists inside table cells, entities). ``clean_inline`` and ``clean_cell`` turn such text
into plain Vietnamese; ``fold`` gives the comparison form used for matching (no case, no
diacritics, no punctuation), so "Sở Công thương" and "SỞ CÔNG THƯƠNG" compare equal.
"""

from __future__ import annotations

import html
import re
import unicodedata

_SPACES = re.compile(r"[ \t\f\v\u00a0\u2007\u202f\u200b\ufeff]+")
_TAG = re.compile(r"<[^<>]{0,400}>")
_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(li|p|ul|ol|div)>|<br\s*/?>|<p\b[^>]*>", re.IGNORECASE)
_EMPHASIS = re.compile(r"(?<!\\)\*{1,3}")
_ESCAPE = re.compile(r"\\([*_#\[\]()\\-])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_DASH_ITEM = re.compile(r"-\s+(\w)")
_ROMAN = re.compile(r"^(?=[IVXLC])M{0,3}(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")


def squash(text: str) -> str:
    """Collapse runs of spaces (including non-breaking ones) and trim."""
    return _SPACES.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """Remove HTML tags, markdown emphasis and heading marks; unescape entities.

    List items and paragraphs become separate lines so that a cell holding
    ``<ul><li>- a</li><li>- b</li></ul>`` reads as two lines.
    """
    text = _LIST_ITEM.sub("\n", text)
    text = _BLOCK_END.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _HEADING.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def clean_inline(text: str) -> str:
    """One line of plain text: markup removed, spaces squashed."""
    return squash(strip_markup(text).replace("\n", " "))


def clean_cell(text: str) -> str:
    """A table cell as plain text, keeping one line per list item or paragraph.

    A list run into one line (``<ul> - a - b</ul>``, or ``- a - b`` as plain text) is
    split at its dashes.
    """
    plain = strip_markup(text)
    html_list = "<ul" in text.lower() and "<li" not in text.lower()
    run_on = plain.lstrip().startswith(("- ", "-\u00a0")) and "\n" not in plain.strip()
    if html_list or run_on:
        plain = split_dash_items(plain)
    lines = [squash(line) for line in plain.split("\n")]
    return "\n".join(line for line in lines if line)


def _starts_item(text: str, index: int) -> bool:
    match = _DASH_ITEM.match(text, index)
    if match is None:
        return False
    return match.group(1).isupper() or match.group(1).isdigit()


def split_dash_items(text: str) -> str:
    """Put each "- item" of a run-on list on its own line.

    A dash starts an item when it is followed by a space and an upper-case letter or a
    digit, and is not inside parentheses ("(PSS - Product service systems)" stays).
    """
    out: list[str] = []
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "-" and depth == 0 and _starts_item(text, i):
            out.append("\n")
        out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Comparison form: lower case, no diacritics (đ → d), punctuation as spaces."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = re.sub(r"&", " va ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return text.strip()


def is_roman(token: str) -> bool:
    return bool(_ROMAN.match(token.strip().rstrip(".")))


def roman_value(token: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    chars = token.strip().rstrip(".")
    for i, ch in enumerate(chars):
        v = values[ch]
        total += -v if i + 1 < len(chars) and values[chars[i + 1]] > v else v
    return total


def is_upper_text(text: str) -> bool:
    """True when every cased letter is upper case (a heading typed in capitals)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(not ch.islower() for ch in letters)


# Vietnam's provinces and centrally-run cities (the 63 before the 2025 merger, whose
# names include the 34 after it): a title or name typed in capitals keeps their case
# where "tỉnh" or "thành phố" names them ("TRÊN ĐỊA BÀN TỈNH LÀO CAI").
PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu",
    "Bắc Ninh", "Bến Tre", "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau",
    "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai",
    "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hồ Chí Minh", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Thừa Thiên - Huế", "Huế",
    "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
# Both ways of placing the tone mark on "oa"/"oe"/"uy" ("Hòa" and "Hoà").
_TONE_VARIANTS = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "ụy": "uỵ"}


def _place_pattern(name: str) -> str:
    pattern = re.escape(name.lower())
    for new, old in _TONE_VARIANTS.items():
        pattern = pattern.replace(new, f"(?:{new}|{old})")
    return pattern


_PLACE_AFTER = re.compile(
    r"(?P<kind>\b(?:tỉnh|thành phố|tp\.?)\s+)(?P<place>"
    + "|".join(_place_pattern(n) for n in sorted(PROVINCES, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
_PLACE_CASE = {name.lower(): name for name in PROVINCES}


def case_places(text: str) -> str:
    """``text`` with each province or city named after "tỉnh"/"thành phố" in its own case
    ("trên địa bàn tỉnh lào cai" → "trên địa bàn tỉnh Lào Cai")."""

    def cased(match: re.Match[str]) -> str:
        printed = match.group("place")
        low = printed.lower()
        for new, old in _TONE_VARIANTS.items():
            low = low.replace(old, new)
        name = _PLACE_CASE.get(low)
        if name is None:
            return match.group(0)
        if printed != printed.lower() and printed != printed.upper():
            return match.group(0)  # already cased as printed
        return match.group("kind") + name

    return _PLACE_AFTER.sub(cased, text)


def sentence_case(text: str, keep: tuple[str, ...] = ()) -> str:
    """Turn a heading typed in capitals into sentence case.

    Tokens that carry digits or a slash (document numbers such as ``889/QĐ-TTG``) stay as
    printed, and each phrase in ``keep`` (proper names such as "Hà Nội") is restored with
    its own casing.
    """
    words = []
    for word in text.split():
        words.append(word if re.search(r"[\d/]", word) else word.lower())
    result = " ".join(words)
    if result:
        result = result[0].upper() + result[1:]
    for phrase in keep:
        result = re.sub(re.escape(phrase), phrase, result, flags=re.IGNORECASE)
    return case_places(result)


def slug(text: str, limit: int = 60) -> str:
    """ASCII slug: ``Sở Công Thương`` → ``so-cong-thuong``."""
    return fold(text).replace(" ", "-")[:limit].strip("-")


def parse_amount(text: str) -> float | None:
    """A Vietnamese number: ``1.100`` is one thousand one hundred, ``1,5`` is one and a half."""
    value = squash(text).replace(" ", "")
    if not value:
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", value):
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d+", value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None
