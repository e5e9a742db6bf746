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

from engine.i18n import _
from engine.plans.document import Document, Line
from engine.plans.model import Warning_
from engine.plans.tasktables import header_row
from engine.plans.text import case_places, is_upper_text, sentence_case, squash

# "Số: 96/KH-UBND", "Số: 24/2026//NQ-CP", "Số: 66.19/2026/NQ-CP", "Số: 9389 /BNNMT-BĐKH";
# the number is what stands before the first slash, the rest its year and kind.
_NUMBER = re.compile(
    r"^Số\s*:?\s*(?P<num>[\d.\s]*?)\s*/+\s*(?P<kind>(?:\d{4}\s*/+\s*)?[A-ZĐ][A-ZĐa-zđ0-9\-]*)",
    re.I,
)
_ATTACHED = re.compile(
    r"(?:ban hành\s+)?kèm theo\s+(?P<doc>Kế hoạch|Quyết định|Chương trình|Nghị quyết|Chỉ thị"
    r"|Thông báo|Công văn|Đề án)\s+số\s*:?\s*"
    r"(?P<num>[\d.\s]*?)\s*/+\s*(?P<kind>(?:\d{4}\s*/+\s*)?[A-ZĐ][\wĐđ\-]*)"
    r"(?:\s+ngày\s+(?P<date>[^()]*?))?(?:\s+(?:của|do)\s+(?P<issuer>[^()]+?))?\s*\)?\s*$",
    re.IGNORECASE,
)
# "Hà Nội, ngày 07 tháng 5 năm 2020", also after the number on the same line.
_PLACE_DATE = re.compile(
    r"(?:^|\s)(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*\s?){1,4},\s*ngày\b(?P<date>.*)$|^[^\d,]{2,40},\s*ngày\b(?P<bare>.*)$"
)
_DMY_WORDS = re.compile(r"(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_DMY_SLASH = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_YEAR_ONLY = re.compile(r"(?:năm|/)\s*((?:19|20)\d{2})\b", re.IGNORECASE)
# The document types, in the order a title is looked for: a Quyết định or Nghị quyết
# that issues a Kế hoạch or a Quy trình is titled by what it issues.
_DOC_TYPES = (
    "KẾ HOẠCH", "CHƯƠNG TRÌNH", "QUY TRÌNH", "ĐỀ ÁN", "QUYẾT ĐỊNH", "NGHỊ QUYẾT",
    "CHỈ THỊ", "THÔNG BÁO", "NGHỊ ĐỊNH", "THÔNG TƯ LIÊN TỊCH", "THÔNG TƯ", "LUẬT",
    "PHÁP LỆNH",
)  # fmt: skip
# Legal norms (văn bản quy phạm pháp luật): their articles state standing duties, not
# tasks with windows. Known by the number ("26/2026/NĐ-CP", "01/2026/TT-BCT",
# "69/2025/QH15") or, when no number is read, by the title's type.
LEGAL_NORMS = ("Nghị định", "Thông tư liên tịch", "Thông tư", "Luật", "Pháp lệnh")
_NORM_KIND = re.compile(r"(?:^|/)(?:NĐ|ND|TT|TTLT|QH\d+|PL)(?:-|$)", re.IGNORECASE)
# Kinds whose title period is the plan's; a Thông báo's or Chỉ thị's title names the
# subject discussed ("… Chương trình … giai đoạn 2026-2035"), not the years of its tasks.
PLAN_KINDS = ("Kế hoạch", "Chương trình", "Đề án", "Quyết định", "Nghị quyết", "Quy trình")
_UPPER = "A-ZÀ-ỸĐ"
_ISSUER_LINE = re.compile(
    rf"^(?P<issuer>(?:ỦY|UỶ) BAN NHÂN DÂN(?:\s+(?:THÀNH PHỐ|TỈNH)\s+[{_UPPER} ]+?)?"
    rf"|UBND\s+(?:THÀNH PHỐ|TỈNH|TP\.?)\s+[{_UPPER} ]+?"
    rf"|(?:THỦ TƯỚNG |VĂN PHÒNG )?CHÍNH PHỦ|(?:ỦY|UỶ) BAN THƯỜNG VỤ QUỐC HỘI|QUỐC HỘI"
    rf"|BỘ\s+[{_UPPER}, ]+?|SỞ\s+[{_UPPER}, ]+?|ĐOÀN\s+KIỂM\s+TRA[{_UPPER}\w ]*?"
    rf"|BAN\s+[{_UPPER}, ]+?)"
    r"(?:\s+CỘNG\s+HO[ÀA]\b.*)?$"
)
_PROPER = ("Hà Nội", "Hòa Bình", "Thủ tướng Chính phủ", "Chính phủ", "Việt Nam", "Quốc hội")
# Words of agency names that stay capitalised when a name typed in capitals is cased.
_CASED = {
    "công thương": "Công Thương",
    "thường vụ quốc hội": "Thường vụ Quốc hội",
    "chính phủ": "Chính phủ",
}


@dataclass
class Header:
    number: str | None = None
    doc_kind: str | None = None  # the number's suffix, e.g. "KH-UBND"
    issued_on: date | None = None
    issue_year: int | None = None  # printed even where the day is left blank
    issuer: str | None = None
    title: str | None = None
    doc_type: str | None = None  # "Kế hoạch", "Quyết định", "Thông báo", …
    period: tuple[int, int] | None = None
    title_years: tuple[int | None, int | None] = (None, None)
    warnings: list[Warning_] = field(default_factory=list)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Warning_(line=line, message=message))


def extract_header(lines: list[Line]) -> Header:
    lines = [ln for ln in lines if ln.text]
    header = Header()
    _number_and_date(lines, header)
    header.issuer = _issuer(lines)
    header.title, _rest = _title(lines)
    if header.title is None:
        header.title, _rest = _subject_title(lines)
    header.doc_type = _doc_type(header.title)
    if header.doc_type in PLAN_KINDS:
        header.title_years = title_years(header.title or "")
        header.period = _period(header.title or "")
    if header.title is None:
        header.warn(
            None,
            _(
                "no title found (expected KẾ HOẠCH, QUYẾT ĐỊNH, NGHỊ QUYẾT, CHƯƠNG TRÌNH, "
                "CHỈ THỊ, THÔNG BÁO or a Công văn's 'V/v …' and its subject)"
            ),
        )
    return header


def header_lines(doc: Document) -> list[Line]:
    """The lines the header is read from: the body, and the cells of the layout tables
    before the body (the borderless table holding the issuer, "Số:", place and date),
    one line per paragraph of a cell, in document order."""
    out = list(doc.lines)
    first_body = doc.lines[0].number if doc.lines else 0
    for table in doc.tables:
        if table.first > max(first_body, 1) + 40 and table.first > 60:
            break
        if header_row(table) is not None:
            continue  # a task table, not the layout of the first page
        for row in table.rows:
            for cell in row.cells:
                if cell.merged:
                    continue
                for text in _cell_lines(cell.text):
                    out.append(Line(cell.first, text))
    return sorted(out, key=lambda ln: ln.number)


_RULES = re.compile(r"-{3,}|_{3,}|={3,}")


def _cell_lines(text: str) -> list[str]:
    """A layout cell's paragraphs, decorative rules dropped; a short label ("Số:") is
    joined to the paragraph after it."""
    out: list[str] = []
    for part in text.split("\n"):
        part = _RULES.sub(" ", part).strip()
        if not part:
            continue
        if out and out[-1].endswith(":") and len(out[-1]) <= 10:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def legal_norm(header: Header) -> str | None:
    """The kind of legal norm the document is ("Nghị định", …), or None."""
    if header.doc_kind:
        if not _NORM_KIND.search(header.doc_kind):
            return None
        kind = header.doc_kind.upper()
        for code, name in (("TTLT", "Thông tư liên tịch"), ("TT", "Thông tư"), ("QH", "Luật"),
                           ("PL", "Pháp lệnh")):  # fmt: skip
            if re.search(rf"(?:^|/){code}", kind):
                return name
        return "Nghị định"
    return header.doc_type if header.doc_type in LEGAL_NORMS else None


def _doc_type(title: str | None) -> str | None:
    if not title:
        return None
    for kind in (*PLAN_KINDS, "Chỉ thị", "Thông báo", "Công văn", *LEGAL_NORMS):
        if title.lower().startswith(kind.lower()):
            return kind
    return None


def _subject_title(lines: list[Line]) -> tuple[str | None, int | None]:
    """A Công văn has no title of its own: "V/v …" says what it is about."""
    for line in lines[:40]:
        match = re.search(r"(?:^|\s)\*?V/v\s*:?\s*(?P<subject>.+)$", line.text, re.IGNORECASE)
        if match:
            subject = match.group("subject").strip(" *")
            return f"Công văn về việc {subject[0].lower()}{subject[1:]}", line.number
    return None, None


def _number_and_date(lines: list[Line], header: Header) -> None:
    top = lines[:40]
    number_line = next((ln for ln in top if _NUMBER.match(ln.text)), None)
    date_line = next((ln for ln in top if _PLACE_DATE.search(ln.text)), None)
    attached = next((ln for ln in lines if _ATTACHED.search(ln.text)), None)
    match = _ATTACHED.search(attached.text) if attached else None

    candidates = []
    if number_line and (m := _NUMBER.match(number_line.text)):
        candidates.append((number_line, m.group("num"), m.group("kind")))
    if attached and match:
        candidates.append((attached, match.group("num"), match.group("kind")))
    for line, num, kind in candidates:
        kind = re.sub(r"\s*/+\s*", "/", kind)
        header.doc_kind = header.doc_kind or kind.upper()
        digits = re.sub(r"\s+", "", num).strip(".")
        if digits:
            header.number = f"{digits}/{kind}"
            if "//" in line.text:
                header.warn(
                    line.number,
                    _("the number is printed with a double slash; read as {number}").format(
                        number=header.number
                    ),
                )
            break
    if header.number is None:
        where = candidates[0][0].number if candidates else None
        header.warn(
            where,
            _("the document leaves the number blank; number is null")
            if candidates
            else _("the document gives no number ('Số: …'); number is null"),
        )

    dates = []
    if date_line and (m := _PLACE_DATE.search(date_line.text)):
        dates.append((date_line, m.group("date") or m.group("bare") or ""))
    if attached and match and match.group("date"):
        dates.append((attached, match.group("date")))
    for _line, text in dates:
        found = _parse_date(text)
        if found is not None:
            header.issued_on = found
            header.issue_year = found.year
            break
        if header.issue_year is None and (year := _YEAR_ONLY.search(text)):
            header.issue_year = int(year.group(1))
    if header.issued_on is None:
        where = dates[0][0].number if dates else None
        header.warn(
            where,
            _("the document leaves the date blank; issued_on is null")
            if dates
            else _("the document gives no issue date; issued_on is null"),
        )


def _parse_date(text: str) -> date | None:
    for pattern in (_DMY_WORDS, _DMY_SLASH):
        if m := pattern.search(text):
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return None
    return None


def _captions(lines: list[Line]) -> list[Line]:
    """Lines, with a caption broken over two lines ("(Kèm theo Quyết định số … ngày …"
    then "của Chủ tịch …)") joined."""
    out: list[Line] = []
    for i, line in enumerate(lines):
        text = line.text
        if text.startswith("(") and ")" not in text and i + 1 < len(lines):
            text = f"{text} {lines[i + 1].text}"
        out.append(Line(line.number, text))
    return out


def _issuer(lines: list[Line]) -> str | None:
    """The issuing body as printed: the capitals on top of the first page, else the
    appendix's "(Kèm theo … của …)"."""
    top = [ln.text.strip("* ") for ln in lines[:40]]
    for i, text in enumerate(top):
        if re.fullmatch(r"(ỦY|UỶ) BAN NHÂN DÂN|UBND|BỘ|SỞ", text) and i + 1 < len(top):
            text = f"{text} {top[i + 1]}"
        match = _ISSUER_LINE.match(text)
        if match is None or text.startswith(("BỘ TRƯỞNG", "BAN HÀNH")):
            continue
        issuer = _case_issuer(squash(match.group("issuer")))
        if issuer.startswith("Ủy ban nhân dân"):
            for text_below in top[i + 1 : i + 4]:
                below = _ISSUER_LINE.match(text_below)
                if below and re.match(r"^(SỞ|BAN|ĐOÀN|VĂN PHÒNG|CHI CỤC)\b", text_below):
                    # "UBND TỈNH LÀO CAI" over "SỞ CÔNG THƯƠNG": the department issues it
                    place = re.sub(r"^Ủy ban nhân dân\s+", "", issuer)
                    return f"{_case_issuer(squash(below.group('issuer')))} {place}"
        return issuer
    return _caption_issuer(lines)


def _caption_issuer(lines: list[Line]) -> str | None:
    for line in _captions(lines):
        match = _ATTACHED.search(line.text)
        if match and match.group("issuer"):
            issuer = re.sub(r"^Bộ trưởng\s+", "", squash(match.group("issuer")), flags=re.I)
            if len(issuer.split()) > 2 and not re.search(r"tỉnh$|thành phố$", issuer):
                return issuer  # "UBND tỉnh" alone names no province
    return None


def _case_issuer(text: str) -> str:
    """ "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH" → "Ủy ban nhân dân tỉnh Hòa Bình",
    "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" → "Bộ Nông nghiệp và Môi trường"."""
    text = re.sub(r"^UBND\b", "ỦY BAN NHÂN DÂN", text)
    text = re.sub(r"\bTP\.?(?=\s)", "THÀNH PHỐ", text)
    m = re.match(r"^(?:ỦY|UỶ) BAN NHÂN DÂN\s+(THÀNH PHỐ|TỈNH)\s+(.+)$", text)
    if m:
        place = " ".join(word.capitalize() for word in m.group(2).lower().split())
        return f"Ủy ban nhân dân {m.group(1).lower()} {place}"
    if not is_upper_text(text):
        return text
    return _case_name(text)


_HEADS = ("văn phòng", "ủy ban", "uỷ ban", "tổng cục", "chi cục", "trung tâm", "ban quản lý")


def _case_name(text: str) -> str:
    """An agency name typed in capitals, cased as Vietnamese names are: the head word
    ("Bộ", "Sở", "Văn phòng") and the first word of each part of the name capitalised
    ("Bộ Văn hóa, Thể thao và Du lịch", "Văn phòng Chính phủ")."""
    low = squash(text.lower())
    head = next((h for h in _HEADS if low.startswith(h + " ")), low.split()[0])
    rest = low[len(head) :].split()
    out = [head[:1].upper() + head[1:]]
    capital_next = True
    for word in rest:
        out.append(word[:1].upper() + word[1:] if capital_next else word)
        capital_next = word.endswith(",") or word == "và"
        if word == "và":
            out[-1] = word
    result = " ".join(out)
    for phrase, cased in _CASED.items():
        result = re.sub(re.escape(phrase), cased, result, flags=re.IGNORECASE)
    for phrase in _PROPER:
        result = re.sub(re.escape(phrase), phrase, result, flags=re.IGNORECASE)
    return case_places(result)


_TITLE_LINES = 120


def _title(lines: list[Line]) -> tuple[str | None, int | None]:
    """The plan's title: the subject after KẾ HOẠCH, else after QUYẾT ĐỊNH, … on the
    first pages (a long decree's forms further on have titles of their own)."""
    lines = lines[:_TITLE_LINES]
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
                label = doc_type[0] + doc_type[1:].lower()
                subject = re.sub(r"^(về việc)\s+", "", subject, flags=re.IGNORECASE)
                return _tidy_title(label, subject), line.number
    return None, None


def _subject_after(lines: list[Line], index: int) -> str | None:
    """The title lines after a bare document type (a title may run over a few lines)."""
    parts: list[str] = []
    for line in lines[index + 1 : index + 4]:
        text = line.text
        if text.startswith(("(", "-", "+", "•")) or re.match(
            r"^(Căn cứ|Thực hiện\s*:|[IVX]+\.|\d+\.|ỦY BAN|BỘ TR|Kính gửi|Điều \d)", text
        ):
            break
        if parts and is_upper_text(parts[-1]) and not _continues(parts[-1], text):
            break
        parts.append(text)
        if text.endswith((".", ":")):
            break
    return squash(" ".join(parts)) or None


_YEARS_LINE = re.compile(r"^(?:(?:NĂM|GIAI ĐOẠN)\s+)?(?:19|20)\d{2}(?:\s*[-–—]\s*(?:19|20)\d{2})?$")
_DANGLING = re.compile(r"\b(?:GIAI ĐOẠN|THỜI KỲ|NĂM|ĐẾN|VÀ|CỦA|VỀ|TRÊN|CHO|TẠI|VỚI|TỪ)$")


def _continues(upper: str, text: str) -> bool:
    """A title in capitals wrapped onto the next line: a line of years ("2026 - 2030")
    or a line after one that ends mid-phrase ("… GIAI ĐOẠN")."""
    if _YEARS_LINE.match(text.strip()):
        return True
    return bool(_DANGLING.search(upper)) and is_upper_text(text)


def _looks_like_body(text: str) -> bool:
    return len(text) > 400 or text.endswith(":")


def _tidy_title(label: str, subject: str) -> str:
    if is_upper_text(subject):
        subject = sentence_case(subject, keep=_PROPER)
    subject = subject[0].lower() + subject[1:] if subject[:1].isupper() else subject
    if re.match(r"^(kế hoạch|quyết định|chương trình|quy trình|đề án)\b", subject, re.I):
        return subject[0].upper() + subject[1:]
    return f"{label} {subject}"


def title_years(title: str) -> tuple[int | None, int | None]:
    """The first and last year a title names: "năm 2022" → (2022, 2022) (the tasks of one
    year of a longer programme: "nhiệm vụ năm 2022 … giai đoạn 2021-2030"), "giai đoạn
    2026 – 2030", "thời kỳ 2021-2030" or "từ năm 2021 đến năm 2025" → (first, last),
    "đến năm 2030" → (None, 2030); a vision ("tầm nhìn đến năm 2050") is not the plan's."""
    text = re.sub(r"tầm nhìn\s+(?:đến\s+)?năm\s+\d{4}", "", title.lower())
    year = r"((?:19|20)\d{2})"
    if m := re.search(rf"từ\s+năm\s+{year}\s*(?:[-–—]|đến(?:\s+hết)?)\s*(?:năm\s+)?{year}", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.search(
        rf"(?<!tháng )(?<!\d )(?<!đến )(?<!hết )(?<!từ )năm\s+{year}\b(?!\s*[-–—])", text
    ):
        return int(m.group(1)), int(m.group(1))
    if m := re.search(rf"(?:giai đoạn|thời kỳ|năm)?\s*{year}\s*[-–—]\s*{year}", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.search(rf"đến\s+(?:hết\s+)?năm\s+{year}", text):
        return None, int(m.group(1))
    return None, None


def _period(title: str) -> tuple[int, int] | None:
    """Years the plan covers, from its title: "năm 2022" or "giai đoạn 2026 – 2030"."""
    first, last = title_years(title)
    if first is None or last is None:
        return None
    return first, last
