"""The plan's identity from its first page and its appendix heading.

Vietnamese administrative documents put the number ("Số: 96/KH-UBND"), place and date
("Hà Nội, ngày 07 tháng 5 năm 2020"), the issuer (in capitals, top left) and the title
(the document type in capitals, then the subject). The appendix repeats number, date and
issuer: "(Ban hành kèm theo Kế hoạch số 266/KH-UBND ngày 25/11/2021 của UBND thành phố
Hà Nội)". Exports lose parts of the first page, so every field is looked for in both
places. A blank left to be filled in ("Số: /QĐ-UBND", "ngày tháng năm 2025") gives None
and a warning, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from engine.plans.document import Line
from engine.plans.model import Warning_
from engine.plans.text import is_upper_text, sentence_case, squash

_NUMBER = re.compile(r"^Số\s*:?\s*(?P<num>[\d\s]*)\s*/\s*(?P<kind>[A-ZĐ][A-ZĐa-zđ\-]*)", re.I)
_ATTACHED = re.compile(
    r"(?:ban hành\s+)?kèm theo\s+(?P<doc>Kế hoạch|Quyết định|Chương trình)\s+số\s*"
    r"(?P<num>[\d\s]*)\s*/\s*(?P<kind>[A-ZĐ][\wĐđ\-]*)"
    r"(?:\s+ngày\s+(?P<date>[^()]*?))?(?:\s+của\s+(?P<issuer>[^()]+?))?\s*\)?\s*$",
    re.IGNORECASE,
)
_PLACE_DATE = re.compile(r"^[^\d,]{2,40},\s*ngày\b(?P<date>.*)$", re.IGNORECASE)
_DMY_WORDS = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DMY_SLASH = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_DOC_TYPES = ("KẾ HOẠCH", "QUYẾT ĐỊNH", "CHƯƠNG TRÌNH")
_ISSUER_LINE = re.compile(
    r"^(?P<issuer>(?:ỦY|UỶ) BAN NHÂN DÂN(?:\s+(?:THÀNH PHỐ|TỈNH)\s+[A-ZÀ-Ỹ ]+?)?|BỘ\s+[A-ZÀ-Ỹ ]+?)"
    r"(?:\s+CỘNG\s+HO[ÀA]\b.*)?$"
)
_PROPER = ("Hà Nội", "Hòa Bình", "Thủ tướng Chính phủ", "Chính phủ", "Việt Nam")


@dataclass
class Header:
    number: str | None = None
    doc_kind: str | None = None  # the number's suffix, e.g. "KH-UBND"
    issued_on: date | None = None
    issuer: str | None = None
    title: str | None = None
    period: tuple[int, int] | None = None
    warnings: list[Warning_] = field(default_factory=list)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))


def extract_header(lines: list[Line]) -> Header:
    header = Header()
    _number_and_date(lines, header)
    header.issuer = _issuer(lines)
    header.title, title_line = _title(lines)
    header.period = _period(header.title or "")
    if header.title is None:
        header.warn(None, "no title found (expected KẾ HOẠCH or QUYẾT ĐỊNH and its subject)")
    if header.period is None:
        header.warn(title_line, "the title states no year or period ('năm 2022', 'giai đoạn …')")
    return header


def _number_and_date(lines: list[Line], header: Header) -> None:
    top = lines[:25]
    number_line = next((ln for ln in top if _NUMBER.match(ln.text)), None)
    date_line = next((ln for ln in top if _PLACE_DATE.match(ln.text)), None)
    attached = next((ln for ln in lines if _ATTACHED.search(ln.text)), None)
    match = _ATTACHED.search(attached.text) if attached else None

    candidates = []
    if number_line and (m := _NUMBER.match(number_line.text)):
        candidates.append((number_line, m.group("num"), m.group("kind")))
    if attached and match:
        candidates.append((attached, match.group("num"), match.group("kind")))
    for _line, num, kind in candidates:
        header.doc_kind = header.doc_kind or kind.upper()
        digits = re.sub(r"\s+", "", num)
        if digits:
            header.number = f"{digits}/{kind}"
            break
    if header.number is None:
        where = candidates[0][0].number if candidates else None
        what = "leaves the number blank" if candidates else "gives no number ('Số: …')"
        header.warn(where, f"the document {what}; number is null")

    dates = []
    if date_line and (m := _PLACE_DATE.match(date_line.text)):
        dates.append((date_line, m.group("date")))
    if attached and match and match.group("date"):
        dates.append((attached, match.group("date")))
    for _line, text in dates:
        found = _parse_date(text)
        if found is not None:
            header.issued_on = found
            break
    if header.issued_on is None:
        where = dates[0][0].number if dates else None
        what = "leaves the date blank" if dates else "gives no issue date"
        header.warn(where, f"the document {what}; issued_on is null")


def _parse_date(text: str) -> date | None:
    for pattern in (_DMY_WORDS, _DMY_SLASH):
        if m := pattern.search(text):
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return None
    return None


def _issuer(lines: list[Line]) -> str | None:
    """The issuing body as printed: the appendix's "của …", else the capitals on top."""
    for line in lines:
        match = _ATTACHED.search(line.text)
        if match and match.group("issuer"):
            issuer = re.sub(r"^Bộ trưởng\s+", "", squash(match.group("issuer")), flags=re.I)
            if len(issuer.split()) > 2:  # "UBND tỉnh" alone names no province
                return issuer
    for i, line in enumerate(lines[:30]):
        text = line.text
        if re.fullmatch(r"(ỦY|UỶ) BAN NHÂN DÂN", text) and i + 1 < len(lines):
            text = f"{text} {lines[i + 1].text}"
        match = _ISSUER_LINE.match(text)
        if match and not text.startswith("BỘ TRƯỞNG"):
            return _case_issuer(squash(match.group("issuer")))
    return None


def _case_issuer(text: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH" → "Ủy ban nhân dân tỉnh Hòa Bình"."""
    m = re.match(r"^(?:ỦY|UỶ) BAN NHÂN DÂN\s+(THÀNH PHỐ|TỈNH)\s+(.+)$", text)
    if m:
        place = " ".join(word.capitalize() for word in m.group(2).lower().split())
        return f"Ủy ban nhân dân {m.group(1).lower()} {place}"
    if text.startswith("BỘ "):
        return " ".join(word.capitalize() for word in text.lower().split())
    return text


def _title(lines: list[Line]) -> tuple[str | None, int | None]:
    """The plan's title: the subject after KẾ HOẠCH, else after QUYẾT ĐỊNH."""
    for doc_type in _DOC_TYPES:
        for i, line in enumerate(lines):
            text = line.text
            if not text.upper().startswith(doc_type) or not is_upper_text(text[: len(doc_type)]):
                continue
            rest = text[len(doc_type) :].strip(" :")
            if rest and not is_upper_text(rest) and len(rest) < 20:
                continue  # "QUYẾT ĐỊNH:" closing the preamble, or a sentence
            subject = rest or _subject_after(lines, i)
            if subject and not _looks_like_body(subject):
                label = doc_type.capitalize() if doc_type != "KẾ HOẠCH" else "Kế hoạch"
                subject = re.sub(r"^(về việc)\s+", "", subject, flags=re.IGNORECASE)
                return _tidy_title(label, subject), line.number
    return None, None


def _subject_after(lines: list[Line], index: int) -> str | None:
    """The title lines after a bare document type (a title may run over a few lines)."""
    parts: list[str] = []
    for line in lines[index + 1 : index + 4]:
        text = line.text
        if text.startswith("(") or re.match(r"^(Căn cứ|Thực hiện\s*:|[IVX]+\.|ỦY BAN|BỘ TR)", text):
            break
        parts.append(text)
        if is_upper_text(text) or text.endswith((".", ":")):
            break
    return squash(" ".join(parts)) or None


def _looks_like_body(text: str) -> bool:
    return len(text) > 400 or text.endswith(":")


def _tidy_title(label: str, subject: str) -> str:
    if is_upper_text(subject):
        subject = sentence_case(subject, keep=_PROPER)
    subject = subject[0].lower() + subject[1:] if subject[:1].isupper() else subject
    if re.match(r"^(kế hoạch|quyết định|chương trình)\b", subject, re.IGNORECASE):
        return subject[0].upper() + subject[1:]
    return f"{label} {subject}"


def _period(title: str) -> tuple[int, int] | None:
    """Years the plan covers, from its title: "năm 2022" or "giai đoạn 2026 – 2030"."""
    text = title.lower()
    if m := re.search(r"(?<!tháng )(?<!\d )năm\s+((?:19|20)\d{2})\b", text):
        year = int(m.group(1))
        return year, year
    if m := re.search(
        r"(?:giai đoạn|từ năm|thời kỳ)\s+((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})", text
    ):
        return int(m.group(1)), int(m.group(2))
    if m := re.search(r"đến năm\s+((?:19|20)\d{2})", text):
        return None
    return None
