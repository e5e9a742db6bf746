"""``engine.periods``: every form a plan writes, every seed cell, and what is refused."""

from __future__ import annotations

import unicodedata
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.periods import (
    DueDay,
    Occurrence,
    Period,
    PeriodError,
    Recurrence,
    after_event,
    find_due_days,
    find_period,
    find_periods,
    normalise,
    parse_period,
    parse_within,
)
from tests.conftest import SEEDS

# What the messages say, in the catalogue's English (tests/test_cli_i18n.py checks their
# Vietnamese).
pytestmark = pytest.mark.usefixtures("english")

Within = tuple[int, int] | None
SEED_DIR = SEEDS


def expected_json(expression: str, recurrence: str | None, *spans: str) -> dict[str, Any]:
    """The --json shape from compact spans: "2022-03-01..2022-12-31", "..2024-06-29"."""
    occurrences = []
    for span in spans:
        start, end = span.split("..")
        occurrences.append({"start": start or None, "end": end})
    return {"expression": expression, "recurrence": recurrence, "occurrences": occurrences}


# (file, time cell) exactly as the seed documents print them in their tables or body.
SEED_CELLS = [
    ("000", "Tháng 3 - 12/2022"),
    ("000", "Tháng 4 - 10/2022"),
    ("000", "Tháng 4 - 12/2022"),
    ("001", "Tháng 7-10/2020"),
    ("001", "Tháng 7-11/2020"),
    ("001", "Tháng 7-12/2020"),
    ("001", "Trong quý III-IV/2020"),
    ("002", "Năm 2026"),
    ("002", "Năm 2030"),
    ("002", "Giai đoạn 2026 - 2030"),
    ("002", "trước ngày 20/6 hàng năm"),
    ("002", "trước ngày 15/12 hàng năm"),
    ("003", "Hàng năm"),
    ("003", "2021- 2030"),
    ("003", "trước ngày 15/12 hàng năm"),
    ("004", "2022"),
]

QUARTERS_2026 = [
    "2026-01-01..2026-03-31",
    "2026-04-01..2026-06-30",
    "2026-07-01..2026-09-30",
    "2026-10-01..2026-12-31",
]
LEAP_MONTH_ENDS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

# expression, within, recurrence, spans, labels (None: not checked here)
CASES: list[tuple[str, Within, str | None, list[str], list[str] | None]] = [
    # --- the seeds' cells ---
    ("Tháng 3 - 12/2022", None, None, ["2022-03-01..2022-12-31"], ["Tháng 3-12/2022"]),
    ("Tháng 4 - 10/2022", None, None, ["2022-04-01..2022-10-31"], ["Tháng 4-10/2022"]),
    ("Tháng 4 - 12/2022", None, None, ["2022-04-01..2022-12-31"], None),
    ("Tháng 7-10/2020", None, None, ["2020-07-01..2020-10-31"], None),
    ("Tháng 7-11/2020", None, None, ["2020-07-01..2020-11-30"], None),
    ("Tháng 7-12/2020", None, None, ["2020-07-01..2020-12-31"], None),
    ("Trong quý III-IV/2020", None, None, ["2020-07-01..2020-12-31"], ["Quý III-IV/2020"]),
    ("Năm 2026", None, None, ["2026-01-01..2026-12-31"], ["Năm 2026"]),
    ("Năm 2030", None, None, ["2030-01-01..2030-12-31"], None),
    ("Giai đoạn 2026 - 2030", None, None, ["2026-01-01..2030-12-31"], ["Giai đoạn 2026-2030"]),
    (
        "trước ngày 20/6 hàng năm",
        (2026, 2028),
        "yearly",
        ["..2026-06-19", "..2027-06-19", "..2028-06-19"],
        ["Hạn 19/06/2026", "Hạn 19/06/2027", "Hạn 19/06/2028"],
    ),
    ("trước ngày 15/12 hàng năm", (2021, 2022), "yearly", ["..2021-12-14", "..2022-12-14"], None),
    (
        "Hàng năm",
        (2021, 2023),
        "yearly",
        ["2021-01-01..2021-12-31", "2022-01-01..2022-12-31", "2023-01-01..2023-12-31"],
        ["Năm 2021", "Năm 2022", "Năm 2023"],
    ),
    ("2021- 2030", None, None, ["2021-01-01..2030-12-31"], ["Giai đoạn 2021-2030"]),
    ("2022", None, None, ["2022-01-01..2022-12-31"], ["Năm 2022"]),
    # --- months ---
    ("Tháng 6/2023", None, None, ["2023-06-01..2023-06-30"], ["Tháng 6/2023"]),
    ("tháng 6 năm 2023", None, None, ["2023-06-01..2023-06-30"], ["Tháng 6/2023"]),
    ("Tháng 2/2024", None, None, ["2024-02-01..2024-02-29"], None),  # a leap year
    ("Tháng 2/2100", None, None, ["2100-02-01..2100-02-28"], None),  # not one
    ("6/2023", None, None, ["2023-06-01..2023-06-30"], None),
    ("Tháng 7-2020", None, None, ["2020-07-01..2020-07-31"], None),
    ("Tháng 3 đến tháng 12 năm 2022", None, None, ["2022-03-01..2022-12-31"], None),
    (
        "Tháng 11/2021 - 3/2022",
        None,
        None,
        ["2021-11-01..2022-03-31"],
        ["Tháng 11/2021-3/2022"],
    ),
    ("Tháng 11/2021 – tháng 3/2022", None, None, ["2021-11-01..2022-03-31"], None),
    (
        "Từ tháng 4/2022 đến tháng 10/2022",
        None,
        None,
        ["2022-04-01..2022-10-31"],
        ["Tháng 4-10/2022"],
    ),
    (
        "Tháng 3, 5, 6/2022",
        None,
        None,
        ["2022-03-01..2022-03-31", "2022-05-01..2022-06-30"],
        ["Tháng 3/2022", "Tháng 5-6/2022"],
    ),
    # --- quarters ---
    ("Quý II/2023", None, None, ["2023-04-01..2023-06-30"], ["Quý II/2023"]),
    ("Quý 2/2023", None, None, ["2023-04-01..2023-06-30"], ["Quý II/2023"]),
    ("Quý 02/2023", None, None, ["2023-04-01..2023-06-30"], ["Quý II/2023"]),
    ("quý III-IV/2020", None, None, ["2020-07-01..2020-12-31"], ["Quý III-IV/2020"]),
    ("Quý IV năm 2024", None, None, ["2024-10-01..2024-12-31"], ["Quý IV/2024"]),
    ("Quý I, II/2023", None, None, ["2023-01-01..2023-06-30"], ["Quý I-II/2023"]),
    ("Quý I và II năm 2023", None, None, ["2023-01-01..2023-06-30"], ["Quý I-II/2023"]),
    (
        "Quý I, III/2023",
        None,
        None,
        ["2023-01-01..2023-03-31", "2023-07-01..2023-09-30"],
        ["Quý I/2023", "Quý III/2023"],
    ),
    (
        "Quý IV/2021 - Quý I/2022",
        None,
        None,
        ["2021-10-01..2022-03-31"],
        ["Quý IV/2021-I/2022"],
    ),
    # --- halves ---
    ("6 tháng đầu năm 2023", None, None, ["2023-01-01..2023-06-30"], ["6 tháng đầu năm 2023"]),
    ("6 tháng cuối năm 2023", None, None, ["2023-07-01..2023-12-31"], ["6 tháng cuối năm 2023"]),
    ("Nửa đầu năm 2023", None, None, ["2023-01-01..2023-06-30"], None),
    # --- years ---
    ("Từ năm 2021 đến năm 2025", None, None, ["2021-01-01..2025-12-31"], None),
    ("Năm 2021-2025", None, None, ["2021-01-01..2025-12-31"], ["Giai đoạn 2021-2025"]),
    ("Trong năm 2022.", None, None, ["2022-01-01..2022-12-31"], None),
    # --- deadlines and dates ---
    ("Trước 30/6/2024", None, None, ["..2024-06-29"], ["Hạn 29/06/2024"]),
    ("Trước ngày 25 tháng 12 năm 2022", None, None, ["..2022-12-24"], ["Hạn 24/12/2022"]),
    ("Trước ngày 1/1/2023", None, None, ["..2022-12-31"], None),
    ("Trước ngày 1/3/2024", None, None, ["..2024-02-29"], None),
    ("chậm nhất ngày 15/12/2025", None, None, ["..2025-12-15"], ["Hạn 15/12/2025"]),
    ("Chậm nhất là ngày 15/12/2025;", None, None, ["..2025-12-15"], None),
    ("đến ngày 15/12/2025", None, None, ["..2025-12-15"], None),
    ("Hạn 15/12/2025", None, None, ["..2025-12-15"], None),
    ("30/6/2024", None, None, ["..2024-06-30"], ["Hạn 30/06/2024"]),
    ("ngày 30 tháng 6 năm 2024", None, None, ["..2024-06-30"], None),
    ("Trước tháng 7/2024", None, None, ["..2024-06-30"], None),
    ("Trước quý III/2024", None, None, ["..2024-06-30"], None),
    ("Đến hết năm 2025", None, None, ["..2025-12-31"], None),
    ("Chậm nhất quý II/2024", None, None, ["..2024-06-30"], None),
    (
        "Từ ngày 1/3 đến ngày 30/6/2022",
        None,
        None,
        ["2022-03-01..2022-06-30"],
        ["Từ 01/03/2022 đến 30/06/2022"],
    ),
    # "cuối" a unit: by its end ("6 tháng cuối năm", "nửa cuối năm" stay halves)
    ("Cuối năm 2026", None, None, ["..2026-12-31"], ["Hạn 31/12/2026"]),
    ("Hoàn thành cuối quý II/2026", None, None, ["..2026-06-30"], None),
    ("cuối tháng 6/2026", None, None, ["..2026-06-30"], None),
    ("Nửa cuối năm 2026", None, None, ["2026-07-01..2026-12-31"], None),
    # a cell's own label, and notes on a part that are not dates
    ("Tiến độ: Quý I/2027", None, None, ["2027-01-01..2027-03-31"], ["Quý I/2027"]),
    ("Thời hạn hoàn thành: 30/6/2026", None, None, ["..2026-06-30"], None),
    ("Quý II/2026 (dự kiến)", None, None, ["2026-04-01..2026-06-30"], None),
    (
        "Trước 30/6/2026 (đợt 1); trước 30/11/2026 (đợt 2)",
        None,
        None,
        ["..2026-06-29", "..2026-11-29"],
        ["Hạn 29/06/2026", "Hạn 29/11/2026"],
    ),
    ("Tháng 12/2026 (báo cáo kết quả)", None, None, ["2026-12-01..2026-12-31"], None),
    ("Cả năm 2026", None, None, ["2026-01-01..2026-12-31"], ["Năm 2026"]),
    # --- lists and repetitions written with a comma ---
    (
        "Quý I/2026 và Quý III/2026",
        None,
        None,
        ["2026-01-01..2026-03-31", "2026-07-01..2026-09-30"],
        ["Quý I/2026", "Quý III/2026"],
    ),
    (
        "Quý I/2026, Quý III/2027",
        None,
        None,
        ["2026-01-01..2026-03-31", "2027-07-01..2027-09-30"],
        None,
    ),
    (
        "Hằng quý, trước ngày 15 tháng cuối quý",
        (2026, 2026),
        "quarterly",
        ["..2026-03-14", "..2026-06-14", "..2026-09-14", "..2026-12-14"],
        None,
    ),
    (
        "Hằng tháng, trước ngày 25",
        (2026, 2026),
        "monthly",
        [f"..2026-{m:02d}-24" for m in range(1, 13)],
        None,
    ),
    (
        "Định kỳ 6 tháng, hằng năm",
        (2026, 2026),
        "half-yearly",
        ["2026-01-01..2026-06-30", "2026-07-01..2026-12-31"],
        None,
    ),
    # --- parts of a month, a quarter or a year; school years ---
    ("Tuần đầu tháng 6/2026", None, None, ["2026-06-01..2026-06-07"], ["Tuần đầu tháng 6/2026"]),
    ("Tuần lễ đầu tiên của tháng 6/2026", None, None, ["2026-06-01..2026-06-07"], None),
    ("Tuần thứ hai tháng 6/2026", None, None, ["2026-06-08..2026-06-14"], None),
    ("Tuần 3 tháng 6/2026", None, None, ["2026-06-15..2026-06-21"], ["Tuần thứ ba tháng 6/2026"]),
    ("Tuần cuối tháng 2/2027", None, None, ["2027-02-22..2027-02-28"], None),
    ("Chậm nhất tuần đầu tháng 6/2026", None, None, ["..2026-06-07"], None),
    ("Đầu tháng 7/2026", None, None, ["2026-07-01..2026-07-10"], ["Đầu tháng 7/2026"]),
    ("Thượng tuần tháng 7/2026", None, None, ["2026-07-01..2026-07-10"], None),
    ("Giữa tháng 7/2026", None, None, ["2026-07-11..2026-07-20"], None),
    ("Hạ tuần tháng 2/2028", None, None, ["2028-02-21..2028-02-29"], ["Hạ tuần tháng 2/2028"]),
    ("Trung tuần tháng 9", (2026, 2026), None, ["2026-09-11..2026-09-20"], None),
    ("Đầu quý III/2026", None, None, ["2026-07-01..2026-07-31"], ["Đầu quý III/2026"]),
    ("Đầu năm 2027", None, None, ["2027-01-01..2027-03-31"], ["Đầu năm 2027"]),
    (
        "Đầu tháng 6 hàng năm",
        (2026, 2027),
        "yearly",
        ["2026-06-01..2026-06-10", "2027-06-01..2027-06-10"],
        None,
    ),
    ("Năm học 2026-2027", None, None, ["2026-09-01..2027-05-31"], ["Năm học 2026-2027"]),
    ("Trong năm học 2026 - 2027", None, None, ["2026-09-01..2027-05-31"], None),
    ("Học kỳ I năm học 2026-2027", None, None, ["2026-09-01..2027-01-15"], None),
    (
        "Học kỳ II, năm học 2026-2027",
        None,
        None,
        ["2027-01-16..2027-05-31"],
        ["Học kỳ II năm học 2026-2027"],
    ),
    (
        "Trước ngày 15/6/2026 và trước ngày 15/12/2026",
        None,
        None,
        ["..2026-06-14", "..2026-12-14"],
        None,
    ),
    (
        "Hằng quý (trước ngày 20 tháng cuối quý)",
        (2026, 2026),
        "quarterly",
        ["..2026-03-19", "..2026-06-19", "..2026-09-19", "..2026-12-19"],
        None,
    ),
    # two months, each with its year, joined by "và"
    (
        "Tháng 6/2026 và tháng 12/2026",
        None,
        None,
        ["2026-06-01..2026-06-30", "2026-12-01..2026-12-31"],
        ["Tháng 6/2026", "Tháng 12/2026"],
    ),
    # --- recurring ---
    ("Hằng năm", (2026, 2026), "yearly", ["2026-01-01..2026-12-31"], ["Năm 2026"]),
    ("Định kỳ hàng năm", (2026, 2026), "yearly", ["2026-01-01..2026-12-31"], None),
    ("Mỗi năm", (2026, 2026), "yearly", ["2026-01-01..2026-12-31"], None),
    (
        "Hàng năm (2021-2022)",
        None,
        "yearly",
        ["2021-01-01..2021-12-31", "2022-01-01..2022-12-31"],
        None,
    ),
    (
        "hàng quý",
        (2026, 2026),
        "quarterly",
        QUARTERS_2026,
        ["Quý I/2026", "Quý II/2026", "Quý III/2026", "Quý IV/2026"],
    ),
    (
        "hàng tháng",
        (2024, 2024),
        "monthly",
        [f"2024-{m:02d}-01..2024-{m:02d}-{d}" for m, d in enumerate(LEAP_MONTH_ENDS, 1)],
        [f"Tháng {m}/2024" for m in range(1, 13)],
    ),
    (
        "Định kỳ 6 tháng",
        (2023, 2023),
        "half-yearly",
        ["2023-01-01..2023-06-30", "2023-07-01..2023-12-31"],
        ["6 tháng đầu năm 2023", "6 tháng cuối năm 2023"],
    ),
    (
        "Quý I hàng năm",
        (2021, 2022),
        "yearly",
        ["2021-01-01..2021-03-31", "2022-01-01..2022-03-31"],
        ["Quý I/2021", "Quý I/2022"],
    ),
    (
        "6 tháng đầu năm hàng năm",
        (2021, 2022),
        "yearly",
        ["2021-01-01..2021-06-30", "2022-01-01..2022-06-30"],
        None,
    ),
    ("Tháng 12 hàng năm", (2024, 2024), "yearly", ["2024-12-01..2024-12-31"], None),
    ("Hàng năm, trước ngày 15/12", (2024, 2025), "yearly", ["..2024-12-14", "..2025-12-14"], None),
    ("Thường xuyên", (2021, 2030), "continuous", ["2021-01-01..2030-12-31"], ["Thường xuyên"]),
    ("Thường xuyên, liên tục", (2022, 2022), "continuous", ["2022-01-01..2022-12-31"], None),
    # --- a yearless window in a one-year plan is that year ---
    ("Quý I", (2022, 2022), None, ["2022-01-01..2022-03-31"], ["Quý I/2022"]),
    ("Trước ngày 20/6", (2022, 2022), None, ["..2022-06-19"], None),
    ("Trong năm", (2022, 2022), None, ["2022-01-01..2022-12-31"], ["Năm 2022"]),
    ("Cả năm", (2022, 2022), None, ["2022-01-01..2022-12-31"], None),
    ("Tháng 3 - 12", (2022, 2022), None, ["2022-03-01..2022-12-31"], ["Tháng 3-12/2022"]),
    # --- wordings around a deadline ---
    ("Hoàn thành trước ngày 30/6/2024", None, None, ["..2024-06-29"], None),
    ("- Hoàn thành trước ngày 30/6/2024.", None, None, ["..2024-06-29"], None),
    ("Chậm nhất đến ngày 15/12/2025", None, None, ["..2025-12-15"], None),
    ("Hạn chót là ngày 1/2/2024", None, None, ["..2024-02-01"], None),
    ("Hoàn thành trong tháng 6/2024", None, None, ["2024-06-01..2024-06-30"], None),
    # --- table cells of real plans (corpus 12, 17, 22) ---
    ("Quí IV-2025", None, None, ["2025-10-01..2025-12-31"], ["Quý IV/2025"]),
    ("Quý III-IV - 2025", None, None, ["2025-07-01..2025-12-31"], None),
    ("Quý III Năm 2026", None, None, ["2026-07-01..2026-09-30"], None),
    ("Quý IV/2025- Quý II/2026", None, None, ["2025-10-01..2026-06-30"], None),
    (
        "Thực hiện thường xuyên, liên tục",
        (2025, 2030),
        "continuous",
        ["2025-01-01..2030-12-31"],
        None,
    ),
    # --- windows of the genre (issue 12) ---
    (
        "Năm 2022 và hàng năm",
        (2022, 2024),
        "yearly",
        ["2022-01-01..2022-12-31", "2023-01-01..2023-12-31", "2024-01-01..2024-12-31"],
        ["Năm 2022", "Năm 2023", "Năm 2024"],
    ),
    (
        "Năm 2025 và các năm tiếp theo",
        (2025, 2026),
        "yearly",
        ["2025-01-01..2025-12-31", "2026-01-01..2026-12-31"],
        None,
    ),
    (
        "Quý IV năm 2025 và các năm tiếp theo.",
        (2025, 2026),
        "yearly",
        ["2025-10-01..2025-12-31", "2026-01-01..2026-12-31"],
        ["Quý IV/2025", "Năm 2026"],
    ),
    (
        "Giai đoạn 2026-2030 và những năm tiếp theo",
        (2025, 2027),
        "yearly",
        ["2026-01-01..2030-12-31"],
        None,
    ),
    ("Quý III, năm 2022", None, None, ["2022-07-01..2022-09-30"], ["Quý III/2022"]),
    ("Tháng 12, năm 2022", None, None, ["2022-12-01..2022-12-31"], ["Tháng 12/2022"]),
    (
        "Quý III, IV/2026, 2027",
        None,
        None,
        ["2026-07-01..2026-12-31", "2027-01-01..2027-12-31"],
        ["Quý III-IV/2026", "Năm 2027"],
    ),
    (
        "Quý IV/2026, 2027",
        None,
        None,
        ["2026-10-01..2026-12-31", "2027-01-01..2027-12-31"],
        None,
    ),
    ("Quý IV, 2026", None, None, ["2026-10-01..2026-12-31"], ["Quý IV/2026"]),
    ("Xong trong Quý II/2026", None, None, ["2026-04-01..2026-06-30"], ["Quý II/2026"]),
    ("Xong trong tháng 5/2026", None, None, ["2026-05-01..2026-05-31"], None),
    (
        "Năm 2025; Năm 2030",
        None,
        None,
        ["2025-01-01..2025-12-31", "2030-01-01..2030-12-31"],
        ["Năm 2025", "Năm 2030"],
    ),
    (
        "Thường xuyên, hằng năm",
        (2025, 2027),
        "yearly",
        ["2025-01-01..2025-12-31", "2026-01-01..2026-12-31", "2027-01-01..2027-12-31"],
        None,
    ),
    (
        "Thường xuyên, theo yêu cầu nhiệm vụ",
        (2026, 2030),
        "continuous",
        ["2026-01-01..2030-12-31"],
        None,
    ),
    ("Từ 01/7/2025", (2025, 2027), "continuous", ["2025-07-01..2027-12-31"], ["Từ 01/07/2025"]),
    ("Kể từ năm 2027", (2026, 2028), "continuous", ["2027-01-01..2028-12-31"], None),
    # work that starts and then goes on: to the plan's end
    ("Triển khai từ năm 2027", (2026, 2030), "continuous", ["2027-01-01..2030-12-31"], None),
    ("Bắt đầu từ Quý III/2026", (2026, 2030), "continuous", ["2026-07-01..2030-12-31"], None),
    ("Từ năm 2027 trở đi", (2026, 2030), "continuous", ["2027-01-01..2030-12-31"], None),
    (
        "Triển khai từ năm 2026 và thực hiện thường xuyên, liên tục",
        (2026, 2030),
        "continuous",
        ["2026-01-01..2030-12-31"],
        ["Từ 01/01/2026"],
    ),
    (
        "Năm 2027 và duy trì thường xuyên",
        (2026, 2030),
        "continuous",
        ["2027-01-01..2030-12-31"],
        None,
    ),
    ("Tháng 6/2026 và thường xuyên", (2026, 2027), "continuous", ["2026-06-01..2027-12-31"], None),
    ("Nhiệm vụ thường xuyên", (2026, 2027), "continuous", ["2026-01-01..2027-12-31"], None),
    # a recurrence also done when asked: its dates
    (
        "Hằng năm và đột xuất",
        (2026, 2027),
        "yearly",
        ["2026-01-01..2026-12-31", "2027-01-01..2027-12-31"],
        None,
    ),
    (
        "Hằng quý, khi có yêu cầu",
        (2026, 2026),
        "quarterly",
        QUARTERS_2026,
        None,
    ),
    ("Tháng 6/2026 và đột xuất", None, None, ["2026-06-01..2026-06-30"], None),
    ("trước ngày 01/01/2030", None, None, ["..2029-12-31"], ["Hạn 31/12/2029"]),
    ("hoàn thành trước 30/6/2026", None, None, ["..2026-06-29"], None),
    ("Qúy II/2026;", None, None, ["2026-04-01..2026-06-30"], None),  # old tone placement
    (
        "Định kỳ 2 năm/lần, bắt đầu từ năm 2024",
        (2025, 2030),
        "multi-yearly",
        [f"{y}-01-01..{y}-12-31" for y in (2024, 2026, 2028, 2030)],
        None,
    ),
    (
        "trước ngày 30 tháng 6 hằng năm kể từ năm 2027",
        (2025, 2028),
        "yearly",
        ["..2027-06-29", "..2028-06-29"],
        None,
    ),
    (
        "định kỳ trước ngày 01/6 và 15/11 hằng năm",
        (2026, 2026),
        "yearly",
        ["..2026-05-31", "..2026-11-14"],
        None,
    ),
    (
        "trước ngày 20 hằng tháng",
        (2026, 2026),
        "monthly",
        [f"..2026-{m:02d}-19" for m in range(1, 13)],
        None,
    ),
    (
        "Chậm nhất ngày 31 hàng tháng",
        (2026, 2026),
        "monthly",
        [f"..2026-{m:02d}-{min(d, 28 if m == 2 else d)}" for m, d in enumerate(LEAP_MONTH_ENDS, 1)],
        None,
    ),
    (
        "trước ngày 15 tháng cuối quý",
        (2026, 2026),
        "quarterly",
        ["..2026-03-14", "..2026-06-14", "..2026-09-14", "..2026-12-14"],
        None,
    ),
]


@pytest.mark.parametrize(("expression", "within", "recurrence", "spans", "labels"), CASES)
def test_each_form_reads_as_the_plan_means_it(
    expression: str,
    within: Within,
    recurrence: str | None,
    spans: list[str],
    labels: list[str] | None,
) -> None:
    period = parse_period(expression, within)
    assert period.to_json() == expected_json(expression, recurrence, *spans)
    if labels is not None:
        assert [o.label for o in period.occurrences] == labels


@pytest.mark.parametrize(("document", "cell"), SEED_CELLS)
def test_every_seed_time_cell_is_in_the_table_and_printed_in_its_document(
    document: str, cell: str
) -> None:
    assert cell in [case[0] for case in CASES]
    if not SEED_DIR.is_dir():
        pytest.skip(f"the seed documents are not at {SEED_DIR}")
    (path,) = SEED_DIR.glob(f"{document}_*.txt")
    assert cell in path.read_text(encoding="utf-8")


def test_an_occurrence_carries_dates_and_a_label() -> None:
    period = parse_period("Trước 30/6/2024")
    assert period == Period(
        "Trước 30/6/2024",
        None,
        (Occurrence(None, period.occurrences[0].end, "Hạn 29/06/2024"),),
    )
    assert period.occurrences[0].end.isoformat() == "2024-06-29"


def test_a_non_recurring_expression_ignores_the_plan_period() -> None:
    assert parse_period("Tháng 3 - 12/2022", (2026, 2030)) == parse_period("Tháng 3 - 12/2022")


# --- errors -------------------------------------------------------------------------

ERRORS = [
    ("31/2/2022", None, "31/2/2022 is not a date (February 2022 has 28 days)"),
    ("29/2/2023", None, "February 2023 has 28 days"),
    ("Tháng 13/2022", None, "month 13 does not exist (expected 1-12)"),
    ("Tháng 0/2022", None, "month 0 does not exist"),
    ("Tháng 12 - 3/2022", None, "the month range 12-3 ends before it starts"),
    ("Tháng 11/2022 - 3/2022", None, "ends before it starts"),
    ("Quý V/2023", None, "quarter V does not exist (expected I-IV or 1-4)"),
    ("Quý 5/2023", None, "quarter 5 does not exist"),
    ("Quý IV-II/2023", None, "the quarter range IV-II ends before it starts"),
    ("Quý IV-I/2023", None, "e.g. 'Quý IV/2021 - Quý I/2022'"),
    ("Tháng 3-5-7/2022", None, "'3-5-7' is not a month or a range of months"),
    ("Quý I/2023 - Quý IV/2022", None, "the range Quý I/2023 - IV/2022 ends before it starts"),
    ("1/7/2022 - 30/6/2022", None, "the range 01/07/2022 - 30/06/2022 ends before it starts"),
    ("Trước quý I, III/2023", None, "expected one date or period after a deadline word"),
    ("Hàng năm 2025-2021", None, "the years 2025-2021 end before they start"),
    ("2030 - 2021", None, "the years 2030-2021 end before they start"),
    ("Năm 3000", None, "year 3000 is out of range (expected 1900-2200)"),
    ("Hàng năm", None, "needs the plan period (--within)"),
    ("Quý I hàng năm", None, "needs the plan period (--within)"),
    ("Thường xuyên", None, "needs the plan period (--within)"),
    ("Quý I", None, "names no year, so it needs the plan period (--within)"),
    ("Quý I", (2021, 2030), "names no year and the plan period 2021-2030 has several"),
    ("Quý I/2023 hàng năm", (2021, 2025), "names the year 2023 and also 'hàng năm'"),
    ("29/2 hàng năm", (2024, 2025), "29/2/2025 is not a date"),
    ("Từ tháng 3/2022", None, "'từ' gives a start but no end"),
    ("Từ năm 2031", (2026, 2030), "after the plan period 2030 ends"),
    ("Triển khai từ năm 2031", (2026, 2030), "after the plan period 2030 ends"),
    ("2026-2027 và thường xuyên", (2026, 2030), "expected a month"),
    ("Năm 2027 và thường xuyên", None, "'từ' gives a start but no end"),
    ("Năm 2025 và các năm tiếp theo", None, "needs the plan period (--within)"),
    ("Trước ngày", None, "expected a date ('30/6/2024') or a period"),
    ("Tháng sau", None, "expected a month ('Tháng 6/2023'"),
    ("trước dịp Tết", None, "expected a date ('30/6/2024') or a period"),
    ("Quý 1/22", None, "expected a month"),
    ("Năm học 2026-2028", None, "a school year runs over two years in a row"),
    ("Học kỳ III năm học 2026-2027", None, "a school year has two terms"),
    ("Tuần đầu tháng 13/2026", None, "month 13 does not exist"),
    ("", None, "it is empty"),
    (" . ", None, "it is empty"),
    ("Tháng 3/2022", (2030, 2021), "the plan period is wrong: the years 2030-2021 end before"),
    ("Năm 2022", (1000, 2022), "the plan period is wrong: the years 1000-2022 are out of range"),
]


@pytest.mark.parametrize(("expression", "within", "message"), ERRORS)
def test_what_cannot_be_read_is_a_period_error_quoting_it(
    expression: str, within: Within, message: str
) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(expression, within)
    text = str(caught.value)
    assert text.startswith(f"cannot read the time expression '{expression}': ")
    assert message in text
    assert caught.value.expression == expression


def test_parse_within_reads_a_year_or_a_range() -> None:
    assert parse_within("2026") == (2026, 2026)
    assert parse_within(" 2021 – 2030 ") == (2021, 2030)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("20x", "expected a year (2026) or a range of years (2026-2030)"),
        ("2030-2021", "the years 2030-2021 end before they start"),
        ("1066", "out of range"),
    ],
)
def test_a_bad_plan_period_is_a_period_error(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_within(text)
    assert str(caught.value).startswith(f"cannot read the plan period '{text}': ")
    assert message in str(caught.value)


# --- properties ---------------------------------------------------------------------

FRAGMENTS = [
    "Tháng", "tháng", "Quý", "quý", "năm", "Năm", "ngày", "trước", "Trước", "chậm nhất",
    "đến", "từ", "Từ", "hàng", "Hằng", "thường xuyên", "6", "tháng đầu", "cuối", "giai đoạn",
    "I", "II", "III", "IV", "V", "0", "1", "2", "3", "12", "13", "29", "31", "99", "2020",
    "2022", "1899", "2201", "9999", "0000", "-", "–", "/", ",", ".", "(", ")", "và", "hạn",
    "hết", "là", "vào", "định kỳ", "lần", "một",
]  # fmt: skip
WITHIN = (
    st.none()
    | st.tuples(st.integers(1880, 2220), st.integers(1880, 2220))
    | st.integers(1890, 2210).map(lambda year: (year, year))
)
NEAR_MISSES = st.lists(st.sampled_from(FRAGMENTS), max_size=9).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts), "/".join(parts)])
)

TEMPLATES = [
    "Tháng {a}/{y}", "Tháng {a} - {b}/{y}", "Tháng {a}/{y} - {b}/{z}", "Quý {r}/{y}",
    "Quý {r}-{q}/{y}", "Quý {a}, {b}/{y}", "Quý {r}/{y} - Quý {q}/{z}", "{a}/{b}/{y}",
    "Trước ngày {a}/{b}/{y}", "trước ngày {a}/{b} hàng năm", "Từ ngày {a}/{b} đến {c}/{d}/{y}",
    "{y} - {z}", "Năm {y}", "6 tháng đầu năm {y}", "Quý {r} hàng năm", "Tháng {a} - {b}",
    "Hàng năm ({y}-{z})", "ngày {a} tháng {b} năm {y}", "Trước tháng {a}/{y}", "{a}/{y}",
]  # fmt: skip
STRUCTURED = st.builds(
    lambda template, a, b, c, d, y, z, r, q: template.format(
        a=a, b=b, c=c, d=d, y=y, z=z, r=r, q=q
    ),
    st.sampled_from(TEMPLATES),
    *[st.integers(1, 12) | st.integers(0, 99)] * 4,
    *[st.integers(1890, 2210) | st.integers(0, 9999).map(lambda n: f"{n:04d}")] * 2,
    *[st.sampled_from(["I", "II", "III", "IV", "V", "IIII", "0", "1", "4", "5", "x"])] * 2,
)


def assert_sound(period: Period, text: str) -> None:
    assert period.expression == text
    assert period.recurrence is None or period.recurrence in get_args(Recurrence)
    assert bool(period.occurrences) == (period.recurrence not in ("on-demand", "after-event"))
    for occurrence in period.occurrences:
        assert occurrence.start is None or occurrence.start <= occurrence.end
    keys = [(o.start or o.end, o.end) for o in period.occurrences]
    assert keys == sorted(keys)
    labels = [o.label for o in period.occurrences]
    assert len(set(labels)) == len(labels)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text() | NEAR_MISSES | STRUCTURED, within=WITHIN)
def test_any_text_gives_a_sound_period_or_a_period_error(text: str, within: Within) -> None:
    try:
        period = parse_period(text, within)
    except PeriodError as error:
        assert error.expression == text
        assert str(error).startswith("cannot read the time expression '")
    else:
        assert_sound(period, text)


VALID = [(case[0], case[1]) for case in CASES]
DASHES = ["-", "–", "—", "‐", "−"]


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("đ", "d").replace("Đ", "D")


@st.composite
def variants(draw: st.DrawFn) -> tuple[str, Within, str]:
    """A valid expression and the same one retyped: case, marks, dashes, spaces."""
    text, within = draw(st.sampled_from(VALID))
    variant = strip_marks(text) if draw(st.booleans()) else unicodedata.normalize("NFD", text)
    variant = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in variant)
    dash = draw(st.sampled_from(DASHES))
    pad = draw(st.sampled_from(["", " ", "  ", "\u00a0", "\t"]))
    variant = variant.replace("-", f"{pad}{dash}{pad}").replace("/", f"{pad}/{pad}")
    variant = variant.replace(" ", draw(st.sampled_from([" ", "  ", "\u00a0", " \t"])))
    variant = (
        draw(st.sampled_from(["", " ", "• "])) + variant + draw(st.sampled_from(["", ".", ";"]))
    )
    return text, within, variant


@settings(deadline=None)  # no timing asserts: the machine is shared
@given(variants())
def test_case_marks_dashes_and_spacing_do_not_change_the_meaning(
    case: tuple[str, Within, str],
) -> None:
    text, within, variant = case
    original, retyped = parse_period(text, within), parse_period(variant, within)
    assert retyped.recurrence == original.recurrence
    assert retyped.occurrences == original.occurrences  # labels included


@given(st.text())
def test_normalise_is_idempotent_and_leaves_single_spaces_and_one_dash(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not set(once) & set("–—−đĐ")


def test_normalise_drops_marks_case_and_dash_kinds() -> None:
    assert normalise("  Đến  THÁNG\u00a03 – 12/2022 ") == "den thang 3 - 12/2022"
    assert normalise("Hằng năm") == normalise("hàng năm") == "hang nam"


# --- on demand ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["Khi có phát sinh", "khi có yêu cầu", "Theo yêu cầu", "Đột xuất hoặc khi có yêu cầu."],
)
def test_on_demand_work_has_no_dates_and_is_not_an_error(expression: str) -> None:
    period = parse_period(expression, (2026, 2030))
    assert period.to_json() == expected_json(expression, "on-demand")


@pytest.mark.parametrize(
    "expression",
    [
        "Sau khi Đề án được phê duyệt",
        "Ngay sau khi có hướng dẫn của Bộ",
        "Theo tiến độ dự án",
        "Sau 03 tháng kể từ khi Quyết định có hiệu lực",
    ],
)
def test_work_that_waits_for_an_event_has_no_dates_and_is_not_an_error(expression: str) -> None:
    period = parse_period(expression, (2026, 2030))
    assert period.to_json() == expected_json(expression, "after-event")


def test_an_event_with_a_date_or_a_recurrence_is_not_read_as_waiting() -> None:
    with pytest.raises(PeriodError):
        parse_period("Sau khi được phê duyệt, trước 30/6/2026", (2026, 2030))
    assert not after_event("Theo kế hoạch công tác tư pháp hàng năm")
    assert not after_event("Khi có phát sinh")  # on demand
    assert after_event("Theo tiến độ dự án")


# --- finding a time phrase inside a sentence ----------------------------------------

FOUND = [
    (
        "Sở Tư pháp chủ trì, hoàn thành trước ngày 30/6/2026.",
        [("hoàn thành trước ngày 30/6/2026", None, ["..2026-06-29"])],
    ),
    (
        "Thực hiện Nghị định số 80/2021/NĐ-CP ngày 26/8/2021, xong trong Quý II/2026;",
        [("xong trong Quý II/2026", None, ["2026-04-01..2026-06-30"])],
    ),
    (
        "Định kỳ trước ngày 01/6 và 15/11 hằng năm (hoặc đột xuất khi có yêu cầu) báo cáo",
        [
            (
                "Định kỳ trước ngày 01/6 và 15/11 hằng năm",
                "yearly",
                ["..2026-05-31", "..2026-11-14", "..2027-05-31", "..2027-11-14"],
            ),
            ("đột xuất khi có yêu cầu", "on-demand", []),
        ],
    ),
    ("Xây dựng kế hoạch năm, trình UBND tỉnh ban hành.", []),
    (
        "Tổ chức tập huấn vào đầu tháng 7/2026; tổng kết trong tuần cuối tháng 12/2026.",
        [
            ("đầu tháng 7/2026", None, ["2026-07-01..2026-07-10"]),
            ("trong tuần cuối tháng 12/2026", None, ["2026-12-25..2026-12-31"]),
        ],
    ),
    (
        "Đầu tư hạ tầng số tại Hà Nội trong học kỳ II năm học 2026-2027.",
        [("trong học kỳ II năm học 2026-2027", None, ["2027-01-16..2027-05-31"])],
    ),
]


@pytest.mark.parametrize(("text", "phrases"), FOUND)
def test_find_periods_gives_each_phrase_its_window_and_span(
    text: str, phrases: list[tuple[str, str | None, list[str]]]
) -> None:
    found = find_periods(text, (2026, 2027))
    assert [
        (text[f.start : f.end], f.period.to_json()["recurrence"], f.period.to_json()["occurrences"])
        for f in found
    ] == [
        (phrase, recurrence, expected_json(phrase, recurrence, *spans)["occurrences"])
        for phrase, recurrence, spans in phrases
    ]


def test_find_period_gives_the_first_phrase_or_none() -> None:
    text = "Công an tỉnh: xong trong quý II/2026; báo cáo trước ngày 15/7/2026."
    first = find_period(text, (2026, 2026))
    assert first is not None
    assert text[first.start : first.end] == "xong trong quý II/2026"
    assert find_period("Tổ chức thực hiện kế hoạch năm.", (2026, 2026)) is None


# --- reporting days -----------------------------------------------------------------

DUES = [
    ("Báo cáo trước ngày 20 hằng tháng về Sở", [("trước ngày 20 hằng tháng", "19", "monthly")]),
    (
        "gửi chậm nhất ngày 15 tháng cuối quý",
        [("chậm nhất ngày 15 tháng cuối quý", "15", "quarterly")],
    ),
    (
        "trước ngày 15 của tháng cuối mỗi quý",
        [("trước ngày 15 của tháng cuối mỗi quý", "14", "quarterly")],
    ),
    (
        "báo cáo 6 tháng (trước ngày 20/6) và hằng năm (trước ngày 15/12)",
        [("trước ngày 20/6", "06-19", None), ("trước ngày 15/12", "12-14", None)],
    ),
    (
        "định kỳ trước ngày 01/6 và 15/11 hằng năm",
        [
            ("trước ngày 01/6 và 15/11 hằng năm", "05-31", "yearly"),
            ("trước ngày 01/6 và 15/11 hằng năm", "11-14", "yearly"),
        ],
    ),
    ("trước ngày 1/3 hằng năm", [("trước ngày 1/3 hằng năm", "02-28", "yearly")]),
    ("trước ngày 1 hằng tháng", [("trước ngày 1 hằng tháng", None, "monthly")]),
    ("gửi Sở trước ngày 15/4/2026", []),  # a one-off deadline, not a reporting day
    ("chậm nhất ngày 15 tháng 12 năm 2026", []),
]


@pytest.mark.parametrize(("text", "dues"), DUES)
def test_find_due_days_reads_days_of_the_year_month_and_quarter(
    text: str, dues: list[tuple[str, str | None, str | None]]
) -> None:
    found = find_due_days(text)
    assert [(text[f.start : f.end], f.due.value, f.due.frequency) for f in found] == dues


def test_a_due_day_that_does_not_exist_has_no_value() -> None:
    assert DueDay(30, 2, "yearly", before=False).value is None
    assert DueDay(32, None, "monthly", before=False).value is None


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    words=st.lists(st.sampled_from([*FRAGMENTS, "Sở", "báo cáo", "gửi", "số 80/2021/NĐ-CP"])),
    within=WITHIN,
)
def test_a_found_phrase_is_printed_where_it_says_and_reads_as_its_period(
    words: list[str], within: Within
) -> None:
    text = " ".join(words)
    found = find_periods(text, within)
    ends = [0]
    for f in found:
        assert ends[-1] <= f.start < f.end <= len(text)
        assert f.period == parse_period(text[f.start : f.end], within)
        ends.append(f.end)
