"""Hard-wrapped text back into paragraphs, and a legal portal's furniture left out.

Legal-portal copies and PDF text layers break every paragraph at ~80 characters, and even
split a bold heading ("**1. Sở Khoa học và Công\\nnghệ**") or a date ("trước ngày 30
tháng\\n6 hằng năm") over two lines. ``unwrap`` joins such lines into the paragraphs the
author wrote: a line continues the one before unless a blank line, an item marker
("1.", "a)", "(2)", "- ", "Điều 3."), a finished sentence (the line before ends in . ; :
! ?), a whole-line bold heading or a change between capitals and ordinary text says a
new paragraph starts. ``looks_wrapped`` tells from the line lengths whether a text is
hard-wrapped at all (a text with one paragraph per line must not be joined).

``strip_furniture`` drops what thuvienphapluat.vn puts around a document: the copyright
banner, the metadata box ("Số hiệu:", "Loại văn bản:", …) before the document and the
related-documents lists, notices and login messages after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from engine.plans.text import fold, squash

_ITEM = re.compile(
    r"^(?:\*{1,3}|_)?\s*(?:[-+•–]\s|\(\d{1,2}\)|\d{1,2}(?:\.\d{1,2})*[.)]\s|\d{1,2}(?:\.\d{1,2})+\s"
    r"|[a-zđ]\d?\)\s|[IVX]{1,5}\.\s|(?:Điều|Phần|Chương|Mục)\s+\d|Phụ lục\b|PHỤ LỤC\b"
    r"|Thứ (?:nhất|hai|ba|tư|năm|sáu|bảy|tám)\b|Nơi nhận|Kính gửi|Căn cứ\b)",
)
_ADDRESS = re.compile(r"^(?:\*{1,3})?(?:Kính gửi|V/v)\b", re.IGNORECASE)
_RULE = re.compile(r"^[-_=*.\s]{3,}$")
_ENDS_SENTENCE = re.compile(r"(?:[.;:!?…]|\./\.)[*_\s)”\"]*$")
_BOLD_LINE = re.compile(r"^\*\*(?!\s*\*).*\*\*\s*$")


def is_rule(text: str) -> bool:
    """A decorative line: "--------", "*****", "_____"."""
    return bool(_RULE.match(text)) and not text.strip().isdigit()


def _upper(text: str) -> bool:
    letters = [c for c in re.sub(r"\*+", "", text) if c.isalpha()]
    return len(letters) >= 3 and all(not c.islower() for c in letters)


def _bold_open(text: str) -> bool:
    """An odd number of "**" markers: a bold run goes on past the end of this text."""
    return text.count("**") % 2 == 1


def starts_paragraph(previous: str, line: str) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous`` (both non-blank)."""
    if _ITEM.match(line.strip()):
        return True
    if _ADDRESS.match(previous.strip()) and not line[:1].islower():
        return True  # "Kính gửi: …" is a line of its own
    if _bold_open(previous):
        return False  # inside a bold run split across lines
    if _ENDS_SENTENCE.search(previous) or _BOLD_LINE.match(previous.strip()):
        return True
    if _BOLD_LINE.match(line.strip()):
        return True
    return _upper(previous) != _upper(line)


def unwrap(lines: Iterable[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of each paragraph of numbered raw lines."""
    out: list[tuple[int, int, str]] = []
    current: list[str] = []
    first = last = 0
    for number, raw in lines:
        text = raw.strip()
        if not text or is_rule(text):
            if current:
                out.append((first, last, " ".join(current)))
            current = []
            continue
        if current and not starts_paragraph(current[-1], text):
            current.append(text)
            last = number
            continue
        if current:
            out.append((first, last, " ".join(current)))
        current, first, last = [text], number, number
    if current:
        out.append((first, last, " ".join(current)))
    return out


def looks_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped at a fixed width: many lines, almost none long, and most lines that
    do not end a sentence are followed by a line that goes on with it."""
    filled = [squash(line) for line in lines if squash(line) and not is_rule(line.strip())]
    if len(filled) < 20:
        return False
    long_lines = sum(1 for line in filled if len(line) > 110)
    if long_lines > max(2, len(filled) // 50):
        return False
    near_width = sum(1 for line in filled if len(line) >= 55)
    return near_width >= len(filled) // 4


# -- thuvienphapluat.vn furniture -------------------------------------------------------

_BANNER = (
    "ban dich nay thuoc quyen so huu",
    "thu vien phap luat has the copyright",
    "click vao phan boi vang",
    "dang tai van ban",
    "cac noi dung duoc sua doi huong dan",
    "cac mau sac",
    "sua doi thay the",
)
_META_LABELS = (
    "so hieu",
    "loai van ban",
    "noi ban hanh",
    "nguoi ky",
    "ngay ban hanh",
    "ngay hieu luc",
    "ngay cong bao",
    "so cong bao",
    "tinh trang",
)
_TAIL = (
    "van ban nay chua cap nhat noi dung tieng anh",
    "van ban lien quan",
    "noi dung sua doi huong dan",
    "cam on da dung thuvienphapluat",
    "luoc do",
    "tai ve",
)


def _folded(raw: str) -> str:
    return fold(raw.replace("*", ""))


def strip_furniture(lines: list[str]) -> tuple[int, int]:
    """The range [start, end) of ``lines`` that is the document itself."""
    start = 0
    # The site's furniture comes before the document's header block ("CỘNG HÒA XÃ HỘI
    # CHỦ NGHĨA VIỆT NAM" beside the issuer): never look for it past that.
    motto = next(
        (i for i, raw in enumerate(lines[:400]) if "cong hoa xa hoi" in _folded(raw)), None
    )
    limit = min(len(lines), 200) if motto is None else max(0, motto - 8)
    for i in range(limit):
        text = _folded(lines[i])
        if text in _META_LABELS and lines[i].rstrip(" *").endswith(":"):
            start = _after_value(lines, i)
        elif any(banner in text for banner in _BANNER) or text == "x":
            start = max(start, i + 1)
    end = len(lines)
    for i in range(start, len(lines)):
        text = _folded(lines[i]).lstrip("# ")
        if any(text.startswith(tail) for tail in _TAIL) and i > start + 20:
            end = i
            break
    return start, end


def _after_value(lines: list[str], label: int) -> int:
    """The line after the value that follows a metadata label (label | value)."""
    i = label + 1
    seen_value = False
    while i < len(lines):
        text = lines[i].strip()
        if text == "|":
            if seen_value:
                return i + 1
        elif text:
            seen_value = True
        i += 1
        if i > label + 6:
            break
    return i


# -- fixed-width text (a PDF text layer saved as text) -----------------------------------

_HEADER_BLOCK = 10
_PAGE_NUMBER = re.compile(r"^\s{8,}\d{1,3}\s*$")
_COLUMNS = re.compile(r"\S\s{4,}\S")


def layout_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Numbered lines of a fixed-width page: page numbers dropped, and the first page's
    header block one item a line, its two columns ("BỘ …      CỘNG HÒA …") as two."""
    out: list[tuple[int, str]] = []
    for index, raw in enumerate(lines):
        number = index + 1
        if _PAGE_NUMBER.match(raw):
            continue
        if index < _HEADER_BLOCK and _COLUMNS.search(raw.strip()):
            for part in re.split(r"\s{4,}", raw.strip()):
                out.append((number, part))
                out.append((number, ""))
            continue
        out.append((number, raw))
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if index < _HEADER_BLOCK and not following[:1].islower():
            out.append((number, ""))  # the header block: one item a line
    return out
