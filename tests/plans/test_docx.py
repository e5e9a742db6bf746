"""Word files, built here with python-docx, one per table shape met in the seeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as new_document

from engine.agencies import Directory, load_directory
from engine.plans.importer import import_plan
from engine.plans.model import PlanFile
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def preamble(doc: Any, *, issuer: str = "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI") -> None:
    for text in (
        issuer,
        "Số: 12/KH-UBND",
        "Hà Nội, ngày 10 tháng 1 năm 2023",
        "KẾ HOẠCH",
        "Thực hiện chương trình sản xuất và tiêu dùng bền vững năm 2023",
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Công Thương (cơ quan chủ trì)",
        "- Báo cáo định kỳ 6 tháng (trước ngày 20/6 hàng năm), 1 năm (trước ngày 15/12 "
        "hàng năm) gửi UBND Thành phố.",
        "2. Sở Tài chính",
        "- Bố trí kinh phí thực hiện Kế hoạch.",
        "PHỤ LỤC",
    ):
        doc.add_paragraph(text)


def fill(table: Any, rows: list[list[str | None]]) -> None:
    """Write texts into a table; None leaves a cell as it is (part of a merge)."""
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            if text is not None:
                table.cell(r, c).text = text


def save(doc: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    doc.save(str(path))
    return path


def task(plan: PlanFile, key: str) -> Any:
    return next(t for t in plan.tasks if t.key == key)


def test_horizontal_and_vertical_merges_are_read_from_the_grid(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc)
    table = doc.add_table(rows=5, cols=7)
    fill(
        table,
        [
            [
                "TT",
                "Danh mục",
                None,
                "Đơn vị chủ trì",
                "Đơn vị phối hợp",
                "Thời gian thực hiện",
                "",
            ],
            ["I", "Truyền thông", None, None, None, None, None],
            [
                "1",
                "Tập huấn sản xuất sạch hơn",
                "Lớp tập huấn",
                "Sở Công Thương",
                "Sở Tài chính",
                "Tháng 3 - 6/2023",
                "",
            ],
            [
                "2",
                "Hội thảo chuỗi cung ứng",
                "Hội thảo",
                "Sở NN&PTNT",
                "BQL các KCN&CX",
                "Tháng 7 - 12/2023",
                "",
            ],
            [
                "3",
                "Khảo sát doanh nghiệp",
                "Báo cáo",
                "Sở Công Thương",
                "UBND quận, huyện, thị xã",
                None,
                "",
            ],
        ],
    )
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Danh mục"  # horizontal, header
    table.cell(1, 1).merge(table.cell(1, 6)).text = "Truyền thông"  # a section row
    table.cell(3, 5).merge(table.cell(4, 5)).text = "Tháng 7 - 12/2023"  # vertical
    plan = import_plan(save(doc, tmp_path, "merged.docx"), directory).plan

    assert [t.key for t in plan.tasks] == ["1", "2", "3"]
    assert task(plan, "1").section == "I. Truyền thông"
    assert task(plan, "1").title == "Tập huấn sản xuất sạch hơn"
    assert task(plan, "2").lead == ["Sở Nông nghiệp và Phát triển nông thôn"]
    assert task(plan, "2").coordinators == ["Ban Quản lý các khu công nghiệp và chế xuất Hà Nội"]
    inherited = task(plan, "3")
    assert inherited.window_text == "Tháng 7 - 12/2023"
    assert [(o.start, o.end) for o in inherited.occurrences] == [
        (date(2023, 7, 1), date(2023, 12, 31))
    ]
    row = inherited.source_lines[0] if inherited.source_lines else None
    assert any(w.line == row and "inherited from a merged cell" in w.message for w in plan.warnings)
    assert plan.number == "12/KH-UBND"
    assert plan.issued_on == date(2023, 1, 10)
    assert plan.owner == "Sở Công Thương"
    assert [(d.frequency, d.due) for d in plan.reporting] == [
        ("half-yearly", "06-19"),
        ("yearly", "12-14"),
    ]


def test_a_header_repeated_after_a_page_break_joins_the_split_row(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc)
    header = ["TT", "Tên nhiệm vụ", "Đơn vị chủ trì, đơn vị phối hợp", "Thời gian thực hiện"]
    first = doc.add_table(rows=3, cols=4)
    fill(
        first,
        [
            header,
            ["1", "Xây dựng cơ sở dữ liệu", "Đơn vị chủ trì: Sở Công Thương", "Năm 2023"],
            [
                "2",
                "Hỗ trợ kỹ thuật cho các doanh nghiệp thực hiện mô hình thực hành tái",
                "Đơn vị chủ trì: Sở Công Thương; Đơn vị phối hợp: Sở Tài",
                "Quý III/2023",
            ],
        ],
    )
    doc.add_page_break()
    second = doc.add_table(rows=3, cols=4)
    fill(
        second,
        [
            header,
            ["", "chế chất thải công nghiệp", "chính", ""],
            ["3", "Tổ chức hội chợ", "Đơn vị chủ trì: Sở Công Thương", "Quý IV/2023"],
        ],
    )
    plan = import_plan(save(doc, tmp_path, "split.docx"), directory).plan

    assert [t.key for t in plan.tasks] == ["1", "2", "3"]
    split = task(plan, "2")
    assert split.title == (
        "Hỗ trợ kỹ thuật cho các doanh nghiệp thực hiện mô hình thực hành tái chế chất thải "
        "công nghiệp"
    )
    assert split.lead == ["Sở Công Thương"]
    assert split.coordinators == ["Sở Tài chính"]
    assert split.window_text == "Quý III/2023"
    assert any("continues after the repeated header" in w.message for w in plan.warnings)


def test_without_a_lead_column_the_issuer_leads_every_task(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    for text in (
        "BỘ CÔNG THƯƠNG CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 45/QĐ-BCT",
        "Hà Nội, ngày 3 tháng 11 năm 2023",
        "QUYẾT ĐỊNH",
        "Về việc phê duyệt danh mục nhiệm vụ năm 2024",
        "Theo đề nghị của Vụ trưởng Vụ Tiết kiệm năng lượng và Phát triển bền vững.",
        "Phụ lục",
    ):
        doc.add_paragraph(text)
    table = doc.add_table(rows=4, cols=5)
    fill(
        table,
        [
            [
                "TT",
                "Tên nhiệm vụ, dự án",
                "Dự kiến sản phẩm",
                "Kinh phí dự kiến (triệu đồng)",
                "Thời gian thực hiện",
            ],
            ["I", "Chính sách", "", "1.700", ""],
            ["1", "Xây dựng định mức tiêu hao", "Báo cáo", "1.000", "2024"],
            ["2", "Hướng dẫn kỹ thuật ngành thép", "Tài liệu", "700", "Quý II/2024"],
        ],
    )
    plan = import_plan(save(doc, tmp_path, "no-lead.docx"), directory).plan

    assert plan.issuer == "Bộ Công Thương"
    assert plan.jurisdiction == "Bộ Công Thương"
    assert plan.period.start == plan.period.end == 2024
    assert plan.owner == "Vụ Tiết kiệm năng lượng và Phát triển bền vững"
    assert [t.lead for t in plan.tasks] == [["Bộ Công Thương"], ["Bộ Công Thương"]]
    assert [t.budget.total if t.budget else None for t in plan.tasks] == [1000.0, 700.0]
    assert plan.tasks[0].budget and plan.tasks[0].budget.unit == "triệu đồng"
    assert any("no lead-agency column" in w.message for w in plan.warnings)


def test_yearly_budget_columns_under_a_merged_heading_give_the_active_years(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc)
    doc.paragraphs[4].text = "Thực hiện chương trình giai đoạn 2026 - 2030"
    table = doc.add_table(rows=4, cols=6)
    fill(
        table,
        [
            [
                "TT",
                "Tên nhiệm vụ",
                "Đơn vị chủ trì, đơn vị phối hợp",
                "Dự kiến kinh phí",
                None,
                None,
            ],
            [None, None, None, "Năm 2026", "Năm 2027", "Tổng cộng"],
            ["1", "Hội chợ", "Đơn vị chủ trì: Sở Công Thương", "100", "120", "220"],
            ["2", "Đoàn công tác", "Đơn vị chủ trì: Sở Công Thương", "0", "2.000", "2.000"],
        ],
    )
    for column in range(3):
        table.cell(0, column).merge(table.cell(1, column))  # vertical merges in the header
    table.cell(0, 3).merge(table.cell(0, 5)).text = "Dự kiến kinh phí"
    plan = import_plan(save(doc, tmp_path, "budget.docx"), directory).plan

    assert plan.period.start == 2026 and plan.period.end == 2030
    fair, trip = plan.tasks
    assert fair.budget and fair.budget.by_year == {2026: 100.0, 2027: 120.0}
    assert fair.budget.total == 220.0
    assert [o.start for o in fair.occurrences] == [date(2026, 1, 1), date(2027, 1, 1)]
    assert [o.start for o in trip.occurrences] == [date(2027, 1, 1)]
    assert fair.window_text is None


def test_a_combined_agencies_cell_with_list_paragraphs(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc)
    table = doc.add_table(rows=2, cols=5)
    fill(
        table,
        [
            [
                "TT",
                "Danh mục",
                "Chỉ tiêu, kế hoạch",
                "Đơn vị thực hiện",
                "Dự kiến thời gian thực hiện",
            ],
            ["1", "Tuyên truyền", "", "", "Trong quý III-IV/2023"],
        ],
    )
    targets = table.cell(1, 2)
    targets.text = "- 30 bài viết tuyên truyền;"
    targets.add_paragraph("- Phát clip tuyên truyền.")
    agencies = table.cell(1, 3)
    agencies.text = "- Đơn vị chủ trì: Sở Công Thương."
    agencies.add_paragraph(
        "- Đơn vị phối hợp: Sở Tài nguyên và Môi trường; BQL các KCN&CX; UBND quận, huyện, thị xã."
    )
    plan = import_plan(save(doc, tmp_path, "combined.docx"), directory).plan

    (only,) = plan.tasks
    assert only.deliverables == "- 30 bài viết tuyên truyền;\n- Phát clip tuyên truyền."
    assert only.lead == ["Sở Công Thương"]
    assert only.coordinators == [
        "Sở Tài nguyên và Môi trường",
        "Ban Quản lý các khu công nghiệp và chế xuất Hà Nội",
        "UBND các quận, huyện, thị xã",
    ]
    assert [(o.start, o.end) for o in only.occurrences] == [(date(2023, 7, 1), date(2023, 12, 31))]


def test_a_header_that_leaves_the_number_and_task_columns_unnamed(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc, issuer="ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH")
    table = doc.add_table(rows=3, cols=6)
    fill(
        table,
        [
            ["", "", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện", "Sản phẩm"],
            [
                "1",
                "Tổ chức tập huấn",
                "Sở Nông nghiệp và PTNT",
                "Các Sở, Ban ngành",
                "Hàng năm",
                "Lớp tập huấn",
            ],
            [
                "2",
                "Xây dựng mô hình",
                "Sở Công Thương",
                "UBND các huyện, thành phố",
                "2023",
                "Mô hình",
            ],
        ],
    )
    plan = import_plan(save(doc, tmp_path, "unnamed.docx"), directory).plan

    assert plan.jurisdiction == "Hòa Bình"
    assert [(t.number, t.title) for t in plan.tasks] == [
        ("1", "Tổ chức tập huấn"),
        ("2", "Xây dựng mô hình"),
    ]
    assert plan.tasks[0].lead == ["Sở Nông nghiệp và Phát triển nông thôn"]
    assert plan.tasks[0].coordinators == ["Các sở, ban, ngành tỉnh"]
    assert len(plan.tasks[0].occurrences) == 1  # "Hàng năm" in a one-year plan
    assert any("unnamed; they are taken as TT and task title" in w.message for w in plan.warnings)


def test_a_content_column_names_its_tasks_and_one_agency_alone_leads_without_a_warning(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    preamble(doc)
    table = doc.add_table(rows=4, cols=4)
    fill(
        table,
        [
            ["STT", "Nội dung công việc", "Đơn vị thực hiện", "Thời hạn"],
            ["1", "Tổ chức tập huấn cho doanh nghiệp", "Sở Công Thương", "Quý II/2023"],
            ["2", "Kiểm tra việc thực hiện", "Sở Công Thương, Sở Tài chính", "Quý IV/2023"],
            ["3", "", "Sở Tài chính", "Tháng 12/2023"],
        ],
    )
    plan = import_plan(save(doc, tmp_path, "content.docx"), directory).plan

    assert [(t.title, t.lead) for t in plan.tasks] == [
        ("Tổ chức tập huấn cho doanh nghiệp", ["Sở Công Thương"]),
        ("Kiểm tra việc thực hiện", ["Sở Công Thương", "Sở Tài chính"]),
        ("(no title)", ["Sở Tài chính"]),
    ]
    messages = [w.message for w in plan.warnings]
    # the cell naming two agencies without saying who leads is worth a look; the row
    # without any text too; a row named by its content and led by one agency is not
    assert "task 2: the agencies cell names no 'chủ trì'/'phối hợp'; all are leads" in messages
    assert "task 3 has no title; '(no title)' is used" in messages
    assert not [m for m in messages if m.startswith(("task 1", "task 3:"))]
    assert not [m for m in messages if "has no title" in m and "task 3" not in m]
