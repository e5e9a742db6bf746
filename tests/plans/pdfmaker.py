"""Small PDFs for the reader tests, laid out the way Vietnamese plans are printed.

``Maker`` puts text where a word processor would: a two-column header (issuer and
number on the left, the national motto and the date on the right), paragraphs with a
first-line indent that wrap at the right margin (justified ones are set word by word,
as iText does, so the gaps between words are wider than a space and hold no space
character), tables ruled cell by cell that continue over a page break with their
header repeated and a row split across the break, tables without any rule, and a page
number alone at the bottom of each page. Everything is in points on an A4 page, with
DejaVu fonts (Debian's ``fonts-dejavu-core``), which cover Vietnamese.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF

FONTS = Path("/usr/share/fonts/truetype/dejavu")
LEFT, RIGHT, TOP, BOTTOM = 72.0, 523.0, 60.0, 780.0  # text area of an A4 page (595 × 842)


def font_path(bold: bool = False) -> Path:
    path = FONTS / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")
    if not path.is_file():
        pytest.skip(
            f"the DejaVu fonts are not installed ({path}); apt-get install fonts-dejavu-core"
        )
    return path


@dataclass
class Cell:
    """A table cell: its text (lines split by "\\n" are separate paragraphs) and spans."""

    text: str
    cols: int = 1
    rows: int = 1


class _Pdf(FPDF):
    numbers = True

    def footer(self) -> None:
        if self.numbers:
            self.set_font("serif", "", 11)
            self.text(297, 815, str(self.page_no()))


class Maker:
    def __init__(self, *, page_numbers: bool = True, compress: bool = True) -> None:
        self.pdf = _Pdf(unit="pt", format="A4")
        self.pdf.numbers = page_numbers
        self.pdf.set_compression(compress)
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("serif", "", str(font_path()))
        self.pdf.add_font("serif", "B", str(font_path(bold=True)))
        self.size = 13.0
        self.leading = 16.0
        self.y = TOP
        self.pdf.add_page()

    # -- text ------------------------------------------------------------------------

    def font(self, size: float | None = None, bold: bool = False) -> None:
        self.pdf.set_font("serif", "B" if bold else "", size or self.size)

    def width(self, text: str, size: float | None = None, bold: bool = False) -> float:
        self.font(size, bold)
        return float(self.pdf.get_string_width(text))

    def text(
        self, x: float, baseline: float, text: str, *, size: float | None = None, bold: bool = False
    ) -> None:
        self.font(size, bold)
        self.pdf.text(x, baseline, text)

    def line(self, text: str, *, x: float = LEFT, bold: bool = False, centre: bool = False) -> None:
        """One line at the current position (centred on the text area when asked)."""
        self.break_if(self.leading)
        if centre:
            x = (LEFT + RIGHT - self.width(text, bold=bold)) / 2
        self.text(x, self.y + self.size, text, bold=bold)
        self.y += self.leading

    def paragraph(
        self,
        text: str,
        *,
        indent: float = 36.0,
        left: float = LEFT,
        right: float = RIGHT,
        bold: bool = False,
        justify: bool = True,
        after: float = 4.0,
    ) -> None:
        """Wrap ``text`` between ``left`` and ``right``, the first line indented; justified
        lines are set word by word; the last line is never justified."""
        lines = self.wrap(text, right - left, indent, bold)
        for i, words in enumerate(lines):
            self.break_if(self.leading)
            x = left + (indent if i == 0 else 0.0)
            baseline = self.y + self.size
            last = i == len(lines) - 1
            if justify and not last and len(words) > 1:
                total = sum(self.width(w, bold=bold) for w in words)
                gap = (right - x - total) / (len(words) - 1)
                for word in words:
                    self.text(x, baseline, word, bold=bold)
                    x += self.width(word, bold=bold) + gap
            else:
                self.text(x, baseline, " ".join(words), bold=bold)
            self.y += self.leading
        self.y += after

    def wrap(
        self,
        text: str,
        width: float,
        indent: float = 0.0,
        bold: bool = False,
        size: float | None = None,
    ) -> list[list[str]]:
        lines: list[list[str]] = [[]]
        room = width - indent
        for word in text.split():
            candidate = " ".join([*lines[-1], word])
            if lines[-1] and self.width(candidate, size, bold) > room:
                lines.append([word])
                room = width
            else:
                lines[-1].append(word)
        return lines

    def header(self, left: Sequence[str], right: Sequence[str], *, split: float = 290.0) -> None:
        """The two-column block of the first page; each column's lines centred in it."""
        for i in range(max(len(left), len(right))):
            baseline = self.y + self.size
            for column, (x0, x1) in (
                (left, (LEFT - 20, split - 10)),
                (right, (split + 10, RIGHT + 20)),
            ):
                if i < len(column) and column[i]:
                    bold = column[i].isupper()
                    w = self.width(column[i], bold=bold)
                    self.text((x0 + x1 - w) / 2, baseline, column[i], bold=bold)
            self.y += self.leading
        self.y += self.leading

    def break_if(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = TOP

    # -- tables --------------------------------------------------------------------------

    def table(
        self,
        rows: Sequence[Sequence[Cell | str]],
        widths: Sequence[float],
        *,
        header_rows: int = 1,
        ruled: bool = True,
        size: float = 11.0,
        pad: float = 4.0,
    ) -> None:
        """Rows of cells; a row that does not fit is split at the page break and the
        header rows are drawn again at the top of the next page."""
        grid = _Grid(rows, widths)
        box = _Box(size, size * 1.25, pad, ruled)
        text = {
            key: self._cell_lines(cell, width, box) for key, (cell, width) in grid.cells.items()
        }
        counts = [grid.line_count(r, text) for r in range(len(rows))]
        r, first = 0, 0
        while r < len(rows):
            room = int((BOTTOM - self.y - 2 * pad) // box.leading)
            left = counts[r] - first
            if left > room and (r < header_rows or room < 1 or grid.spans_down(r)):
                self._new_page_with(grid, text, counts, header_rows if r >= header_rows else 0, box)
                continue
            shown = min(left, room)
            self._row(grid, text, r, first, shown, counts, box)
            if shown < left:  # the page breaks inside this row
                first += shown
                self._new_page_with(grid, text, counts, header_rows, box)
                continue
            r, first = r + 1, 0
        self.y += self.leading

    def _new_page_with(
        self, grid: _Grid, text: _Text, counts: list[int], header_rows: int, box: _Box
    ) -> None:
        self.new_page()
        for h in range(header_rows):
            self._row(grid, text, h, 0, counts[h], counts, box)

    def _cell_lines(self, cell: Cell, width: float, box: _Box) -> list[str]:
        out: list[str] = []
        for para in cell.text.split("\n"):
            words = self.wrap(para, width - 2 * box.pad, size=box.size) if para.strip() else [[]]
            out += [" ".join(w) for w in words] if para.strip() else []
        return out

    def _row(
        self, grid: _Grid, text: _Text, r: int, first: int, shown: int, counts: list[int], box: _Box
    ) -> None:
        top = self.y
        height = shown * box.leading + 2 * box.pad
        for c, x in enumerate(grid.xs[:-1]):
            if (r, c) not in grid.cells:
                continue
            cell, width = grid.cells[(r, c)]
            cell_height = height
            if cell.rows > 1:
                cell_height = sum(
                    counts[rr] * box.leading + 2 * box.pad for rr in range(r, r + cell.rows)
                )
            for i, line in enumerate(
                text[(r, c)][first : first + shown] if cell.rows == 1 else text[(r, c)]
            ):
                self.text(
                    x + box.pad, top + box.pad + box.size + i * box.leading, line, size=box.size
                )
            if box.ruled:
                self.pdf.rect(x, top, width, cell_height)
        self.y = top + height


@dataclass(frozen=True)
class _Box:
    size: float
    leading: float
    pad: float
    ruled: bool


_Text = dict[tuple[int, int], list[str]]


class _Grid:
    """Where each cell of the rows sits: (row, column) → (cell, width)."""

    def __init__(self, rows: Sequence[Sequence[Cell | str]], widths: Sequence[float]) -> None:
        self.xs = [LEFT]
        for w in widths:
            self.xs.append(self.xs[-1] + w)
        taken: set[tuple[int, int]] = set()
        self.cells: dict[tuple[int, int], tuple[Cell, float]] = {}
        for r, row in enumerate(rows):
            c = 0
            for item in row:
                while (r, c) in taken:
                    c += 1
                cell = item if isinstance(item, Cell) else Cell(item)
                self.cells[(r, c)] = (cell, self.xs[c + cell.cols] - self.xs[c])
                for dr in range(cell.rows):
                    for dc in range(cell.cols):
                        taken.add((r + dr, c + dc))
                c += cell.cols

    def spans_down(self, r: int) -> bool:
        return any(cell.rows > 1 for (row, _), (cell, _) in self.cells.items() if row == r)

    def line_count(self, r: int, text: _Text) -> int:
        """The lines row ``r`` needs (cells spanning down are sized to fit the rows)."""
        counts = [
            len(v) for (row, c), v in text.items() if row == r and self.cells[(row, c)][0].rows == 1
        ]
        return max(counts, default=1) or 1


def pdf_bytes(maker: Maker) -> bytes:
    return bytes(maker.pdf.output())


def image_pdf(
    lines: Sequence[str],
    *,
    size: int = 40,
    dpi: int = 300,
    table: Sequence[Sequence[str]] = (),
    widths: Sequence[int] = (),
) -> bytes:
    """A scanned page: ``lines`` (and a ruled ``table``) drawn on an A4 image at ``dpi``,
    the image alone in a PDF (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path()), size)
    x, y = int(0.9 * dpi), int(0.8 * dpi)
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        y += int(size * 1.6)
    if table:
        y += size
        xs = [x]
        for w in widths:
            xs.append(xs[-1] + w)
        row_height = int(size * 1.9)
        for row in table:
            for c, text in enumerate(row):
                draw.rectangle((xs[c], y, xs[c + 1], y + row_height), outline=0, width=3)
                draw.text((xs[c] + size // 3, y + size // 3), text, font=font, fill=0)
            y += row_height
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=dpi)
    return buffer.getvalue()
