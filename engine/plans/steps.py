"""Dates inside a time cell that is a sentence or a list of steps.

Time cells do not always hold a time expression alone: "Trình UBTVQH xem xét, thông qua
trước ngày 10/01/2025", or steps, each with its month: "- Trình UBTVQH tại Phiên họp thứ
42 (tháng 02/2025); - Trình Quốc hội … (cuối tháng 02/2025)". When the whole cell does
not read as one expression, each date, month or quarter it names with its year (and the
deadline word before it, if any), as ``engine.periods.find_periods`` finds them, is read
on its own; the task's occurrences are those windows, so it runs from the first step to
the last. The importer warns that it read the cell so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from engine.errors import NhacviecError
from engine.periods import find_periods
from engine.plans.model import Occurrence

_YEAR = r"(?:19|20)\d{2}"
# "Thực hiện đến năm 2030 và …": the work goes on until then, from the plan's start.
_UNTIL = re.compile(
    rf"^(?:thực hiện|triển khai)\s+(?:đến|tới)\s+(?:hết\s+)?năm\s+({_YEAR})\b", re.I
)

Parse = Callable[[str, tuple[int, int]], list[Occurrence]]


def embedded_windows(text: str, within: tuple[int, int], parse: Parse) -> list[Occurrence]:
    """The windows of every date, month or quarter the text names, in order, once each."""
    out: list[Occurrence] = []
    if until := _UNTIL.match(text.strip()):
        year = int(until.group(1))
        if within[0] <= year:
            span = f"{within[0]} - {year}"
            return parse(span, within)
    for found in find_periods(text, within):
        phrase = text[found.start : found.end]
        # a step names its own date or window; "hằng năm" or a yearless month is no step
        if found.period.recurrence is not None or not re.search(_YEAR, phrase):
            continue
        try:
            windows = parse(phrase, within)
        except NhacviecError:
            continue
        out.extend(o for o in windows if o not in out)
    return out
