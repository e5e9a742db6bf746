"""What the plan's body assigns: "Tổ chức thực hiện" and the recurring reporting duties.

The section "IV. TỔ CHỨC THỰC HIỆN" (or V) lists agencies, either as headings followed
by their duties ("1. Sở Công Thương (cơ quan chủ trì)" then "- Chủ trì, …") or as
numbered sentences whose subject is the agency ("1. Giao Sở Công Thương chủ trì, …").
The owner is the agency marked "(cơ quan chủ trì)" or given the plan with "Giao … chủ
trì". Drafting next year's plan is a clause like "Hàng năm … xây dựng, tham mưu … ban
hành Kế hoạch năm".

A reporting duty is a clause of the body (not of an appendix: "PHỤ LỤC" and what
follows hold forms and cited rules) that

- reports: "báo cáo" as what someone does ("Các sở báo cáo …", "định kỳ tổng hợp báo
  cáo …"), not a report named as a thing ("hồ sơ và báo cáo của …", "trong báo cáo …",
  "thẩm định báo cáo …") nor the recipient's own report ("gửi Sở X để tổng hợp, báo
  cáo UBND"); or sends something "định kỳ" or by a recurring day ("… gửi Bộ X trước
  ngày 30 tháng 6 hằng năm", "cung cấp thông tin … định kỳ hằng năm gửi về Bộ X");
- says when: a period ("định kỳ", "hằng năm", "6 tháng", "hằng quý", "hằng tháng") or a
  recurring day, read by ``engine.periods.find_due_days`` ("trước ngày 20/6", "trước
  ngày 20 hằng tháng", "trước ngày 15 tháng cuối quý");
- has someone who reports: it names a recipient ("gửi/về Sở X", "báo cáo UBND …"),
  opens with an agency, or sits under an agency in "Tổ chức thực hiện";
- and is not only compliance with another document's schedule ("thực hiện chế độ báo
  cáo định kỳ theo quy định tại Điều 17 Thông tư số …").

A report every few years ("định kỳ 5 năm/lần") is not a frequency the plan file
holds: it is left out, with a warning. One yearly phrase with two days ("trước ngày
01/6 và 15/11 hằng năm") is the 6-month report and the annual report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from engine.agencies import AgencyMatcher
from engine.i18n import N_, _
from engine.periods import find_due_days
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
_VERB = re.compile(
    r"\s+(?:căn cứ|có trách nhiệm|thực hiện|chủ động|chủ trì|phối hợp|xây dựng|triển khai|"
    r"định kỳ|tổ chức|báo cáo|hướng dẫn|gửi|tổng hợp)\b",
    re.IGNORECASE,
)
_PERIODIC = re.compile(
    r"định kỳ|hàng năm|hằng năm|hàng quý|hằng quý|hàng tháng|hằng tháng|0?6 tháng|sáu tháng",
    re.IGNORECASE,
)
_FREQ_WITH_DATE = re.compile(
    r"(?P<freq>0?6 tháng|sáu tháng|0?1 năm|một năm|năm|quý|tháng)\s*\((?P<inner>[^)]*)\)",
    re.IGNORECASE,
)
# "báo cáo" naming a document, not a duty: "hồ sơ và báo cáo của …", "trong báo cáo".
_REPORT_NOUN = re.compile(
    r"(?:\b(?:của|trong|thẩm định|hồ sơ|hồ sơ và|mẫu|đề cương|theo|tại|các|bản|đo đạc,)"
    r"\s+báo cáo\b|\bbáo cáo\s+của\b)",
    re.IGNORECASE,
)
# What the recipient does with what it is sent: "gửi Sở X để tổng hợp, báo cáo UBND".
_PURPOSE = re.compile(r"\bđể\s+(?:tổng hợp[,\s]*)?(?:báo cáo|trình)\b.*$", re.IGNORECASE)
_SENDS = re.compile(r"\b(?:gửi|cung cấp)\b", re.IGNORECASE)
# A unit inside an agency ("Phòng Kế hoạch - Tổng hợp" of a Sở's own plan), not the
# prevention of something ("về phòng, chống tham nhũng", "Phòng cháy").
_UNIT = r"Phòng(?!,?\s+(?:chống|cháy|ngừa|tránh|chữa|thủ|vệ|dịch)\b)"
_RECIPIENT = re.compile(
    r"\b(?:gửi|về|báo cáo(?:[^.;]{0,80}?\svới)?)\s+(?:về\s+)?(?:cho\s+)?"
    r"(?:Thủ tướng|Chính phủ|UBND|Ủy ban|Uỷ ban|Chủ tịch|Bộ|Sở|Ban|Văn phòng|Cục|Vụ|"
    r"Hội đồng|HĐND|Tỉnh ủy|Thành ủy|Tỉnh uỷ|Thành uỷ|cơ quan|Chi cục|" + _UNIT + ")\\b"
)
# Compliance with a cited rule's reporting schedule, not a schedule of this plan's.
_CITED_RULE = re.compile(
    r"theo quy định tại\s+(?:Điều|khoản|điểm|Thông tư|Nghị định|Quyết định|Luật)", re.I
)
_EVERY_FEW_YEARS = re.compile(
    r"\b(?:[2-9]|10|hai|ba|năm|mười)\s+năm\s*(?:/|một|1)\s*lần\b", re.IGNORECASE
)
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|PHỤ\s+LỤC)\b")
# Markdown emphasis of portal exports ("**IV. TỔ CHỨC", "***(hoặc"): not text.
_EMPHASIS = re.compile(r"\*{2,}|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|__")
_LETTERED = re.compile(r"(?<=[.;:])\s+(?=[a-zđ]\)\s)")
_DRAFTING = re.compile(
    r"(hàng|hằng) năm.*(xây dựng|tham mưu|trình).*kế hoạch (năm|hàng năm|hằng năm|cho năm)",
    re.IGNORECASE,
)
_TO = re.compile(
    r"(?:gửi|về)\s+(?:về\s+)?(?P<to>(?:Sở|Bộ|UBND|Ủy ban|Ban|Văn phòng|Cục|Vụ|Chi cục|"
    + _UNIT
    + r")[^,()]*?)"
    r"(?:\s+(?:để|trước|theo|trong|định kỳ|chậm nhất)\b|\s*[.;(]|\s*$)",
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
        if items and items[-1].duties:
            last = items[-1].duties[-1]
            if not re.search(r"[.;:!?)\]…]$", last.text):
                words = " ".join(last.text.split()[-4:])
                self._warn(
                    last.line,
                    _("the last duty ends mid-sentence ('… {words}'): the text may be cut").format(
                        words=words
                    ),
                )
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
        for para in _before_appendix(paragraphs):
            for clause in clauses(para.text):
                item = owner_of(para.line)
                if _DRAFTING.search(clause):
                    self._drafting(para, clause, item)
                elif self._is_report(clause, item):
                    self._report(para, clause, item)

    def _is_report(self, clause: str, item: _Item | None) -> bool:
        """Whether the clause gives someone a recurring report (module docstring)."""
        dues = find_due_days(clause)
        if not (_PERIODIC.search(clause) or dues):
            return False
        own = _PURPOSE.sub("", clause)
        reports = bool(re.search(r"báo cáo", _REPORT_NOUN.sub(" ", own), re.I))
        sends = bool(_SENDS.search(own)) and bool(dues or re.search("định kỳ", own, re.I))
        if not (reports or sends):
            return False
        if _CITED_RULE.search(clause) and not dues and not _frequency_words(clause):
            return False
        return bool(
            _RECIPIENT.search(own)
            or (item is not None and item.names)
            or self._subject(clause) is not None
        )

    def _subject(self, clause: str) -> str | None:
        """The agency a clause opens with, before its verb ("Sở Xây dựng thực hiện …")."""
        for verb in _VERB.finditer(clause):
            who = clause[: verb.start()]
            if len(who) < 200 and self._starts_with_agency(who):
                return who
        return None

    def _report(self, para: Paragraph, clause: str, item: _Item | None) -> None:
        if _EVERY_FEW_YEARS.search(clause):
            self._warn(
                para.line,
                _(
                    "a report every few years ('{phrase}') is not a frequency a plan file "
                    "holds (monthly, quarterly, half-yearly, yearly): not read as a reporting duty"
                ).format(
                    phrase=squash(_EVERY_FEW_YEARS.search(clause).group(0))  # type: ignore[union-attr]
                ),
            )
            return
        reporters = self._reporters(clause, item)
        recipients = self._recipients(clause, reporters)
        for frequency, due, due_text in self._frequencies(para.line, clause):
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
                self._warn(para.line, _(_UNDATED[frequency]))

    def _frequencies(
        self, line: int, clause: str
    ) -> list[tuple[Frequency, str | None, str | None]]:
        """(frequency, due, the due as printed) for each report a clause states."""
        found = _frequencies(clause)
        dates = [f for f in found if f[1] is not None]
        if len(found) == 2 and len(dates) == 2 and found[0][2] == found[1][2]:
            first, second = found
            if first[0] == second[0] == "yearly":
                self._warn(
                    line,
                    _(
                        "the yearly report is due twice ('{phrase}'): read as the 6-month "
                        "report (due {first}) and the annual report (due {second})"
                    ).format(phrase=first[2], first=first[1], second=second[1]),
                )
                return [("half-yearly", first[1], first[2]), second]
        return found

    def _drafting(self, para: Paragraph, clause: str, item: _Item | None) -> None:
        reporters = self._reporters(clause, item)
        match = _DRAFT_TO.search(clause)
        to = self.names(match.group("to"), para.line) if match else self._default_to(reporters)
        dates = [f for f in find_due_days(clause) if f.due.month is not None]
        due, due_text = (
            (dates[0].due.value, squash(clause[dates[0].start : dates[0].end]))
            if dates
            else (None, None)
        )
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
            self._warn(
                para.line, _("drafting next year's plan has no date in the text; due is null")
            )

    def _reporters(self, clause: str, item: _Item | None) -> list[str]:
        subject = self._subject(clause)
        if subject is not None:
            return self.names(subject, 0)
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
        text = squash(_EMPHASIS.sub("", line.text))
        if not text:
            continue
        lettered = re.match(r"^[a-zđ]\)\s", text) is not None  # "a) …" opens an item
        if (
            out
            and not lettered
            and (text[:1].islower() or _continues_with_number(out[-1].text, text))
        ):
            out[-1].text = f"{out[-1].text} {text}"
        else:
            out.append(Paragraph(line.number, text))
    return out


def _continues_with_number(before: str, text: str) -> bool:
    """ "… trước ngày 30 tháng" then "6 hằng năm": a hard-wrapped sentence, not an item."""
    return (
        text[:1].isdigit()
        and not re.match(r"^\d{1,2}(?:\.\d{1,2})*\s*[.):]", text)
        and not re.search(r"[.;:!?]$", before.rstrip())
    )


def clauses(text: str) -> list[str]:
    """A paragraph cut into sentences and independent clauses.

    Semicolons separate clauses except inside a list of agencies ("Các Sở, ngành; UBND
    các phường, xã thực hiện …"), where the part after the semicolon names an agency.
    """
    out: list[str] = []
    text = _LETTERED.sub("\n", _strip_bullet(text))
    sentences = [
        s for part in text.split("\n") for s in re.split(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ])", part)
    ]
    for sentence in sentences:
        parts = sentence.split(";")
        current = parts[0]
        for part in parts[1:]:
            if _starts_like_agency_text(part):
                current = f"{current};{part}"
            else:
                out.append(current.strip())
                current = part
        out.append(current.strip())
    return [c for c in (re.sub(r"^[a-zđ]\)\s+", "", c) for c in out) if c]


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
    if start is None:  # a heading broken over two lines: "IV. TỔ CHỨC" / "THỰC HIỆN"
        start = next(
            (
                i + 1
                for i, (p, q) in enumerate(pairwise(paragraphs))
                if len(p.text) < 40 and _SECTION.match(f"{p.text} {q.text}")
            ),
            None,
        )
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


Frequency = Literal["half-yearly", "yearly", "quarterly", "monthly"]

# The warning for a report whose text gives no date, by frequency (whole sentences, so
# that each reads right once translated).
_UNDATED: dict[str, str] = {
    "half-yearly": N_("the half-yearly report has no date in the text; due is null"),
    "yearly": N_("the yearly report has no date in the text; due is null"),
    "quarterly": N_("the quarterly report has no date in the text; due is null"),
    "monthly": N_("the monthly report has no date in the text; due is null"),
}


def _frequencies(clause: str) -> list[tuple[Frequency, str | None, str | None]]:
    """(frequency, due "MM-DD"/"DD" or None, the due as printed) for each period a clause
    names; the days are read by ``engine.periods.find_due_days``."""
    paired: list[tuple[Frequency, str | None, str | None]] = []
    for m in _FREQ_WITH_DATE.finditer(clause):
        inner = m.group("inner")
        for found in find_due_days(inner):
            frequency = found.due.frequency
            if frequency not in ("monthly", "quarterly"):
                frequency = _frequency(m.group("freq"))
            paired.append((frequency, found.due.value, squash(inner[found.start : found.end])))
    if paired:
        return paired
    dues = find_due_days(clause)
    out: list[tuple[Frequency, str | None, str | None]] = []
    for found in dues:  # a day of each month or quarter says its frequency itself
        if found.due.frequency in ("monthly", "quarterly"):
            printed = squash(clause[found.start : found.end])
            out.append((found.due.frequency, found.due.value, printed))
    said = {f for f, _, _ in out}
    words = [f for f in _frequency_words(clause) if f not in said]
    if out and not words:
        return out
    yearly = [f for f in dues if f.due.month is not None]
    if not words:
        words = ["yearly"]
    if yearly and len(words) == 1:
        return out + [(words[0], f.due.value, squash(clause[f.start : f.end])) for f in yearly]
    if len(yearly) == len(words) > 1:  # "báo cáo 6 tháng và năm trước ngày 15/6 và 15/12"
        ordered = sorted(yearly, key=lambda f: f.due.value or "")
        texts = [squash(clause[f.start : f.end]) for f in ordered]
        return out + [
            (word, f.due.value, text) for word, f, text in zip(words, ordered, texts, strict=True)
        ]
    return out + [(frequency, None, None) for frequency in words]


def _frequency_words(clause: str) -> list[Frequency]:
    """The frequencies a clause's words name, in a fixed order."""
    low = clause.lower()
    found: list[Frequency] = []
    if re.search(r"0?6 tháng|sáu tháng", low):
        found.append("half-yearly")
    if re.search(r"quý", low):
        found.append("quarterly")
    if re.search(r"hàng tháng|hằng tháng", low):
        found.append("monthly")
    if re.search(r"(?:\(|/|,|\b1|\b01|hàng|hằng|định kỳ)\s*năm\b", low):
        found.append("yearly")
    return found


def _frequency(text: str) -> Frequency:
    low = text.lower()
    if "6 tháng" in low or "sáu" in low:
        return "half-yearly"
    if "quý" in low:
        return "quarterly"
    if "năm" in low:
        return "yearly"
    return "monthly"


def _before_appendix(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The body: the paragraphs before the first appendix heading ("PHỤ LỤC I …")."""
    for n, para in enumerate(paragraphs):
        if n > 0 and _APPENDIX.match(para.text):
            return paragraphs[:n]
    return paragraphs
