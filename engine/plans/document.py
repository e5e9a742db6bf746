"""The common intermediate form every reader produces.

A reader turns one document (whatever its shape) into a ``Document``: the body as numbered
lines of plain text, and the tables as rows of cells, each cell knowing the source lines it
came from. Extraction (``header``, ``body``, ``table``) only ever sees this form, so a new
document shape needs a new reader and nothing else.

For ``.docx`` files (and .doc, converted to .docx, and saved HTML pages) "lines" are the
paragraphs in document order, a table row counting as one line; the numbers in warnings
refer to that order. For PDFs (text layer or OCR) printed lines are numbered through the
whole document, a table row counting as one; a ``Line`` is a paragraph as printed (its
wrapped lines joined, a hyphen that ends a code kept), numbered by its first printed
line, and ``page`` says where it was printed. A PDF table's cell keeps one line per
paragraph of the cell ("- Khoản 1\n- Khoản 2"), its wrapped lines joined. Every position
a reader knows (page, table, row, line) travels with the text, so a task can say where it
came from (``Document.locate``).

Emphasis (``bold``, ``italic``) and ``heading`` are hints a reader gives where the source
has them (markdown ``**``/``#``, Word run properties and heading styles, PDF font names);
extraction may use them to tell headings and labels from body text, never requires them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Merge = Literal["above", "left"]


@dataclass(frozen=True)
class Line:
    """One line of body text (markup removed), with its 1-based line number."""

    number: int
    text: str
    page: int | None = None
    bold: bool = False  # the whole line is bold (or strong)
    italic: bool = False  # the whole line is italic
    heading: bool = False  # marked as a heading by the source (``#``, a Heading style)


@dataclass
class Cell:
    """One table cell. ``merged`` says where the text came from when Word merged cells:
    ``above`` for a vertically merged cell (the text of the first cell of the merge),
    ``left`` for a horizontally merged one (the same cell seen in the next grid column)."""

    text: str
    first: int
    last: int
    merged: Merge | None = None

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Row:
    """One table row; ``block`` numbers the blank-line separated groups of a text export
    (rows of one vertically merged group are exported without a blank line between)."""

    cells: list[Cell]
    first: int
    last: int
    block: int = 0
    page: int | None = None

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]

    @property
    def blank(self) -> bool:
        return all(cell.blank for cell in self.cells)


@dataclass
class Table:
    """A table as rows of cells. ``aligned`` is True when every cell sits in its grid
    column (tab-separated rows, .docx); False when a row's cells are only a sequence whose
    columns must be inferred (cell-per-line exports, where merged and empty cells vanish)."""

    rows: list[Row]
    aligned: bool
    first: int = 0
    last: int = 0
    page: int | None = None  # the page the table starts on (PDF)
    nested: bool = False  # a table found inside a cell of another table


@dataclass
class Document:
    """A plan document in the intermediate form."""

    name: str
    format: str
    lines: list[Line]
    tables: list[Table] = field(default_factory=list)
    total_lines: int = 0
    notes: list[tuple[int | None, str]] = field(default_factory=list)  # reader warnings
    pages: int | None = None  # PDF pages
    ocr: bool = False  # the text came from optical character recognition

    def text_between(self, first: int, last: int) -> list[Line]:
        return [line for line in self.lines if first <= line.number <= last]

    def locate(self, first: int, last: int | None = None) -> Location:
        """Where lines ``first``..``last`` are: the table and row holding them, the page."""
        last = first if last is None else last
        for index, table in enumerate(self.tables, start=1):
            if not table.first <= first <= table.last:
                continue
            for row_index, row in enumerate(table.rows, start=1):
                if row.first <= first <= row.last:
                    return Location(first, last, row.page or table.page, index, row_index)
            return Location(first, last, table.page, index, None)
        page = next((line.page for line in self.lines if line.number >= first), None)
        return Location(first, last, page, None, None)


@dataclass(frozen=True)
class Location:
    """A span of lines, and the page, table (1-based) and row (1-based) holding it."""

    first: int
    last: int
    page: int | None
    table: int | None
    row: int | None
