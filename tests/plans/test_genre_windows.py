"""Time cells as plans of the genre write them, read from a task table of a Word file
made here: the dates each task is reminded of, as the plan file gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.agencies import Directory, load_directory
from engine.plans.importer import import_plan
from tests.conftest import ROOT
from tests.plans.test_word_exports import plan_word_file

pytestmark = pytest.mark.usefixtures("english")

HEAD = [
    "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
    "Số: 21/KH-UBND",
    "Lào Cai, ngày 10 tháng 3 năm 2026",
    "KẾ HOẠCH",
    "Thực hiện chuyển đổi số trong doanh nghiệp giai đoạn 2026 - 2030",
    "Giao các sở, ngành thực hiện các nhiệm vụ tại Phụ lục kèm theo.",
    "PHỤ LỤC",
]
HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def windows(tmp_path: Path, directory: Directory, cells: list[str]) -> list[list[str]]:
    rows = [HEADER] + [
        [str(n), f"Nhiệm vụ số {n} của kế hoạch", "Sở Công Thương", "Sở Tài chính", cell]
        for n, cell in enumerate(cells, 1)
    ]
    plan = import_plan(plan_word_file(tmp_path / "kh21.docx", HEAD, rows), directory).plan
    assert [t.lead for t in plan.tasks] == [["Sở Công Thương"]] * len(cells)
    return [[f"{o.start}..{o.end}" for o in t.occurrences] for t in plan.tasks]


def test_work_that_starts_in_a_year_and_goes_on_runs_to_the_plan_end(
    tmp_path: Path, directory: Directory
) -> None:
    cells = [
        "Triển khai từ năm 2027 và thực hiện thường xuyên, liên tục",
        "Bắt đầu triển khai từ năm 2027",
        "Từ năm 2028 trở đi",
        "Quý III/2026 và thực hiện thường xuyên",
        "Năm 2026 và duy trì thường xuyên",
        "Nhiệm vụ thường xuyên",
    ]
    assert windows(tmp_path, directory, cells) == [
        ["2027-01-01..2030-12-31"],
        ["2027-01-01..2030-12-31"],
        ["2028-01-01..2030-12-31"],
        ["2026-07-01..2030-12-31"],
        ["2026-01-01..2030-12-31"],
        ["2026-01-01..2030-12-31"],
    ]


def test_a_recurrence_also_done_when_asked_keeps_its_dates(
    tmp_path: Path, directory: Directory
) -> None:
    cells = ["Hằng năm và đột xuất", "Định kỳ hằng năm và khi có yêu cầu"]
    every_year = [f"{y}-01-01..{y}-12-31" for y in range(2026, 2031)]
    assert windows(tmp_path, directory, cells) == [every_year, every_year]
