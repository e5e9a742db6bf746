"""The PDF reader on a text layer: lines in reading order, paragraphs as printed,
tables as rows of cells, each test building its own PDF (``pdfmaker``)."""

from __future__ import annotations

import pytest

from engine.agencies import Directory, load_directory
from engine.plans.document import Document, Table
from engine.plans.importer import import_bytes, read_document
from engine.plans.pdf import read_pdf
from tests.conftest import ROOT
from tests.plans.pdfmaker import LEFT, Cell, Maker, pdf_bytes

pytestmark = pytest.mark.usefixtures("english")  # the warnings in the catalogue's English

HEADER_LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH LÀO CAI", "", "Số: 15/KH-UBND"]
HEADER_RIGHT = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "",
    "Lào Cai, ngày 05 tháng 3 năm 2026",
]
LONG = (
    "Thực hiện Quyết định số 1050/QĐ-SCT ngày 06/3/2026 của Giám đốc Sở Công Thương về việc "
    "kiểm tra việc chấp hành quy định pháp luật trong sử dụng và bảo quản vật liệu nổ công "
    "nghiệp, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:"
)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "config" / "agencies.yaml")


def texts(document: Document) -> list[str]:
    return [line.text for line in document.lines]


def rows(table: Table) -> list[list[str]]:
    return [row.texts for row in table.rows]


def plan_page() -> Maker:
    maker = Maker()
    maker.header(HEADER_LEFT, HEADER_RIGHT)
    maker.line("KẾ HOẠCH", bold=True, centre=True)
    maker.line("Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026", bold=True, centre=True)
    maker.y += 8
    return maker


def test_the_two_column_header_is_read_column_by_column() -> None:
    document = read_pdf(pdf_bytes(plan_page()), "plan.pdf")
    assert texts(document)[:7] == [
        "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "Số: 15/KH-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lào Cai, ngày 05 tháng 3 năm 2026",
        "KẾ HOẠCH",
        "Kiểm tra an toàn vật liệu nổ công nghiệp năm 2026",
    ]
    assert document.format == "pdf" and document.pages == 1 and not document.ocr
    assert all(line.page == 1 for line in document.lines)


def test_wrapped_lines_are_joined_into_the_paragraphs_as_printed() -> None:
    maker = plan_page()
    maker.paragraph(LONG)  # justified: set word by word, no space characters
    maker.paragraph("1. Sở Công Thương:", bold=True, justify=False)
    maker.paragraph(
        "a) Chủ trì, phối hợp với Công an tỉnh tổ chức kiểm tra các doanh nghiệp hoạt động "
        "vật liệu nổ công nghiệp trên địa bàn tỉnh, hoàn thành trong Quý II/2026."
    )
    maker.paragraph("b) Báo cáo kết quả.", justify=False)
    maker.paragraph("- Hướng dẫn các doanh nghiệp khắc phục các tồn tại.", justify=False)
    maker.paragraph("Căn cứ Kế hoạch này, các đơn vị triển khai thực hiện.", justify=False)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    body = texts(document)[7:]
    assert body == [
        LONG,
        "1. Sở Công Thương:",
        "a) Chủ trì, phối hợp với Công an tỉnh tổ chức kiểm tra các doanh nghiệp hoạt động "
        "vật liệu nổ công nghiệp trên địa bàn tỉnh, hoàn thành trong Quý II/2026.",
        "b) Báo cáo kết quả.",
        "- Hướng dẫn các doanh nghiệp khắc phục các tồn tại.",
        "Căn cứ Kế hoạch này, các đơn vị triển khai thực hiện.",
    ]
    heading = document.lines[8]
    assert heading.bold and not document.lines[9].bold
    # Numbered by printed lines: the long paragraph took several.
    assert document.lines[8].number - document.lines[7].number == 4


def test_page_numbers_are_left_out_and_a_paragraph_runs_on_over_the_page_break() -> None:
    maker = plan_page()
    while maker.y < 700:
        maker.paragraph("Nội dung kiểm tra gồm hồ sơ, tài liệu và hiện trường.", justify=False)
    maker.paragraph(LONG + " " + LONG)  # starts at the bottom of page 1, ends on page 2
    maker.paragraph("Kết thúc.", justify=False)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert texts(document)[-2:] == [LONG + " " + LONG, "Kết thúc."]
    assert document.lines[-2].page == 1 and document.lines[-1].page == 2
    assert not any(text in {"1", "2"} for text in texts(document))


def task_rows(count: int) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = [
        ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"]
    ]
    for n in range(1, count + 1):
        rows.append(
            [
                str(n),
                f"Nhiệm vụ số {n}: kiểm tra việc chấp hành quy định pháp luật về an toàn trong "
                "sử dụng, bảo quản vật liệu nổ công nghiệp tại các mỏ đá trên địa bàn huyện",
                "Sở Công Thương",
                "Công an tỉnh; Sở Tài chính",
                f"Quý {['I', 'II', 'III', 'IV'][n % 4]}/2026",
            ]
        )
    return rows


WIDTHS = [30.0, 190.0, 80.0, 80.0, 71.0]


def test_a_ruled_table_over_two_pages_is_one_table_with_its_header_once() -> None:
    maker = plan_page()
    maker.table(task_rows(13), WIDTHS)  # row 5 is split by the page break
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert len(document.tables) == 1
    table = document.tables[0]
    got = rows(table)
    assert got[0] == ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"]
    assert [r[0] for r in got[1:]] == [str(n) for n in range(1, 14)]  # no repeated header
    assert got[5] == [
        "5",
        "Nhiệm vụ số 5: kiểm tra việc chấp hành quy định pháp luật về an toàn trong sử dụng, "
        "bảo quản vật liệu nổ công nghiệp tại các mỏ đá trên địa bàn huyện",
        "Sở Công Thương",
        "Công an tỉnh; Sở Tài chính",
        "Quý II/2026",
    ]
    assert {r.page for r in table.rows[:5]} == {1} and table.rows[-1].page == 2
    assert table.aligned and table.page == 1


def test_merged_cells_repeat_their_text_the_way_the_docx_reader_marks_them() -> None:
    maker = plan_page()
    table = [
        ["TT", "Nội dung", Cell("Thực hiện", cols=2), "Thời gian"],
        ["", "", "Chủ trì", "Phối hợp", ""],
        [
            Cell("1", rows=2),
            "Kiểm tra mỏ đá Bảo Hà",
            Cell("Sở Công Thương", rows=2),
            "Công an tỉnh",
            Cell("Quý II/2026", rows=2),
        ],
        ["Kiểm tra kho mìn Văn Bàn", "Sở Tài chính"],
    ]
    maker.table(table, [30.0, 180.0, 90.0, 90.0, 61.0], header_rows=2)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    grid = document.tables[0]
    first, second = grid.rows[2].cells, grid.rows[3].cells
    assert [c.text for c in grid.rows[0].cells][2:4] == ["Thực hiện", "Thực hiện"]
    assert grid.rows[0].cells[3].merged == "left"
    assert [c.text for c in first] == [
        "1",
        "Kiểm tra mỏ đá Bảo Hà",
        "Sở Công Thương",
        "Công an tỉnh",
        "Quý II/2026",
    ]
    assert [c.text for c in second] == [
        "1",
        "Kiểm tra kho mìn Văn Bàn",
        "Sở Công Thương",
        "Sở Tài chính",
        "Quý II/2026",
    ]
    assert [c.merged for c in second] == ["above", None, "above", None, "above"]


DECREE = (
    "Nghị định số 66/2016/NĐ-CP ngày 01/7/2016 của Chính phủ quy định điều kiện đầu tư kinh doanh"
)


def test_a_cell_keeps_its_own_lines_and_joins_the_wrapped_ones() -> None:
    maker = plan_page()
    maker.table(
        [
            ["STT", "Văn bản", "Điều khoản"],
            [
                "1",
                DECREE,
                "- Khoản 1 Điều 21\n- Khoản 2 Điều 22\n- Điều 42",
            ],
        ],
        [40.0, 110.0, 150.0],
    )
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert rows(document.tables[0])[1] == [
        "1",
        DECREE,
        "- Khoản 1 Điều 21\n- Khoản 2 Điều 22\n- Điều 42",
    ]


def test_a_code_hyphenated_at_a_cell_line_break_is_kept_whole() -> None:
    maker = plan_page()
    top = maker.y
    maker.pdf.rect(LEFT, top, 70, 50)
    maker.pdf.rect(LEFT + 70, top, 120, 50)
    maker.text(LEFT + 4, top + 15, "Thông tư số", size=11)
    maker.text(LEFT + 4, top + 29, "21/2015/TT-", size=11)
    maker.text(LEFT + 4, top + 43, "BNNPTNT", size=11)
    # Text overflowing its cell runs into the next cell's text without a space.
    maker.text(LEFT + 74, top + 15, "Khoản 3 Điều 51", size=11)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert rows(document.tables[0]) == [["Thông tư số 21/2015/TT-BNNPTNT", "Khoản 3 Điều 51"]]


def test_text_overflowing_a_cell_stays_in_its_cell() -> None:
    maker = plan_page()
    top = maker.y
    maker.pdf.rect(LEFT, top, 80, 24)
    maker.pdf.rect(LEFT + 80, top, 80, 24)
    width = maker.width("Khoản 3 Điều", 11)
    maker.text(LEFT + 81 - width, top + 15, "Khoản 3 Điều", size=11)  # ends past the rule
    maker.text(LEFT + 81, top + 15, "Khoản 4", size=11)  # and touches this
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert rows(document.tables[0]) == [["Khoản 3 Điều", "Khoản 4"]]


def test_a_table_without_ruling_lines_is_read_by_its_columns() -> None:
    maker = plan_page()
    maker.table(task_rows(3), WIDTHS, ruled=False)
    maker.paragraph("Nơi nhận các báo cáo: Sở Công Thương.", justify=False)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert len(document.tables) == 1
    got = rows(document.tables[0])
    assert got[0] == ["TT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"]
    assert [r[0] for r in got[1:]] == ["1", "2", "3"]
    assert got[2][2:] == ["Sở Công Thương", "Công an tỉnh; Sở Tài chính", "Quý III/2026"]
    assert texts(document)[-1] == "Nơi nhận các báo cáo: Sở Công Thương."


def test_the_signature_block_is_read_left_column_first() -> None:
    maker = plan_page()
    maker.paragraph(LONG)
    maker.header(
        ["Nơi nhận:", "- Như trên;", "- Lưu: VT, KT."],
        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "", "Nguyễn Văn A"],
    )
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert texts(document)[-5:] == [
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT, KT.",
        "KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
        "Nguyễn Văn A",
    ]


def test_a_pdf_plan_imports_with_its_tasks_and_where_they_were_printed(
    directory: Directory,
) -> None:
    maker = plan_page()
    maker.paragraph(LONG)
    maker.line("PHỤ LỤC", bold=True, centre=True)
    maker.table(task_rows(13), WIDTHS)
    data = pdf_bytes(maker)
    assert read_document(data, "plan.bin").format == "pdf"  # from the content, not the name
    result = import_bytes(data, "plan.bin", directory)
    tasks = result.plan.tasks
    assert result.format == "pdf"
    assert [t.number for t in tasks] == [str(n) for n in range(1, 14)]
    assert tasks[4].lead == ["Sở Công Thương"]
    assert tasks[4].title.startswith("Nhiệm vụ số 5: kiểm tra việc chấp hành")
    assert (tasks[4].occurrences[0].start.isoformat(), tasks[4].occurrences[0].end.isoformat()) == (
        "2026-04-01",
        "2026-06-30",
    )


def test_a_running_header_is_left_out_and_text_between_tables_stays_between() -> None:
    maker = plan_page()
    maker.table(task_rows(2), WIDTHS)
    maker.paragraph("Ghi chú: các nhiệm vụ trên được rà soát hằng quý.", justify=False)
    maker.table([["TT", "Nội dung"], ["1", "Báo cáo kết quả"]], [30.0, 300.0])
    for _ in range(2):
        maker.new_page()
        maker.paragraph("Nội dung kiểm tra gồm hồ sơ, tài liệu và hiện trường.", justify=False)
    for page in range(1, 4):  # the same line atop every page
        maker.pdf.page = page
        maker.text(380, 40, "Kế hoạch 15/KH-UBND", size=10)
    document = read_pdf(pdf_bytes(maker), "plan.pdf")
    assert not any("Kế hoạch 15/KH-UBND" in text for text in texts(document))
    first, second = document.tables
    note = next(ln for ln in document.lines if ln.text.startswith("Ghi chú"))
    assert first.last < note.number < second.first
