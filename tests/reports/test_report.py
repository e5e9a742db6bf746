"""``build_report`` and its .xlsx and .csv files, on both databases."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.errors import InputError
from engine.lookup import find_plan
from engine.report import (
    HEADER_ROW,
    build_report,
    default_as_of,
    parse_report_period,
    write_report,
)
from engine.store.db import Store
from tests.reports import scenario
from tests.reports.factories import HANOI

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")


def _report(store: Store, path: Path) -> None:
    with store.session() as s:
        built = scenario.build(s)
    with store.session() as s:
        plan = find_plan(s, built.plan_key)
        period = parse_report_period("2026-H1")
        report = build_report(s, plan, period, as_of=scenario.AS_OF, zone=HANOI)
    write_report(report, path)


def _as_dates(row: tuple[object, ...]) -> tuple[object, ...]:
    """openpyxl reads an Excel date back as a datetime at midnight."""
    return tuple(v.date() if isinstance(v, datetime) else v for v in row)


def test_the_xlsx_per_task_sheet_has_the_hand_computed_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    _report(store, path)
    sheet = load_workbook(path)["Theo nhiệm vụ"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [_as_dates(row) for row in rows] == scenario.ROWS
    due = sheet.cell(HEADER_ROW + 1, 7)
    assert isinstance(due.value, datetime)  # a real Excel date, not text
    assert due.number_format == "DD/MM/YYYY"


def test_the_xlsx_per_agency_sheet_counts_each_category(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    _report(store, path)
    book = load_workbook(path)
    assert book.sheetnames == ["Theo đơn vị", "Theo nhiệm vụ"]
    sheet = book["Theo đơn vị"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert rows == scenario.AGENCIES
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    assert headers[3:5] == ["Hoàn thành đúng hạn", "Hoàn thành quá hạn"]
    assert headers[6:8] == ["Chưa hoàn thành trong hạn", "Chưa hoàn thành quá hạn"]
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])
    assert sheet.cell(HEADER_ROW + 1, 11).number_format == "0.0%"
    assert sheet.column_dimensions["B"].width >= 30


def test_the_title_rows_name_the_plan_the_period_and_the_day(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    _report(store, path)
    for sheet in load_workbook(path):
        title, subtitle = sheet["A1"].value, sheet["A2"].value
        assert "Kế hoạch số 266/KH-UBND" in title
        assert "6 tháng đầu năm 2026" in title
        assert sheet["A1"].font.bold
        assert "tính đến hết ngày 30/06/2026" in subtitle


def test_the_csv_is_the_per_task_table_in_utf8_with_a_bom(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.csv"
    _report(store, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:4] == ["STT", "Số TT nhiệm vụ", "Nhiệm vụ", "Đơn vị"]
    expected = [
        ["" if v is None else v.isoformat() if isinstance(v, date) else str(v) for v in row]
        for row in scenario.ROWS
    ]
    assert rows == expected


def test_an_empty_period_still_gives_a_table_with_its_headers(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        built = scenario.build(s)
    with store.session() as s:
        plan = find_plan(s, str(built.plan_id))  # by id this time
        report = build_report(s, plan, parse_report_period("2027"), as_of=date(2027, 12, 31),
                              zone=HANOI)  # fmt: skip
    assert report.rows == [] and report.by_agency == {}
    write_report(report, tmp_path / "empty.xlsx")
    sheet = load_workbook(tmp_path / "empty.xlsx")["Theo đơn vị"]
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[1] == "Tổng cộng" and last[2] == 0 and last[-1] is None


def test_an_unknown_plan_is_refused_with_the_loaded_keys(store: Store) -> None:
    with store.session() as s:
        scenario.build(s)
    with store.session() as s, pytest.raises(InputError, match="hn-266-2021, hn-96-2020"):
        find_plan(s, "hn-999")


@pytest.mark.parametrize(
    ("code", "label", "start", "end"),
    [
        ("2026", "Năm 2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-H1", "6 tháng đầu năm 2026", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-h2", "6 tháng cuối năm 2026", date(2026, 7, 1), date(2026, 12, 31)),
        ("2024-Q1", "Quý I/2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("2026-Q3", "Quý III/2026", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", "Quý IV/2026", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_report_periods_cover_their_days(code: str, label: str, start: date, end: date) -> None:
    period = parse_report_period(code)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("bad", ["2026-H3", "2026-Q5", "26", "2026-06", "H1-2026", ""])
def test_a_period_that_is_not_a_year_half_or_quarter_is_refused(bad: str) -> None:
    with pytest.raises(InputError, match="expected a year"):
        parse_report_period(bad)


def test_the_default_day_is_the_end_of_the_period_or_today() -> None:
    half = parse_report_period("2026-H1")
    assert default_as_of(half, date(2026, 11, 20)) == date(2026, 6, 30)
    assert default_as_of(half, date(2026, 5, 2)) == date(2026, 5, 2)


def test_only_xlsx_and_csv_files_are_written(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        built = scenario.build(s)
        report = build_report(s, scenario.plan_of(s, built), parse_report_period("2026"),
                              as_of=date(2026, 12, 31), zone=HANOI)  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError, match=r"\.xlsx or \.csv"):
        write_report(report, out / "bao-cao.pdf")
    with pytest.raises(InputError, match="does not exist"):
        write_report(report, out / "missing" / "bao-cao.xlsx")
    assert list(out.iterdir()) == []
