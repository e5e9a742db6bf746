"""A lead cell that marks its lead among several names ("Sở X chủ trì, Sở Y phối hợp"):
the marked agency leads and the others coordinate, in a lead column and in a cell that
names both ("Đơn vị thực hiện")."""

from __future__ import annotations

import pytest

from engine.agencies import Directory, load_directory
from engine.plans.importer import import_bytes
from engine.plans.taskbuild import marked_lead
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")

HEADER = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI

Số: 12/KH-UBND

Hà Nội, ngày 10 tháng 01 năm 2026

KẾ HOẠCH

Triển khai thực hiện chuyển đổi số năm 2026

"""


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def roles(table: str, directory: Directory) -> list[tuple[list[str], list[str]]]:
    plan = import_bytes((HEADER + table).encode(), "plan.md", directory).plan
    return [(task.lead, task.coordinators) for task in plan.tasks]


def test_the_marked_agency_of_a_lead_column_leads_and_the_others_coordinate(
    directory: Directory,
) -> None:
    table = """| TT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian |
| --- | --- | --- | --- | --- |
| 1 | Rà soát thủ tục | Sở Công Thương chủ trì, Sở Tài chính phối hợp | | Quý I/2026 |
| 2 | Tập huấn cán bộ | Sở Nội vụ (chủ trì); Sở Tư pháp | | Tháng 3/2026 |
| 3 | Báo cáo kết quả | Sở Xây dựng chủ trì, phối hợp với Sở Tài chính | Sở Y tế | Tháng 12/2026 |
| 4 | Kiểm tra | UBND các quận, huyện, thị xã chủ trì | | Tháng 6/2026 |
"""
    assert roles(table, directory) == [
        (["Sở Công Thương"], ["Sở Tài chính"]),
        (["Sở Nội vụ"], ["Sở Tư pháp"]),
        (["Sở Xây dựng"], ["Sở Tài chính", "Sở Y tế"]),
        (["UBND các quận, huyện, thị xã"], []),
    ]


def test_a_cell_naming_lead_and_coordinators_reads_the_mark_without_labels(
    directory: Directory,
) -> None:
    table = """| TT | Nhiệm vụ | Đơn vị thực hiện | Thời gian |
| --- | --- | --- | --- |
| 1 | Rà soát thủ tục | Sở Công Thương (chủ trì), Sở Tài chính, Sở Tư pháp | Quý I/2026 |
| 2 | Tập huấn cán bộ | Đơn vị chủ trì: Sở Nội vụ. Đơn vị phối hợp: Sở Y tế | Tháng 3/2026 |
"""
    assert roles(table, directory) == [
        (["Sở Công Thương"], ["Sở Tài chính", "Sở Tư pháp"]),
        (["Sở Nội vụ"], ["Sở Y tế"]),
    ]


@pytest.mark.parametrize(
    "text",
    ["Sở Công Thương chủ trì", "Sở Công Thương chủ trì thực hiện", "Sở Công Thương; Sở Tài chính"],
)
def test_a_cell_with_one_lead_or_no_mark_is_not_split(text: str) -> None:
    assert marked_lead(text) is None
