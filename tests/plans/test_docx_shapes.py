"""Word files in the shapes real plans take, built here with python-docx (automatic
numbering, merges and nested tables through their XML)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as new_document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from engine.agencies import Directory, load_directory
from engine.plans.importer import import_plan
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def header_block(doc: Any, issuer: list[str], number: str, place_date: str) -> None:
    """The borderless table on top of a Vietnamese document: issuer | motto, number | date."""
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "\n".join(issuer)
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.cell(1, 0).text = number
    table.cell(1, 1).text = place_date


def fill(table: Any, rows: list[list[str | None]]) -> None:
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            if text is not None:
                table.cell(r, c).text = text


def decimal_numbering(doc: Any) -> str:
    """A numbering instance "%1." (decimal) in the document's numbering part; its numId."""
    numbering = doc.part.numbering_part.element
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0">'
            '<w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
            "</w:lvl></w:abstractNum>"
        )
    )
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    return "90"


def number_paragraph(cell: Any, num_id: str) -> None:
    """Give the cell's (empty) paragraph Word's automatic number."""
    p_pr = cell.paragraphs[0]._p.get_or_add_pPr()
    p_pr.append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def save(doc: Any, tmp_path: Path, name: str = "plan.docx") -> Path:
    path = tmp_path / name
    doc.save(str(path))
    return path


def test_the_header_table_automatic_numbers_and_people_as_leads(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    header_block(doc, ["UBND TỈNH LÀO CAI", "SỞ CÔNG THƯƠNG"], "Số:      /KH-SCT",
                 "Lào Cai, ngày      tháng 5 năm 2026")  # fmt: skip
    for text in ("KẾ HOẠCH", "Kiểm tra huấn luyện kỹ thuật an toàn", "II. NỘI DUNG",
                 "1. Thời gian, đối tượng kiểm tra:", "1.1. Đợt 1: Từ 13h30’ ngày 02/6/2026.",
                 "1.2. Đợt 2: Từ 13h30’ ngày 03/6/2026.", "2. Địa điểm: Sở Công Thương.",
                 "PHỤ LỤC"):  # fmt: skip
        doc.add_paragraph(text)
    num_id = decimal_numbering(doc)
    table = doc.add_table(rows=4, cols=4)
    fill(table, [["TT", "Nhiệm vụ thực hiện", "Người thực hiện", "Ghi chú"],
                 ["", "Rà soát hồ sơ học viên", "Đỗ Văn A\nVũ Thị B", ""],
                 ["", "Tổ chức kiểm tra", "Vũ Thị B", ""],
                 ["", "Tổ chức chấm bài", "Nguyễn Văn C", ""]])  # fmt: skip
    for row in table.rows[1:]:
        number_paragraph(row.cells[0], num_id)
    plan = import_plan(save(doc, tmp_path), directory).plan
    assert plan.issuer == "Sở Công Thương tỉnh Lào Cai"  # the department under its UBND
    assert plan.number is None and plan.issued_on is None  # a draft: both left blank
    assert (plan.period.start, plan.period.end) == (2026, 2026)
    assert [t.number for t in plan.tasks] == ["1", "2", "3"]  # drawn by Word, not typed
    assert plan.tasks[0].lead == ["Đỗ Văn A", "Vũ Thị B"]  # one person a paragraph
    assert [t.source.row if t.source else None for t in plan.tasks] == [2, 3, 4]
    windows = [[(o.start, o.end) for o in t.occurrences] for t in plan.tasks]
    assert windows == [[], [(date(2026, 6, 2), date(2026, 6, 3))], []]  # the event's row only
    assert any("the dates the body gives the event" in w.message for w in plan.warnings)
    assert any("2 of its tasks have no window" in w.message for w in plan.warnings)
    messages = [w.message for w in plan.warnings]
    assert any("leaves the number blank" in m for m in messages)
    assert any("leaves the date blank" in m for m in messages)


def test_a_task_table_after_form_tables_with_its_deadline_in_the_body(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    header_block(doc, ["CHÍNH PHỦ"], "Số: 24/2026//NQ-CP", "Hà Nội, ngày 29 tháng 4 năm 2026")
    for text in (
        "NGHỊ QUYẾT",
        "CẮT GIẢM THỦ TỤC HÀNH CHÍNH",
        "Điều 4. Tổ chức thi hành",
        "b) Trình cấp có thẩm quyền ban hành văn bản theo Phụ lục II ban hành kèm theo "
        "Nghị quyết này, bảo đảm có hiệu lực trước ngày 01 tháng 3 năm 2027.",
        "PHỤ LỤC I",
        "MẪU ĐƠN",
    ):
        doc.add_paragraph(text)
    for _ in range(3):  # forms: a header of known words, rows left to fill in
        form = doc.add_table(rows=2, cols=3)
        fill(form, [["STT", "Nội dung", "Thời gian"], ["1", "……", "……"]])
    doc.add_paragraph("PHỤ LỤC II")
    doc.add_paragraph("DANH MỤC VĂN BẢN ĐƯỢC ĐỀ XUẤT SỬA ĐỔI")
    table = doc.add_table(rows=5, cols=3)
    fill(table, [["STT", "Văn bản cần sửa đổi", "CƠ QUAN CHỦ TRÌ SOẠN THẢO"],
                 ["I", "NGHỊ ĐỊNH", ""],
                 ["1.", "Nghị định số 288/2025/NĐ-CP", "Bộ Quốc phòng"],
                 ["II", "QUYẾT ĐỊNH", ""],
                 ["1.", "Quyết định số 05/2025/QĐ-TTg", "Bộ Tài chính"]])  # fmt: skip
    plan = import_plan(save(doc, tmp_path), directory).plan
    assert plan.number == "24/2026/NQ-CP"  # printed with a double slash
    assert plan.title.startswith("Nghị quyết cắt giảm thủ tục hành chính")
    assert [t.key for t in plan.tasks] == ["I.1", "II.1"]  # numbering restarts per section
    assert [t.lead for t in plan.tasks] == [["Bộ Quốc phòng"], ["Bộ Tài chính"]]
    assert all(t.occurrences[-1].end == date(2027, 2, 28) for t in plan.tasks)
    assert (plan.period.start, plan.period.end) == (2026, 2027)
    assert any("the deadline the body gives its appendix" in w.message for w in plan.warnings)
    assert any("double slash" in w.message for w in plan.warnings)


def test_a_two_row_header_merged_cells_and_several_task_tables(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    header_block(doc, ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], "Số: 7/KH-UBND",
                 "Hà Nội, ngày 5 tháng 1 năm 2026")  # fmt: skip
    for text in ("KẾ HOẠCH", "Phát triển hạ tầng số giai đoạn 2026 - 2030", "PHỤ LỤC I"):
        doc.add_paragraph(text)
    first = doc.add_table(rows=5, cols=5)
    fill(first, [["TT", "Nội dung", "Thực hiện", None, "Tiến độ"],
                 [None, None, "Đơn vị chủ trì", "Đơn vị phối hợp", None],
                 ["1", "Khảo sát hạ tầng", "Sở Công Thương", "Sở Tài chính", "Quý III/2026"],
                 ["2", "Lập quy hoạch", None, "Sở Xây dựng", "Hằng năm"],
                 ["a)", "Lấy ý kiến các sở", "Sở Xây dựng", "", "Năm 2027"]])  # fmt: skip
    first.cell(0, 2).merge(first.cell(0, 3))
    first.cell(0, 0).merge(first.cell(1, 0))
    first.cell(0, 1).merge(first.cell(1, 1))
    first.cell(0, 4).merge(first.cell(1, 4))
    first.cell(2, 2).merge(first.cell(3, 2))  # one lead printed for tasks 1 and 2
    doc.add_paragraph("PHỤ LỤC II")
    second = doc.add_table(rows=3, cols=4)
    fill(second, [["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành"],
                  ["1", "Đào tạo nhân lực số", "Sở Nội vụ", "2028"],
                  ["Tổng", "", "", ""]])  # fmt: skip
    outer = doc.add_table(rows=1, cols=1)
    inner = outer.cell(0, 0).add_table(rows=2, cols=2)
    fill(inner, [["Ghi chú", "Nội dung"], ["", ""]])
    plan = import_plan(save(doc, tmp_path), directory).plan
    keys = [t.key for t in plan.tasks]
    assert keys == ["t1.1", "t1.2", "t1.2.a", "t2.1"]  # two tables, numbers repeat
    task_1, task_2, task_2a, task_t2 = plan.tasks
    assert task_1.lead == ["Sở Công Thương"] and task_1.coordinators == ["Sở Tài chính"]
    assert task_2.lead == ["Sở Công Thương"]  # under a vertically merged cell
    assert any(
        w.line == task_2.source_lines[0]
        and "lead cell is inherited from a merged cell" in w.message
        for w in plan.warnings
        if task_2.source_lines
    )
    assert len(task_2.occurrences) == 5  # "Hằng năm" over 2026-2030
    assert task_2a.occurrences[0].start == date(2027, 1, 1)
    assert task_t2.lead == ["Sở Nội vụ"]  # a lead-only table; "Tổng" is not a task
    assert task_t2.coordinators == []


def test_nested_tables_are_tables_of_their_own(tmp_path: Path) -> None:
    from engine.plans.importer import read_document

    doc = new_document()
    outer = doc.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Bên ngoài"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    fill(inner, [["TT", "Nội dung"], ["1", "Bên trong"]])
    read = read_document(save(doc, tmp_path).read_bytes(), "x.docx")
    assert [t.nested for t in read.tables] == [False, True]
    assert read.tables[1].rows[1].texts == ["1", "Bên trong"]
    assert read.tables[0].rows[0].texts[0] == "Bên ngoài"


def test_a_paragraph_with_automatic_numbering_reads_with_its_number(tmp_path: Path) -> None:
    from engine.plans.importer import read_document

    doc = new_document()
    num_id = decimal_numbering(doc)
    for text in ("Sở Công Thương", "Sở Tài chính"):
        paragraph = doc.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
            )
        )
    read = read_document(save(doc, tmp_path).read_bytes(), "x.docx")
    assert [line.text for line in read.lines] == ["1. Sở Công Thương", "2. Sở Tài chính"]
    assert qn("w:numPr")  # the XML names used above are Word's


def test_a_task_table_split_over_two_word_tables_is_one_table(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    for text in ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "Số: 9/KH-UBND",
                 "Hà Nội, ngày 2 tháng 3 năm 2026", "KẾ HOẠCH", "Thực hiện năm 2026"):  # fmt: skip
        doc.add_paragraph(text)
    first = doc.add_table(rows=2, cols=4)
    fill(first, [["TT", "Nội dung", "Đơn vị chủ trì", "Thời gian"],
                 ["1", "Tuyên truyền", "Sở Công Thương", "Quý I/2026"]])  # fmt: skip
    second = doc.add_table(rows=2, cols=4)  # the rest after a page break, no header
    fill(second, [["2", "Tập huấn", "Sở Tài chính", "Quý II/2026"],
                  ["3", "Sơ kết", "Sở Công Thương", "Tháng 12/2026"]])  # fmt: skip
    plan = import_plan(save(doc, tmp_path), directory).plan
    assert [t.key for t in plan.tasks] == ["1", "2", "3"]
    assert [t.source.table if t.source else None for t in plan.tasks] == [1, 2, 2]
    assert plan.tasks[2].occurrences[0].start == date(2026, 12, 1)


def test_an_inspection_plan_lists_its_units_with_dates_and_working_days(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    header_block(doc, ["UBND TỈNH LÀO CAI", "SỞ CÔNG THƯƠNG"], "Số: 15/KH-SCT",
                 "Lào Cai, ngày 10 tháng 3 năm 2026")  # fmt: skip
    for text in (
        "KẾ HOẠCH",
        "Kiểm tra việc sử dụng vật liệu nổ công nghiệp",
        "3. Thời hạn kiểm tra: 02 ngày làm việc/01 đơn vị, tính từ ngày công bố quyết định.",
        "PHỤ LỤC I",
    ):
        doc.add_paragraph(text)
    table = doc.add_table(rows=6, cols=5)
    fill(table, [["TT", "Tên đơn vị được kiểm tra", "Đối tượng kiểm tra",
                  "Thời gian công bố Quyết định kiểm tra", "Thời hạn kiểm tra"],
                 ["1", "Công ty A", "Gói thầu số 13", "23/3/2026", "02 ngày"],
                 [None, None, "Gói thầu số 14", None, None],
                 ["2", "Công ty B", "Kho vật liệu nổ", "27/3/2025", "02 ngày"],
                 ["3", "Công ty C", "Kho mới", "Khi có phát sinh", ""],
                 ["4", "Công ty D", "Kho cũ", "Sau khi Đề án được phê duyệt", ""]])  # fmt: skip
    for column in (0, 1, 3, 4):  # one unit inspected on two contracts
        table.cell(1, column).merge(table.cell(2, column))
    plan = import_plan(save(doc, tmp_path), directory).plan
    assert [(t.key, t.title, t.lead) for t in plan.tasks] == [
        ("1", "Công ty A", []),
        ("2", "Công ty B", []),
        ("3", "Công ty C", []),
        ("4", "Công ty D", []),
    ]
    unit_a, unit_b, unit_c, unit_d = plan.tasks
    assert unit_a.content == "Gói thầu số 13\nGói thầu số 14"
    # Monday 23/3 and the next working day; Friday 27/3 (printed 2025) and Monday 30/3
    assert [(o.start, o.end) for o in unit_a.occurrences] == [
        (date(2026, 3, 23), date(2026, 3, 24))
    ]
    assert unit_a.window_text == "23/3/2026 | 02 ngày"
    assert [(o.start, o.end) for o in unit_b.occurrences] == [
        (date(2026, 3, 27), date(2026, 3, 30))
    ]
    assert unit_c.occurrences == []
    messages = [w.message for w in plan.warnings]
    assert any("the table lists the units to be inspected" in m for m in messages)
    typo = "task 2: the date in '27/3/2025' is before the plan was issued"
    assert any(typo in m for m in messages)
    assert any("'02 ngày' from 27/03/2026 is read as working days" in m for m in messages)
    assert any("task 3: the window 'Khi có phát sinh' is on demand" in m for m in messages)
    assert unit_d.occurrences == []
    waits = "task 4: the window 'Sau khi Đề án được phê duyệt' waits for an event (no dates)"
    assert any(waits in m for m in messages)
    assert not any("lies outside the plan period" in m for m in messages)


def test_a_first_header_cell_that_cannot_be_read_is_the_number_column(
    tmp_path: Path, directory: Directory
) -> None:
    doc = new_document()
    header_block(doc, ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], "Số: 9/KH-UBND",
                 "Hà Nội, ngày 5 tháng 1 năm 2026")  # fmt: skip
    for text in ("KẾ HOẠCH", "Kiểm tra an toàn năm 2026", "PHỤ LỤC"):
        doc.add_paragraph(text)
    table = doc.add_table(rows=4, cols=4)
    fill(table, [["1", "Tên đơn v‡đướt<?", "Nội dung kiểm tra", "Thời hạn kiểm tra"],
                 ["1", "Công ty A", "Kho mìn", "Quý II/2026"],
                 ["2", "Công ty B", "Kho xăng", "Quý III/2026"],
                 ["3", "Công ty C", "Kho hóa chất", "Quý IV/2026"]])  # fmt: skip
    plan = import_plan(save(doc, tmp_path), directory).plan
    assert [(t.key, t.title) for t in plan.tasks] == [
        ("1", "Công ty A"),
        ("2", "Công ty B"),
        ("3", "Công ty C"),
    ]
    assert any(
        "unnamed or unreadable ('1', 'Tên đơn v‡đướt<?'); they are taken as TT and task title"
        in w.message
        for w in plan.warnings
    )
