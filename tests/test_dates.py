"""Dates as a coordinator types them: one reading for every date option and form."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from engine.dates import ReadDate, parse_date, read_date
from engine.errors import InputError
from engine.extensions import parse_day
from engine.store.db import Store
from tests.telegram.world import World, build_world
from tests.test_cli_actions import invoke


@pytest.mark.parametrize(
    "text", ["19/06/2026", "19/6/2026", "2026-06-19", "2026-6-19", "19-06-2026", "19.06.2026"]
)
def test_the_day_first_and_iso_forms_read_the_same_day(text: str) -> None:
    assert read_date(text) == read_date(f"  {text} ")
    assert read_date(text).day == date(2026, 6, 19)
    assert read_date(text).assumed is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("30/02/2026", "'30/02/2026': ngày 30/02/2026 không có (tháng 2/2026 có 28 ngày)"),
        ("29/02/2025", "ngày 29/02/2025 không có (tháng 2/2025 có 28 ngày)"),
        ("31/04/2026", "ngày 31/04/2026 không có (tháng 4/2026 có 30 ngày)"),
        ("2026-13-01", "tháng 13 không có (tháng từ 1 đến 12)"),
        ("19/06", "thiếu năm; cần một ngày dạng 19/06/2026 hoặc 2026-06-19"),
        ("mai", "'mai': cần một ngày dạng 19/06/2026 hoặc 2026-06-19"),
        ("19/06-2026", "cần một ngày dạng"),  # mixed separators are not a date
    ],
)
def test_a_day_that_does_not_exist_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_date(text)
    assert reason in str(caught.value)


def test_a_leap_day_exists_in_a_leap_year() -> None:
    assert read_date("29/02/2028").day == date(2028, 2, 29)


def test_what_is_left_out_is_assumed_and_said() -> None:
    assert read_date("19/6", year=2027) == ReadDate(
        date(2027, 6, 19), "không ghi năm: hiểu là 19/06/2027"
    )
    two_digits = read_date("19/6/26")
    assert two_digits.day == date(2026, 6, 19)
    assert two_digits.assumed == "năm ghi 2 chữ số: hiểu là 19/06/2026"


def test_an_option_that_is_not_a_date_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"^--as-of '31/6/2026': ngày 31/06/2026 không có"):
        parse_date("31/6/2026", "--as-of")


def test_the_bot_and_web_forms_read_days_the_same_way() -> None:
    today = date(2026, 6, 10)
    assert parse_day("30/7", today) == date(2026, 7, 30)
    assert parse_day("30.07.2026", today) == parse_day("2026-07-30", today) == date(2026, 7, 30)
    assert parse_day("31/6", today) is None


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def test_agenda_reads_vietnamese_dates_like_iso_ones(
    cli: CliRunner, store: Store, world: World
) -> None:
    outputs = set()
    for first, last in (("01/06/2026", "30/06/2026"), ("2026-06-01", "2026-06-30")):
        code, out, _ = invoke(cli, store, "agenda", "--from", first, "--to", last, "--json")
        assert code == 0
        outputs.add(out)
    (out,) = outputs
    assert [item["due"] for item in json.loads(out)] == ["2026-06-01", "2026-06-19", "2026-06-19"]
    code, out, _ = invoke(cli, store, "agenda", "--from", "01/06/2026", "--to", "19/06/2026")
    assert code == 0
    assert "Lịch đến hạn 01/06/2026 – 19/06/2026" in out


@pytest.mark.parametrize(
    "args",
    [
        ["agenda", "--from", "30/02/2026"],
        ["agenda", "--to", "30/02/2026"],
        ["overdue", "--as-of", "30/02/2026"],
        ["status", "--as-of", "30/02/2026"],
        ["calendar", "--as-of", "30/02/2026"],
        ["digest", "--as-of", "30/02/2026"],
    ],
)
def test_every_date_option_refuses_a_day_that_does_not_exist(
    cli: CliRunner, store: Store, world: World, args: list[str]
) -> None:
    code, _, err = invoke(cli, store, *args)
    assert code == 2
    assert "ngày 30/02/2026 không có (tháng 2/2026 có 28 ngày)" in " ".join(err.split())
    assert "Traceback" not in err


def test_a_two_digit_year_is_read_and_said_on_stderr(
    cli: CliRunner, store: Store, world: World
) -> None:
    code, out, err = invoke(cli, store, "overdue", "--as-of", "22/6/26", "--json")
    assert code == 0
    assert "22/6/26: năm ghi 2 chữ số: hiểu là 22/06/2026" in err
    assert [item["days_overdue"] for item in json.loads(out)] == [21, 3, 3]
