"""The four reporting categories, against a table computed by hand.

Every obligation below is due (originally) on Tuesday 30/06/2026; some were extended to
15/07/2026. Instants are Hà Nội time; ``done`` gives the local day and hour it was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.categories import FOUR_WAY, Category, Scorecard, categorize, scorecards
from tests.reports.factories import HANOI, at

DUE = date(2026, 6, 30)
EXTENDED = date(2026, 7, 15)
C = Category


@dataclass
class Ob:
    """Shaped like an Obligation row, as far as ``categorize`` reads it."""

    status: str = "open"
    due_on: date = DUE
    original_due_on: date = DUE
    done_at: datetime | None = None
    cancelled_at: datetime | None = None


def done(day: date, clock: time = time(10, 0), *, extended: bool = False) -> Ob:
    return Ob("done", EXTENDED if extended else DUE, DUE, at(day, clock))


def extended(status: str = "open") -> Ob:
    return Ob(status, EXTENDED)


# (description, obligation, as of, expected category, the four-way column)
TABLE: list[tuple[str, Ob, date, Category, Category]] = [
    ("done the day before", done(date(2026, 6, 29)), date(2026, 12, 31),
     C.DONE_ON_TIME, C.DONE_ON_TIME),
    ("done on the due date", done(DUE), date(2026, 12, 31), C.DONE_ON_TIME, C.DONE_ON_TIME),
    ("done at 23:59 on the due date (16:59 UTC)", done(DUE, time(23, 59)), date(2026, 7, 1),
     C.DONE_ON_TIME, C.DONE_ON_TIME),
    ("done at 00:30 the day after (still 30/06 in UTC)", done(date(2026, 7, 1), time(0, 30)),
     date(2026, 7, 1), C.DONE_LATE, C.DONE_LATE),
    ("done the day after", done(date(2026, 7, 1)), date(2026, 12, 31),
     C.DONE_LATE, C.DONE_LATE),
    ("not done, as of the due date", Ob("open"), DUE, C.NOT_DONE_IN_TIME, C.NOT_DONE_IN_TIME),
    ("acknowledged, as of the due date", Ob("acknowledged"), DUE,
     C.NOT_DONE_IN_TIME, C.NOT_DONE_IN_TIME),
    ("not done, as of the day after", Ob("open"), date(2026, 7, 1),
     C.NOT_DONE_OVERDUE, C.NOT_DONE_OVERDUE),
    ("acknowledged, as of the day after", Ob("acknowledged"), date(2026, 7, 1),
     C.NOT_DONE_OVERDUE, C.NOT_DONE_OVERDUE),
    ("not done, as of long before", Ob("open"), date(2026, 1, 1),
     C.NOT_DONE_IN_TIME, C.NOT_DONE_IN_TIME),
    ("extended, done on the original date", done(DUE, extended=True), date(2026, 12, 31),
     C.DONE_ON_TIME, C.DONE_ON_TIME),
    ("extended, done between the two dates", done(date(2026, 7, 10), extended=True),
     date(2026, 12, 31), C.DONE_WITHIN_EXTENSION, C.DONE_LATE),
    ("extended, done on the extended date", done(EXTENDED, extended=True), date(2026, 12, 31),
     C.DONE_WITHIN_EXTENSION, C.DONE_LATE),
    ("extended, done after the extended date", done(date(2026, 7, 16), extended=True),
     date(2026, 12, 31), C.DONE_LATE, C.DONE_LATE),
    ("extended, not done, as of the original date", extended(), DUE,
     C.NOT_DONE_IN_TIME, C.NOT_DONE_IN_TIME),
    ("extended, not done, as of the extended date", extended("acknowledged"), EXTENDED,
     C.NOT_DONE_WITHIN_EXTENSION, C.NOT_DONE_OVERDUE),
    ("extended, not done, after the extended date", extended(), date(2026, 7, 16),
     C.NOT_DONE_OVERDUE, C.NOT_DONE_OVERDUE),
    ("as of before it was done, still in time", done(date(2026, 7, 2)), DUE,
     C.NOT_DONE_IN_TIME, C.NOT_DONE_IN_TIME),
    ("as of before it was done, overdue", done(date(2026, 7, 2)), date(2026, 7, 1),
     C.NOT_DONE_OVERDUE, C.NOT_DONE_OVERDUE),
    ("as of the day it was done", done(date(2026, 7, 2)), date(2026, 7, 2),
     C.DONE_LATE, C.DONE_LATE),
    ("waived, whatever the date", Ob("waived"), date(2026, 7, 2), C.WAIVED, C.WAIVED),
    ("waived, before its due date", Ob("waived"), date(2026, 1, 1), C.WAIVED, C.WAIVED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obligation", "as_of", "expected", "column"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_each_case_of_the_hand_computed_table_gets_its_category(
    obligation: Ob, as_of: date, expected: Category, column: Category
) -> None:
    category = categorize(obligation, as_of=as_of, zone=HANOI)
    assert category is expected
    assert category.column is column


def test_the_zone_decides_which_day_an_instant_belongs_to() -> None:
    late_evening_utc = Ob("done", done_at=datetime(2026, 6, 30, 18, 0, tzinfo=UTC))
    assert categorize(late_evening_utc, as_of=date(2026, 7, 31), zone=HANOI) is C.DONE_LATE
    utc = ZoneInfo("UTC")
    assert categorize(late_evening_utc, as_of=date(2026, 7, 31), zone=utc) is C.DONE_ON_TIME


def test_a_cancelled_obligation_is_in_no_category() -> None:
    cancelled = Ob("open", cancelled_at=at(date(2026, 3, 1)))
    with pytest.raises(ValueError, match="cancelled"):
        categorize(cancelled, as_of=DUE, zone=HANOI)


def test_the_scorecard_of_the_table_counts_each_column_by_hand() -> None:
    cancelled = Ob("open", cancelled_at=at(date(2026, 3, 1)))
    as_of = date(2026, 7, 12)
    obligations = [
        done(date(2026, 6, 1)),  # on time
        done(DUE),  # on time
        done(date(2026, 7, 1)),  # late
        done(date(2026, 7, 10), extended=True),  # late, within extension
        Ob("open"),  # overdue
        extended("acknowledged"),  # overdue, within extension
        Ob("open", date(2026, 12, 31), date(2026, 12, 31)),  # in time
        done(date(2026, 7, 20)),  # done after as_of: overdue as of 12/07
        Ob("waived"),
        cancelled,  # not counted anywhere
    ]
    card = Scorecard.of(obligations, as_of=as_of, zone=HANOI)
    assert card == Scorecard(
        done_on_time=2,
        done_late=2,
        not_done_in_time=1,
        not_done_overdue=3,
        done_within_extension=1,
        not_done_within_extension=1,
        waived=1,
    )
    assert card.total == 8
    assert card.on_time_rate == pytest.approx(2 / 7)


def test_the_on_time_rate_is_none_while_nothing_is_decided() -> None:
    card = Scorecard()
    card.add(C.NOT_DONE_IN_TIME)
    card.add(C.WAIVED)
    assert card.on_time_rate is None
    card.add(C.NOT_DONE_WITHIN_EXTENSION)
    assert card.on_time_rate == 0.0


def test_scorecards_group_by_key_in_order_and_add_up() -> None:
    cards = scorecards([("B", C.DONE_ON_TIME), ("A", C.DONE_LATE), ("B", C.NOT_DONE_OVERDUE)])
    assert list(cards) == ["B", "A"]
    assert cards["B"].on_time_rate == 0.5
    total = cards["A"] + cards["B"]
    assert (total.done_on_time, total.done_late, total.not_done_overdue) == (1, 1, 1)


def test_every_category_has_a_vietnamese_and_an_english_label() -> None:
    assert [c.vi for c in FOUR_WAY] == [
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
        "Chưa hoàn thành trong hạn",
        "Chưa hoàn thành quá hạn",
    ]
    assert [c.label("en") for c in FOUR_WAY] == [
        "Done on time", "Done late", "Not done, still in time", "Not done, overdue",
    ]  # fmt: skip
    for category in Category:
        assert category.vi and category.en and category.vi != category.en
    assert "gia hạn" in C.DONE_WITHIN_EXTENSION.vi
