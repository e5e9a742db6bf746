"""Builds the shipped letter template ``templates/letters/cong-van-don-doc.docx``.

The template is a Word document in the layout of a công văn (Nghị định 30/2020/NĐ-CP,
Phụ lục I): A4, Times New Roman, margins 20 mm top and bottom, 30 mm left, 15 mm right;
a borderless two-column header with the issuing body (its superior above it), a short
rule, ``Số: …`` and ``V/v …`` on the left, the national title and motto, a short rule
and ``<place>, ngày … tháng … năm …`` on the right; ``Kính gửi: …``; justified body text
with the table of overdue items; ``Nơi nhận`` on the left and the signature block on the
right.

Placeholders are docxtpl (Jinja2) tags; ``engine.letters`` fills them and
``templates/letters/README.md`` lists them. A coordinator may edit the .docx in Word
(letterhead, wording, fonts): docxtpl copes with the way Word splits text into runs.
This module exists so the shipped file can be rebuilt and reviewed as code::

    python -m engine.letters_template templates/letters/cong-van-don-doc.docx
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
CENTER, JUSTIFY, LEFT = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
    WD_ALIGN_PARAGRAPH.LEFT,
)

ITEM_COLUMNS = (
    ("STT", "{{ item.no }}", 1.3),
    ("Nhiệm vụ", "{{ item.title }}", 5.5),
    ("Kỳ", "{{ item.period }}", 2.6),
    ("Hạn", "{{ item.due }}", 2.6),
    ("Số ngày quá hạn", "{{ item.days_late }}", 1.8),
    ("Trạng thái", "{{ item.status }}", 2.7),
)

BODY_INTRO = (
    "Thực hiện {{ basis }}, {{ issuer }} theo dõi, tổng hợp tình hình thực hiện các nhiệm "
    "vụ được giao. Tính đến ngày {{ as_of }}, {{ agency }} còn {{ count }} nhiệm vụ đã quá "
    "hạn nhưng chưa hoàn thành, cụ thể như sau:"
)
BODY_REQUEST = (
    "Để bảo đảm tiến độ chung, {{ issuer }} đề nghị {{ agency }} khẩn trương chỉ đạo thực "
    "hiện các nhiệm vụ nêu trên và báo cáo kết quả về {{ issuer }}; trường hợp có khó khăn, "
    "vướng mắc hoặc cần gia hạn, đề nghị có văn bản nêu rõ lý do gửi {{ issuer }} để tổng "
    "hợp, báo cáo cấp có thẩm quyền xem xét, quyết định./."
)


def build_template() -> DocumentObject:
    """The letter template as a python-docx Document (not yet saved)."""
    document = Document()
    _page(document)
    _header(document)
    _para(document, "Kính gửi: {{ agency }}.", size=14, align=CENTER, space_before=12)
    _para(document, BODY_INTRO, size=14, align=JUSTIFY, indent=True, space_before=12)
    _items_table(document)
    _para(document, BODY_REQUEST, size=14, align=JUSTIFY, indent=True, space_before=6)
    _footer(document)
    return document


def save_template(path: Path) -> None:
    build_template().save(str(path))


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    # Word takes the font of Vietnamese text from rFonts; set every script, not only ASCII.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _header(document: DocumentObject) -> None:
    table = _layout_table(document, (6.3, 10.2))
    left, right = table.rows[0].cells
    _cell_para(left, "{%p if superior %}", size=13)
    _cell_para(left, "{{ superior | upper }}", size=12, align=CENTER)
    _cell_para(left, "{%p endif %}", size=13)
    _cell_para(left, "{{ issuer | upper }}", size=13, bold=True, align=CENTER)
    _rule(left, indent_cm=1.8)
    _cell_para(left, "Số: {{ number }}", size=13, align=CENTER, space_before=6)
    _cell_para(left, "V/v {{ subject }}", size=12, align=CENTER, space_before=6)
    _cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=CENTER)
    _cell_para(right, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True, align=CENTER)
    _rule(right, indent_cm=2.3)
    _cell_para(
        right,
        "{{ place }}, ngày {{ day }} tháng {{ month }} năm {{ year }}",
        size=14,
        italic=True,
        align=CENTER,
        space_before=6,
    )


def _items_table(document: DocumentObject) -> None:
    table = document.add_table(rows=4, cols=len(ITEM_COLUMNS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, [width for _, _, width in ITEM_COLUMNS])
    header, loop_start, item, loop_end = table.rows
    for column, (title, placeholder, _) in enumerate(ITEM_COLUMNS):
        _cell_para(header.cells[column], title, size=12, bold=True, align=CENTER)
        align = LEFT if column in (1, 5) else CENTER
        _cell_para(item.cells[column], placeholder, size=12, align=align)
    # A long list runs over several pages: Word repeats the header row on each.
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    # docxtpl repeats the row between these two for each item and drops both markers.
    _cell_para(loop_start.cells[0], "{%tr for item in items %}", size=12)
    _cell_para(loop_end.cells[0], "{%tr endfor %}", size=12)


def _footer(document: DocumentObject) -> None:
    table = _layout_table(document, (7.5, 9.0), space_before=12)
    left, right = table.rows[0].cells
    _cell_para(left, "Nơi nhận:", size=12, bold=True, italic=True)
    _cell_para(left, "- Như trên;", size=11)
    _cell_para(left, "- Lưu: VT.", size=11)
    _cell_para(right, "{{ signer_title | upper }}", size=13, bold=True, align=CENTER)
    _cell_para(right, "(Ký, ghi rõ họ tên, đóng dấu)", size=12, italic=True, align=CENTER)
    for _ in range(3):
        _cell_para(right, "", size=13)
    _cell_para(right, "{{ signer_name }}", size=14, bold=True, align=CENTER)


def _layout_table(
    document: DocumentObject, widths: tuple[float, float], space_before: int = 0
) -> Table:
    """A borderless one-row table: how Word documents put two blocks side by side."""
    if space_before:
        _para(document, "", size=6)
    table: Table = document.add_table(rows=1, cols=2)
    _set_widths(table, widths)
    return table


def _set_widths(table: Table, widths: Sequence[float]) -> None:
    """Fixed column widths: Word reads the cells' widths, LibreOffice the table grid's."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _para(
    document: DocumentObject,
    text: str,
    *,
    size: float,
    align: WD_ALIGN_PARAGRAPH = LEFT,
    indent: bool = False,
    space_before: int = 0,
) -> Paragraph:
    paragraph = document.add_paragraph()
    _fill(paragraph, text, size=size, align=align, space_before=space_before)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.27)
    paragraph.paragraph_format.space_after = Pt(6)
    return paragraph


def _cell_para(
    cell: _Cell,
    text: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = LEFT,
    space_before: int = 0,
) -> Paragraph:
    first = cell.paragraphs[0]
    paragraph: Paragraph = first if not first.runs else cell.add_paragraph()
    _fill(
        paragraph, text, size=size, bold=bold, italic=italic, align=align, space_before=space_before
    )
    return paragraph


def _fill(
    paragraph: Paragraph,
    text: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = LEFT,
    space_before: int = 0,
) -> None:
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(0)
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    else:
        paragraph.paragraph_format.line_spacing = Pt(size)


def _rule(cell: _Cell, *, indent_cm: float) -> None:
    """A short centred line under a heading: an empty paragraph with a bottom border."""
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.right_indent = Cm(indent_cm)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    # The schema fixes the order of a paragraph's properties; Word rejects a file whose
    # border comes after its spacing or indentation.
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(borders, *_AFTER_BORDER)


_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("templates/letters/cong-van-don-doc.docx")
    save_template(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
