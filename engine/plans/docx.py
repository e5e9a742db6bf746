"""Reader for Word files (python-docx), aware of merged cells.

Each ``<w:tc>`` is placed on the table grid: ``w:gridBefore`` leaves empty leading
columns, ``w:gridSpan`` repeats a horizontally merged cell in the columns it covers
(``merged="left"``), and ``w:vMerge`` (continue) takes the text of the cell that starts
the vertical merge above it (``merged="above"``), so the extractor can say a window was
inherited. Paragraphs and table rows are numbered in document order; those numbers are
the "lines" of warnings and ``source_lines``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any, cast

from engine.errors import InputError
from engine.i18n import _
from engine.plans.document import Cell, Document, Line, Row, Table
from engine.plans.numbering import Numbering
from engine.plans.text import clean_cell, clean_inline

# What a damaged file makes the zip and XML layers raise: a broken zip directory, a
# corrupt or cut deflate stream (zlib.error, EOFError), a zip version or compression
# method that is not supported (NotImplementedError), a missing part, a bad value.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, ValueError)


def read_docx(data: bytes, name: str) -> Document:
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, *_DAMAGED) as exc:
        raise InputError(
            _("cannot read the Word document: {exc}").format(exc=exc), file=name
        ) from exc
    except Exception as exc:  # lxml raises its own syntax errors for damaged XML
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise InputError(
                _("cannot read the Word document: {exc}").format(exc=exc), file=name
            ) from exc
        raise
    return _walk(document, name)


def _walk(document: Any, name: str) -> Document:
    from docx.table import Table as DocxTable

    walker = _Walker(Numbering.of(document))
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            walker.table(block._tbl)
        else:
            walker.paragraph(block._p)
    return Document(
        name=name,
        format="docx",
        lines=walker.lines,
        tables=walker.tables,
        total_lines=walker.number,
    )


class _Walker:
    """Numbers paragraphs and table rows in document order; Word's automatic numbers
    are counted in that order too (``numbering``), so a TT cell with no text of its own
    reads "1.", "2.", … as printed."""

    def __init__(self, numbering: Numbering):
        self.numbering = numbering
        self.lines: list[Line] = []
        self.tables: list[Table] = []
        self.number = 0

    def paragraph(self, p: Any) -> None:
        self.number += 1
        text = self._text(p)
        if text and self.numbering.bullet(p) and not text.startswith(("-", "+", "•")):
            text = f"- {text}"  # a Word bullet is a dash item of the body's lists
        if text:
            self.lines.append(Line(self.number, text))

    def _text(self, p: Any, *, breaks: bool = False) -> str:
        """A paragraph's text with its automatic number; in a cell a line break
        (``w:br``) stays one ("UBND TỈNH LÀO CAI" / "SỞ CÔNG THƯƠNG")."""
        from docx.text.paragraph import Paragraph

        label = self.numbering.label(p)
        raw = Paragraph(p, cast(Any, None)).text
        text = clean_cell(raw) if breaks else clean_inline(raw)
        return f"{label} {text}".strip() if label else text

    def table(self, tbl: Any, *, nested: bool = False) -> None:
        rows: list[Row] = []
        above: dict[int, Cell] = {}
        position = len(self.tables)
        self.tables.append(Table([], aligned=True, nested=nested))
        for tr in tbl.tr_lst:
            self.number += 1
            rows.append(self._row(tr, self.number, above))
        if rows:
            self.tables[position] = Table(
                rows, aligned=True, first=rows[0].first, last=rows[-1].last, nested=nested
            )
        else:
            del self.tables[position]

    def _row(self, tr: Any, number: int, above: dict[int, Cell]) -> Row:
        """One ``<w:tr>`` as grid-aligned cells; ``above`` holds, per grid column, the
        cell a vertical merge continues from."""
        cells: list[Cell] = [Cell("", number, number) for _ in range(tr.grid_before)]
        for tc in tr.tc_lst:
            column = len(cells)
            text = self._cell_text(tc)
            if tc.vMerge == "continue" and column in above:
                origin = above[column]
                cell = Cell(origin.text, origin.first, origin.last, merged="above")
            else:
                cell = Cell(text, number, number)
                above[column] = cell
            cells.append(cell)
            for _span in range(tc.grid_span - 1):
                cells.append(Cell(cell.text, cell.first, cell.last, merged="left"))
        return Row(cells, number, number)

    def _cell_text(self, tc: Any) -> str:
        """The cell's paragraphs, one per line (with their automatic numbers); a table
        inside the cell becomes a table of its own (``Table.nested``)."""
        from docx.oxml.ns import qn

        parts: list[str] = []
        for child in tc.iterchildren():
            if child.tag == qn("w:p"):
                parts.append(self._text(child, breaks=True))
            elif child.tag == qn("w:tbl"):
                self.table(child, nested=True)
        return clean_cell("\n".join(p for p in parts if p))
