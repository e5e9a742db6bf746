"""Relative-time phrases of the workflow language, in English or Vietnamese.

A phrase says when something happens relative to the day an obligation *opens*, the
day it falls *due* (its last allowed day), or the day it was *acknowledged*::

    when it opens | khi bắt đầu                  → opens + 0
    3 days after it opens | 3 ngày sau khi bắt đầu → opens + 3
    14 days before due | 14 ngày trước hạn       → due − 14 calendar days
    3 working days before due | 3 ngày làm việc trước hạn → due − 3 working days
    2 weeks before due | 2 tuần trước hạn         → due − 14 calendar days
    on the due date | on the day | đúng hạn       → due + 0
    1 day after due | 1 ngày sau hạn | quá hạn 1 ngày → due + 1
    3 working days after acknowledged | 3 ngày làm việc sau khi nhận → acknowledged + 3
      working days (only while acknowledged and not done: ``engine.workflow.generate``)

"due" may be left out after before/after ("14 days before"). Case, accents written as
combining marks and extra spaces do not matter. ``parse_offset`` raises ``ValueError``
with the accepted forms, which pydantic turns into a file:line problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Anchor = Literal["opens", "due", "acknowledged"]
When = Literal["opens", "before", "on_due", "after", "acknowledged"]


@dataclass(frozen=True)
class Offset:
    """``days`` (negative = before) from the ``anchor`` day, counted in working days or not."""

    anchor: Anchor
    days: int
    working: bool = False

    @property
    def when(self) -> When:
        """How templates see the stage: opens, before (due), on_due, after (due), or
        acknowledged (timed from the acknowledgement)."""
        if self.anchor in ("opens", "acknowledged"):
            return self.anchor
        if self.days < 0:
            return "before"
        return "on_due" if self.days == 0 else "after"

    @property
    def escalation(self) -> bool:
        """Stages after the due date are escalations."""
        return self.when == "after"

    def describe(self) -> str:
        """The phrase in canonical English."""
        if self.days == 0:
            return "when it opens" if self.anchor == "opens" else "on the due date"
        n = abs(self.days)
        unit = ("working day" if self.working else "day") + ("s" if n != 1 else "")
        where = "before due" if self.days < 0 else "after due"
        if self.anchor == "opens":
            where = "after it opens"
        elif self.anchor == "acknowledged":
            where = "after acknowledged"
        return f"{n} {unit} {where}"


def normalise(text: str) -> str:
    """NFC, lower case, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFC", text).lower().strip().strip(".")
    return re.sub(r"\s+", " ", text)


_OPENS = {
    "when it opens",
    "when opens",
    "when it starts",
    "on opening",
    "at the start",
    "at start",
    "on the start date",
    "khi bắt đầu",
    "khi mở",
    "ngày bắt đầu",
    "vào ngày bắt đầu",
}
_ON_DUE = {
    "on the due date",
    "on due date",
    "on the day",
    "on due",
    "when due",
    "at due",
    "đúng hạn",
    "đến hạn",
    "khi đến hạn",
    "vào ngày đến hạn",
    "ngày đến hạn",
    "vào ngày hết hạn",
    "trong ngày đến hạn",
}
_NUMBER = r"(?P<n>\d{1,3})"
_EN_UNIT = r"(?P<working>working |business )?(?P<unit>days?|weeks?)"
_VI_UNIT = r"(?P<unit>ngày|tuần)(?P<working> làm việc)?"
_EN_DUE = r"(?: (?:the )?(?:due(?: date)?|deadline|lead'?s? due(?: date)?))?"
_VI_DUE = r"(?: (?:hạn|thời hạn|ngày đến hạn|hạn chót|hạn của đơn vị chủ trì))?"
_PATTERNS: tuple[tuple[re.Pattern[str], Anchor, int], ...] = (
    (re.compile(rf"{_NUMBER} {_EN_UNIT} before{_EN_DUE}"), "due", -1),
    (re.compile(rf"{_NUMBER} {_EN_UNIT} after{_EN_DUE}"), "due", 1),
    (re.compile(rf"{_NUMBER} {_EN_UNIT} after (?:it opens|opening|the start|start)"), "opens", 1),
    (re.compile(rf"{_NUMBER} {_VI_UNIT} trước{_VI_DUE}"), "due", -1),
    (re.compile(rf"{_NUMBER} {_VI_UNIT} sau{_VI_DUE}"), "due", 1),
    (re.compile(rf"quá hạn {_NUMBER} {_VI_UNIT}"), "due", 1),
    (re.compile(rf"{_NUMBER} {_VI_UNIT} sau khi (?:bắt đầu|mở)"), "opens", 1),
    (
        re.compile(
            rf"{_NUMBER} {_EN_UNIT} after (?:it is |it was |being )?"
            r"(?:acknowledged|acknowledgement|acknowledgment|the acknowledgement|receipt)"
        ),
        "acknowledged",
        1,
    ),
    (
        re.compile(rf"{_NUMBER} {_VI_UNIT} sau khi (?:đã )?(?:xác nhận )?(?:đã )?nhận"),
        "acknowledged",
        1,
    ),
)

ACCEPTED = (
    '"when it opens", "N days after it opens", "N days before due", '
    '"N working days before due", "on the due date", "N days after due", '
    '"N working days after acknowledged" '
    '(or in Vietnamese: "khi bắt đầu", "14 ngày trước hạn", "3 ngày làm việc trước hạn", '
    '"đúng hạn", "1 ngày sau hạn", "3 ngày làm việc sau khi nhận")'
)


def parse_offset(text: str) -> Offset:
    """Read one phrase; ``ValueError`` naming the accepted forms if it cannot be read."""
    phrase = normalise(text)
    if phrase in _OPENS:
        return Offset("opens", 0)
    if phrase in _ON_DUE:
        return Offset("due", 0)
    for pattern, anchor, sign in _PATTERNS:
        match = pattern.fullmatch(phrase)
        if match:
            return _offset(match, anchor, sign)
    raise ValueError(f"cannot read the time phrase {text!r}; expected {ACCEPTED}")


def _offset(match: re.Match[str], anchor: Anchor, sign: int) -> Offset:
    n = int(match.group("n"))
    weeks = match.group("unit") in ("week", "weeks", "tuần")
    working = bool(match.group("working"))
    if weeks and working:
        raise ValueError("working days can be counted, working weeks cannot; use days")
    if anchor == "acknowledged" and n == 0:
        raise ValueError("a stage timed from the acknowledgement needs at least 1 day")
    return Offset(anchor, sign * n * (7 if weeks else 1), working)
