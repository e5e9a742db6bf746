"""The status categories of government reporting, and scorecards that count them.

Reports on a plan (the 6-month and annual reports) sort every obligation into four
categories, always against the **original** due date (``original_due_on``, which an
extension never moves):

=========================  ============================  ======================================
category                   Vietnamese                    when (as of a date D)
=========================  ============================  ======================================
``DONE_ON_TIME``           Hoàn thành đúng hạn           done on or before the original date
``DONE_LATE``              Hoàn thành quá hạn            done after the original date
``NOT_DONE_IN_TIME``       Chưa hoàn thành trong hạn     not done, D ≤ original date
``NOT_DONE_OVERDUE``       Chưa hoàn thành quá hạn       not done, D > original date
=========================  ============================  ======================================

Two refinements mark an approved extension (``due_on`` later than ``original_due_on``):
``DONE_WITHIN_EXTENSION`` (done late, but on or before the extended date) and
``NOT_DONE_WITHIN_EXTENSION`` (not done, past the original date, not past the extended
one). **They still count as done late and not done overdue in the four-way table**
(``Category.column``), and are counted a second time in columns of their own. Why: the
reports measure plans against the dates the plan set; an extension is a decision about
the follow-up, not a rewrite of the record. Counting extended work as "on time" would let
every late task be made punctual after the fact; hiding it inside "late" would be unfair
to agencies that asked in time. Both columns keep the statistic honest and the context
visible.

``WAIVED`` (Miễn thực hiện) is outside the four categories and outside the on-time rate.
An obligation cancelled by sync (``cancelled_at`` set) belongs to no category at all:
``categorize`` refuses it and ``Scorecard.of`` skips it.

*Done* means status ``done`` with ``done_at`` on or before D (its local date in the
plan's zone); *not done* means status ``open`` or ``acknowledged``, or ``done`` with a
``done_at`` after D (as of D it was not done yet). The history is not replayed: an
obligation reopened after D counts as not done, and a waived one is waived whatever D is.

Everything here is pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from engine.status import local_date

K = TypeVar("K", bound=Hashable)


class Category(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    DONE_WITHIN_EXTENSION = "done_within_extension"
    NOT_DONE_IN_TIME = "not_done_in_time"
    NOT_DONE_OVERDUE = "not_done_overdue"
    NOT_DONE_WITHIN_EXTENSION = "not_done_within_extension"
    WAIVED = "waived"

    @property
    def column(self) -> Category:
        """The four-way category this one counts under (itself, or WAIVED)."""
        return _COLUMN.get(self, self)

    @property
    def within_extension(self) -> bool:
        return self in _COLUMN

    @property
    def vi(self) -> str:
        return LABELS[self][0]

    @property
    def en(self) -> str:
        return LABELS[self][1]

    def label(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi


_COLUMN = {
    Category.DONE_WITHIN_EXTENSION: Category.DONE_LATE,
    Category.NOT_DONE_WITHIN_EXTENSION: Category.NOT_DONE_OVERDUE,
}

FOUR_WAY: tuple[Category, ...] = (
    Category.DONE_ON_TIME,
    Category.DONE_LATE,
    Category.NOT_DONE_IN_TIME,
    Category.NOT_DONE_OVERDUE,
)

LABELS: dict[Category, tuple[str, str]] = {
    Category.DONE_ON_TIME: ("Hoàn thành đúng hạn", "Done on time"),
    Category.DONE_LATE: ("Hoàn thành quá hạn", "Done late"),
    Category.DONE_WITHIN_EXTENSION: (
        "Hoàn thành quá hạn, trong thời gian được gia hạn",
        "Done late, within an approved extension",
    ),
    Category.NOT_DONE_IN_TIME: ("Chưa hoàn thành trong hạn", "Not done, still in time"),
    Category.NOT_DONE_OVERDUE: ("Chưa hoàn thành quá hạn", "Not done, overdue"),
    Category.NOT_DONE_WITHIN_EXTENSION: (
        "Chưa hoàn thành quá hạn, đang trong thời gian được gia hạn",
        "Not done, overdue, within an approved extension",
    ),
    Category.WAIVED: ("Miễn thực hiện", "Waived"),
}


class Categorizable(Protocol):
    """What ``categorize`` reads: an ``Obligation`` row, or anything shaped like one."""

    @property
    def status(self) -> str: ...
    @property
    def due_on(self) -> date: ...
    @property
    def original_due_on(self) -> date: ...
    @property
    def done_at(self) -> datetime | None: ...
    @property
    def cancelled_at(self) -> datetime | None: ...


def done_on(obligation: Categorizable, *, as_of: date, zone: ZoneInfo) -> date | None:
    """The local date it was done, if it was done on or before ``as_of``; else None."""
    if obligation.status != "done":
        return None
    if obligation.done_at is None:
        raise ValueError("a done obligation without done_at")
    day = local_date(obligation.done_at, zone)
    return day if day <= as_of else None


def categorize(obligation: Categorizable, *, as_of: date, zone: ZoneInfo) -> Category:
    """The obligation's category as of the end of day ``as_of`` (module docstring).

    Raises ValueError for an obligation cancelled by sync, which is in no category.
    """
    if obligation.cancelled_at is not None:
        raise ValueError("a cancelled obligation is in no category")
    if obligation.status == "waived":
        return Category.WAIVED
    if obligation.status not in ("open", "acknowledged", "done"):
        raise ValueError(f"unknown status {obligation.status!r}")
    original, extended = obligation.original_due_on, obligation.due_on
    finished = done_on(obligation, as_of=as_of, zone=zone)
    if finished is not None:
        if finished <= original:
            return Category.DONE_ON_TIME
        if extended > original and finished <= extended:
            return Category.DONE_WITHIN_EXTENSION
        return Category.DONE_LATE
    if as_of <= original:
        return Category.NOT_DONE_IN_TIME
    if extended > original and as_of <= extended:
        return Category.NOT_DONE_WITHIN_EXTENSION
    return Category.NOT_DONE_OVERDUE


@dataclass
class Scorecard:
    """Counts per category for one agency, plan or task.

    The four columns add up to ``total``; ``done_within_extension`` is part of
    ``done_late`` and ``not_done_within_extension`` part of ``not_done_overdue``;
    ``waived`` is outside ``total``.
    """

    done_on_time: int = 0
    done_late: int = 0
    not_done_in_time: int = 0
    not_done_overdue: int = 0
    done_within_extension: int = 0
    not_done_within_extension: int = 0
    waived: int = 0

    def add(self, category: Category) -> None:
        column = category.column
        setattr(self, column.value, getattr(self, column.value) + 1)
        if category.within_extension:
            setattr(self, category.value, getattr(self, category.value) + 1)

    def __add__(self, other: Scorecard) -> Scorecard:
        return Scorecard(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def count(self, category: Category) -> int:
        return int(getattr(self, category.value))

    @property
    def total(self) -> int:
        """Obligations in the four categories (waived ones excluded)."""
        return self.done_on_time + self.done_late + self.not_done_in_time + self.not_done_overdue

    @property
    def decided(self) -> int:
        """Obligations whose punctuality is known: done, or not done and overdue."""
        return self.done_on_time + self.done_late + self.not_done_overdue

    @property
    def on_time_rate(self) -> float | None:
        """done on time / (done on time + done late + not done overdue); None if 0/0.

        Work that is not done but still in time is not decided yet, so it is left out
        rather than counted for or against the agency.
        """
        return self.done_on_time / self.decided if self.decided else None

    @classmethod
    def of(cls, obligations: Iterable[Categorizable], *, as_of: date, zone: ZoneInfo) -> Scorecard:
        """The scorecard of some obligations; those cancelled by sync are skipped."""
        card = cls()
        for obligation in obligations:
            if obligation.cancelled_at is None:
                card.add(categorize(obligation, as_of=as_of, zone=zone))
        return card


def scorecards(rows: Iterable[tuple[K, Category]]) -> dict[K, Scorecard]:
    """One scorecard per key (agency, plan, task…), in the order keys first appear."""
    cards: dict[K, Scorecard] = {}
    for key, category in rows:
        cards.setdefault(key, Scorecard()).add(category)
    return cards
