"""The working-day calendar: which local dates are working days, and when to send.

A day is a working day unless it is a weekend day, a public holiday of the configured
country (``holidays`` package: for Vietnam that includes the Tết days and the days off
the government substitutes for them), or one of ``extra_days_off``. A weekend day that
the government declares a working day in exchange (``weekend_workdays`` in the
``holidays`` package, e.g. Saturday 22/8/2026) is a working day.

Everything here is pure and cached per year: generation asks about the same days many
thousand times. This module is the only place that talks to the ``holidays`` package.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.errors import InputError
from engine.i18n import _

if TYPE_CHECKING:
    from engine.config import Settings

_MAX_SCAN = 400  # days; no real calendar has a longer run of days off


class WorkCalendar:
    """Working days of one country, plus extra days off, in one zone, sending at one hour."""

    def __init__(
        self,
        *,
        country: str = "VN",
        extra_days_off: Iterable[date] = (),
        zone: ZoneInfo,
        send_at: time,
    ) -> None:
        self.country = country
        self.extra_days_off = frozenset(extra_days_off)
        self.zone = zone
        self.send_at = send_at
        self._probe = _country_holidays(country, [])
        self._weekend: frozenset[int] = frozenset(self._probe.weekend)
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}
        self._working: dict[date, bool] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkCalendar:
        """The calendar that ``[time]`` in the settings describes."""
        t = settings.time
        return cls(
            country=t.holidays,
            extra_days_off=t.extra_days_off,
            zone=t.zone,
            send_at=t.send_time,
        )

    def _year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        cached = self._years.get(year)
        if cached is None:
            table = _country_holidays(self.country, [year])
            names = {day: str(name) for day, name in table.items()}
            swapped = frozenset(d for d in table.weekend_workdays if d.year == year)
            cached = self._years[year] = (names, swapped)
        return cached

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on ``day`` (or "extra day off"), None on other days."""
        if day in self.extra_days_off:
            return "extra day off"
        return self._year(day.year)[0].get(day)

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self._compute_working(day)
        return known

    def _compute_working(self, day: date) -> bool:
        if day in self.extra_days_off:
            return False
        holidays, swapped = self._year(day.year)
        if day in holidays:
            return False
        return day.weekday() not in self._weekend or day in swapped

    def previous_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the nearest working day before it."""
        return self._scan(day, -1)

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the nearest working day after it."""
        return self._scan(day, 1)

    def _scan(self, day: date, step: int) -> date:
        one = timedelta(days=step)
        for _step in range(_MAX_SCAN):
            if self.is_working_day(day):
                return day
            day += one
        raise InputError(
            _("no working day within {MAX_SCAN} days of {day}: check extra_days_off").format(
                MAX_SCAN=_MAX_SCAN, day=day
            )
        )

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n`` < 0); ``day`` if 0.

        ``day`` itself is never counted, so from Saturday ``-1`` gives Friday and from
        Friday ``-1`` gives Thursday: "3 working days before 20/6" is the third working
        day strictly before 20/6.
        """
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        scanned = 0
        while remaining:
            day += step
            scanned += 1
            if self.is_working_day(day):
                remaining -= 1
            elif scanned > _MAX_SCAN + abs(n) * 7:
                raise InputError(
                    _("no working days near {day}: check extra_days_off").format(day=day)
                )
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``start``..``end`` inclusive."""
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def send_instant(self, day: date) -> datetime:
        """The aware UTC instant of ``send_at`` on local ``day``."""
        local = datetime.combine(day, self.send_at, tzinfo=self.zone)
        return local.astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        """The local calendar date of an aware instant."""
        return instant.astimezone(self.zone).date()

    def week_first_working_day(self, iso_year: int, iso_week: int) -> date | None:
        """The first working day of an ISO week (Monday first), None if it has none."""
        monday = date.fromisocalendar(iso_year, iso_week, 1)
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if self.is_working_day(day):
                return day
        return None

    def fingerprint(self) -> str:
        """Identifies what decides the schedule: a changed one means instants may move."""
        extra = ",".join(sorted(d.isoformat() for d in self.extra_days_off))
        return f"{self.country}|{self.zone.key}|{self.send_at.isoformat()}|{extra}"


def _country_holidays(country: str, years: list[int]) -> Any:
    import holidays

    try:
        return holidays.country_holidays(country, years=years)
    except NotImplementedError as exc:
        raise InputError(
            _(
                "[time] holidays = {country!r}: not a country the holidays package "
                'knows; expected an ISO code such as "VN"'
            ).format(country=country)
        ) from exc
