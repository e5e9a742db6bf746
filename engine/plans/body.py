"""What the plan's body assigns: "Tổ chức thực hiện" and the recurring reporting duties.

The section "IV. TỔ CHỨC THỰC HIỆN" (or V) lists agencies, either as headings followed
by their duties ("1. Sở Công Thương (cơ quan chủ trì)" then "- Chủ trì, …") or as
numbered sentences whose subject is the agency ("1. Giao Sở Công Thương chủ trì, …").
The owner is the agency marked "(cơ quan chủ trì)" or given the plan with "Giao … chủ
trì". Reporting duties are clauses that mention "báo cáo" with a period ("định kỳ",
"hàng năm", "6 tháng"); drafting next year's plan is a clause like "Hàng năm … xây
dựng, tham mưu … ban hành Kế hoạch năm".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.agencies import AgencyMatcher
from engine.plans.document import Line
from engine.plans.model import AgencyDuties, ReportingDuty, Warning_
from engine.plans.text import fold, squash

_SECTION = re.compile(r"^(?:[IVX]+\s*[.:/-]?\s*)?TỔ CHỨC THỰC HIỆN\b")
_NEXT_SECTION = re.compile(r"^[IVX]+\s*[.:/-]\s*[A-ZĐÀ-Ỹ]{2}")
_SECTION_END = re.compile(
    r"^(Nơi nhận|TM\.|KT\.|PHỤ LỤC|Phụ lục|Trong quá trình|\*?\s*Ghi chú)", re.IGNORECASE
)
_ITEM = re.compile(r"^(?P<n>\d{1,2})\s*[.)]\s+(?P<text>.+)$")
_OWNER_MARK = re.compile(r"\(\s*cơ quan (?:chủ trì|thường trực|đầu mối)\s*\)", re.IGNORECASE)
_GIVEN = re.compile(r"^Giao\s+(?P<who>.+?)\s+(?:là cơ quan\s+)?(?:chủ trì|thường trực)\b", re.I)
_SUBJECT = re.compile(
    r"^(?P<who>.+?)\s+(?:căn cứ|có trách nhiệm|thực hiện|chủ động|chủ trì|phối hợp|"
    r"xây dựng|triển khai|định kỳ|tổ chức|báo cáo|hướng dẫn)\b",
    re.IGNORECASE,
)
_PERIODIC = re.compile(
    r"định kỳ|hàng năm|hằng năm|hàng quý|hằng quý|hàng tháng|hằng tháng|0?6 tháng|sáu tháng",
    re.IGNORECASE,
)
_FREQ_WITH_DATE = re.compile(
    r"(?P<freq>0?6 tháng|sáu tháng|0?1 năm|một năm|năm|quý|tháng)\s*\(\s*(?P<due>"
    r"(?P<kind>trước|chậm nhất|đến|trong)?\s*(?:ngày)?\s*(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})"
    r"[^)]*)\)",
    re.IGNORECASE,
)
_DUE = re.compile(
    r"(?P<kind>trước|chậm nhất|đến|hạn)\s+(?:là\s+)?ngày\s+(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})"
    r"(?:\s+(?:hàng|hằng) năm)?",
    re.IGNORECASE,
)
_DRAFTING = re.compile(
    r"(hàng|hằng) năm.*(xây dựng|tham mưu|trình).*kế hoạch (năm|hàng năm|hằng năm|cho năm)",
    re.IGNORECASE,
)
_TO = re.compile(
    r"(?:gửi|về)\s+(?P<to>(?:Sở|Bộ|UBND|Ủy ban|Ban|Văn phòng|Cục|Vụ)[^,()]*?)"
    r"\s+(?:để|trước|theo|trong|định kỳ|chậm nhất)\b",
    re.IGNORECASE,
)
_OF = re.compile(r"(?:yêu cầu|chỉ đạo)[^.;]*?\bcủa\s+(?P<to>[^.;()]+?)\s*[.;]?$", re.I)
_DRAFT_TO = re.compile(r"tham mưu\s+(?P<to>(?:UBND|Ủy ban)[^,;]+?)\s+(?:ban hành|phê duyệt)", re.I)


@dataclass
class Paragraph:
    line: int
    text: str


@dataclass
class _Item:
    line: int
    names: list[str]
    duties: list[Paragraph] = field(default_factory=list)


@dataclass
class Body:
    agencies: list[AgencyDuties] = field(default_factory=list)
    owner: str | None = None
    owner_line: int | None = None
    reporting: list[ReportingDuty] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    unmatched: dict[str, list[int]] = field(default_factory=dict)


class BodyReader:
    """Reads the organisation section and the reporting duties of one document."""

    def __init__(self, matcher: AgencyMatcher, jurisdiction: str | None, issuer: str | None):
        self.matcher = matcher
        self.jurisdiction = jurisdiction
        self.issuer = issuer
        self.body = Body()

    def read(self, lines: list[Line]) -> Body:
        paragraphs = join_paragraphs(lines)
        items = self._organisation(paragraphs)
        for item in items:
            self._add_duties(item)
        self._reporting(paragraphs, items)
        return self.body

    # -- names -----------------------------------------------------------------------

    def canonical(self, name: str, line: int) -> str:
        canonical, matched = self.matcher.canonical(name, self.jurisdiction)
        if not matched:
            self.body.unmatched.setdefault(name, []).append(line)
        return canonical

    def names(self, text: str, line: int) -> list[str]:
        return [self.canonical(n, line) for n in self.split_names(text)]

    def split_names(self, text: str) -> list[str]:
        names: list[str] = []
        for name in self.matcher.split(text, self.jurisdiction):
            names.extend(self._split_and(name))
        return names

    def _split_and(self, name: str) -> list[str]:
        """ "UBND Thành phố và Bộ Công Thương" names two agencies when both are known."""
        if self.matcher.match(name, self.jurisdiction):
            return [name]
        parts = re.split(r"\s+và\s+", name)
        if len(parts) == 2 and all(self.matcher.match(p, self.jurisdiction) for p in parts):
            return parts
        return [name]

    # -- Tổ chức thực hiện -------------------------------------------------------------

    def _organisation(self, paragraphs: list[Paragraph]) -> list[_Item]:
        section = _organisation_section(paragraphs)
        if section is None:
            return []
        items: list[_Item] = []
        current: _Item | None = None
        for para in section:
            match = _ITEM.match(para.text)
            if match is None:
                if current is not None:
                    current.duties.append(Paragraph(para.line, _strip_bullet(para.text)))
                continue
            current = self._item(para.line, match.group("text"))
            if current is not None:
                items.append(current)
        return items

    def _item(self, line: int, text: str) -> _Item | None:
        """An agency heading, or a numbered sentence whose subject is the agency."""
        if _OWNER_MARK.search(text):
            who = squash(_OWNER_MARK.sub("", text)).rstrip(":.")
            names = self.names(who, line)
            self._set_owner(names, line)
            return _Item(line, names)
        if given := _GIVEN.match(text):
            names = self.names(given.group("who"), line)
            self._set_owner(names, line)
            return _Item(line, names, [Paragraph(line, text)])
        if self._is_heading(text):
            who = re.sub(r"^Đề nghị\s+", "", text.rstrip(": ."), flags=re.IGNORECASE)
            return _Item(line, self.names(who, line))
        subject = _SUBJECT.match(text)
        if subject and self._starts_with_agency(subject.group("who")):
            return _Item(line, self.names(subject.group("who"), line), [Paragraph(line, text)])
        return None

    def _is_heading(self, text: str) -> bool:
        """ "Sở Tài chính", "Các Sở, ban, ngành; UBND các quận, huyện, thị xã", "Đề nghị …:"."""
        if text.endswith(":"):
            return True
        names = self.split_names(text.rstrip("."))
        if names and all(self.matcher.match(n, self.jurisdiction) for n in names):
            return True
        return _looks_like_heading(text)

    def _starts_with_agency(self, text: str) -> bool:
        names = self.split_names(text)
        return bool(names) and self.matcher.match(names[0], self.jurisdiction) is not None

    def _set_owner(self, names: list[str], line: int) -> None:
        if self.body.owner is None and names:
            self.body.owner, self.body.owner_line = names[0], line

    def _add_duties(self, item: _Item) -> None:
        for name in item.names:
            duties = [d.text for d in item.duties if self._duty_is_for(d.text, name, item.names)]
            existing = next((a for a in self.body.agencies if a.name == name), None)
            if existing is None:
                self.body.agencies.append(AgencyDuties(name=name, duties=duties))
            else:
                existing.duties.extend(d for d in duties if d not in existing.duties)

    def _duty_is_for(self, duty: str, name: str, names: list[str]) -> bool:
        """A duty that opens with one agency's name belongs to that agency only."""
        opener = next((n for n in names if fold(duty).startswith(fold(n))), None)
        return opener is None or opener == name

    # -- reporting duties ----------------------------------------------------------------

    def _reporting(self, paragraphs: list[Paragraph], items: list[_Item]) -> None:
        owner_of = _item_lookup(items)
        for para in paragraphs:
            for clause in clauses(para.text):
                if _DRAFTING.search(clause):
                    self._drafting(para, clause, owner_of(para.line))
                elif re.search(r"báo cáo", clause, re.I) and _PERIODIC.search(clause):
                    self._report(para, clause, owner_of(para.line))

    def _report(self, para: Paragraph, clause: str, item: _Item | None) -> None:
        reporters = self._reporters(clause, item)
        recipients = self._recipients(clause, reporters)
        for frequency, due, due_text in _frequencies(clause):
            duty = ReportingDuty(
                kind="report",
                text=clause,
                frequency=frequency,
                due=due,
                due_text=due_text,
                from_=reporters,
                to=recipients,
                source_line=para.line,
            )
            self.body.reporting.append(duty)
            if due is None:
                self._warn(
                    para.line, f"the {frequency} report has no date in the text; due is null"
                )

    def _drafting(self, para: Paragraph, clause: str, item: _Item | None) -> None:
        reporters = self._reporters(clause, item)
        match = _DRAFT_TO.search(clause)
        to = self.names(match.group("to"), para.line) if match else self._default_to(reporters)
        dates = list(_DUE.finditer(clause))
        due, due_text = (_due(dates[0]), dates[0].group(0)) if dates else (None, None)
        self.body.reporting.append(
            ReportingDuty(
                kind="plan_drafting",
                text=clause,
                frequency="yearly",
                due=due,
                due_text=due_text,
                from_=reporters,
                to=to,
                source_line=para.line,
            )
        )
        if due is None:
            self._warn(para.line, "drafting next year's plan has no date in the text; due is null")

    def _reporters(self, clause: str, item: _Item | None) -> list[str]:
        subject = _SUBJECT.match(clause)
        if subject and self._starts_with_agency(subject.group("who")):
            return self.names(subject.group("who"), 0)
        if item is not None and item.names:
            return list(item.names)
        return [self.body.owner] if self.body.owner else []

    def _recipients(self, clause: str, reporters: list[str]) -> list[str]:
        for pattern in (_TO, _OF):
            if match := pattern.search(clause):
                names = self.names(match.group("to"), 0)
                if names:
                    return names
        return self._default_to(reporters)

    def _default_to(self, reporters: list[str]) -> list[str]:
        owner = self.body.owner
        if owner and owner not in reporters:
            return [owner]
        return [self.canonical(self.issuer, 0)] if self.issuer else []

    def _warn(self, line: int | None, message: str) -> None:
        self.body.warnings.append(Warning_(line=line, message=message))


def join_paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Lines as paragraphs: a line starting in lower case continues the one before
    (exports break sentences across lines and even across blank lines)."""
    out: list[Paragraph] = []
    for line in lines:
        text = line.text
        if out and text[:1].islower():
            out[-1].text = f"{out[-1].text} {text}"
        else:
            out.append(Paragraph(line.number, text))
    return out


def clauses(text: str) -> list[str]:
    """A paragraph cut into sentences and independent clauses.

    Semicolons separate clauses except inside a list of agencies ("Các Sở, ngành; UBND
    các phường, xã thực hiện …"), where the part after the semicolon names an agency.
    """
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ])", _strip_bullet(text)):
        parts = sentence.split(";")
        current = parts[0]
        for part in parts[1:]:
            if _starts_like_agency_text(part):
                current = f"{current};{part}"
            else:
                out.append(current.strip())
                current = part
        out.append(current.strip())
    return [c for c in out if c]


def _starts_like_agency_text(text: str) -> bool:
    head = fold(text).split()
    return bool(head) and head[0] in {"ubnd", "uy", "so", "ban", "bo", "cac", "cuc", "vu"}


def _strip_bullet(text: str) -> str:
    return re.sub(r"^[-–•+*]\s*", "", text).strip()


def _looks_like_heading(text: str) -> bool:
    verbs = r"\b(chủ trì|phối hợp|thực hiện|có trách nhiệm|căn cứ|triển khai|xây dựng)\b"
    return len(text) < 200 and not text.endswith(".") and not re.search(verbs, text, re.I)


def _organisation_section(paragraphs: list[Paragraph]) -> list[Paragraph] | None:
    start = next((i for i, p in enumerate(paragraphs) if _SECTION.match(p.text)), None)
    if start is None:
        return None
    section: list[Paragraph] = []
    for para in paragraphs[start + 1 :]:
        if _NEXT_SECTION.match(para.text) or _SECTION_END.match(para.text):
            break
        section.append(para)
    return section


def _item_lookup(items: list[_Item]) -> Callable[[int], _Item | None]:
    """For a line, the organisation item it belongs to (the last item starting before it)."""
    starts = sorted(items, key=lambda item: item.line)

    def lookup(line: int) -> _Item | None:
        found = None
        for item in starts:
            if item.line <= line:
                found = item
        if found is not None and (found.duties and line > found.duties[-1].line):
            return None
        return found

    return lookup


def _frequencies(clause: str) -> list[tuple[str, str | None, str | None]]:
    """(frequency, due "MM-DD" or None, the due as printed) for each period a clause names."""
    paired: list[tuple[str, str | None, str | None]] = [
        (_frequency(m.group("freq")), _due(m), squash(m.group("due")))
        for m in _FREQ_WITH_DATE.finditer(clause)
    ]
    if paired:
        return paired
    low = clause.lower()
    found: list[str] = []
    if re.search(r"0?6 tháng|sáu tháng", low):
        found.append("half-yearly")
    if re.search(r"quý", low):
        found.append("quarterly")
    if re.search(r"hàng tháng|hằng tháng", low):
        found.append("monthly")
    if re.search(r"(?:\(|/|,|\b1|\b01|hàng|hằng|định kỳ)\s*năm\b", low) or not found:
        found.append("yearly")
    dates = list(_DUE.finditer(clause))
    if len(dates) == 1 and len(found) == 1:
        return [(found[0], _due(dates[0]), squash(dates[0].group(0)))]
    return [(frequency, None, None) for frequency in found]


def _frequency(text: str) -> str:
    low = text.lower()
    if "6 tháng" in low or "sáu" in low:
        return "half-yearly"
    if "quý" in low:
        return "quarterly"
    if "năm" in low:
        return "yearly"
    return "monthly"


def _due(match: re.Match[str]) -> str | None:
    """ "trước ngày 20/6" is due 06-19 (the day before); "chậm nhất ngày 20/6" is 06-20.

    Month-days have no year; "trước ngày 1/3" gives 02-28 (a common year).
    """
    day, month = int(match.group("d")), int(match.group("m"))
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2001, month)[1]):
        return None
    kind = (match.group("kind") or "").lower()
    if kind == "trước":
        day -= 1
        if day == 0:
            month = 12 if month == 1 else month - 1
            day = calendar.monthrange(2001, month)[1]
    return f"{month:02d}-{day:02d}"
