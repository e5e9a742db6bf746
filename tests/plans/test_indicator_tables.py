"""Appendix tables that assign indicators rather than tasks, and the shapes of legal-portal
copies they come in: each test writes its own document, shaped like the portal's."""

from __future__ import annotations

from datetime import date

import pytest

from engine.agencies import AgencyMatcher, Directory, load_directory
from engine.plans.importer import import_bytes
from engine.plans.model import PlanFile
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def imported(text: str, directory: Directory) -> PlanFile:
    return import_bytes(text.encode(), "plan.md", directory).plan


def cells(*rows: list[str]) -> str:
    """A portal table: each cell between lines holding one ``|``, rows split by two."""
    out = ["|"]
    for row in rows:
        for cell in row:
            out += [cell, "|"]
        out.append("|")
    return "\n".join(out[:-1])


HEAD = """\
|
**ỦY BAN NHÂN DÂN
TỈNH BẮC NINH**
|
**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
|
|
Số: 144/KH-UBND
|
*Bắc Ninh, ngày 24
tháng 11 năm 2025*
|

**KẾ HOẠCH**

PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ TỈNH BẮC NINH GIAI ĐOẠN
2026 - 2030

**I. MỤC TIÊU**

Đến năm 2030 kinh tế số chiếm 45% GRDP tỉnh.

**II. TỔ CHỨC THỰC HIỆN**

1\\. Sở Khoa học và Công nghệ chủ trì, theo dõi, tổng hợp kết quả thực hiện Kế hoạch
và các chỉ tiêu tại Phụ lục; báo cáo Ủy ban nhân dân tỉnh.

"""

INDICATORS = (
    HEAD
    + """
**PHỤ LỤC**

PHÂN CÔNG THỰC HIỆN CÁC CHỈ TIÊU PHÁT TRIỂN KINH TẾ SỐ,
XÃ HỘI SỐ ĐẾN NĂM 2030

*(Ban hành kèm theo Kế hoạch số 144/KH-UBND ngày 24 tháng 11 năm 2025 của
UBND tỉnh Bắc Ninh)*

"""
    + cells(
        ["**TT**", "**Chỉ tiêu**", "**Chủ trì**"],
        ["1", "Kinh tế số chiếm 45% GRDP tỉnh.", "Sở Tài chính"],
        [
            "2",
            "Phấn đấu mỗi năm phát triển từ\n05 bộ dữ liệu mở chất lượng cao.",
            "Sở KH&CN chủ trì hướng dẫn, tổng hợp; Các sở, ngành, UBND cấp xã thực\n"
            "hiện công bố dữ liệu mở hằng năm theo lĩnh vực quản lý.",
        ],
        [
            "3",
            "Tỷ lệ doanh nghiệp vừa và nhỏ\nứng dụng công nghệ số đạt 60%",
            "Sở Khoa học và Công nghệ thúc đẩy, theo dõi, báo cáo chỉ tiêu",
        ],
    )
    + "\n"
)


def test_an_indicator_table_gives_each_indicator_to_its_agency_by_the_year_it_names(
    directory: Directory,
) -> None:
    plan = imported(INDICATORS, directory)
    assert [t.title for t in plan.tasks] == [
        "Kinh tế số chiếm 45% GRDP tỉnh.",
        "Phấn đấu mỗi năm phát triển từ 05 bộ dữ liệu mở chất lượng cao.",
        "Tỷ lệ doanh nghiệp vừa và nhỏ ứng dụng công nghệ số đạt 60%",
    ]
    # what the agency does with the indicator is not part of its name
    assert [t.lead[0] for t in plan.tasks] == [
        "Sở Tài chính",
        "Sở Khoa học và Công nghệ",
        "Sở Khoa học và Công nghệ",
    ]
    assert plan.tasks[1].lead[1] == "Các sở, ngành, UBND cấp xã"
    # "ĐẾN NĂM 2030" in the appendix's heading, not the year the plan was issued in
    assert {t.window_text for t in plan.tasks} == {"đến năm 2030"}
    assert {t.occurrences[-1].end for t in plan.tasks} == {date(2030, 12, 31)}
    messages = [w.message for w in plan.warnings]
    assert any("column 'Chỉ tiêu' is taken as the tasks' titles" in m for m in messages)
    assert any("is the time the appendix's heading gives" in m for m in messages)


def test_a_title_in_capitals_keeps_the_years_wrapped_onto_its_next_line(
    directory: Directory,
) -> None:
    plan = imported(INDICATORS, directory)
    assert plan.title.endswith("giai đoạn 2026 - 2030")
    assert (plan.period.start, plan.period.end) == (2026, 2030)


SECTIONED = (
    HEAD
    + """
**PHỤ LỤC**

DANH MỤC CÁC NHIỆM VỤ TRỌNG TÂM

"""
    + cells(
        ["**STT**", "**Tên nhiệm vụ**", "**Cơ quan chủ trì**", "**Thời gian**"],
        ["**I**", "**CƠ CHẾ, CHÍNH SÁCH**", "** **", "** **"],
        ["1", "Rà soát các văn bản quy phạm pháp luật", "Sở Tư pháp", "2026"],
        ["**II**", "**HẠ TẦNG SỐ**", "** **", "** **"],
        ["1", "Nâng cấp trung tâm dữ liệu", "Sở Khoa học và Công nghệ, các địa phương", "2027"],
    )
    + "\n\n** **\n\nNơi nhận: như trên.\n"
)


def test_empty_bold_cells_of_a_section_row_do_not_end_the_portal_table(
    directory: Directory,
) -> None:
    plan = imported(SECTIONED, directory)
    assert [(t.key, t.section, t.title) for t in plan.tasks] == [
        ("I.1", "I. CƠ CHẾ, CHÍNH SÁCH", "Rà soát các văn bản quy phạm pháp luật"),
        ("II.1", "II. HẠ TẦNG SỐ", "Nâng cấp trung tâm dữ liệu"),
    ]
    assert plan.tasks[1].lead == ["Sở Khoa học và Công nghệ", "các địa phương"]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Sở Tài chính chủ trì, Sở Xây dựng", ["Sở Tài chính", "Sở Xây dựng"]),
        ("Sở Y tế thực hiện", ["Sở Y tế"]),
        # a capital after the verb: the name goes on
        ("Ban Chỉ đạo thực hiện Chương trình", ["Ban Chỉ đạo thực hiện Chương trình"]),
        ("Tổ công tác triển khai Đề án 06", ["Tổ công tác triển khai Đề án 06"]),
        ("Sở Nội vụ, các sở, ban, ngành", ["Sở Nội vụ", "các sở, ban, ngành"]),
        ("Ủy ban nhân dân các tỉnh, thành phố", ["Ủy ban nhân dân các tỉnh, thành phố"]),
    ],
)
def test_an_agency_cell_names_the_agencies_not_what_they_do(cell: str, names: list[str]) -> None:
    assert AgencyMatcher(Directory()).split(cell, None) == names
