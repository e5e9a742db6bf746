"""ISO weeks, the unit of the weekly digests: ``2026-W25`` runs Monday 15 to Sunday 21 June.

A week's digests go out at ``[time] send_at`` on its first working day (Monday, or the
first working day after a holiday Monday); a week without a working day (Tết) has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from engine.errors import InputError
from engine.i18n import _

if TYPE_CHECKING:
    from engine.workflow.calendar import WorkCalendar

_CODE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO week (Monday first); ``code`` is ``YYYY-Www``."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W25`` (also ``2026W25``, any case); ``InputError`` for anything else."""
        match = _CODE.match(text.strip())
        if match is None:
            raise InputError(
                _("--week {text!r}: expected an ISO week as YYYY-Www, e.g. 2026-W25").format(
                    text=text
                )
            )
        year, number = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise InputError(
                _("--week {text!r}: {year} has no ISO week {number}").format(
                    text=text, year=year, number=number
                )
            ) from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def code(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    @property
    def next(self) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(days=7))

    def contains(self, day: date) -> bool:
        return self.monday <= day <= self.sunday

    def start(self, calendar: WorkCalendar) -> datetime:
        """Local midnight starting the week (aware)."""
        return datetime.combine(self.monday, time(), tzinfo=calendar.zone)

    def end(self, calendar: WorkCalendar) -> datetime:
        """Local midnight ending the week (aware; the next week's start)."""
        return datetime.combine(self.sunday + timedelta(days=1), time(), tzinfo=calendar.zone)

    def send_day(self, calendar: WorkCalendar) -> date | None:
        """The day its digests go out: its first working day, None if it has none."""
        return calendar.week_first_working_day(self.year, self.number)

    def send_instant(self, calendar: WorkCalendar) -> datetime | None:
        """``send_at`` on ``send_day`` (aware, UTC), None if the week has no working day."""
        day = self.send_day(calendar)
        return None if day is None else calendar.send_instant(day)

    def __str__(self) -> str:
        return self.code
