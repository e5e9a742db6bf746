"""A deadline the body gives for the tasks of an appendix without a time column.

Decrees and resolutions list the documents to amend in an appendix table that has no
time column, and say when in an article of the body: "Trình … ban hành văn bản quy phạm
pháp luật theo Phụ lục II ban hành kèm theo Nghị quyết này …, bảo đảm có hiệu lực trước
ngày 01 tháng 3 năm 2027" (corpus 01), "… theo các Phụ lục …" (corpus 02, every
appendix). Such a sentence, in the body before the first appendix, that names the
appendix (or "các Phụ lục") and carries a deadline gives that deadline to the rows of
the appendix's task tables; the importer says so in a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.periods import find_periods, normalise
from engine.plans.document import Document, Line, Table
from engine.plans.header import title_years

_APPENDIX_HEADING = re.compile(r"^\*?\s*(?:PHỤ LỤC|Phụ lục)\s*(?P<id>[IVXLC]+(?:\.\d+)?)?\b")
_NAMED = re.compile(
    r"(?:theo|tại|trong|ở)\s+(?:(?P<all>các)\s+)?Phụ lục(?:\s+(?P<id>[IVXLC]+(?:\.\d+)?)\b)?"
    r"(?!\s+này)",
    re.IGNORECASE,
)
# What a deadline for an appendix opens with ("trước ngày …", "hoàn thành trong quý …").
_DEADLINE_WORD = re.compile(r"^(?:truoc|cham nhat|hoan thanh trong|xong trong|nam \d{4})")


@dataclass(frozen=True)
class BodyDeadline:
    text: str  # the deadline as printed ("trước ngày 01 tháng 3 năm 2027")
    line: int  # where the body says it
    appendix: str | None  # "II", or None for "các Phụ lục" (every appendix)


def body_deadlines(doc: Document) -> list[BodyDeadline]:
    """The body's deadlines for appendices, from the lines before the first appendix."""
    out: list[BodyDeadline] = []
    for line in doc.lines:
        if _APPENDIX_HEADING.match(line.text) and line.text.strip().upper() == line.text.strip():
            break
        named = _NAMED.search(line.text)
        deadline = _deadline(line.text[named.end() :]) if named else None
        if named and deadline:
            appendix = None if named.group("all") or not named.group("id") else named.group("id")
            out.append(BodyDeadline(deadline, line.number, appendix))
    return out


def _deadline(text: str) -> str | None:
    """The first deadline with a year in the text, as printed (``find_periods``)."""
    for found in find_periods(text):
        phrase = text[found.start : found.end]
        if (
            found.period.recurrence is None
            and re.search(r"\d{4}", phrase)
            and _DEADLINE_WORD.match(normalise(phrase))
        ):
            return phrase
    return None


def appendix_of(doc: Document, table: Table) -> str | None:
    """The appendix a table is printed under ("II" for "PHỤ LỤC II"), or "" for one
    without a numeral; None when no appendix heading precedes it."""
    found: str | None = None
    for line in doc.lines:
        if line.number >= table.first:
            break
        match = _APPENDIX_HEADING.match(line.text)
        if match:
            found = match.group("id") or ""
    return found


def deadline_for(doc: Document, table: Table) -> BodyDeadline | None:
    appendix = appendix_of(doc, table)
    if appendix is None:
        return None
    for deadline in body_deadlines(doc):
        if deadline.appendix is None or deadline.appendix == appendix:
            return deadline
    return None


# The caption under an appendix heading that says which document the appendix belongs
# to ("(Ban hành kèm theo Kế hoạch số 144/KH-UBND ngày 24 tháng 11 năm 2025 …)").
_ATTACHED = re.compile(r"^[*_(\s]*(?:ban hành )?kèm theo\b", re.IGNORECASE)
_CAPTION_LINES = 6


def caption_deadline(doc: Document, table: Table) -> BodyDeadline | None:
    """The time an appendix's heading gives its table when neither the table nor the
    body does: "PHÂN CÔNG THỰC HIỆN CÁC CHỈ TIÊU … ĐẾN NĂM 2030" → "đến năm 2030",
    "… NĂM 2026" → "năm 2026", "… GIAI ĐOẠN 2026 - 2030" → "2026 - 2030"."""
    heading: Line | None = None
    caption: list[Line] = []
    for line in doc.lines:
        if line.number >= table.first:
            break
        if _APPENDIX_HEADING.match(line.text):
            heading, caption = line, []
        elif heading is not None:
            caption.append(line)
    if heading is None or len(caption) > _CAPTION_LINES:
        return None
    said = [ln for ln in (heading, *caption) if not _ATTACHED.match(ln.text)]
    first, last = title_years(" ".join(ln.text for ln in said))
    if last is None:
        return None
    text = (
        f"đến năm {last}"
        if first is None
        else (f"năm {last}" if first == last else f"{first} - {last}")
    )
    where = next((ln.number for ln in said if str(last) in ln.text), heading.number)
    return BodyDeadline(text, where, appendix_of(doc, table))
