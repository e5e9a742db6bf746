"""The working-day calendar: weekends, Vietnamese holidays (Tết), extra days off, instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.config import Settings, TimeSettings
from engine.errors import InputError
from engine.workflow.calendar import WorkCalendar

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def make(extra: tuple[date, ...] = ()) -> WorkCalendar:
    return WorkCalendar(country="VN", extra_days_off=extra, zone=HANOI, send_at=time(8, 0))


def test_weekends_are_not_working_days() -> None:
    cal = make()
    assert cal.is_working_day(date(2026, 6, 19))  # Friday
    assert not cal.is_working_day(date(2026, 6, 20))  # Saturday
    assert not cal.is_working_day(date(2026, 6, 21))  # Sunday


def test_tet_2026_is_not_working() -> None:
    cal = make()
    for day in range(16, 21):  # Mon 16 – Fri 20 February 2026
        assert not cal.is_working_day(date(2026, 2, day)), day
    assert cal.holiday_name(date(2026, 2, 17)) == "Lunar New Year"
    assert cal.previous_working_day(date(2026, 2, 18)) == date(2026, 2, 13)
    assert cal.next_working_day(date(2026, 2, 18)) == date(2026, 2, 23)


def test_a_saturday_swapped_for_a_holiday_is_a_working_day() -> None:
    cal = make()
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))


def test_extra_days_off_are_not_working() -> None:
    cal = make((date(2026, 6, 18),))
    assert not cal.is_working_day(date(2026, 6, 18))
    assert cal.previous_working_day(date(2026, 6, 18)) == date(2026, 6, 17)
    assert cal.holiday_name(date(2026, 6, 18)) == "extra day off"


def test_working_days_are_counted_strictly_before_and_after() -> None:
    cal = make()
    friday = date(2026, 6, 19)
    assert cal.add_working_days(friday, 0) == friday
    assert cal.add_working_days(friday, -1) == date(2026, 6, 18)
    assert cal.add_working_days(friday, -5) == date(2026, 6, 12)
    assert cal.add_working_days(date(2026, 6, 20), -1) == friday  # from Saturday
    assert cal.add_working_days(friday, 1) == date(2026, 6, 22)
    # across Tết: 3 working days before Monday 23 February 2026
    assert cal.add_working_days(date(2026, 2, 23), -3) == date(2026, 2, 11)


def test_send_instant_is_the_local_hour_in_utc() -> None:
    cal = make()
    assert cal.send_instant(date(2026, 6, 19)) == datetime(2026, 6, 19, 1, 0, tzinfo=UTC)


def test_first_working_day_of_a_week() -> None:
    cal = make()
    # ISO week 8 of 2026 is 16–22 February: Tết all week, then the weekend
    assert cal.week_first_working_day(2026, 8) is None
    assert cal.week_first_working_day(2026, 9) == date(2026, 2, 23)
    # Week 18 of 2026: Friday 1 May is a holiday, Monday 27 April is the observed one
    assert cal.week_first_working_day(2026, 18) == date(2026, 4, 28)


def test_the_calendar_comes_from_the_settings() -> None:
    settings = Settings(time=TimeSettings(send_at="07:30", extra_days_off=[date(2026, 1, 2)]))
    cal = WorkCalendar.from_settings(settings)
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.send_instant(date(2026, 1, 5)) == datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def test_an_unknown_country_is_an_input_error() -> None:
    with pytest.raises(InputError, match="holidays = 'XX'"):
        WorkCalendar(country="XX", zone=HANOI, send_at=time(8))
