"""The dates of the event a plan organises, for the task that holds the event.

Inspection and training plans (Kế hoạch kiểm tra, huấn luyện, tập huấn …) give the dates
in the body ("1. Thời gian, đối tượng kiểm tra:" then "1.1. Đợt 1: Từ 13h30’ ngày
02/6/2026", "1.2. Đợt 2: … ngày 03/6/2026"; or "1. Thời gian kiểm tra: 13h30’ ngày
29/4/2026") and assign the work in a table without a time column, where one row is the
event itself: "Tổ chức kiểm tra", "Tổ chức huấn luyện, kiểm tra". That row takes the
dates the body names, from the first to the last; the other rows (preparing, marking,
signing) have none printed and keep none. The importer warns that it did so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from engine.periods import find_periods
from engine.plans.document import Document
from engine.plans.text import fold

_TIME_ITEM = re.compile(r"^(?P<n>\d+)\.\s*Thời gian\b(?P<rest>[^:]*):?(?P<tail>.*)$", re.I)
_SUB_ITEM = re.compile(r"^(?P<n>\d+)\.\d+")
_NEXT_ITEM = re.compile(r"^(?P<n>\d+)\.\s")
_FULL_DATE = re.compile(r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}")
_ACTIVITY = re.compile(r"^ke hoach\s+((?:\w+\s+){0,1}\w+)")


@dataclass(frozen=True)
class EventDates:
    first: date
    last: date
    line: int
    activities: tuple[str, ...]  # folded: "kiem tra", "huan luyen"


def event_dates(doc: Document, title: str | None) -> EventDates | None:
    """The dates of the body's "N. Thời gian …" item and its sub-items, if any."""
    lines = doc.lines
    for index, line in enumerate(lines):
        match = _TIME_ITEM.match(line.text)
        if match is None:
            continue
        texts = [line.text]
        for later in lines[index + 1 : index + 30]:
            sub = _SUB_ITEM.match(later.text)
            nxt = _NEXT_ITEM.match(later.text)
            if nxt and not sub:
                break
            texts.append(later.text)
        days = [d for text in texts for d in _days(text)]
        if not days:
            continue
        activities = {a for a in (_noun(match.group("rest")), _title_activity(title)) if a}
        return EventDates(min(days), max(days), line.number, tuple(sorted(activities)))
    return None


def holds_event(task_title: str, event: EventDates) -> bool:
    """ "Tổ chức kiểm tra" holds an inspection; "Tổ chức chấm bài" does not."""
    folded = fold(task_title)
    if not folded.startswith("to chuc "):
        return False
    rest = folded.removeprefix("to chuc ")
    return any(rest.startswith(a) or f" {a}" in rest[:40] for a in event.activities)


def _noun(text: str) -> str | None:
    """ "Thời gian, đối tượng kiểm tra" → "kiem tra"."""
    words = fold(text).split()
    return " ".join(words[-2:]) if len(words) >= 2 else None


def _title_activity(title: str | None) -> str | None:
    match = _ACTIVITY.match(fold(title or ""))
    return match.group(1).strip() if match else None


def _days(text: str) -> list[date]:
    """The days of the dated phrases of a text ("13h30’ ngày 02/6/2026", "từ ngày 2/6
    đến ngày 5/6/2026"), as ``engine.periods.find_periods`` reads them."""
    days: list[date] = []
    for found in find_periods(text):
        if found.period.recurrence is None and _FULL_DATE.search(text[found.start : found.end]):
            for o in found.period.occurrences:
                days.extend(d for d in (o.start, o.end) if d is not None)
    return days
