"""Tables without ruling lines laid out from words (``engine.plans.layout.page``), as a
scan's OCR gives them: ink boxes shorter than the type, so the space between two lines
looks wide."""

from __future__ import annotations

from engine.plans.layout.page import TableBlock, TextBlock, layout_page
from engine.plans.layout.words import Word

# the left edge of each column: TT, task, lead, time
COLUMNS = (90.0, 177.0, 264.0, 436.0)


def line(top: float, *cells: str) -> list[Word]:
    """OCR words of one printed line: ``cells`` by column, "" for an empty one; ink 9
    points high."""
    words = []
    for x, text in zip(COLUMNS, cells, strict=False):
        for word in text.split():
            words.append(Word(word, x, x + 6.0 * len(word), top, top + 9.0))
            x += 6.0 * len(word) + 3.5
    return words


def test_a_sections_name_between_rows_keeps_the_table_whole() -> None:
    words = [
        *line(100, "TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"),
        *line(130, "1", "Rà soát hồ", "Sở Tư pháp", "Quý I/2026"),
        *line(145, "", "sơ học viên"),
        *line(175, "2", "Xây dựng bài", "Sở Nội vụ", "Quý II/2026"),
        *line(190, "", "kiểm tra"),
        # "II. TỔ CHỨC THỰC HIỆN" wrapped in the number column, wide gaps around it
        *line(225, "II. TỔ"),
        *line(241, "CHỨC"),
        *line(257, "THỰC"),
        *line(290, "3", "Tổ chức chấm", "Sở Tư pháp", "Quý III/2026"),
        *line(305, "", "bài thi"),
        *line(335, "4", "Công bố kết", "Sở Nội vụ", "Quý IV/2026"),
        *line(350, "", "quả"),
    ]
    page = layout_page(1, words, [], 595.0, 842.0)

    assert [type(b) for b in page.blocks] == [TableBlock]
    (table,) = [b for b in page.blocks if isinstance(b, TableBlock)]
    firsts = [
        " ".join(w.text for w in row[0].cell.words) for row in table.grid.rows() if row[0].cell
    ]
    assert firsts == ["TT", "1", "2", "II. TỔ", "CHỨC", "THỰC", "3", "4"]


def test_text_across_the_columns_still_ends_the_table() -> None:
    words = [
        *line(100, "TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"),
        *line(130, "1", "Rà soát hồ", "Sở Tư pháp", "Quý I/2026"),
        *line(175, "2", "Xây dựng bài", "Sở Nội vụ", "Quý II/2026"),
        # a paragraph of the body, across the columns
        *[
            Word(w, 90.0 + 40 * i, 126.0 + 40 * i, 225, 234)
            for i, w in enumerate(["Trên", "đây", "là", "Kế", "hoạch", "kiểm", "tra", "của", "Sở"])
        ],
        *line(290, "3", "Tổ chức chấm", "Sở Tư pháp", "Quý III/2026"),
        *line(335, "4", "Công bố kết", "Sở Nội vụ", "Quý IV/2026"),
    ]
    page = layout_page(1, words, [], 595.0, 842.0)
    assert [type(b) for b in page.blocks] == [TableBlock, TextBlock, TableBlock]
