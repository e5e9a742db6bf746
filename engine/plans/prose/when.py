"""The time phrase inside a longer sentence, read through the period parser.

A task written in prose carries its deadline in the sentence: "… trình Chính phủ xem
xét, quyết định trong quý III năm 2012", "… báo cáo Ủy ban nhân dân tỉnh trước ngày
15/4/2026", "… hoàn thành chậm nhất đến ngày 01 tháng 7 năm 2028", "… gửi Bộ trước ngày
30 tháng 6 hằng năm", "Hàng năm, tiến hành rà soát …", "… báo cáo định kỳ hằng năm". This
module finds such phrases and hands each to ``engine.periods.parse_period`` (one
vocabulary for the whole product); it never reads a date itself.

A sentence names many dates that are not deadlines: those of the documents it cites
("Văn bản số 2265/BCT-ATMT ngày 02/4/2026", "Luật … ngày 16/6/2025"), spans of other
plans ("trong giai đoạn từ năm 2013"), durations ("ít nhất 10 ngày", "24/24h"). So in a
sentence a date counts only after a deadline word (trước, chậm nhất, hoàn thành, xong,
trong) or in a span of days ("từ ngày 15/11 đến ngày 15/12"), a month or quarter only
after one of those too, and "hằng năm" only as "định kỳ hằng năm" or opening a clause.
"Thường xuyên" in a sentence is an adverb ("thường xuyên phối hợp"), not a window. A
label line ("Thời gian thực hiện: …") is all time, so there the whole value is read
first, and "Thường xuyên" or "hằng năm" anywhere in it counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import NhacviecError
from engine.i18n import _
from engine.plans.model import Occurrence

Parse = Callable[[str, tuple[int, int]], list[Occurrence]]

_Y = r"(?:19|20)\d{2}"
_DATE = (
    rf"\d{{1,2}}\s*/\s*\d{{1,2}}(?:\s*/\s*(?:{_Y}|\d{{3}}(?!\d)))?"
    rf"|\d{{1,2}}\s+tháng\s+\d{{1,2}}(?:\s+năm\s+{_Y})?"
)
_MONTH = rf"tháng\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s*(?:/|\s+năm\s+)\s*{_Y}"
_QUARTER = rf"qu[ýí]\s+[IVX1-4]+(?:\s*[-–,]\s*[IVX1-4]+)?\s*(?:/|\s+năm\s+|\s*[-–]\s*)\s*{_Y}"
_HALF = rf"6\s+tháng\s+(?:đầu|cuối)\s+năm\s+{_Y}"
_YEARLY = r"\s+(?:h[ằàa]ng|mỗi)\s+năm"
_DEADLINE = r"(?:trước|chậm nhất(?:\s+(?:là|đến|vào))?|muộn nhất(?:\s+là)?|hạn chót)"
_DONE = r"(?:hoàn thành|xong)(?:\s+(?:trong|trước|vào|chậm nhất(?:\s+(?:là|đến))?))?"
_PHRASES = [
    # a span of days: "(từ ngày 15/11 đến ngày 15/12)", "từ 01/6/2026 - 30/6/2026"
    re.compile(
        rf"\btừ\s+(?:ngày\s+)?(?:{_DATE})\s*(?:đến|[-–])\s*(?:hết\s+)?(?:ngày\s+)?(?:{_DATE})",
        re.IGNORECASE,
    ),
    # a deadline day, possibly every year: "trước ngày 30 tháng 6 hằng năm"
    re.compile(rf"(?:{_DONE}\s+)?{_DEADLINE}\s+(?:ngày\s+)?(?:{_DATE})(?:{_YEARLY})?", re.I),
    # a month, quarter or half, after a deadline word or "trong"
    re.compile(
        rf"(?:{_DONE}|{_DEADLINE}|trong|vào)\s+(?:{_QUARTER}|{_MONTH}|{_HALF})", re.IGNORECASE
    ),
    # a year as a deadline: "hoàn thành trong năm 2026", "đến năm 2015, hoàn thành"
    re.compile(rf"(?:{_DONE}|{_DEADLINE})\s+(?:hết\s+)?năm\s+{_Y}", re.IGNORECASE),
    re.compile(rf"(?:^|[.;:]\s*)đến\s+(?:hết\s+)?năm\s+{_Y}(?=\s*,)", re.IGNORECASE),
    # yearly work: "định kỳ hằng năm", "Hằng năm, …"
    re.compile(rf"định kỳ{_YEARLY}|(?:^|[.;:]\s*)(?:h[ằàa]ng|mỗi) năm(?=\s*,)", re.IGNORECASE),
]
_LABEL_EXTRA = [
    re.compile(r"^\W*thường xuyên", re.IGNORECASE),
    re.compile(rf"(?:h[ằàa]ng|mỗi)\s+năm|giai đoạn\s+{_Y}\s*[-–]\s*{_Y}", re.IGNORECASE),
    re.compile(rf"(?:^|\s)(?:{_QUARTER}|{_MONTH}|{_HALF}|năm\s+{_Y})", re.IGNORECASE),
]
# Open-ended windows, until the period parser reads them itself: "Quý IV năm 2025 và
# các năm tiếp theo" runs on to the plan's end, as does "Từ 01/7/2025".
_ONWARDS = re.compile(r"^(?P<first>.+?)\s*,?\s+và\s+(?:các|những)\s+năm\s+tiếp\s+theo\W*$", re.I)
_FROM_DAY = re.compile(
    r"^(?:kể\s+)?từ\s+(?:ngày\s+)?(?P<day>\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4})\W*$", re.I
)
_LEAD_WORDS = re.compile(r"^(?:(?:hoàn thành|xong)\s+|trong\s+|vào\s+|[.;:\s]+)+", re.IGNORECASE)
_SHORT_YEAR = re.compile(r"(\d{1,2}\s*/\s*\d{1,2})\s*/\s*\d{3}(?!\d)")


@dataclass
class Found:
    """The occurrences a text gives and the phrases they were read from."""

    occurrences: list[Occurrence]
    phrases: list[str]
    notes: list[str]

    @property
    def text(self) -> str | None:
        return "; ".join(self.phrases) or None


def _phrase(raw: str) -> tuple[str, str | None]:
    """The phrase as the period parser should read it, and a note when it was mended."""
    text = _LEAD_WORDS.sub("", raw.strip()).strip(" ,.")
    mended = _SHORT_YEAR.sub(r"\1", text)
    if mended != text:
        note = _(
            "the year in '{text}' is not four digits (a scanning error?): read without it"
        ).format(text=text)
        return mended, note
    return text, None


def _read(phrases: list[str], within: tuple[int, int], parse: Parse) -> Found:
    found = Found([], [], [])
    for raw in phrases:
        text, note = _phrase(raw)
        try:
            occurrences = parse(text, within)
        except NhacviecError:
            continue
        if note:
            found.notes.append(note)
        found.phrases.append(raw.strip(" ,.;:"))
        found.occurrences.extend(o for o in occurrences if o not in found.occurrences)
    return found


def in_sentence(text: str, within: tuple[int, int], parse: Parse) -> Found:
    """The windows a task's sentences name (see the module docstring)."""
    spans: list[tuple[int, int]] = []
    for pattern in _PHRASES:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in spans):
                continue
            spans.append((match.start(), match.end()))
    spans.sort()
    return _read([text[a:b] for a, b in spans], within, parse)


def in_label(value: str, within: tuple[int, int], parse: Parse) -> tuple[Found, str | None]:
    """The windows of a time label's value; and the reason when it names none."""
    try:
        occurrences = parse(value.strip(" ."), within)
        return Found(list(occurrences), [value.strip(" .")], []), None
    except NhacviecError as exc:
        reason = str(exc)
        undated = getattr(exc, "kind", None) is not None
    if undated:
        return Found([], [], []), reason
    found = _open_ended(value.strip(), within, parse)
    if found.occurrences:
        return found, None
    found = in_sentence(value, within, parse)
    if found.occurrences:
        return found, None
    for pattern in _LABEL_EXTRA:
        match = pattern.search(value)
        if match:
            found = _read([match.group(0)], within, parse)
            if found.occurrences:
                return found, None
    return Found([], [], []), reason


def _open_ended(value: str, within: tuple[int, int], parse: Parse) -> Found:
    """ "X và các năm tiếp theo" and "Từ D": from X (or D) to the end of the plan."""
    end = within[1]
    if onwards := _ONWARDS.match(value):
        first = _read([onwards.group("first")], within, parse)
        if first.occurrences:
            last = max(o.end for o in first.occurrences)
            if last.year < end:
                tail = _read([f"Năm {last.year + 1} - {end}"], within, parse)
                first.occurrences.extend(tail.occurrences)
            first.phrases = [value.strip(" .")]
        return first
    if start := _FROM_DAY.match(value):
        found = _read([f"{start.group('day')} - 31/12/{end}"], within, parse)
        found.phrases = [value.strip(" .")] if found.occurrences else []
        return found
    return Found([], [], [])
