"""ISO weeks and the day their digests go out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.digest.weeks import IsoWeek
from engine.errors import InputError
from tests.workflow.helpers import calendar

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def test_a_week_code_reads_and_prints_as_iso_8601() -> None:
    week = IsoWeek.parse("2026-W25")
    assert (week.year, week.number, week.code) == (2026, 25, "2026-W25")
    assert (week.monday, week.sunday) == (date(2026, 6, 15), date(2026, 6, 21))
    assert IsoWeek.parse(" 2026w5 ") == IsoWeek(2026, 5)
    assert IsoWeek.of(date(2027, 1, 1)).code == "2026-W53"  # a Friday of 2026's last week
    assert IsoWeek(2021, 1).previous == IsoWeek(2020, 53)
    assert IsoWeek(2020, 53).next == IsoWeek(2021, 1)


@pytest.mark.parametrize(
    ("text", "why"),
    [("June", "expected an ISO week as YYYY-Www"), ("2026-W54", "2026 has no ISO week 54"),
     ("2026-W00", "2026 has no ISO week 0")],
)  # fmt: skip
def test_a_bad_week_is_an_input_error_saying_what_was_expected(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        IsoWeek.parse(text)


def test_digests_go_out_on_the_first_working_day_of_the_week_at_send_at() -> None:
    cal = calendar()
    assert IsoWeek(2026, 25).send_day(cal) == date(2026, 6, 15)  # a Monday
    # New Year's Day 2023 fell on a Sunday: Monday 2 January was the day off.
    assert IsoWeek(2023, 1).send_day(cal) == date(2023, 1, 3)
    assert IsoWeek(2023, 1).send_instant(cal) == datetime(2023, 1, 3, 1, 0, tzinfo=UTC)
    # Hùng Kings' day 2026 (Sunday 26/4) was observed on Monday 27/4.
    assert IsoWeek(2026, 18).send_day(cal) == date(2026, 4, 28)
    # An extra day off moves it too.
    assert IsoWeek(2026, 25).send_day(calendar(date(2026, 6, 15))) == date(2026, 6, 16)


def test_a_week_without_a_working_day_has_no_digest() -> None:
    # Tết 2026: Monday 16 to Friday 20 February are days off, then the weekend.
    assert IsoWeek(2026, 8).send_day(calendar()) is None
    assert IsoWeek(2026, 8).send_instant(calendar()) is None
